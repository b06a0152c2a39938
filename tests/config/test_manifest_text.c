/* Parsing pyhost.ini: encodings, the parser's entry points, helpers for later stages,
 * distributions and routing. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* ---- encodings and entry points into the parser --------------------------------------------- */

Test(text, crlf_and_bom)
{
    ph_manifest m;
    ph_error err = {{0}, {0}};
    cr_assert_eq(load_text("\xEF\xBB\xBF[app]\r\nname = t\r\nentry = t:main\r\n"
                           "[resources]\r\ninclude = a,\r\n    b\r\n",
                           &m, &err),
                 0, "%s", err.message);
    cr_assert_str_eq(m.app.name, "t");
    const char *inc[] = {"a", "b"};
    assert_list(&m.resources.include, 2, inc);
    ph_manifest_free(&m);
    expect_error("\xEF\xBB\xBF[ap]\nname = t\n", ":1: [ap]: unknown section",
                 "did you mean [app]?");
}

Test(text, parse_string_uses_display_path_and_base_dir)
{
    ph_manifest m;
    ph_error err;
    cr_assert_eq(ph_manifest_parse_string(&m, MINIMAL, "app.pyr:pyhost.ini", "/opt/app", &err), 0);
    cr_assert_str_eq(m.path, "app.pyr:pyhost.ini");
    cr_assert_str_eq(m.base_dir, "/opt/app");
    ph_manifest_free(&m);
    cr_assert_eq(
        ph_manifest_parse_string(&m, "[app]\nname = t\n", "app.pyr:pyhost.ini", "/opt", &err), -1);
    cr_assert_str_eq(err.message, "app.pyr:pyhost.ini:1: [app] entry: required key is missing");
}

Test(text, parse_string_relative_base_dir)
{
    ph_manifest m;
    ph_error err;
    char cwd[PATH_MAX], expected[PATH_MAX + 16];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(ph_manifest_parse_string(&m, MINIMAL, "x.ini", NULL, &err), 0);
    cr_assert_str_eq(m.base_dir, cwd);
    ph_manifest_free(&m);
    cr_assert_eq(ph_manifest_parse_string(&m, MINIMAL, "x.ini", "proj", &err), 0);
    snprintf(expected, sizeof expected, "%s/proj", cwd);
    cr_assert_str_eq(m.base_dir, expected);
    ph_manifest_free(&m);
}

Test(text, manifest_in_current_directory)
{
    ph_manifest m;
    ph_error err;
    char real[PATH_MAX];
    const char *dir = tmpdir();
    free(write_file(dir, "pyhost.ini", MINIMAL));
    cr_assert_eq(chdir(dir), 0);
    cr_assert_eq(ph_manifest_load(&m, "pyhost.ini", &err), 0, "%s", err.message);
    cr_assert_not_null(realpath(dir, real));
    cr_assert_str_eq(m.base_dir, real);
    cr_assert_str_eq(m.path, "pyhost.ini");
    ph_manifest_free(&m);
}

/* ---- helpers for later stages --------------------------------------------------------------- */

Test(helpers, manifest_error_points_at_the_key)
{
    ph_manifest m;
    ph_error err;
    cr_assert_eq(
        ph_manifest_parse_string(&m, MINIMAL "[resources]\npaths = src\n", "p.ini", "/", &err), 0);
    cr_assert_eq(ph_manifest_error(&m, &err, "resources", "paths", "'%s' does not exist", "src"),
                 -1);
    cr_assert_str_eq(err.message, "p.ini:5: [resources] paths: 'src' does not exist");
    ph_manifest_error(&m, &err, "python", "optimize", "not supported");
    cr_assert_str_eq(err.message, "p.ini: [python] optimize: not supported");
    ph_manifest_free(&m);
}

Test(helpers, check_value)
{
    ph_error err;
    cr_assert_eq(ph_manifest_check_value("app", "entry", "pkg:main", &err), 0);
    cr_assert_eq(ph_manifest_check_value("python", "compress", "zstd:9", &err), 0);
    cr_assert_eq(ph_manifest_check_value("app", "entry", "a b", &err), -1);
    cr_assert_str_eq(err.message,
                     "[app] entry: 'a b' is not a module name, module:function or a .py script");
    cr_assert_not_null(strstr(err.hint, "pkg.module:function"));
    cr_assert_eq(ph_manifest_check_value("app", "nope", "x", &err), -1);
}

Test(helpers, free_is_idempotent)
{
    ph_manifest m;
    load_ok("", &m);
    ph_manifest_free(&m);
    ph_manifest_free(&m);
    ph_manifest_free(NULL);
    cr_assert_null(m.app.name);
}

/* ---- distributions, site_packages and routing ---------------------------------------------- */

Test(distributions, defaults)
{
    ph_manifest m;
    load_ok("", &m);
    cr_assert_eq(m.resources.distributions.count, 0);
    cr_assert_eq(m.resources.site_packages.count, 0);
    cr_assert_eq(ph_manifest_line(&m, "resources", "site_packages"), 0);
    cr_assert_eq(m.resources.routing.kind, PH_ROUTE_IN_MEMORY);
    cr_assert_null(m.resources.routing.dir);
    cr_assert_eq(m.routing.count, 0);
    ph_manifest_free(&m);
}

Test(distributions, names_with_extras)
{
    ph_manifest m;
    load_ok("[resources]\ndistributions = requests[socks, use_chardet_on_py3], PyYAML\n"
            "    zope.interface\nsite_packages = venv/site\n",
            &m);
    const char *names[] = {"requests[socks, use_chardet_on_py3]", "PyYAML", "zope.interface"};
    assert_list(&m.resources.distributions, 3, names);
    const char *sites[] = {"venv/site"};
    assert_list(&m.resources.site_packages, 1, sites);
    ph_manifest_free(&m);
}

Test(distributions, bad_names)
{
    expect_error(MINIMAL "[resources]\ndistributions = requests, -bad\n",
                 ":5: [resources] distributions: '-bad' is not a distribution name", "accepted");
    expect_error(MINIMAL "[resources]\ndistributions = requests[socks\n",
                 ":5: [resources] distributions: 'requests[socks' is not a distribution name",
                 NULL);
}

Test(routing, policies)
{
    ph_manifest m;
    load_ok("[resources]\nrouting = filesystem-relative:lib/ext/\n"
            "[routing]\nnumpy.* = prefer-in-memory\nnumpy.linalg.* = filesystem-relative:np\n"
            "yaml._yaml = in-memory\n",
            &m);
    cr_assert_eq(m.resources.routing.kind, PH_ROUTE_FILESYSTEM);
    cr_assert_str_eq(m.resources.routing.dir, "lib/ext");
    cr_assert_eq(m.routing.count, 3);
    int line;
    const ph_routing *r = ph_manifest_route(&m, "numpy.core._umath", &line);
    cr_assert_eq(r->kind, PH_ROUTE_PREFER_IN_MEMORY);
    cr_assert_eq(line, 7);
    r = ph_manifest_route(&m, "numpy.linalg._umath_linalg", &line);
    cr_assert_eq(r->kind, PH_ROUTE_FILESYSTEM);
    cr_assert_str_eq(r->dir, "np");
    cr_assert_eq(line, 8);
    cr_assert_eq(ph_manifest_route(&m, "yaml._yaml", NULL)->kind, PH_ROUTE_IN_MEMORY);
    r = ph_manifest_route(&m, "_ssl", &line);
    cr_assert_eq(r, &m.resources.routing);
    cr_assert_eq(line, 0);
    ph_manifest_free(&m);
}

Test(routing, bad_values)
{
    const char *hint = "filesystem-relative:DIR";
    expect_error(MINIMAL "[resources]\nrouting = disk\n",
                 ":5: [resources] routing: 'disk' is not a routing policy", hint);
    expect_error(MINIMAL "[resources]\nrouting = filesystem-relative:/abs\n",
                 ":5: [resources] routing: '/abs': the directory must be relative to the app's "
                 "directory, without '.' or '..' components",
                 hint);
    expect_error(MINIMAL "[routing]\nnumpy.* = filesystem-relative:lib/../..\n",
                 ":5: [routing] numpy.*: 'lib/../..': the directory must be relative to the app's "
                 "directory, without '.' or '..' components",
                 hint);
    expect_error(MINIMAL "[routing]\nnumpy.* = filesystem-relative:\n",
                 ":5: [routing] numpy.*: '': the directory must be relative to the app's "
                 "directory, without '.' or '..' components",
                 hint);
    expect_error(MINIMAL "[routing]\nnum-py = in-memory\n",
                 ":5: [routing] num-py: not a module name pattern", "numpy.*");
    expect_error(MINIMAL "[routing]\nnumpy.* = in-memory\nnumpy.* = in-memory\n",
                 ":6: [routing] numpy.*: duplicate key (first set on line 5)", "keep one");
}
