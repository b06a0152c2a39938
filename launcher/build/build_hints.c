/* What the builder's hints may say about this machine: kept apart from the resolver so its
 * messages stay true (no "apt-get install" for a Python that apt did not install). */
#include <stdbool.h>
#include <string.h>

#include "build.h"
#include "ph_build_config.h"
#include "pyhost/suggest.h"

bool ph_build_python_is_debian(void)
{
    /* Debian's patched site module answers .../dist-packages; every other build of CPython
     * (python.org, pyenv, conda, Homebrew, a venv's base) answers .../site-packages. */
    static const char *const sites[] = PH_PYTHON_SITES;
    for (const char *const *s = sites; *s; s++) {
        size_t n = strlen(*s);
        if (n >= 14 && !strcmp(*s + n - 14, "/dist-packages"))
            return true;
    }
    return false;
}

const char *ph_build_closest_name(const char *word, const char *const *names, size_t n)
{
    return ph_suggest(word, names, n);
}
