/* Parsing pyhost.ini: every error names the file and line and gives a hint. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

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
