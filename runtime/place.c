/* Placement at run time (docs/runtime.md#files-on-disk): the files `pyhost build` packed to be
 * real files (.pyhost/placed: package data, shared objects loaded with ctypes) are written
 * once per content into CACHE/apps/HASH/, which becomes the root of every module's __file__
 * and package's __path__, so `join(dirname(__file__), "templates")` exists.
 *
 * HASH is the XXH64 of the list, whose lines carry each file's mode, size and content hash:
 * the same files share one directory, a changed file gets another. The tree is written into
 * a temporary directory, marked complete, and renamed into place, so concurrent first starts
 * agree and an interrupted one leaves nothing that looks complete. */
#include "place.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyhost/cachedir.h"
#include "pyhost/fsutil.h"
#include "pyhost/pyr_hash.h"

#define PLACED_ENTRY ".pyhost/placed"
#define PLACED_HEADER "pyhost-placed 1\n"
#define COMPLETE ".pyhost-complete"
#define ROOT_ENTRY ".pyhost/root"

/* A directory bundle's module root below the app directory ("lib"), from .pyhost/root:
 * 1 found, 0 none. */
static int read_root(pyr_archive *a, char *out, size_t size)
{
    uint32_t index = pyr_find(a, ROOT_ENTRY, strlen(ROOT_ENTRY));
    pyr_data data;
    ph_error ignored;
    if (index == PYR_NOT_FOUND || pyr_read(a, index, PYR_DATA, &data, &ignored) < 0)
        return 0;
    snprintf(out, size, "%.*s", (int)data.size, (const char *)data.bytes);
    pyr_data_release(&data);
    return out[0] && !strchr(out, '/') && strcmp(out, ".") && strcmp(out, "..");
}

/* The list, NUL-terminated; 0 when the app places nothing. */
static int read_list(pyr_archive *a, char **text, size_t *len, ph_error *err)
{
    *text = NULL;
    uint32_t index;
    if (pyr_find_checked(a, PLACED_ENTRY, strlen(PLACED_ENTRY), &index, err) < 0)
        return -1;
    if (index == PYR_NOT_FOUND)
        return 0;
    pyr_data data;
    if (pyr_read(a, index, PYR_DATA, &data, err) < 0)
        return -1;
    *text = strndup((const char *)data.bytes, data.size);
    *len = data.size;
    pyr_data_release(&data);
    if (!*text)
        return ph_error_set(err, "out of memory");
    if (strncmp(*text, PLACED_HEADER, strlen(PLACED_HEADER)) != 0) {
        free(*text);
        *text = NULL;
        return ph_error_set(err, "%s: unknown %s format", pyr_path(a), PLACED_ENTRY);
    }
    return 1;
}

/* A '/'-path that stays below the directory: no empty, "." or ".." component. */
static bool safe_name(const char *name)
{
    if (!*name || *name == '/')
        return false;
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += n;
        if (*p == '/')
            p++;
        else
            break;
    }
    return name[strlen(name) - 1] != '/';
}

/* Creates the directories of `name` under DIRFD (0700, as the cache's) and opens the file for
 * writing, never following a link. */
static int create_file(int dirfd, const char *name, unsigned mode, ph_error *err)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", name);
    int at = dup(dirfd);
    char *p = buf;
    for (char *slash; at >= 0 && (slash = strchr(p, '/')); p = slash + 1) {
        *slash = '\0';
        if (mkdirat(at, p, 0700) < 0 && errno != EEXIST) {
            close(at);
            return ph_error_errno(err, errno, "cannot create directory %s", buf);
        }
        int next = openat(at, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(at);
        at = next;
    }
    if (at < 0)
        return ph_error_errno(err, errno, "cannot create the directories of %s", name);
    int fd = openat(at, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    int e = errno;
    close(at);
    return fd < 0 ? ph_error_errno(err, e, "cannot create %s", name) : fd;
}

/* Writes every listed file into DIRFD from the archive. */
static int write_files(pyr_archive *a, char *list, int dirfd, ph_error *err)
{
    char *save = NULL;
    for (char *line = strtok_r(list + strlen(PLACED_HEADER), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        unsigned mode;
        unsigned long long size, hash;
        int name_at = 0;
        if (sscanf(line, "%o %llu %llx %n", &mode, &size, &hash, &name_at) != 3 || !name_at ||
            !safe_name(line + name_at) || (mode & ~0755u))
            return ph_error_set(err, "%s: bad line in %s: '%.200s'", pyr_path(a), PLACED_ENTRY,
                                line);
        const char *name = line + name_at;
        uint32_t index = pyr_find(a, name, strlen(name));
        pyr_data data;
        if (index == PYR_NOT_FOUND)
            return ph_error_set(err, "%s: %s lists %s, which is not packed", pyr_path(a),
                                PLACED_ENTRY, name);
        if (pyr_read(a, index, PYR_DATA, &data, err) < 0)
            return -1;
        int fd = data.size == size ? create_file(dirfd, name, mode, err) : -1;
        if (data.size != size)
            ph_error_set(err, "%s: %s has %zu bytes, not %llu as listed", pyr_path(a), name,
                         data.size, size);
        int rc =
            fd >= 0 && ph_write_all(fd, data.bytes, data.size) == 0 && fchmod(fd, (mode_t)mode) == 0
                ? 0
                : -1;
        int e = errno;
        if (fd >= 0 && close(fd) < 0 && rc == 0)
            rc = -1, e = errno;
        pyr_data_release(&data);
        if (rc < 0)
            return fd < 0 ? -1 : ph_error_errno(err, e, "cannot write %s", name);
    }
    return ph_cache_store(dirfd, COMPLETE, "", 0, 0600, err);
}

/* Is APPS/NAME a finished extraction (by the cache policy, with its marker)? */
static bool complete(const char *cache, const char *name)
{
    char sub[64];
    snprintf(sub, sizeof sub, "apps/%s", name);
    int dirfd;
    ph_error ignored;
    if (ph_cache_open_dir(cache, sub, false, &dirfd, &ignored) != PH_CACHE_OK)
        return false;
    int fd = ph_cache_open_file(dirfd, COMPLETE, 0, &ignored);
    close(dirfd);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

static char *fd_path(int fd)
{
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return NULL;
    path[n] = '\0';
    return strdup(path);
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", dir, name);
    return s;
}

/* Extracts into CACHE/apps/NAME unless it is there already; *root gets its path. */
static int extract(pyr_archive *a, char *list, const char *name, char **root, ph_error *err)
{
    char cache[PATH_MAX];
    int apps = -1;
    if (ph_cache_root(cache, sizeof cache, err) != PH_CACHE_OK ||
        ph_cache_open_dir(cache, "apps", true, &apps, err) != PH_CACHE_OK)
        return -1;
    char *apps_path = fd_path(apps);
    int rc = apps_path ? 0 : ph_error_errno(err, errno, "cannot resolve the cache directory");
    if (rc == 0 && !complete(cache, name)) {
        char tmp[96];
        snprintf(tmp, sizeof tmp, ".%s.tmp-%ld", name, (long)getpid());
        char *tmp_path = join_path(apps_path, tmp);
        if (!tmp_path) {
            rc = ph_error_set(err, "out of memory");
        } else {
            ph_remove_tree(tmp_path); /* what an earlier process with our pid left */
            int dirfd = mkdirat(apps, tmp, 0700) == 0
                            ? openat(apps, tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                            : -1;
            rc = dirfd < 0 ? ph_error_errno(err, errno, "cannot create %s", tmp_path)
                           : write_files(a, list, dirfd, err);
            if (dirfd >= 0)
                close(dirfd);
            /* Another start may have finished first: its copy is as good as ours. */
            if (rc == 0 && renameat(apps, tmp, apps, name) < 0 && !complete(cache, name))
                rc = ph_error_errno(err, errno, "cannot rename %s into place", tmp_path);
            ph_remove_tree(tmp_path); /* gone after a rename; else what is left of it */
            free(tmp_path);
        }
    }
    if (rc == 0 && !(*root = join_path(apps_path, name)))
        rc = ph_error_set(err, "out of memory");
    free(apps_path);
    close(apps);
    return rc;
}

char *ph_place_root(pyr_archive *archive, const char *app_dir, bool run)
{
    char *list = NULL, name[32], *root = NULL, sub[64];
    size_t len = 0;
    if (!run && read_root(archive, sub, sizeof sub))
        return join_path(app_dir, sub); /* a directory bundle: placed files are in it */
    ph_error err = {0};
    int found = read_list(archive, &list, &len, &err);
    uint64_t hash =
        found == 1 ? pyr_xxh64(list, len) : pyr_xxh64(PLACED_HEADER, strlen(PLACED_HEADER));
    snprintf(name, sizeof name, "%016llx", (unsigned long long)hash);
    if (found == 1 && extract(archive, list, name, &root, &err) == 0) {
        free(list);
        return root;
    }
    free(list);
    if (found != 0) {
        bool hint = err.hint[0] != '\0';
        fprintf(stderr, "pyhost: warning: files the app reads by path stay in memory: %s%s%s%s\n",
                err.message, hint ? " (hint: " : "", hint ? err.hint : "", hint ? ")" : "");
    } else if (run) {
        /* Nothing placed: the same root, virtual, so __file__ never names the sources. */
        char cache[PATH_MAX];
        ph_error ignored;
        if (ph_cache_root(cache, sizeof cache, &ignored) == PH_CACHE_OK) {
            snprintf(sub, sizeof sub, "apps/%s", name);
            return join_path(cache, sub);
        }
    }
    return strdup(app_dir);
}
