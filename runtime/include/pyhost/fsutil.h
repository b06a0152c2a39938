/* Small filesystem helpers shared by the builder, the bundler and the CLI. */
#ifndef PYHOST_FSUTIL_H
#define PYHOST_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "pyhost/error.h"

/* Writes `size` bytes to `path` through a temporary file in the same directory, fsync and
 * rename, so readers see either the old file or the whole new one, never a part. `mode` is
 * applied as given (not masked by the umask), e.g. 0644 or 0755. */
int ph_write_file_atomic(const char *path, const void *data, size_t size, mode_t mode,
                         ph_error *err);

/* write(2) until all `size` bytes are written, retrying on EINTR. 0, or -1 with errno set. */
int ph_write_all(int fd, const void *data, size_t size);

/* "dir/name" + suffix, malloc'd (NULL when out of memory). */
char *ph_path_join(const char *dir, const char *name, const char *suffix);

/* Reads a whole file into a malloc'd, NUL-terminated buffer. */
int ph_read_file(const char *path, char **data, size_t *size, ph_error *err);

/* mkdir -p: creates `path` and its missing parents with `mode`; existing ones are fine. */
int ph_mkdirs(const char *path, mode_t mode, ph_error *err);

/* rm -rf without following symlinks, best effort (what cannot be removed stays); NULL: nothing. */
void ph_remove_tree(const char *path);

#endif
