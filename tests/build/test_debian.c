/* dpkg's record: a fake /var/lib/dpkg (info/PKG.list and status) beside a fake site directory. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "helpers.h"

static char site[1024], dpkg[1024];

/* yamllint (an app under its own name) Depends on python3-yaml through an alternative;
 * python3-zope.testrunner (a dotted name) on python3-pkg-resources (modules, no metadata);
 * python3-lzo ships a single-file egg-info whose module is named differently. */
static void fixture(void)
{
    const char *root = fixture_dir();
    snprintf(site, sizeof site, "%s/usr/lib/python3/dist-packages", root);
    snprintf(dpkg, sizeof dpkg, "%s/var/lib/dpkg", root);
    put(site, "yamllint/__init__.py", "");
    put(site, "yamllint-1.29.0.egg-info/PKG-INFO", "Name: yamllint\n\n");
    put(site, "yamllint-1.29.0.egg-info/top_level.txt", "yamllint\n");
    put(site, "yaml/__init__.py", "");
    put(site, "_yaml/__init__.py", "");
    put(site, "PyYAML-6.0.egg-info/PKG-INFO", "Name: PyYAML\n\n");
    put(site, "PyYAML-6.0.egg-info/top_level.txt", "_yaml\nyaml\n");
    put(site, "zope/testrunner/__init__.py", "");
    put(site, "zope.testrunner-5.6.egg-info/PKG-INFO", "Name: zope.testrunner\n\n");
    put(site, "zope.testrunner-5.6.egg-info/top_level.txt", "zope\n");
    put(site, "pkg_resources/__init__.py", "");
    put(site, "lzo.cpython-311-x86_64-linux-gnu.so", "");
    put(site, "quux.py", "");
    put(site, "Strange-1.0.egg-info", "Name: Strange\n");

    char list[16384];
    snprintf(list, sizeof list,
             "/.\n/usr\n/usr/bin/yamllint\n%s\n%s/yamllint\n%s/yamllint/__init__.py\n"
             "%s/yamllint-1.29.0.egg-info\n%s/yamllint-1.29.0.egg-info/PKG-INFO\n",
             site, site, site, site, site);
    put(dpkg, "info/yamllint.list", list);
    snprintf(list, sizeof list, "%s/yaml\n%s/yaml/__init__.py\n%s/_yaml\n%s/PyYAML-6.0.egg-info\n",
             site, site, site, site);
    put(dpkg, "info/python3-yaml:amd64.list", list);
    snprintf(list, sizeof list, "%s/zope\n%s/zope/testrunner\n%s/zope.testrunner-5.6.egg-info\n",
             site, site, site);
    put(dpkg, "info/python3-zope.testrunner.list", list);
    snprintf(list, sizeof list,
             "%s\n%s/pkg_resources\n%s/pkg_resources/__init__.py\n"
             "/usr/share/doc/python3-pkg-resources\n",
             site, site, site);
    put(dpkg, "info/python3-pkg-resources.list", list);
    snprintf(list, sizeof list, "%s/quux.py\n%s/Strange-1.0.egg-info\n", site, site);
    put(dpkg, "info/python3-strange.list", list);
    put(dpkg, "info/python3.11.list", "/usr/lib/python3.11/os.py\n");
    put(dpkg, "info/yamllint.md5sums", "0 /usr/lib/python3/dist-packages/nothing.py\n");
    put(dpkg, "status",
        "Package: yamllint\nStatus: install ok installed\nDepends: python3-pathspec | "
        "python3-yaml,\n python3-pkg-resources, python3:any\nDescription: x\n\n"
        "Package: python3-yaml\nDepends: python3 (<< 3.12), libyaml-0-2\n\n"
        "Package: python3-zope.testrunner\nDepends: python3-pkg-resources, python3.11\n\n"
        "Package: python3-pkg-resources\nDepends: python3:any\n\n"
        "Package: python3-strange\nDepends: python3-yaml\n\n");
}

static bool has(const ph_dist_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (!strcmp(set->items[i].name, name))
            return true;
    return false;
}

Test(debian, owner_of_a_package_under_its_own_name_and_a_dotted_one, .init = fixture)
{
    ph_debian *d = ph_debian_new(dpkg);
    const char *package;
    ph_error err;
    char path[8192];
    snprintf(path, sizeof path, "%s/yamllint-1.29.0.egg-info", site);
    cr_assert_eq(ph_debian_owner(d, path, &package, &err), 0);
    cr_assert_str_eq(package, "yamllint");
    snprintf(path, sizeof path, "%s/zope.testrunner-5.6.egg-info", site);
    cr_assert_eq(ph_debian_owner(d, path, &package, &err), 0);
    cr_assert_str_eq(package, "python3-zope.testrunner");
    snprintf(path, sizeof path, "%s/PyYAML-6.0.egg-info", site);
    cr_assert_eq(ph_debian_owner(d, path, &package, &err), 0);
    cr_assert_str_eq(package, "python3-yaml"); /* ":amd64" dropped */
    snprintf(path, sizeof path, "%s/yaml/__init__.py", site);
    cr_assert_eq(ph_debian_owner(d, path, &package, &err), 0);
    cr_assert_null(package); /* only what is right inside a site directory is indexed */
    cr_assert_geq(ph_debian_index_seconds(d), 0.0);
    ph_debian_free(d);
}

Test(debian, depends_take_the_first_alternative_that_ships_python, .init = fixture)
{
    ph_debian *d = ph_debian_new(dpkg);
    ph_strlist packages = {0}, reasons = {0};
    ph_error err;
    cr_assert_eq(ph_debian_depends(d, "yamllint", &packages, &reasons, &err), 0);
    cr_assert_eq(packages.count, 2);
    cr_assert_str_eq(packages.items[0], "python3-yaml");
    cr_assert_str_eq(packages.items[1], "python3-pkg-resources");
    cr_assert_str_eq(reasons.items[0], "Debian yamllint Depends: python3-pathspec | python3-yaml");
    ph_debian_free(d);
}

Test(debian, site_entries, .init = fixture)
{
    ph_debian *d = ph_debian_new(dpkg);
    ph_strlist entries = {0};
    ph_error err;
    cr_assert_eq(ph_debian_site_entries(d, "python3-yaml", site, &entries, &err), 0);
    cr_assert_str_eq(joined(&entries), "PyYAML-6.0.egg-info,_yaml,yaml");
    ph_debian_free(d);
}

Test(debian, app_under_its_own_name_gets_its_depends, .init = fixture)
{
    ph_dist_set set;
    ph_error err;
    cr_assert_eq(resolve("yamllint", site, dpkg, &set, &err), 0, "%s", err.message);
    cr_assert(has(&set, "pyyaml"));
    const ph_dist *unit = dist_named(&set, "debian:python3-pkg-resources");
    cr_assert_null(unit->meta);
    cr_assert_str_eq(joined(&unit->tops), "pkg_resources");
    cr_assert(strstr(unit->reason, "Debian yamllint Depends: python3-pkg-resources"));
    cr_assert_str_eq(joined(&dist_named(&set, "pyyaml")->tops), "_yaml,yaml");
    ph_dist_set_free(&set);
}

Test(debian, dotted_package_name_gets_its_depends, .init = fixture)
{
    ph_dist_set set;
    ph_error err;
    cr_assert_eq(resolve("zope.testrunner", site, dpkg, &set, &err), 0, "%s", err.message);
    cr_assert(has(&set, "debian:python3-pkg-resources"));
    cr_assert_eq(set.count, 2);
    ph_dist_set_free(&set);
}

Test(debian, single_file_egg_info_takes_the_files_of_its_package, .init = fixture)
{
    ph_dist_set set;
    ph_error err;
    cr_assert_eq(resolve("strange", site, dpkg, &set, &err), 0, "%s", err.message);
    cr_assert_str_eq(joined(&dist_named(&set, "strange")->tops), "quux");
    cr_assert(has(&set, "pyyaml")); /* and its Depends */
    ph_dist_set_free(&set);
}

Test(debian, without_dpkg_nothing_is_followed, .init = fixture)
{
    ph_dist_set set;
    ph_error err;
    char none[8192];
    snprintf(none, sizeof none, "%s/missing", dpkg);
    cr_assert_eq(resolve("yamllint", site, none, &set, &err), 0, "%s", err.message);
    cr_assert_eq(set.count, 1);
    ph_dist_set_free(&set);
    /* and a single-file egg-info nothing matches is an error then */
    cr_assert_eq(resolve("strange", site, none, &set, &err), -1);
    cr_assert(strstr(err.message, "Strange-1.0.egg-info"), "%s", err.message);
}

/* What indexing this machine's dpkg database costs (the number is logged). */
Test(debian, index_cost_of_this_system)
{
    struct stat st;
    if (stat("/var/lib/dpkg/info", &st) != 0)
        cr_skip_test("not a dpkg system");
    ph_debian *d = ph_debian_new(NULL);
    const char *package;
    ph_error err;
    cr_assert_eq(ph_debian_owner(d, "/usr/lib/python3/dist-packages/x", &package, &err), 0);
    double seconds = ph_debian_index_seconds(d);
    cr_log_info("dpkg index: %.1f ms", seconds * 1000);
    fprintf(stderr, "dpkg index: %.1f ms\n", seconds * 1000);
    cr_assert_lt(seconds, 2.0);
    ph_debian_free(d);
}
