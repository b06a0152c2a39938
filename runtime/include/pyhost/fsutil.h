/* Small filesystem helpers shared by the builder, the bundler and the CLI. */
#ifndef PYHOST_FSUTIL_H
#define PYHOST_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "pyhost/error.h"

/* Writes `size` bytes to `path` through a temporary file in the same directory, fsync and
 * rename, so readers see either the old file or the whole new one, never a part. `mode` is
 * applied as given (not masked by the umask), e.g. 0644 or 0755. */
int ph_write_file_atomic(const char *path, const void *data, size_t size, mode_t mode,
                         ph_error *err);

/* write(2) until all `size` bytes are written, retrying on EINTR. 0, or -1 with errno set. */
int ph_write_all(int fd, const void *data, size_t size);

/* read(2) until all `size` bytes are read, retrying on EINTR. 0, or -1 when the file ends
 * first (errno 0) or read fails (errno set). */
int ph_read_all(int fd, void *data, size_t size);

/* "dir/name" + suffix, malloc'd (NULL when out of memory). */
char *ph_path_join(const char *dir, const char *name, const char *suffix);

/* Size limits for what pyhost reads from outside (docs/security.md): a file larger than its
 * kind's limit is refused before anything is allocated for it. */
#define PH_MAX_TEXT_INPUT ((size_t)16 << 20) /* requirements files, RECORD, METADATA */
#define PH_MAX_ICON ((size_t)64 << 20)
#define PH_MAX_ANY_INPUT ((size_t)4 << 30) /* what ph_read_file takes: a source, a library */

/* Opens `path` read-only, non-blocking and close-on-exec (so a FIFO cannot hang the open) and
 * checks on the descriptor that it is a regular file: a FIFO, a device, a socket or a
 * directory is refused with "PATH: not a regular file (a FIFO)" and a hint. `what` (may be
 * NULL) names the kind in the hint, e.g. "the requirements file". O_NONBLOCK is cleared again
 * once the file is known to be regular. Returns the descriptor and fills `st`, or -1. */
int ph_open_regular(const char *path, const char *what, struct stat *st, ph_error *err);

/* Reads a whole regular file (ph_open_regular) of at most `max` bytes into a malloc'd,
 * NUL-terminated buffer; a larger one is refused naming the limit. */
int ph_read_file_max(const char *path, size_t max, const char *what, char **data, size_t *size,
                     ph_error *err);

/* ph_read_file_max(path, PH_MAX_ANY_INPUT, NULL, ...). */
int ph_read_file(const char *path, char **data, size_t *size, ph_error *err);

/* Copies the rest of `in` to `out` from their current positions (`from` and `to` name them in
 * the error), retrying on EINTR. */
int ph_copy_fd(int in, int out, const char *from, const char *to, ph_error *err);

/* Copies the regular file `from` (ph_open_regular: never a FIFO or a device) to `to`, which
 * must not exist yet: it is created with O_EXCL, so an existing file or a symlink planted
 * there is refused, never overwritten or followed. `to` gets `mode` as given (not masked by
 * the umask). Streams, so the file's size costs no memory; a partly written `to` is removed. */
int ph_copy_file(const char *from, const char *to, mode_t mode, ph_error *err);

/* mkdir -p: creates `path` and its missing parents with `mode`; existing ones are fine. */
int ph_mkdirs(const char *path, mode_t mode, ph_error *err);

/* rm -rf without following symlinks, best effort (what cannot be removed stays); NULL: nothing. */
void ph_remove_tree(const char *path);

#endif
