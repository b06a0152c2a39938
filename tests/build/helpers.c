#include "helpers.h"

#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/fsutil.h"

static char dir_buf[PATH_MAX];

static void remove_fixture(void)
{
    if (dir_buf[0])
        ph_remove_tree(dir_buf);
}

const char *fixture_dir(void)
{
    char templ[PATH_MAX];
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(templ, sizeof templ, "%s/ph-build-XXXXXX", base);
    cr_assert_not_null(mkdtemp(templ), "mkdtemp failed");
    cr_assert_not_null(realpath(templ, dir_buf));
    atexit(remove_fixture);
    return dir_buf;
}

void put(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX], parent[PATH_MAX];
    ph_error err;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(parent, sizeof parent, "%s", path);
    cr_assert_eq(ph_mkdirs(dirname(parent), 0755, &err), 0, "%s", err.message);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

void use_extension_suffixes(void)
{
    static const char *const suffixes[] = {".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so",
                                           NULL};
    ph_extension_suffixes = suffixes;
}

int resolve(const char *distributions, const char *site, const char *dpkg, ph_dist_set *out,
            ph_error *err)
{
    char text[1024];
    snprintf(text, sizeof text,
             "[app]\nname = t\nentry = t:main\n[resources]\ndistributions = %s\n", distributions);
    ph_manifest m;
    ph_error merr;
    cr_assert_eq(ph_manifest_parse_string(&m, text, "test.ini", NULL, &merr), 0, "%s",
                 merr.message);
    ph_strlist sites = {.items = (char *[]){(char *)site}, .count = 1};
    use_extension_suffixes();
    double seconds;
    int rc = ph_dist_resolve_in(&m, &sites, dpkg, out, &seconds, err);
    ph_manifest_free(&m);
    return rc;
}

const ph_dist *dist_named(const ph_dist_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (!strcmp(set->items[i].name, name))
            return &set->items[i];
    cr_assert_fail("distribution %s not resolved", name);
    return NULL;
}

const char *joined(const ph_strlist *tops)
{
    static char buf[1024];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < tops->count && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? "," : "", tops->items[i]);
    return buf;
}
