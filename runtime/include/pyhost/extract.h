/* The extraction cache: where bytes that must be a real file (an extension module when memfd
 * is unavailable or forbidden) are written once and shared by every run. */
#ifndef PYHOST_EXTRACT_H
#define PYHOST_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "pyhost/error.h"

/* The cache root: $PYHOST_CACHE_DIR, else $XDG_CACHE_HOME/pyhost, else $HOME/.cache/pyhost.
 * Returns a malloc'd path or NULL when none can be named. */
char *ph_cache_root(void);

/* Puts `data` in the cache as <root>/extracted/<content hash>/<filename> and returns that path
 * (malloc'd). Content-addressed, so concurrent runs agree on the name; written to a temporary
 * file and renamed, so nobody sees a partial file; directories are 0700 and must be ours and
 * not symlinks. */
int ph_extract(const uint8_t *data, size_t size, const char *filename, char **path, ph_error *err);

#endif
