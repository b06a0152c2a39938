/* The one policy for every directory pyhost caches in: the onefile loader's runtime, the
 * extraction cache and the bytecode cache (docs/security.md).
 *
 * A cache feeds code into processes, so a file in it must be one only this user (or root)
 * could have written:
 * - the cache root is an absolute path ($PYHOST_CACHE_DIR, $XDG_CACHE_HOME/pyhost or
 *   ~/.cache/pyhost);
 * - its ancestors are owned by this user or root and writable by nobody else unless sticky
 *   (/tmp); symlinks among them are resolved and the resolved directories checked the same way;
 * - the root and everything below are owned by this user (or root), not group- or
 *   world-writable, and never symlinks: each is opened with O_NOFOLLOW relative to the one
 *   checked before it, so nothing can be swapped between the check and the use;
 * - files are opened without following links and checked on the open descriptor, which the
 *   caller then uses (fexecve, /proc/self/fd/N), never the path.
 * Only libc: the static onefile loader links this file too. */
#ifndef PYHOST_CACHEDIR_H
#define PYHOST_CACHEDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyhost/error.h"

/* What a failure means to the caller: a cache that cannot exist here (no HOME, read-only
 * file system) is a quiet fallback; one refused as unsafe deserves a warning. */
typedef enum ph_cache_status {
    PH_CACHE_OK = 0,
    PH_CACHE_UNAVAILABLE = -1,
    PH_CACHE_UNSAFE = -2,
} ph_cache_status;

/* The cache root into `out`: $PYHOST_CACHE_DIR, else $XDG_CACHE_HOME/pyhost, else
 * $HOME/.cache/pyhost. A relative value is refused (UNSAFE): it would depend on the working
 * directory. */
ph_cache_status ph_cache_root(char *out, size_t size, ph_error *err);

/* Opens ROOT/SUB (SUB is relative, "a/b"), creating missing directories with mode 0700 when
 * `create` is set, checking every directory on the way as the policy says. On success *dirfd is
 * an O_PATH descriptor of the directory (close-on-exec) for the *at calls. */
ph_cache_status ph_cache_open_dir(const char *root, const char *sub, bool create, int *dirfd,
                                  ph_error *err);

/* Opens NAME in DIRFD read-only without following links, and checks the descriptor: a regular
 * file owned by this user (or root), not writable by group or others, of `size` bytes
 * (UINT64_MAX: any). Returns the descriptor (close-on-exec) or -1: errno ENOENT when there is
 * no such file, otherwise `err` says what is wrong with it. */
int ph_cache_open_file(int dirfd, const char *name, uint64_t size, ph_error *err);

/* Why a file or directory inside a cache (as fstatat(AT_SYMLINK_NOFOLLOW) describes it) may
 * not be trusted: "is a symbolic link", "is not a regular file" (nor a directory), "belongs to
 * another user", "is writable by other users"; NULL when it may. */
struct stat;
const char *ph_cache_distrust(const struct stat *st);

/* Writes DATA into DIRFD as NAME: a temporary ".NAME.tmp-PID" written, given `mode` and renamed
 * into place, so no reader ever sees a partial file; on failure nothing is left behind. */
int ph_cache_store(int dirfd, const char *name, const void *data, size_t size, unsigned mode,
                   ph_error *err);

/* Removes temporary files ".*.tmp-*" in DIRFD owned by this user and older than `age` seconds:
 * what a writer killed mid-write left. */
void ph_cache_sweep(int dirfd, long age);

#endif
