#include "pyhost/extract.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyhost/fsutil.h"
#include "pyhost/pyr_hash.h"

static const char cache_hint[] = "set PYHOST_CACHE_DIR to a directory you own, or route the "
                                 "module filesystem-relative in pyhost.ini ([routing])";

char *ph_cache_root(void)
{
    const char *dir = getenv("PYHOST_CACHE_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char *root = NULL;
    if (dir && *dir)
        return strdup(dir);
    if (xdg && *xdg == '/')
        return asprintf(&root, "%s/pyhost", xdg) < 0 ? NULL : root;
    if (home && *home == '/')
        return asprintf(&root, "%s/.cache/pyhost", home) < 0 ? NULL : root;
    return NULL;
}

/* A directory we may trust: ours, not a symlink, not writable by others. */
static int check_private_dir(const char *path, ph_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return ph_error_errno(err, errno, "extraction cache %s", path);
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
        ph_error_set(err,
                     "extraction cache %s is not a private directory of this user (a "
                     "symlink, another owner, or writable by others)",
                     path);
        return ph_error_hint(err, "%s", cache_hint);
    }
    return 0;
}

/* mkdir -p with 0700 for what it creates, then checks the last directory. */
static int make_private_dirs(char *path, ph_error *err)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        int e = errno;
        *p = '/';
        if (rc < 0 && e != EEXIST) {
            ph_error_errno(err, e, "cannot create the extraction cache %s", path);
            return ph_error_hint(err, "%s", cache_hint);
        }
    }
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        ph_error_errno(err, errno, "cannot create the extraction cache %s", path);
        return ph_error_hint(err, "%s", cache_hint);
    }
    return check_private_dir(path, err);
}

static bool already_there(const char *path, size_t size)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
           (uint64_t)st.st_size == size;
}

static int write_atomically(const char *dir, const char *path, const uint8_t *data, size_t size,
                            ph_error *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/.tmp.XXXXXX", dir);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return ph_error_errno(err, errno, "cannot write to the extraction cache %s", dir);
    int rc =
        ph_write_all(fd, data, size) < 0 ? ph_error_errno(err, errno, "cannot write %s", tmp) : 0;
    if (rc == 0 && fchmod(fd, 0500) < 0)
        rc = ph_error_errno(err, errno, "cannot chmod %s", tmp);
    close(fd);
    /* Every writer has the same content, so whichever rename lands last is as good as any. */
    if (rc == 0 && rename(tmp, path) < 0)
        rc = ph_error_errno(err, errno, "cannot rename %s to %s", tmp, path);
    if (rc < 0) {
        unlink(tmp);
        ph_error_hint(err, "%s", cache_hint);
    }
    return rc;
}

int ph_extract(const uint8_t *data, size_t size, const char *filename, char **path, ph_error *err)
{
    *path = NULL;
    if (!*filename || strchr(filename, '/') || !strcmp(filename, ".") || !strcmp(filename, ".."))
        return ph_error_set(err, "invalid file name '%s' for the extraction cache", filename);
    char *root = ph_cache_root();
    if (!root) {
        ph_error_set(err, "no extraction cache directory: HOME is not set");
        return ph_error_hint(err, "%s", cache_hint);
    }
    char *dir = NULL, *file = NULL;
    int rc = -1;
    if (asprintf(&dir, "%s/extracted/%016llx-%zx", root, (unsigned long long)pyr_xxh64(data, size),
                 size) < 0)
        dir = NULL;
    else if (asprintf(&file, "%s/%s", dir, filename) < 0)
        file = NULL;
    if (!dir || !file)
        ph_error_set(err, "out of memory");
    else if (make_private_dirs(dir, err) == 0)
        rc = already_there(file, size) ? 0 : write_atomically(dir, file, data, size, err);
    free(root);
    free(dir);
    if (rc < 0) {
        free(file);
        return -1;
    }
    *path = file;
    return 0;
}
