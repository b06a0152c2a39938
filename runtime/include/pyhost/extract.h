/* The extraction cache: where bytes that must be a real file (an extension module when memfd
 * is unavailable or forbidden) are written once and shared by every run. */
#ifndef PYHOST_EXTRACT_H
#define PYHOST_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "pyhost/error.h"

/* Puts `data` in the cache as <root>/extracted/<content hash>-<size>/<filename> under the policy
 * of pyhost/cachedir.h, and returns a read-only descriptor of that file, checked to hold
 * exactly `data`: the caller loads it through /proc/self/fd/N, so nothing can be swapped in
 * between the check and the load. Content-addressed, so concurrent runs agree on the name;
 * written aside and renamed, so nobody sees a partial file. */
int ph_extract(const uint8_t *data, size_t size, const char *filename, int *fd, ph_error *err);

#endif
