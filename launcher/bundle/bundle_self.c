/* The path of the running executable, asked of the operating system. argv[0] is whatever the
 * caller chose (a symlink, a relative name, a lie) and the working directory is anywhere, so
 * neither can locate a bundled app's resources. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "bundle.h"

#if defined(__APPLE__)
#include <mach-o/dyld.h>

char *ph_self_path(ph_error *err)
{
    uint32_t size = 0;
    _NSGetExecutablePath(NULL, &size); /* sets the size needed */
    char *raw = malloc(size + 1);
    if (!raw || _NSGetExecutablePath(raw, &size) != 0) {
        free(raw);
        ph_error_set(err, "cannot find the path of this executable");
        return NULL;
    }
    char *real = realpath(raw, NULL); /* the dyld path may hold symlinks and "./" */
    free(raw);
    if (!real)
        ph_error_errno(err, errno, "cannot resolve the path of this executable");
    return real;
}

#elif defined(_WIN32)
#include <windows.h>

/* UTF-8, like every other path pyhost handles; long paths need the loop. */
char *ph_self_path(ph_error *err)
{
    DWORD cap = MAX_PATH, n;
    wchar_t *wide = NULL;
    for (;;) {
        wchar_t *grown = realloc(wide, cap * sizeof *wide);
        if (!grown)
            break;
        wide = grown;
        n = GetModuleFileNameW(NULL, wide, cap);
        if (n == 0 || n < cap)
            break;
        cap *= 2;
    }
    int len = wide && n ? WideCharToMultiByte(CP_UTF8, 0, wide, -1, NULL, 0, NULL, NULL) : 0;
    char *out = len > 0 ? malloc((size_t)len) : NULL;
    if (out)
        WideCharToMultiByte(CP_UTF8, 0, wide, -1, out, len, NULL, NULL);
    free(wide);
    if (!out)
        ph_error_set(err, "cannot find the path of this executable");
    return out;
}

#else /* Linux */

char *ph_self_path(ph_error *err)
{
    char *real = realpath("/proc/self/exe", NULL);
    if (!real) {
        ph_error_errno(err, errno, "cannot find the path of this executable (/proc/self/exe)");
        ph_error_hint(err, "/proc must be mounted");
    }
    return real;
}

#endif
