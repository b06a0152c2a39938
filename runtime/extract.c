#include "pyhost/extract.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pyhost/cachedir.h"
#include "pyhost/pyr_hash.h"

static const char cache_hint[] = "set PYHOST_CACHE_DIR to a directory you own, or route the "
                                 "module filesystem-relative in pyhost.ini ([routing])";

/* Does the file behind FD hold exactly DATA? Damage, or a file another process of ours wrote
 * wrongly, is caught here; the policy already keeps other users out. */
static int holds(int fd, const uint8_t *data, size_t size)
{
    if (size == 0)
        return 1;
    void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return 0;
    int same = memcmp(map, data, size) == 0;
    munmap(map, size);
    return same;
}

static int open_checked(int dirfd, const uint8_t *data, size_t size, const char *filename,
                        ph_error *err)
{
    int fd = ph_cache_open_file(dirfd, filename, size, err);
    if (fd >= 0 && !holds(fd, data, size)) {
        close(fd);
        ph_error_set(err, "extracted file %s does not hold what was packed", filename);
        errno = EPERM;
        return -1;
    }
    return fd;
}

int ph_extract(const uint8_t *data, size_t size, const char *filename, int *fd, ph_error *err)
{
    *fd = -1;
    if (!*filename || strchr(filename, '/') || !strcmp(filename, ".") || !strcmp(filename, ".."))
        return ph_error_set(err, "invalid file name '%s' for the extraction cache", filename);
    char root[4096], sub[64];
    int dirfd = -1;
    snprintf(sub, sizeof sub, "extracted/%016llx-%zx", (unsigned long long)pyr_xxh64(data, size),
             size);
    if (ph_cache_root(root, sizeof root, err) != PH_CACHE_OK ||
        ph_cache_open_dir(root, sub, 1, &dirfd, err) != PH_CACHE_OK)
        return ph_error_hint(err, "%s", cache_hint);
    ph_error ignored;
    *fd = open_checked(dirfd, data, size, filename, &ignored);
    if (*fd < 0) {
        /* Missing or wrong: (re)written. Every writer has the same content, so whichever rename
         * lands last is as good as any. */
        ph_cache_sweep(dirfd, 3600);
        if (ph_cache_store(dirfd, filename, data, size, 0500, err) == 0)
            *fd = open_checked(dirfd, data, size, filename, err);
    }
    close(dirfd);
    return *fd < 0 ? ph_error_hint(err, "%s", cache_hint) : 0;
}
