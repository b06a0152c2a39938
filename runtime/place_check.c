/* The placed files of CACHE/apps/HASH, checked at every start (docs/security.md).
 *
 * The directory itself passes the cache policy on each start (place.c opens it through
 * ph_cache_open_dir: owner, modes, no symlink from / down). What is in it is then compared with
 * what was written: every directory on a file's path must be a real directory of this user's
 * that others cannot write, and every file a regular file of the listed size whose inode and
 * ctime are those recorded when it was written (the kernel changes the ctime on every write,
 * chmod or rename, and no user can set it). That is one fstatat per file and directory, no
 * read. A file whose stamp differs is hashed: the same content is stamped again, other content
 * (or a link, a missing file, a wrong size) means the directory is extracted again. */
#include "place_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyhost/cachedir.h"
#include "pyhost/pyr_hash.h"

int ph_placed_next(char **cursor, ph_placed_item *it)
{
    char *line = *cursor;
    if (!line || !*line)
        return 0;
    char *end = strchr(line, '\n');
    *cursor = end ? end + 1 : line + strlen(line);
    if (end)
        *end = '\0';
    unsigned long long size, hash;
    int name_at = 0;
    *it = (ph_placed_item){.line = line};
    if (sscanf(line, "%o %llu %llx %n", &it->mode, &size, &hash, &name_at) != 3 || !name_at ||
        (it->mode & ~0755u) || !ph_placed_safe_name(line + name_at))
        return -1;
    it->size = size;
    it->hash = hash;
    it->name = line + name_at;
    return 1;
}

bool ph_placed_safe_name(const char *name)
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

/* The directory a run of files shares, open: each file is then one fstatat of its base name. */
typedef struct parent {
    int fd;          /* -1: none open */
    char path[4096]; /* relative to the extracted directory, "" for itself */
} parent;

/* Opens NAME's directory, each component without following a link and checked as the cache
 * policy says, unless it is the one already open. NULL, or why a component may not be trusted
 * (its path in `bad`). */
static const char *open_parent(int dirfd, const char *name, parent *p, char *bad, size_t size)
{
    const char *slash = strrchr(name, '/');
    size_t n = slash ? (size_t)(slash - name) : 0;
    if (p->fd >= 0 && strlen(p->path) == n && !strncmp(p->path, name, n))
        return NULL;
    if (p->fd >= 0)
        close(p->fd);
    p->fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    snprintf(p->path, sizeof p->path, "%.*s", (int)n, name);
    for (size_t at = 0; p->fd >= 0 && at < n;) {
        size_t len = strcspn(p->path + at, "/");
        char component[256];
        snprintf(component, sizeof component, "%.*s", (int)len, p->path + at);
        int fd = openat(p->fd, component, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        const char *why = fd < 0 && errno == ENOENT ? "is missing"
                          : fd < 0                  ? "is not a directory (or a symbolic link)"
                          : fstat(fd, &st) < 0      ? "cannot be examined"
                                                    : ph_cache_distrust(&st);
        close(p->fd);
        p->fd = fd;
        if (why) {
            snprintf(bad, size, "%.*s", (int)(at + len), p->path);
            if (fd >= 0)
                close(fd);
            p->fd = -1;
            p->path[0] = '\0';
            return why;
        }
        at += len + (p->path[at + len] == '/');
    }
    return p->fd < 0 ? "cannot be opened" : NULL;
}

static ph_placed_stamp stamp_of(const struct stat *st)
{
    return (ph_placed_stamp){(uint64_t)st->st_ino, (uint64_t)st->st_ctim.tv_sec,
                             (uint64_t)st->st_ctim.tv_nsec};
}

/* Does the file hold the listed bytes? Read through a descriptor opened without following a
 * link and checked again: what is hashed is what was examined. */
static bool same_content(int dirfd, const char *base, const ph_placed_item *it)
{
    int fd = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    bool same = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !ph_cache_distrust(&st) &&
                (uint64_t)st.st_size == it->size;
    if (same && it->size) {
        void *map = mmap(NULL, it->size, PROT_READ, MAP_PRIVATE, fd, 0);
        same = map != MAP_FAILED && pyr_xxh64(map, it->size) == it->hash;
        if (map != MAP_FAILED)
            munmap(map, it->size);
    } else if (same) {
        same = pyr_xxh64("", 0) == it->hash;
    }
    if (fd >= 0)
        close(fd);
    return same;
}

/* One file: its stamp into *now; 1 when it matches `seen` (NULL: unknown), 0 when it holds the
 * listed bytes all the same, -1 (with why) when it does not. */
static int check_file(int dirfd, const ph_placed_item *it, const ph_placed_stamp *seen,
                      ph_placed_stamp *now, const char **why)
{
    struct stat st;
    const char *slash = strrchr(it->name, '/'), *base = slash ? slash + 1 : it->name;
    *why = fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ? "is missing"
           : ph_cache_distrust(&st)                           ? ph_cache_distrust(&st)
           : !S_ISREG(st.st_mode)                             ? "is not a regular file"
           : (uint64_t)st.st_size != it->size                 ? "has changed size"
                                                              : NULL;
    if (*why)
        return -1;
    *now = stamp_of(&st);
    if (seen && !memcmp(seen, now, sizeof *now))
        return 1;
    if (same_content(dirfd, base, it))
        return 0;
    *why = "has changed content";
    return -1;
}

int ph_placed_check(int dirfd, const char *list, const ph_placed_stamp *seen, size_t seen_count,
                    ph_placed_stamps *out, ph_placed_problem *problem)
{
    char *copy = strdup(list), *cursor = copy;
    parent dir = {.fd = -1};
    *out = (ph_placed_stamps){0};
    *problem = (ph_placed_problem){0};
    if (!copy)
        return -1;
    int rc = 1;
    ph_placed_item it;
    for (int got; rc >= 0 && (got = ph_placed_next(&cursor, &it)) != 0;) {
        ph_placed_stamp *grown = realloc(out->items, (out->count + 1) * sizeof *grown);
        const char *why = got < 0 ? "is not a valid line of the list" : NULL;
        if (!grown) {
            rc = -1;
            break;
        }
        out->items = grown;
        if (!why)
            why = open_parent(dirfd, it.name, &dir, problem->name, sizeof problem->name);
        int state =
            why ? -1
                : check_file(dir.fd, &it, out->count < seen_count ? &seen[out->count] : NULL,
                             &out->items[out->count], &why);
        if (state < 0) {
            if (!problem->name[0])
                snprintf(problem->name, sizeof problem->name, "%s", it.name ? it.name : it.line);
            problem->why = why;
            rc = 0;
            break;
        }
        if (state == 0)
            out->restamp = true;
        out->count++;
    }
    if (dir.fd >= 0)
        close(dir.fd);
    free(copy);
    return rc;
}
