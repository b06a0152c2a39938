/* The one option parser of the pyhost command line: every subcommand (cli/cmd_*.c) and every
 * installer driver (installers/) describes its options in a table and hands it to
 * ph_args_parse, so "-c FILE", "--config=FILE", -h/--help and the usage errors behave the same
 * everywhere. */
#ifndef PH_ARGS_H
#define PH_ARGS_H

#include <stdbool.h>

/* One option: a name, an optional second spelling, and what giving it does. Exactly one of
 * `value`, `flag` and `choice` is set. */
typedef struct ph_option {
    const char *name;   /* "--config" */
    const char *alias;  /* "-c", or NULL */
    const char **value; /* takes a value ("--config FILE" or "--config=FILE"), stored here */
    bool *flag;         /* a flag: sets *flag to true */
    int *choice;        /* one of several flags: stores `choice_value` (the last one given wins) */
    int choice_value;
} ph_option;

#define PH_OPT_VALUE(name, alias, out)                                                             \
    {                                                                                              \
        (name), (alias), (out), NULL, NULL, 0                                                      \
    }
#define PH_OPT_FLAG(name, alias, out)                                                              \
    {                                                                                              \
        (name), (alias), NULL, (out), NULL, 0                                                      \
    }
#define PH_OPT_CHOICE(name, out, v)                                                                \
    {                                                                                              \
        (name), NULL, NULL, NULL, (out), (v)                                                       \
    }
/* The options of every manifest-driven command: -c/--config FILE, -o/--output PATH. */
#define PH_OPT_CONFIG(out) PH_OPT_VALUE("--config", "-c", (out))
#define PH_OPT_OUTPUT(out) PH_OPT_VALUE("--output", "-o", (out))
#define PH_OPT_END                                                                                 \
    {                                                                                              \
        NULL, NULL, NULL, NULL, NULL, 0                                                            \
    }

/* What an argument outside the table means to the command (a file name, say). Returns
 * PH_ARGS_NEXT to go on, PH_ARGS_STOP to leave this and the arguments after it to the command
 * (`pyhost run FILE ARGS...`), or a usage error's exit status. */
enum { PH_ARGS_NEXT = 0, PH_ARGS_STOP = -1 };
typedef int (*ph_args_other)(void *ctx, const char *arg);
/* An ph_args_other for commands whose first other argument starts what they pass on as it is
 * (`pyhost run FILE ARGS...`, `pyhost installer KIND ...`): always PH_ARGS_STOP. */
int ph_args_stop(void *ctx, const char *arg);

typedef struct ph_command_line {
    const char *command;      /* "build", "installer deb": what usage errors name */
    const char *help;         /* printed to stdout for -h or --help */
    const ph_option *options; /* ends with PH_OPT_END; NULL: none */
    const ph_option *common;  /* a second table, of options several commands share, or NULL */
    ph_args_other other;      /* NULL: any other argument is "unexpected argument 'ARG'" */
    void *ctx;                /* passed to `other` */
} ph_command_line;

/* Parses argv[1..argc) against the table. Returns 0 to go on (with *stopped, when not NULL,
 * the index `other` stopped at, else argc), 1 when the help was printed, or the exit status of
 * a usage error it reported ("option '-c' needs a value", "unexpected argument 'x'"). */
int ph_args_parse(const ph_command_line *cl, int argc, char **argv, int *stopped);

/* The manifest a command uses: `given` (-c FILE) when not NULL, else the one found in the
 * current directory or above it (pyhost/project.h), else "pyhost.ini". */
const char *ph_arg_manifest(const char *given);

#endif
