/* The pyhost command line: one function per subcommand, each returning the process exit status.
 * Errors reach the user only through ph_report, so every message has the same shape. */
#ifndef PH_CLI_H
#define PH_CLI_H

#include "pyhost/error.h"

int ph_cmd_run(int argc, char **argv);
int ph_cmd_build(int argc, char **argv);
int ph_cmd_inspect(int argc, char **argv);
int ph_cmd_init(int argc, char **argv);
int ph_cmd_fetch(int argc, char **argv);
int ph_cmd_bundle(int argc, char **argv);
int ph_cmd_installer(int argc, char **argv);
int ph_cmd_pyinstaller(int argc, char **argv);

/* Prints "pyhost: error: MESSAGE" and, if set, "hint: HINT" to stderr. Returns 1. */
int ph_report(const ph_error *err);
/* Prints "pyhost: error: MESSAGE" for a usage problem plus "hint: see 'pyhost CMD --help'".
 * Returns 2. */
int ph_usage_error(const char *command, const char *fmt, ...) PH_PRINTF(2, 3);

#endif
