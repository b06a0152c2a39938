/* Command-line helpers shared by the subcommands. */
#ifndef PH_ARGS_H
#define PH_ARGS_H

/* Takes "--opt VALUE" or "--opt=VALUE" at argv[*i] (advancing *i past a separate value).
 * Returns 1 when argv[*i] is this option, 0 when it is not, -1 when its value is missing. */
int ph_arg_value(int argc, char **argv, int *i, const char *opt, const char **out);

/* The options every manifest-driven command takes: -c/--config FILE and, when `output` is not
 * NULL, -o/--output PATH. Same return values as ph_arg_value. */
int ph_arg_config_output(int argc, char **argv, int *i, const char **config, const char **output);

/* The manifest a command uses: `given` (-c FILE) when not NULL, else the one found in the
 * current directory or above it (pyhost/project.h), else "pyhost.ini". */
const char *ph_arg_manifest(const char *given);

#endif
