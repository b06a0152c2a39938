/* Parsing pyhost.ini: entry points and the list values (patterns, resource paths). */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* ---- entry points --------------------------------------------------------------------------- */

static void load_entry(const char *entry, ph_manifest *m)
{
    char text[256];
    ph_error err = {{0}, {0}};
    snprintf(text, sizeof text, "[app]\nname = t\nentry = %s\n", entry);
    cr_assert_eq(load_text(text, m, &err), 0, "%s: %s", entry, err.message);
}

Test(entry, module_function)
{
    ph_manifest m;
    load_entry("pkg.cli:main", &m);
    cr_assert_eq(m.app.entry.kind, PH_ENTRY_FUNCTION);
    cr_assert_str_eq(m.app.entry.module, "pkg.cli");
    cr_assert_str_eq(m.app.entry.function, "main");
    cr_assert_null(m.app.entry.script);
    ph_manifest_free(&m);
    load_entry("app:App.run", &m);
    cr_assert_eq(m.app.entry.kind, PH_ENTRY_FUNCTION);
    cr_assert_str_eq(m.app.entry.module, "app");
    cr_assert_str_eq(m.app.entry.function, "App.run");
    ph_manifest_free(&m);
}

Test(entry, module_run_like_dash_m)
{
    ph_manifest m;
    load_entry("pkg.tool", &m);
    cr_assert_eq(m.app.entry.kind, PH_ENTRY_MODULE);
    cr_assert_str_eq(m.app.entry.module, "pkg.tool");
    cr_assert_null(m.app.entry.function);
    cr_assert_null(m.app.entry.script);
    ph_manifest_free(&m);
    load_entry("_private9", &m);
    cr_assert_eq(m.app.entry.kind, PH_ENTRY_MODULE);
    ph_manifest_free(&m);
}

Test(entry, script_paths)
{
    const char *scripts[] = {"run.py", "scripts/run.py", "bin/tool", "gui.pyw", "./start.py"};
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        ph_manifest m;
        load_entry(scripts[i], &m);
        cr_assert_eq(m.app.entry.kind, PH_ENTRY_SCRIPT, "%s", scripts[i]);
        cr_assert_str_eq(m.app.entry.script, scripts[i]);
        cr_assert_null(m.app.entry.module);
        ph_manifest_free(&m);
    }
}

Test(entry, bad_forms)
{
    const char *bad_function[] = {"pkg:", ":main", "pkg.:f", "pkg:f-g", "1pkg:main", "a:b:c"};
    for (size_t i = 0; i < sizeof bad_function / sizeof bad_function[0]; i++) {
        char text[128], rest[128];
        snprintf(text, sizeof text, "[app]\nname = t\nentry = %s\n", bad_function[i]);
        snprintf(rest, sizeof rest, ":3: [app] entry: '%s' is not module:function",
                 bad_function[i]);
        expect_error(text, rest, "pkg.module:function");
    }
    expect_error("[app]\nname = t\nentry = my app\n",
                 ":3: [app] entry: 'my app' is not a module name, module:function or a .py script",
                 "path/to/script.py");
    expect_error("[app]\nname = t\nentry = pkg..mod\n",
                 ":3: [app] entry: 'pkg..mod' is not a module name, module:function or a .py "
                 "script",
                 NULL);
    expect_error("[app]\nname = t\nentry = /srv/app/run.py\n",
                 ":3: [app] entry: '/srv/app/run.py': the script path must be relative to the "
                 "manifest",
                 NULL);
}

/* ---- lists ---------------------------------------------------------------------------------- */

Test(lists, commas_newlines_and_comments)
{
    ph_manifest m;
    load_ok("[resources]\n"
            "include = a, b,\n"
            "    c\n"
            "\n"
            "    # a comment line inside the list\n"
            "    d.*, e ; trailing comment\n"
            "  ,f,,\n"
            "exclude =\n"
            "    x.tests.*\n",
            &m);
    const char *inc[] = {"a", "b", "c", "d.*", "e", "f"};
    assert_list(&m.resources.include, 6, inc);
    const char *exc[] = {"x.tests.*"};
    assert_list(&m.resources.exclude, 1, exc);
    cr_assert_eq(ph_manifest_line(&m, "resources", "include"), 5);
    ph_manifest_free(&m);
}

Test(lists, empty_list_overrides_default)
{
    ph_manifest m;
    load_ok("[python]\nstdlib_exclude =\n[resources]\npaths =\n", &m);
    cr_assert_eq(m.python.stdlib_exclude.count, 0);
    cr_assert_eq(m.resources.paths.count, 0);
    ph_manifest_free(&m);
}

Test(lists, bad_pattern_names_the_item)
{
    const char *bad[] = {"foo-bar", "a..b", ".a", "a.", "a b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[128], rest[128];
        snprintf(text, sizeof text, MINIMAL "[resources]\nexclude = ok.*, %s\n", bad[i]);
        snprintf(rest, sizeof rest, ":5: [resources] exclude: '%s' is not a module name pattern",
                 bad[i]);
        expect_error(text, rest, "'pkg.*' means pkg and everything under it");
    }
}

Test(lists, error_in_a_continuation_names_the_key_line)
{
    expect_error(MINIMAL "[python]\nstdlib_exclude =\n    test.*\n    bad-name\n",
                 ":5: [python] stdlib_exclude: 'bad-name' is not a module name pattern", NULL);
}

Test(lists, scalars_cannot_continue)
{
    expect_error(MINIMAL "version = 1.0\n    2.0\n",
                 ":4: [app] version: only lists may continue on indented lines", NULL);
}

Test(lists, resource_paths_resolve_against_the_manifest_directory)
{
    ph_manifest m;
    ph_error err;
    char *out = NULL, expected[PATH_MAX + 32], real[PATH_MAX];
    load_ok("[resources]\npaths = src, ./vendor/, /opt/lib, .\n", &m);
    /* The manifest's directory is the one loaded_path() is in. */
    cr_assert_not_null(realpath(loaded_path(), real));
    *strrchr(real, '/') = '\0';
    cr_assert_str_eq(m.base_dir, real);
    const char *want[] = {"src", "vendor", "/opt/lib", ""};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(ph_manifest_resolve_path(&m, m.resources.paths.items[i], &out, &err), 0);
        if (want[i][0] == '/')
            snprintf(expected, sizeof expected, "%s", want[i]);
        else if (want[i][0])
            snprintf(expected, sizeof expected, "%s/%s", real, want[i]);
        else
            snprintf(expected, sizeof expected, "%s", real);
        cr_assert_str_eq(out, expected);
        free(out);
    }
    ph_manifest_free(&m);
}
