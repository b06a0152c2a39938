/* The identity of the standard library on disk, recorded when pyhost is built and checked when
 * it packs the stdlib: the embedded interpreter's built-in modules (_sre, _csv, ...) are those
 * of the libpython it was linked with, and a Python upgrade under a built pyhost would pack new
 * stdlib code to run on old built-ins (re and csv then give wrong answers, silently). */
#ifndef PH_STDLIB_IDENTITY_H
#define PH_STDLIB_IDENTITY_H

#include <stdint.h>

#include "pyhost/error.h"

/* Order-independent: the sum of XXH64(name, size, mtime) over the top-level modules of STDLIB
 * (STDLIB/NAME.py). An upgrade of Python rewrites every one of them (a Debian upgrade gives
 * each the new package's timestamp); packages that add subdirectories to the stdlib directory
 * (the test suite, tkinter, distutils on Debian) change nothing here, as they should not. */
int ph_stdlib_identity(const char *stdlib, uint64_t *id, ph_error *err);

#endif
