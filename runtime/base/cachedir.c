#include "pyhost/cachedir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pyhost/fsutil.h"

#define HINT "use a cache only you can write: set PYHOST_CACHE_DIR to a directory of yours"

ph_cache_status ph_cache_root(char *out, size_t size, ph_error *err)
{
    const char *dir = getenv("PYHOST_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (dir && *dir) {
        if (*dir != '/') {
            ph_error_set(err, "PYHOST_CACHE_DIR=%s is not an absolute path", dir);
            ph_error_hint(err, "name the cache by its absolute path");
            return PH_CACHE_UNSAFE;
        }
        n = snprintf(out, size, "%s", dir);
    } else if (xdg && *xdg == '/') { /* the XDG spec says to ignore a relative value */
        n = snprintf(out, size, "%s/pyhost", xdg);
    } else if (home && *home == '/') {
        n = snprintf(out, size, "%s/.cache/pyhost", home);
    } else {
        ph_error_set(err, "no cache directory: neither PYHOST_CACHE_DIR nor HOME is set");
        ph_error_hint(err, "set PYHOST_CACHE_DIR to a directory of yours");
        return PH_CACHE_UNAVAILABLE;
    }
    if (n < 0 || (size_t)n >= size) {
        ph_error_set(err, "the cache directory's path is too long");
        return PH_CACHE_UNAVAILABLE;
    }
    return PH_CACHE_OK;
}

static int owned(const struct stat *st)
{
    return st->st_uid == geteuid() || st->st_uid == 0;
}

/* Why DIR may not be trusted, or NULL. Above the cache root a directory others may write is
 * fine when sticky (/tmp): they cannot rename or remove what is ours in it. */
static const char *distrust(const struct stat *st, int in_cache)
{
    if (!S_ISDIR(st->st_mode))
        return "is not a directory";
    if (!owned(st))
        return "belongs to another user";
    if ((st->st_mode & 022) && (in_cache || !(st->st_mode & S_ISVTX)))
        return "is writable by other users";
    return NULL;
}

/* One step of the walk: opens NAME in AT (creating it when asked) and checks it. */
static ph_cache_status step(int at, const char *name, const char *path, int in_cache, int create,
                            int *out, ph_error *err)
{
    int fd = openat(at, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        if (mkdirat(at, name, 0700) < 0 && errno != EEXIST) {
            ph_error_errno(err, errno, "cannot create the cache directory %s", path);
            ph_error_hint(err, HINT);
            return PH_CACHE_UNAVAILABLE;
        }
        fd = openat(at, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        int e = errno;
        struct stat st;
        int link = (e == ELOOP || e == ENOTDIR) &&
                   fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
        if (link)
            ph_error_set(err, "cache directory %s is a symbolic link", path);
        else if (e == ENOTDIR)
            ph_error_set(err, "cache directory %s is not a directory", path);
        else
            ph_error_errno(err, e, "cache directory %s", path);
        ph_error_hint(err, HINT);
        return link ? PH_CACHE_UNSAFE : PH_CACHE_UNAVAILABLE;
    }
    struct stat st;
    const char *why = fstat(fd, &st) < 0 ? "cannot be examined" : distrust(&st, in_cache);
    if (why) {
        close(fd);
        ph_error_set(err, "cache directory %s %s (owner uid %u, mode %04o)", path, why,
                     (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
        ph_error_hint(err, HINT);
        return PH_CACHE_UNSAFE;
    }
    *out = fd;
    return PH_CACHE_OK;
}

/* Walks PATH ("/a/b/c") from "/", components from index `first_cache` on being inside the
 * cache. Leaves the last directory's descriptor in *fd. */
static ph_cache_status walk(char *path, size_t first_cache, int create, int *fd, ph_error *err)
{
    ph_cache_status st = step(AT_FDCWD, "/", "/", 0, 0, fd, err);
    size_t index = 0;
    for (char *p = path + 1; st == PH_CACHE_OK && *p; index++) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        int next = -1;
        if (!strcmp(p, "..") || !strcmp(p, ".")) {
            ph_error_set(err, "cache directory %s contains '%s'", path, p);
            ph_error_hint(err, "name the cache by its canonical absolute path");
            st = PH_CACHE_UNSAFE;
        } else if (*p) {
            st = step(*fd, p, path, index >= first_cache, create || index >= first_cache, &next,
                      err);
        }
        if (slash)
            *slash = '/';
        if (next >= 0) {
            close(*fd);
            *fd = next;
        }
        p = slash ? slash + 1 : p + strlen(p);
    }
    if (st != PH_CACHE_OK && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    size_t len = strlen(err ? err->message : "");
    if (st != PH_CACHE_OK && err && !strstr(err->message, path))
        snprintf(err->message + len, sizeof err->message - len, " (on the way to %s)", path);
    return st;
}

static size_t count_components(const char *path)
{
    size_t n = 0;
    for (const char *p = path; *p; p++)
        n += *p != '/' && (p == path || p[-1] == '/');
    return n;
}

/* ROOT's parent with its symlinks resolved (a home directory under a linked /home is common),
 * then ROOT's last component and SUB. The walk then checks the resolved directories
 * themselves, so a link changed after realpath makes the walk fail, never trust a stranger. */
static int canonical(const char *root, const char *sub, char *out, size_t size, size_t *first_cache,
                     ph_error *err)
{
    const char *last = strrchr(root, '/');
    char probe[PATH_MAX], resolved[PATH_MAX];
    int n = snprintf(probe, sizeof probe, "%.*s", (int)(last - root), root);
    if (n < 0 || (size_t)n >= sizeof probe)
        return ph_error_set(err, "the cache directory's path is too long");
    size_t keep = (size_t)n; /* the longest prefix that exists, resolved; the rest is made */
    while (!realpath(keep ? probe : "/", resolved)) {
        char *slash = strrchr(probe, '/');
        keep = slash ? (size_t)(slash - probe) : 0;
        if (slash)
            *slash = '\0';
        else
            break;
    }
    if (!keep)
        strcpy(resolved, "/");
    n = snprintf(out, size, "%s%.*s", strcmp(resolved, "/") ? resolved : "",
                 (int)(last - root - (ptrdiff_t)keep), root + keep);
    if (n < 0 || (size_t)n >= size)
        return ph_error_set(err, "the cache directory's path is too long");
    *first_cache = count_components(out);
    int m = snprintf(out + n, size - (size_t)n, "%s%s%s", last, *sub ? "/" : "", sub);
    return m < 0 || (size_t)m >= size - (size_t)n
               ? ph_error_set(err, "the cache directory's path is too long")
               : 0;
}

ph_cache_status ph_cache_open_dir(const char *root, const char *sub, bool create, int *dirfd,
                                  ph_error *err)
{
    *dirfd = -1;
    if (root[0] != '/') {
        ph_error_set(err, "cache directory %s is not an absolute path", root);
        ph_error_hint(err, "name the cache by its absolute path (PYHOST_CACHE_DIR)");
        return PH_CACHE_UNSAFE;
    }
    char path[PATH_MAX];
    size_t first_cache = 0;
    if (canonical(root, sub, path, sizeof path, &first_cache, err) < 0)
        return PH_CACHE_UNAVAILABLE;
    return walk(path, first_cache, create, dirfd, err);
}

const char *ph_cache_distrust(const struct stat *st)
{
    return S_ISLNK(st->st_mode)                             ? "is a symbolic link"
           : !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) ? "is not a regular file"
           : !owned(st)                                     ? "belongs to another user"
           : (st->st_mode & 022)                            ? "is writable by other users"
                                                            : NULL;
}

int ph_cache_open_file(int dirfd, const char *name, uint64_t size, ph_error *err)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            ph_error_set(err, "cached file %s is a symbolic link", name);
        else
            ph_error_errno(err, e, "cached file %s", name);
        errno = e == ELOOP ? EPERM : e;
        return -1;
    }
    struct stat st;
    const char *why = fstat(fd, &st) < 0                                   ? "cannot be examined"
                      : !S_ISREG(st.st_mode)                               ? "is not a regular file"
                      : ph_cache_distrust(&st)                             ? ph_cache_distrust(&st)
                      : size != UINT64_MAX && (uint64_t)st.st_size != size ? "has the wrong size"
                                                                           : NULL;
    if (why) {
        close(fd);
        ph_error_set(err, "cached file %s %s", name, why);
        ph_error_hint(err, "remove it; pyhost writes it again");
        errno = EPERM;
        return -1;
    }
    return fd;
}

int ph_cache_store(int dirfd, const char *name, const void *data, size_t size, unsigned mode,
                   ph_error *err)
{
    char tmp[NAME_MAX + 1];
    int n = snprintf(tmp, sizeof tmp, ".%s.tmp-%ld", name, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return ph_error_set(err, "cache file name %s is too long", name);
    unlinkat(dirfd, tmp, 0); /* what an earlier process with our pid left */
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return ph_error_errno(err, errno, "cannot write %s in the cache", tmp);
    int rc = ph_write_all(fd, data, size) < 0 || fchmod(fd, (mode_t)mode) < 0 ? -1 : 0;
    int e = errno;
    if (close(fd) < 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc == 0 && renameat(dirfd, tmp, dirfd, name) < 0) {
        rc = -1;
        e = errno;
    }
    if (rc < 0) {
        unlinkat(dirfd, tmp, 0);
        return ph_error_errno(err, e, "cannot write %s in the cache", name);
    }
    return 0;
}

void ph_cache_sweep(int dirfd, long age)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    time_t now = time(NULL);
    for (struct dirent *e; (e = readdir(d));) {
        struct stat st;
        if (e->d_name[0] != '.' || !strstr(e->d_name, ".tmp-") ||
            fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISREG(st.st_mode) && st.st_uid == geteuid() && now - st.st_mtime > age)
            unlinkat(dirfd, e->d_name, 0);
    }
    closedir(d);
}
