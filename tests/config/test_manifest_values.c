/* Parsing and validating pyhost.ini from real files. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define MINIMAL "[app]\nname = t\nentry = t:main\n"

static void assert_list(const ph_strlist *list, size_t count, const char *const *items)
{
    cr_assert_eq(list->count, count, "list has %zu items, expected %zu", list->count, count);
    for (size_t i = 0; i < count; i++)
        cr_assert_str_eq(list->items[i], items[i]);
}

/* ---- defaults and values -------------------------------------------------------------------- */

Test(defaults, every_optional_key)
{
    ph_manifest m;
    load_ok("", &m);
    cr_assert_str_eq(m.app.name, "t");
    cr_assert_str_eq(m.app.version, "0.0.0");
    cr_assert_eq(m.app.gui, false);
    cr_assert_null(m.app.icon);
    cr_assert_eq(m.python.optimize, 0);
    cr_assert_eq(m.python.include_source, PH_SOURCE_ALL);
    cr_assert_eq(m.python.compress.method, PH_COMPRESSION_ZSTD);
    cr_assert_eq(m.python.compress.level, 3);
    cr_assert_eq(m.python.dictionary, false);
    cr_assert_eq(m.python.site, false);
    cr_assert_eq(m.python.filesystem_importer, true);
    cr_assert_eq(m.python.stdlib, PH_STDLIB_AUTO);
    cr_assert(m.resources.analysis);
    cr_assert_eq(m.python.stdlib_include.count, 0);
    const char *excl[] = {"test.*",          "idlelib.*",     "tkinter.test.*",
                          "lib2to3.tests.*", "ensurepip.*",   "distutils.tests.*",
                          "unittest.test.*", "ctypes.test.*", "turtledemo.*"};
    assert_list(&m.python.stdlib_exclude, 9, excl);
    const char *paths[] = {"."};
    assert_list(&m.resources.paths, 1, paths);
    cr_assert_eq(m.resources.include.count, 0);
    cr_assert_eq(m.resources.exclude.count, 0);
    ph_manifest_free(&m);
}

Test(defaults, lines_record_where_keys_were_set)
{
    ph_manifest m;
    load_ok("[python]\n\noptimize = 2\n", &m);
    cr_assert_eq(ph_manifest_line(&m, "app", "name"), 2);
    cr_assert_eq(ph_manifest_line(&m, "app", "entry"), 3);
    cr_assert_eq(ph_manifest_line(&m, "python", "optimize"), 6);
    cr_assert_eq(ph_manifest_line(&m, "app", "version"), 0);
    cr_assert_eq(ph_manifest_line(&m, "nope", "nope"), 0);
    ph_manifest_free(&m);
}

Test(values, every_key_set)
{
    ph_manifest m;
    load_ok("version = 2.1.0rc1\ngui = yes\nicon = art/app.png\n"
            "[python]\noptimize = 1\ninclude_source = off\ncompress = none\n"
            "dictionary = on\nsite = 1\nfilesystem_importer = FALSE\nstdlib = no\n"
            "stdlib_include = encodings.*,\n    json\nstdlib_exclude = tkinter.*\n"
            "[resources]\npaths = src, vendor\ninclude = app.*, helpers\nexclude = app.tests.*\n",
            &m);
    cr_assert_str_eq(m.app.version, "2.1.0rc1");
    cr_assert(m.app.gui);
    cr_assert_str_eq(m.app.icon, "art/app.png");
    cr_assert_eq(m.python.optimize, 1);
    cr_assert_eq(m.python.include_source, PH_SOURCE_NONE);
    cr_assert_eq(m.python.compress.method, PH_COMPRESSION_NONE);
    cr_assert_eq(m.python.compress.level, 0);
    cr_assert(m.python.dictionary);
    cr_assert(m.python.site);
    cr_assert(!m.python.filesystem_importer);
    cr_assert_not(m.python.stdlib);
    const char *stdinc[] = {"encodings.*", "json"};
    assert_list(&m.python.stdlib_include, 2, stdinc);
    const char *excl[] = {"tkinter.*"};
    assert_list(&m.python.stdlib_exclude, 1, excl);
    const char *paths[] = {"src", "vendor"};
    assert_list(&m.resources.paths, 2, paths);
    const char *inc[] = {"app.*", "helpers"};
    assert_list(&m.resources.include, 2, inc);
    const char *exc[] = {"app.tests.*"};
    assert_list(&m.resources.exclude, 1, exc);
    ph_manifest_free(&m);
}

Test(values, booleans_all_spellings)
{
    const char *truthy[] = {"true", "True", "yes", "YES", "on", "1"};
    const char *falsy[] = {"false", "FALSE", "no", "No", "off", "0"};
    for (size_t i = 0; i < 6; i++) {
        char extra[64];
        ph_manifest m;
        snprintf(extra, sizeof extra, "gui = %s\n", truthy[i]);
        load_ok(extra, &m);
        cr_assert(m.app.gui, "'%s' should be true", truthy[i]);
        ph_manifest_free(&m);
        snprintf(extra, sizeof extra, "[python]\nstdlib = %s\n", falsy[i]);
        load_ok(extra, &m);
        cr_assert_not(m.python.stdlib, "'%s' should be false", falsy[i]);
        ph_manifest_free(&m);
    }
}

Test(values, stdlib_policies)
{
    const char *words[] = {"auto", "all", "true", "false"};
    ph_stdlib_policy want[] = {PH_STDLIB_AUTO, PH_STDLIB_ALL, PH_STDLIB_ALL, PH_STDLIB_NONE};
    for (size_t i = 0; i < 4; i++) {
        char extra[64];
        ph_manifest m;
        snprintf(extra, sizeof extra, "[python]\nstdlib = %s\n", words[i]);
        load_ok(extra, &m);
        cr_assert_eq(m.python.stdlib, want[i], "stdlib = %s", words[i]);
        ph_manifest_free(&m);
    }
}

Test(values, include_source_app_or_boolean)
{
    static const struct {
        const char *value;
        ph_source_policy policy;
    } cases[] = {{"app", PH_SOURCE_APP}, {"App", PH_SOURCE_APP}, {"true", PH_SOURCE_ALL},
                 {"on", PH_SOURCE_ALL},  {"no", PH_SOURCE_NONE}, {"0", PH_SOURCE_NONE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char extra[64];
        ph_manifest m;
        snprintf(extra, sizeof extra, "[python]\ninclude_source = %s\n", cases[i].value);
        load_ok(extra, &m);
        cr_assert_eq(m.python.include_source, cases[i].policy, "include_source = %s",
                     cases[i].value);
        ph_manifest_free(&m);
    }
    expect_error(MINIMAL "[python]\ninclude_source = stdlib\n",
                 ":5: [python] include_source: 'stdlib' is not a boolean or 'app'",
                 "app (only the app's own modules");
}

Test(values, bad_boolean)
{
    expect_error(MINIMAL "gui = maybe\n", ":4: [app] gui: 'maybe' is not a boolean",
                 "true, false, yes, no, on, off, 1 or 0");
    expect_error(MINIMAL "[python]\nsite = 2\n", ":5: [python] site: '2' is not a boolean",
                 "accepted:");
}

Test(values, hash_after_value_is_not_a_comment)
{
    expect_error(MINIMAL "gui = true # windowed\n",
                 ":4: [app] gui: 'true # windowed' is not a boolean", "' ;'");
    ph_manifest m;
    load_ok("gui = true ; windowed\n", &m);
    cr_assert(m.app.gui);
    ph_manifest_free(&m);
}

Test(values, optimize_levels)
{
    for (int level = 0; level <= 2; level++) {
        char extra[64];
        ph_manifest m;
        snprintf(extra, sizeof extra, "[python]\noptimize = %d\n", level);
        load_ok(extra, &m);
        cr_assert_eq(m.python.optimize, level);
        ph_manifest_free(&m);
    }
    expect_error(MINIMAL "[python]\noptimize = 3\n", ":5: [python] optimize: '3' is not 0, 1 or 2",
                 "0, 1 or 2");
    expect_error(MINIMAL "[python]\noptimize = -1\n",
                 ":5: [python] optimize: '-1' is not 0, 1 or 2", NULL);
    expect_error(MINIMAL "[python]\noptimize = 1.0\n",
                 ":5: [python] optimize: '1.0' is not 0, 1 or 2", NULL);
    expect_error(MINIMAL "[python]\noptimize = high\n",
                 ":5: [python] optimize: 'high' is not 0, 1 or 2", NULL);
}

/* One pyhost embeds one Python (PH_PYTHON_MINOR from meson.build): another version names the
 * pyhost to use. */
Test(values, python_version)
{
    ph_manifest m;
    load_ok("[python]\nversion = " PH_PYTHON_MINOR "\n", &m);
    cr_assert_str_eq(m.python.version, PH_PYTHON_MINOR);
    ph_manifest_free(&m);
    load_ok("", &m);
    cr_assert_null(m.python.version);
    ph_manifest_free(&m);
    const char *other = strcmp(PH_PYTHON_MINOR, "3.12") ? "3.12" : "3.13";
    char text[128], rest[160];
    snprintf(text, sizeof text, MINIMAL "[python]\nversion = %s\n", other);
    snprintf(rest, sizeof rest,
             ":5: [python] version: the app is for Python %s, but this pyhost embeds Python "
             "%s: use pyhost%s",
             other, PH_PYTHON_MINOR, other);
    expect_error(text, rest, "-Dsuffix_version=true");
    expect_error(MINIMAL "[python]\nversion = 3\n",
                 ":5: [python] version: '3' is not a Python version like " PH_PYTHON_MINOR, NULL);
    expect_error(MINIMAL "[python]\nversion = 3.12.1\n",
                 ":5: [python] version: '3.12.1' is not a Python version like " PH_PYTHON_MINOR,
                 NULL);
}

Test(values, compress_forms)
{
    struct {
        const char *text;
        ph_compression method;
        int level;
    } good[] = {{"none", PH_COMPRESSION_NONE, 0},
                {"zstd", PH_COMPRESSION_ZSTD, 3},
                {"zstd:1", PH_COMPRESSION_ZSTD, 1},
                {"zstd:19", PH_COMPRESSION_ZSTD, 19},
                {"zstd:22", PH_COMPRESSION_ZSTD, 22}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char extra[64];
        ph_manifest m;
        snprintf(extra, sizeof extra, "[python]\ncompress = %s\n", good[i].text);
        load_ok(extra, &m);
        cr_assert_eq(m.python.compress.method, good[i].method, "%s", good[i].text);
        cr_assert_eq(m.python.compress.level, good[i].level, "%s", good[i].text);
        ph_manifest_free(&m);
    }
}

Test(values, bad_compress)
{
    const char *levels[] = {"zstd:0", "zstd:23", "zstd:", "zstd:x", "zstd:+3", "zstd:3x"};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        char text[128], rest[128];
        snprintf(text, sizeof text, MINIMAL "[python]\ncompress = %s\n", levels[i]);
        snprintf(rest, sizeof rest,
                 ":5: [python] compress: '%s': the zstd level must be a number from 1 to 22",
                 levels[i]);
        expect_error(text, rest, "zstd:LEVEL");
    }
    expect_error(MINIMAL "[python]\ncompress = gzip\n",
                 ":5: [python] compress: 'gzip' is not a compression method", "none, zstd");
    expect_error(MINIMAL "[python]\ncompress = ZSTD\n",
                 ":5: [python] compress: 'ZSTD' is not a compression method", NULL);
}

Test(values, name_and_version)
{
    ph_manifest m;
    ph_error err;
    cr_assert_eq(load_text("[app]\nname = My_App-2.0\nentry = a\n", &m, &err), 0, "%s",
                 err.message);
    cr_assert_str_eq(m.app.name, "My_App-2.0");
    ph_manifest_free(&m);
    expect_error("[app]\nname = my app\nentry = a\n",
                 ":2: [app] name: 'my app' is not a valid name", "letters, digits");
    expect_error("[app]\nname = caf\xc3\xa9\nentry = a\n",
                 ":2: [app] name: 'caf\xc3\xa9' is not a valid name", NULL);
    expect_error("[app]\nname =\nentry = a\n", ":2: [app] name: the value is empty", NULL);
    expect_error(MINIMAL "version = 1 0\n", ":4: [app] version: '1 0' is not a valid version",
                 "1.2.0");
}

Test(values, icon_path_is_kept_as_written_and_resolved)
{
    ph_manifest m;
    char *resolved = NULL, expected[PATH_MAX + 32];
    ph_error err;
    load_ok("icon = art/app.png\n", &m);
    cr_assert_str_eq(m.app.icon, "art/app.png");
    cr_assert_eq(ph_manifest_resolve_path(&m, m.app.icon, &resolved, &err), 0);
    snprintf(expected, sizeof expected, "%s/art/app.png", m.base_dir);
    cr_assert_str_eq(resolved, expected);
    free(resolved);
    ph_manifest_free(&m);
    expect_error(MINIMAL "icon =\n", ":4: [app] icon: the value is empty", NULL);
}

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

/* ---- errors --------------------------------------------------------------------------------- */

Test(errors, missing_file)
{
    ph_manifest m;
    ph_error err;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/pyhost.ini", tmpdir());
    cr_assert_eq(ph_manifest_load(&m, path, &err), -1);
    cr_assert_not_null(strstr(err.message, path), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "No such file"), "%s", err.message);
    cr_assert_str_eq(err.hint, "run 'pyhost init' to create one");
}

Test(errors, directory_is_not_a_manifest)
{
    ph_manifest m;
    ph_error err;
    const char *dir = tmpdir();
    cr_assert_eq(ph_manifest_load(&m, dir, &err), -1);
    cr_assert_not_null(strstr(err.message, "not a regular file"), "%s", err.message);
}

Test(errors, nul_byte)
{
    ph_manifest m;
    ph_error err;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/pyhost.ini", tmpdir());
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite("[app]\n\0name = x\n", 1, 16, f);
    fclose(f);
    cr_assert_eq(ph_manifest_load(&m, path, &err), -1);
    cr_assert_not_null(strstr(err.message, "NUL byte"), "%s", err.message);
}

Test(errors, unknown_section_with_suggestion)
{
    expect_error(MINIMAL "[pyton]\noptimize = 1\n", ":4: [pyton]: unknown section",
                 "did you mean [python]? known sections: [app], [python], [resources]");
}

Test(errors, unknown_empty_section)
{
    expect_error(MINIMAL "\n[bundel]\n", ":5: [bundel]: unknown section",
                 "known sections: [app], [python], [resources]");
}

Test(errors, unknown_section_without_suggestion)
{
    ph_manifest m;
    ph_error err;
    cr_assert_eq(load_text(MINIMAL "[zzzzzz]\n", &m, &err), -1);
    cr_assert_str_eq(err.hint, "known sections: [app], [python], [resources], [routing], [bundle], "
                               "[installer.deb], [installer.dmg], [installer.msi]");
}

Test(errors, unknown_key_typo)
{
    expect_error("[app]\nname = t\nentyr = t:main\n", ":3: [app] entyr: unknown key",
                 "did you mean 'entry'? [app] accepts: name, version, entry, gui, icon");
    expect_error(MINIMAL "[python]\noptimise = 1\n", ":5: [python] optimise: unknown key",
                 "did you mean 'optimize'?");
    expect_error(MINIMAL "Name = x\n", ":4: [app] Name: unknown key", "did you mean 'name'?");
}

Test(errors, unknown_key_without_suggestion)
{
    ph_manifest m;
    ph_error err;
    cr_assert_eq(load_text(MINIMAL "colour = blue\n", &m, &err), -1);
    cr_assert_str_eq(err.hint, "[app] accepts: name, version, entry, gui, icon");
}

Test(errors, key_in_wrong_section)
{
    expect_error(MINIMAL "optimize = 2\n", ":4: [app] optimize: unknown key",
                 "'optimize' belongs in [python]");
}

Test(errors, key_outside_any_section)
{
    expect_error("name = t\n" MINIMAL, ":1: name: key outside any section",
                 "put it under a [app] header");
}

Test(errors, duplicate_key)
{
    expect_error(MINIMAL "\nname = u\n", ":5: [app] name: duplicate key (first set on line 2)",
                 "keep one of them");
}

Test(errors, duplicate_section)
{
    expect_error(MINIMAL "[python]\n[app]\ngui = true\n",
                 ":5: [app]: duplicate section (first on line 1)", "merge");
}

Test(errors, missing_required_key_points_at_section)
{
    expect_error("# comment\n[app]\nname = t\n", ":2: [app] entry: required key is missing",
                 "add it under [app], e.g. 'entry = my_app:main'");
    expect_error("[app]\nentry = a\n", ":1: [app] name: required key is missing", "name = ");
}

Test(errors, missing_app_section)
{
    expect_error("[python]\noptimize = 1\n",
                 ": [app] name: required key is missing (there is no [app] section)",
                 "add it under [app]");
    expect_error("", ": [app] name: required key is missing (there is no [app] section)", NULL);
}

Test(errors, syntax_errors)
{
    expect_error(MINIMAL "gui\n",
                 ":4: syntax error: expected '[section]', 'key = value' or a "
                 "comment",
                 "closing ']'");
    expect_error(MINIMAL "[python\noptimize = 1\n",
                 ":4: syntax error: expected '[section]', 'key = value' or a comment", NULL);
}

Test(errors, long_line)
{
    char text[1024];
    snprintf(text, sizeof text, MINIMAL "[resources]\ninclude = %0300d\n", 7);
    expect_error(text, ":5: line is longer than 197 characters", "indented lines");
}

Test(errors, long_list_over_lines_is_fine)
{
    char extra[4096] = "[resources]\ninclude =\n";
    for (int i = 0; i < 100; i++)
        snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "    module_%03d.*,\n", i);
    ph_manifest m;
    load_ok(extra, &m);
    cr_assert_eq(m.resources.include.count, 100);
    cr_assert_str_eq(m.resources.include.items[99], "module_099.*");
    ph_manifest_free(&m);
}

Test(errors, earliest_error_wins)
{
    /* Unknown key on line 4 before the syntax error on line 5. */
    expect_error(MINIMAL "bogus = 1\noops\n", ":4: [app] bogus: unknown key", NULL);
    /* Syntax error on line 4 before the bad value on line 6. */
    expect_error(MINIMAL "oops\n[python]\noptimize = 9\n",
                 ":4: syntax error: expected '[section]', 'key = value' or a comment", NULL);
    /* An unknown section header comes before the keys under it. */
    expect_error(MINIMAL "[extra]\nkey = 1\n", ":4: [extra]: unknown section", NULL);
}

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
