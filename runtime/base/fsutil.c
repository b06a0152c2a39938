#include "pyhost/fsutil.h"
#include "pyhost/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ph_write_all(int fd, const void *data, size_t size)
{
    const char *p = data;
    while (size) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

int ph_read_all(int fd, void *data, size_t size)
{
    char *p = data;
    while (size) {
        ssize_t n = read(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = 0;
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

int ph_write_file_atomic(const char *path, const void *data, size_t size, mode_t mode,
                         ph_error *err)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (!tmp)
        return ph_error_set(err, "out of memory");
    snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
    int cleanup; /* removed if a signal ends the process meanwhile */
    int fd = ph_cleanup_mkostemp(tmp, O_CLOEXEC, &cleanup);
    if (fd < 0) {
        ph_error_errno(err, errno, "cannot create %s", tmp);
        ph_error_hint(err, "check that the directory exists and is writable");
        free(tmp);
        return -1;
    }
    int rc = 0;
    if (ph_write_all(fd, data, size) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0)
        rc = ph_error_errno(err, errno, "cannot write %s", tmp);
    if (close(fd) < 0 && rc == 0)
        rc = ph_error_errno(err, errno, "cannot write %s", tmp);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = ph_error_errno(err, errno, "cannot rename %s to %s", tmp, path);
    if (rc < 0)
        unlink(tmp);
    ph_cleanup_pop(cleanup);
    free(tmp);
    return rc;
}

static const char *file_kind(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISDIR(mode))
        return "a directory";
    return "not a file";
}

int ph_open_regular(const char *path, const char *what, struct stat *st, ph_error *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return ph_error_errno(err, errno, "cannot open %s", path);
    if (fstat(fd, st) < 0) {
        int e = errno;
        close(fd);
        return ph_error_errno(err, e, "cannot open %s", path);
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        ph_error_set(err, "%s: not a regular file (%s)", path, file_kind(st->st_mode));
        return ph_error_hint(err,
                             "pass %s as a regular file; pyhost does not read pipes or "
                             "devices",
                             what ? what : "it");
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

int ph_read_file_max(const char *path, size_t max, const char *what, char **data, size_t *size,
                     ph_error *err)
{
    *data = NULL;
    *size = 0;
    struct stat st;
    int fd = ph_open_regular(path, what, &st, err);
    if (fd < 0)
        return -1;
    if ((uint64_t)st.st_size > max) {
        close(fd);
        ph_error_set(err, "%s: too large (%llu bytes; %s may be at most %zu MiB)", path,
                     (unsigned long long)st.st_size, what ? what : "a file pyhost reads",
                     max >> 20);
        return ph_error_hint(err, "check that the path names the file you meant");
    }
    /* Read what fstat promised and one byte more, to notice a file that grows meanwhile. */
    size_t want = (size_t)st.st_size, len = 0;
    char *buf = malloc(want + 2);
    if (!buf) {
        close(fd);
        return ph_error_set(err, "out of memory reading %s", path);
    }
    while (len < want + 1) {
        ssize_t n = read(fd, buf + len, want + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return ph_error_errno(err, e, "cannot read %s", path);
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len > want) {
        free(buf);
        ph_error_set(err, "%s: changed while it was read", path);
        return ph_error_hint(err, "try again once nothing writes to it");
    }
    buf[len] = '\0';
    *data = buf;
    *size = len;
    return 0;
}

int ph_read_file(const char *path, char **data, size_t *size, ph_error *err)
{
    return ph_read_file_max(path, PH_MAX_ANY_INPUT, NULL, data, size, err);
}

int ph_copy_fd(int in, int out, const char *from, const char *to, ph_error *err)
{
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ph_error_errno(err, errno, "reading %s", from);
        if (n == 0)
            return 0;
        if (ph_write_all(out, buf, (size_t)n) < 0)
            return ph_error_errno(err, errno, "writing %s", to);
    }
}

int ph_copy_file(const char *from, const char *to, mode_t mode, ph_error *err)
{
    struct stat st;
    int in = ph_open_regular(from, NULL, &st, err);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    int rc = out < 0 ? ph_error_errno(err, errno, "cannot create %s", to)
                     : ph_copy_fd(in, out, from, to, err);
    if (out >= 0 && rc == 0 && fchmod(out, mode) < 0)
        rc = ph_error_errno(err, errno, "writing %s", to);
    if (out >= 0 && close(out) < 0 && rc == 0)
        rc = ph_error_errno(err, errno, "writing %s", to);
    if (out >= 0 && rc < 0)
        unlink(to); /* ours: O_EXCL created it */
    close(in);
    return rc;
}

char *ph_path_join(const char *dir, const char *name, const char *suffix)
{
    size_t n = strlen(dir) + strlen(name) + strlen(suffix) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s%s", dir, name, suffix);
    return s;
}

int ph_mkdirs(const char *path, mode_t mode, ph_error *err)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return ph_error_set(err, "path too long: %s", path);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return ph_error_errno(err, errno, "cannot create the directory %s", buf);
        if (!(*p = c))
            return 0;
    }
}

/* Goes on past what it cannot remove, so that as much as possible goes. */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void ph_remove_tree(const char *path)
{
    if (path)
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
