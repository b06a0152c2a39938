/* The one reporter: every error reaches the user through these two, so every message has the
 * same shape ("pyhost: error: ..." then "hint: ..."). The commands and the installer drivers
 * print through them; library code only fills a ph_error. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "progress.h"
#include "report.h"

int ph_report(const ph_error *err)
{
    ph_progress_clear();
    fprintf(stderr, "pyhost: error: %s\n", err->message[0] ? err->message : "unknown error");
    if (err->hint[0])
        fprintf(stderr, "hint: %s\n", err->hint);
    return 1;
}

int ph_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ph_progress_clear();
    fprintf(stderr, "pyhost: error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nhint: see 'pyhost %s --help'\n", command);
    va_end(ap);
    return 2;
}
