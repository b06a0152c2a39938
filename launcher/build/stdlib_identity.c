#include "stdlib_identity.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyhost/pyr_hash.h"

static uint64_t file_id(const char *name, const struct stat *st)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s%c%lld %lld", name, '\0', (long long)st->st_size,
                     (long long)st->st_mtime);
    return pyr_xxh64(buf, n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf);
}

int ph_stdlib_identity(const char *stdlib, uint64_t *id, ph_error *err)
{
    int fd = open(stdlib, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return ph_error_errno(err, errno, "the standard library %s", stdlib);
    }
    uint64_t sum = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        struct stat st;
        if (n > 3 && !strcmp(e->d_name + n - 3, ".py") &&
            fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            sum += file_id(e->d_name, &st);
    }
    closedir(d);
    *id = sum;
    return 0;
}
