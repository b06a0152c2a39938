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
#include "place_check.h"

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

/* One listed file (`got`: what ph_placed_next returned for it) into DIRFD from the archive. */
static int write_file(pyr_archive *a, const ph_placed_item *it, int got, int dirfd, ph_error *err)
{
    if (got < 0)
        return ph_error_set(err, "%s: bad line in %s: '%.200s'", pyr_path(a), PLACED_ENTRY,
                            it->line);
    uint32_t index = pyr_find(a, it->name, strlen(it->name));
    pyr_data data;
    if (index == PYR_NOT_FOUND)
        return ph_error_set(err, "%s: %s lists %s, which is not packed", pyr_path(a), PLACED_ENTRY,
                            it->name);
    if (pyr_read(a, index, PYR_DATA, &data, err) < 0)
        return -1;
    int fd = data.size == it->size ? create_file(dirfd, it->name, it->mode, err) : -1;
    if (data.size != it->size)
        ph_error_set(err, "%s: %s has %zu bytes, not %llu as listed", pyr_path(a), it->name,
                     data.size, (unsigned long long)it->size);
    int rc =
        fd >= 0 && ph_write_all(fd, data.bytes, data.size) == 0 && fchmod(fd, (mode_t)it->mode) == 0
            ? 0
            : -1;
    int e = errno;
    if (fd >= 0 && close(fd) < 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    pyr_data_release(&data);
    if (rc < 0)
        return fd < 0 ? -1 : ph_error_errno(err, e, "cannot write %s", it->name);
    return 0;
}

/* Writes every listed file into DIRFD. */
static int write_files(pyr_archive *a, const char *list, int dirfd, ph_error *err)
{
    char *copy = strdup(list); /* ph_placed_next cuts the lines */
    int rc = copy ? 0 : ph_error_set(err, "out of memory");
    char *cursor = copy ? copy + strlen(PLACED_HEADER) : NULL;
    ph_placed_item it;
    for (int got; rc == 0 && (got = ph_placed_next(&cursor, &it)) != 0;)
        rc = write_file(a, &it, got, dirfd, err);
    free(copy);
    return rc;
}

/* Checks DIRFD's files against LIST and the stamps in `seen` (seen_size bytes) and stores the
 * marker, with fresh stamps, when they were missing or some changed with the same content.
 * 1: good; 0: *problem says what changed. */
static int check_and_mark(int dirfd, const char *list, const void *seen, size_t seen_size,
                          ph_placed_problem *problem, ph_error *err)
{
    ph_placed_stamps now;
    int rc = ph_placed_check(dirfd, list + strlen(PLACED_HEADER), seen,
                             seen_size / sizeof(ph_placed_stamp), &now, problem);
    if (rc < 0)
        return ph_error_set(err, "out of memory");
    ph_error ignored; /* not stored (a read-only cache): the files are hashed again next time */
    if (rc == 1 && (now.restamp || seen_size != now.count * sizeof *now.items))
        ph_cache_store(dirfd, COMPLETE, now.items, now.count * sizeof *now.items, 0600, &ignored);
    free(now.items);
    return rc;
}

/* Is APPS/NAME a finished extraction that still holds what LIST says? 1 yes, 0 not there
 * (or not finished), -1 changed (*problem says how) or refused by the cache policy (err). */
static int check_extracted(const char *cache, const char *name, const char *list,
                           ph_placed_problem *problem, ph_error *err)
{
    char sub[64];
    snprintf(sub, sizeof sub, "apps/%s", name);
    int dirfd, rc = 0;
    ph_cache_status st = ph_cache_open_dir(cache, sub, false, &dirfd, err);
    if (st != PH_CACHE_OK)
        return st == PH_CACHE_UNSAFE ? -1 : 0;
    int fd = ph_cache_open_file(dirfd, COMPLETE, UINT64_MAX, err);
    if (fd < 0 && errno != ENOENT) { /* a link, another's file: not what pyhost wrote */
        snprintf(problem->name, sizeof problem->name, "%s", COMPLETE);
        problem->why = "is not the marker pyhost wrote";
        rc = -1;
    }
    struct stat fst;
    void *seen = NULL;
    if (fd >= 0 && fstat(fd, &fst) == 0 && fst.st_size < ((off_t)1 << 26) &&
        (seen = malloc((size_t)fst.st_size + 1)) &&
        pread(fd, seen, (size_t)fst.st_size, 0) == fst.st_size)
        rc = check_and_mark(dirfd, list, seen, (size_t)fst.st_size, problem, err) == 1 ? 1 : -1;
    free(seen);
    if (fd >= 0)
        close(fd);
    close(dirfd);
    return rc;
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

/* Writes the files into a temporary APPS/.NAME.tmp-PID, checks and marks them, and renames it
 * into place. Another start may have finished first: its copy is as good as ours. */
static int write_tree(pyr_archive *a, char *list, int apps, const char *apps_path,
                      const char *cache, const char *name, ph_error *err)
{
    char tmp[96];
    snprintf(tmp, sizeof tmp, ".%s.tmp-%ld", name, (long)getpid());
    char *tmp_path = join_path(apps_path, tmp);
    if (!tmp_path)
        return ph_error_set(err, "out of memory");
    ph_remove_tree(tmp_path); /* what an earlier process with our pid left */
    int dirfd = mkdirat(apps, tmp, 0700) == 0
                    ? openat(apps, tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                    : -1;
    ph_placed_problem problem;
    int rc = dirfd < 0 ? ph_error_errno(err, errno, "cannot create %s", tmp_path)
                       : write_files(a, list, dirfd, err);
    if (rc == 0 && check_and_mark(dirfd, list, NULL, 0, &problem, err) == 0)
        rc = ph_error_set(err, "%s/%s %s right after it was written", tmp_path, problem.name,
                          problem.why);
    if (dirfd >= 0)
        close(dirfd);
    if (rc == 0 && renameat(apps, tmp, apps, name) < 0 &&
        check_extracted(cache, name, list, &problem, err) != 1)
        rc = ph_error_errno(err, errno, "cannot rename %s into place", tmp_path);
    ph_remove_tree(tmp_path); /* gone after a rename; else what is left of it */
    free(tmp_path);
    return rc;
}

/* Moves APPS/NAME aside and removes it: it changed, or was left unfinished. */
static void remove_extracted(int apps, const char *apps_path, const char *name)
{
    char old[96];
    snprintf(old, sizeof old, ".%s.old-%ld", name, (long)getpid());
    char *old_path = join_path(apps_path, old);
    if (old_path && renameat(apps, name, apps, old) == 0)
        ph_remove_tree(old_path);
    free(old_path);
}

/* Extracts into CACHE/apps/NAME unless it is there already, as it was written; *root gets its
 * path. */
static int extract(pyr_archive *a, char *list, const char *name, char **root, ph_error *err)
{
    char cache[PATH_MAX];
    int apps = -1;
    if (ph_cache_root(cache, sizeof cache, err) != PH_CACHE_OK ||
        ph_cache_open_dir(cache, "apps", true, &apps, err) != PH_CACHE_OK)
        return -1;
    char *apps_path = fd_path(apps);
    int rc = apps_path ? 0 : ph_error_errno(err, errno, "cannot resolve the cache directory");
    ph_placed_problem problem = {0};
    int state = rc == 0 ? check_extracted(cache, name, list, &problem, err) : -1;
    if (state < 0 && problem.why) /* changed under us: never used, written again */
        fprintf(stderr,
                "pyhost: warning: the app's files in %s/%s changed since they were written "
                "(%s %s): extracting them again\n",
                apps_path, name, problem.name, problem.why);
    if (state < 0 && !problem.why)
        rc = -1; /* refused by the cache policy: err says why */
    else if (state <= 0) {
        remove_extracted(apps, apps_path, name);
        rc = write_tree(a, list, apps, apps_path, cache, name, err);
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
