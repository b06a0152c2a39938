#include "pyhost/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
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

int ph_write_file_atomic(const char *path, const void *data, size_t size, mode_t mode,
                         ph_error *err)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (!tmp)
        return ph_error_set(err, "out of memory");
    snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
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
    free(tmp);
    return rc;
}

int ph_read_file(const char *path, char **data, size_t *size, ph_error *err)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rbe");
    if (!f)
        return ph_error_errno(err, errno, "cannot open %s", path);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf)
        return ph_error_set(err, "out of memory reading %s", path);
    if (failed) {
        free(buf);
        return ph_error_set(err, "cannot read %s", path);
    }
    buf[len] = '\0';
    *data = buf;
    *size = len;
    return 0;
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
