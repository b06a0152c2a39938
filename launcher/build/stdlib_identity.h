/* The identity of the standard library on disk, recorded when pyhost is built and checked when
 * it packs the stdlib: the embedded interpreter's built-in modules (_sre, _csv, ...) are those
 * of the libpython it was linked with, and a Python upgrade under a built pyhost would pack new
 * stdlib code to run on old built-ins (re and csv then give wrong answers, silently). */
#ifndef PH_STDLIB_IDENTITY_H
#define PH_STDLIB_IDENTITY_H

#include <stdint.h>

#include "pyhost/error.h"

/* Order-independent: the sum of XXH64(relative path, size, mtime) over the regular files below
 * STDLIB (site-packages, dist-packages and __pycache__ left out) and in DYNLOAD. A package
 * upgrade rewrites its files, and dpkg gives each the new package's timestamp. */
int ph_stdlib_identity(const char *stdlib, const char *dynload, uint64_t *id, ph_error *err);

#endif
