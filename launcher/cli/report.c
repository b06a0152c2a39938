/* The one reporter: every error reaches the user through these two, so every message has the
 * same shape ("pyhost: error: ..." then "hint: ..."). The commands and the installer drivers
 * print through them; library code only fills a ph_error. */
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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

const char *ph_display_path(const char *path)
{
    char cwd[PATH_MAX];
    if (path[0] != '/' || !getcwd(cwd, sizeof cwd))
        return path;
    size_t n = strlen(cwd);
    if (n > 1 && !strncmp(path, cwd, n) && path[n] == '/')
        return path + n + 1;
    return path;
}

void ph_display_size(uint64_t bytes, char *buf, size_t size)
{
    if (bytes >= 1000000)
        snprintf(buf, size, "%.1f MB", (double)bytes / 1e6);
    else
        snprintf(buf, size, "%.1f kB", (double)bytes / 1e3);
}
