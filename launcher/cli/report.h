/* How the pyhost command line reports errors: the commands (cli/) and the installer drivers
 * (installers/) print only through these. */
#ifndef PH_REPORT_H
#define PH_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pyhost/error.h"

/* Prints "pyhost: error: MESSAGE" and, if set, "hint: HINT" to stderr. Returns 1. */
int ph_report(const ph_error *err);
/* Prints "pyhost: error: MESSAGE" for a usage problem plus "hint: see 'pyhost CMD --help'".
 * Returns 2. */
int ph_usage_error(const char *command, const char *fmt, ...) PH_PRINTF(2, 3);

/* `path` relative to the current directory when it lies inside it ("dist/app/app"), as the
 * user thinks of it; else `path` as given. Points into `path`. */
const char *ph_display_path(const char *path);
/* A size for a summary line: "12.3 MB" from 1,000,000 bytes up, else "456.7 kB". */
void ph_display_size(uint64_t bytes, char *buf, size_t size);

#endif
