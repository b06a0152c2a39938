#include "stdlib_identity.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyhost/pyr_hash.h"

static int skipped(const char *name)
{
    return !strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "__pycache__") ||
           !strcmp(name, "site-packages") || !strcmp(name, "dist-packages");
}

static uint64_t file_id(const char *rel, const struct stat *st)
{
    char buf[4200];
    int n = snprintf(buf, sizeof buf, "%s%c%lld %lld", rel, '\0', (long long)st->st_size,
                     (long long)st->st_mtime);
    return pyr_xxh64(buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf);
}

/* Adds every regular file below DIRFD (whose path relative to the walk's start is REL). */
static int walk(int dirfd, char *rel, size_t len, size_t cap, uint64_t *sum, ph_error *err)
{
    DIR *d = fdopendir(dirfd);
    if (!d) {
        close(dirfd);
        return ph_error_errno(err, errno, "reading %s", rel);
    }
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        struct stat st;
        if (skipped(e->d_name) || fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        int n = snprintf(rel + len, cap - len, "%s%s", len ? "/" : "", e->d_name);
        if (n < 0 || (size_t)n >= cap - len)
            continue;
        if (S_ISREG(st.st_mode)) {
            *sum += file_id(rel, &st);
        } else if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                rc = walk(sub, rel, len + (size_t)n, cap, sum, err);
        }
        rel[len] = '\0';
    }
    closedir(d);
    return rc;
}

static int walk_root(const char *root, const char *tag, uint64_t *sum, ph_error *err)
{
    char rel[4096];
    int n = snprintf(rel, sizeof rel, "%s", tag);
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ph_error_errno(err, errno, "the standard library %s", root);
    return walk(fd, rel, (size_t)n, sizeof rel, sum, err);
}

int ph_stdlib_identity(const char *stdlib, const char *dynload, uint64_t *id, ph_error *err)
{
    uint64_t sum = 0;
    if (walk_root(stdlib, "", &sum, err) < 0 || walk_root(dynload, "lib-dynload:", &sum, err) < 0)
        return -1;
    *id = sum;
    return 0;
}
