/* The one option parser (launcher/cli/args.c) every command and installer driver uses: the
 * spellings it takes, and the usage errors word for word (tests/e2e/test_cli.sh checks them
 * through the commands too). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdbool.h>
#include <stddef.h>

#include "args.h"

typedef struct parsed {
    const char *config, *output;
    bool quiet;
    int mode;
} parsed;

static int parse(parsed *p, int argc, char **argv)
{
    const ph_option options[] = {
        PH_OPT_CONFIG(&p->config),
        PH_OPT_FLAG("--quiet", "-q", &p->quiet),
        PH_OPT_CHOICE("--embedded", &p->mode, 1),
        PH_OPT_CHOICE("--adjacent", &p->mode, 2),
        PH_OPT_END,
    };
    const ph_option common[] = {PH_OPT_OUTPUT(&p->output), PH_OPT_END};
    const ph_command_line cl = {
        .command = "t", .help = "usage: t\n", .options = options, .common = common};
    return ph_args_parse(&cl, argc, argv, NULL);
}

Test(args, every_spelling_of_a_value)
{
    char *forms[][3] = {{"t", "-c", "a.ini"},
                        {"t", "--config", "a.ini"},
                        {"t", "-c=a.ini", NULL},
                        {"t", "--config=a.ini", NULL}};
    for (size_t i = 0; i < 4; i++) {
        parsed p = {0};
        cr_assert_eq(parse(&p, forms[i][2] ? 3 : 2, forms[i]), 0, "form %zu", i);
        cr_assert_str_eq(p.config, "a.ini", "form %zu", i);
    }
    parsed p = {0};
    char *empty[] = {"t", "--output=", "-q"};
    cr_assert_eq(parse(&p, 3, empty), 0);
    cr_assert_str_eq(p.output, "", "an empty value after '=' is a value");
    cr_assert(p.quiet);
}

Test(args, a_value_may_look_like_an_option)
{
    parsed p = {0};
    char *argv[] = {"t", "-c", "--help"};
    cr_assert_eq(parse(&p, 3, argv), 0, "the value is taken, not the help");
    cr_assert_str_eq(p.config, "--help");
}

Test(args, last_choice_wins)
{
    parsed p = {0};
    char *argv[] = {"t", "--embedded", "--adjacent"};
    cr_assert_eq(parse(&p, 3, argv), 0);
    cr_assert_eq(p.mode, 2);
}

Test(args, help_is_printed, .init = cr_redirect_stdout)
{
    parsed p = {0};
    char *argv[] = {"t", "-q", "-h", "--bogus"};
    cr_assert_eq(parse(&p, 4, argv), 1);
    fflush(stdout);
    cr_assert_stdout_eq_str("usage: t\n");
}

Test(args, missing_value, .init = cr_redirect_stderr)
{
    parsed p = {0};
    char *argv[] = {"t", "-q", "-c"};
    cr_assert_eq(parse(&p, 3, argv), 2);
    fflush(stderr);
    cr_assert_stderr_eq_str("pyhost: error: option '-c' needs a value\n"
                            "hint: see 'pyhost t --help'\n");
}

Test(args, flags_take_no_value_and_others_are_unexpected, .init = cr_redirect_stderr)
{
    parsed p = {0};
    char *argv[] = {"t", "--quiet=1"};
    cr_assert_eq(parse(&p, 2, argv), 2);
    fflush(stderr);
    cr_assert_stderr_eq_str("pyhost: error: unexpected argument '--quiet=1'\n"
                            "hint: see 'pyhost t --help'\n");
}

Test(args, stop_leaves_the_rest)
{
    const ph_command_line cl = {.command = "run", .help = "", .other = ph_args_stop};
    char *argv[] = {"run", "app.pyr", "--help", "-c"};
    int at = 0;
    cr_assert_eq(ph_args_parse(&cl, 4, argv, &at), 0, "what follows the file is the app's");
    cr_assert_eq(at, 1);
}
