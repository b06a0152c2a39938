/* Module name patterns for include/exclude lists. */
#include <criterion/criterion.h>

#include "pyhost/manifest.h"

struct match_case {
    const char *pattern;
    const char *module;
    bool matches;
};

static const struct match_case cases[] = {
    /* exact names match only themselves */
    {"json", "json", true},
    {"json", "json.decoder", false},
    {"json", "jsonx", false},
    {"json.decoder", "json.decoder", true},
    {"json.decoder", "json", false},
    /* a trailing ".*" is the package and everything under it */
    {"test.*", "test", true},
    {"test.*", "test.support", true},
    {"test.*", "test.support.script_helper", true},
    {"test.*", "testing", false},
    {"test.*", "unittest.test", false},
    {"tkinter.test.*", "tkinter.test", true},
    {"tkinter.test.*", "tkinter.test.widget_tests", true},
    {"tkinter.test.*", "tkinter", false},
    {"tkinter.test.*", "tkinter.ttk", false},
    /* '*' matches any run of characters, dots included */
    {"*", "anything.at.all", true},
    {"*.tests", "pkg.tests", true},
    {"*.tests", "a.b.tests", true},
    {"*.tests", "tests", false},
    {"*.tests.*", "pkg.tests.test_x", true},
    {"*.tests.*", "pkg.tests", true},
    {"*.tests.*", "pkg.testsuite", false},
    {"foo*", "foobar", true},
    {"foo*", "foo.bar", true},
    {"foo*", "fo", false},
    {"a*b*c", "axxbyyc", true},
    {"a*b*c", "axxbyy", false},
    {"a*b*c", "abc", true},
    {"enc*.utf_8", "encodings.utf_8", true},
    {"enc*.utf_8", "encodings.utf_16", false},
    {"**", "x", true},
    {"x", "", false},
    {"*", "", true},
};

Test(patterns, table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(ph_manifest_module_matches(cases[i].pattern, cases[i].module),
                     cases[i].matches, "'%s' vs '%s': expected %s", cases[i].pattern,
                     cases[i].module, cases[i].matches ? "match" : "no match");
}

Test(patterns, backtracking_stays_linear)
{
    char module[4096];
    memset(module, 'a', sizeof module - 1);
    module[sizeof module - 1] = '\0';
    /* Exponential matchers take forever on this; ours returns at once. */
    cr_assert_not(ph_manifest_module_matches("*a*a*a*a*a*a*a*a*a*a*b", module));
}

Test(patterns, matches_any)
{
    char *items[] = {"test.*", "*.tests.*"};
    ph_strlist list = {items, 2};
    ph_strlist empty = {NULL, 0};
    cr_assert(ph_manifest_matches_any(&list, "test.support"));
    cr_assert(ph_manifest_matches_any(&list, "email.tests.test_email"));
    cr_assert_not(ph_manifest_matches_any(&list, "email.mime"));
    cr_assert_not(ph_manifest_matches_any(&empty, "email"));
}
