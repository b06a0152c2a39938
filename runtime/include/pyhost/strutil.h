/* Small string helpers shared by every library (runtime/base/strutil.c). */
#ifndef PYHOST_STRUTIL_H
#define PYHOST_STRUTIL_H

#include <stdbool.h>

/* True when `s` is a name followed by `suffix`: it ends with `suffix` and is longer than it
 * ("a.py" ends with ".py"; ".py" itself does not, having no stem). */
bool ph_str_ends_with(const char *s, const char *suffix);

#endif
