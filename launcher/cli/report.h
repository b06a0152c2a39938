/* How the pyhost command line reports errors: the commands (cli/) and the installer drivers
 * (installers/) print only through these. */
#ifndef PH_REPORT_H
#define PH_REPORT_H

#include "pyhost/error.h"

/* Prints "pyhost: error: MESSAGE" and, if set, "hint: HINT" to stderr. Returns 1. */
int ph_report(const ph_error *err);
/* Prints "pyhost: error: MESSAGE" for a usage problem plus "hint: see 'pyhost CMD --help'".
 * Returns 2. */
int ph_usage_error(const char *command, const char *fmt, ...) PH_PRINTF(2, 3);

/* From a signal handler: prints "pyhost: interrupted" and exits with 128 + sig (130 for Ctrl-C),
 * as a shell reports a command killed by the signal. Async-signal-safe; does not return. */
_Noreturn void ph_report_interrupted(int sig);

#endif
