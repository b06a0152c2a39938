/* Module name patterns for [python] stdlib_exclude and [resources] include/exclude. */
#include "pyhost/manifest.h"

#include <string.h>

/* Glob over `pattern[0..n)` where '*' matches any run of characters, dots included. Iterative
 * with one backtrack point, so hostile patterns cannot make it exponential. */
static bool glob_match(const char *pattern, size_t n, const char *s)
{
    size_t p = 0, star = (size_t)-1;
    const char *resume = NULL;
    while (*s) {
        if (p < n && pattern[p] == '*') {
            star = p++;
            resume = s;
        } else if (p < n && pattern[p] == *s) {
            p++;
            s++;
        } else if (star != (size_t)-1) {
            p = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (p < n && pattern[p] == '*')
        p++;
    return p == n;
}

bool ph_manifest_module_matches(const char *pattern, const char *module)
{
    size_t n = strlen(pattern);
    /* "pkg.*" names a package with everything under it, and the package itself is part of that. */
    if (n >= 2 && pattern[n - 2] == '.' && pattern[n - 1] == '*' &&
        glob_match(pattern, n - 2, module))
        return true;
    return glob_match(pattern, n, module);
}

bool ph_manifest_matches_any(const ph_strlist *patterns, const char *module)
{
    for (size_t i = 0; i < patterns->count; i++)
        if (ph_manifest_module_matches(patterns->items[i], module))
            return true;
    return false;
}

const ph_routing *ph_manifest_route(const ph_manifest *m, const char *module, int *line)
{
    const ph_route *best = NULL;
    for (size_t i = 0; i < m->routing.count; i++) {
        const ph_route *r = &m->routing.items[i];
        /* The longest pattern is the most specific: "numpy.linalg.*" beats "numpy.*". */
        if (ph_manifest_module_matches(r->pattern, module) &&
            (!best || strlen(r->pattern) >= strlen(best->pattern)))
            best = r;
    }
    if (line)
        *line = best ? best->line : 0;
    return best ? &best->policy : &m->resources.routing;
}
