/* Parsing and validating pyhost.ini from real files: the defaults and every key's values. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

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
