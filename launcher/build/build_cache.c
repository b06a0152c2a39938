/* The bytecode cache: compiling the stdlib takes seconds, reading it back takes milliseconds,
 * so a rebuild after editing one file only compiles that file.
 *
 * One file per compiled unit, named by the hex XXH64 of everything the bytecode depends on
 * (interpreter magic and version, marshal version, optimize level, compile-time filename,
 * source bytes). Each file carries a header with the payload size and checksum, so a torn or
 * damaged entry reads as a miss rather than as bad bytecode. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>

#include "build.h"
#include "pyhost/fsutil.h"
#include "pyhost/pyr_hash.h"

#define CACHE_MAGIC "PHBC0001"
#define MAX_ENTRY_SIZE (256u << 20)

typedef struct cache_header {
    char magic[8];
    uint64_t size;     /* payload bytes */
    uint64_t checksum; /* XXH64 of the payload */
} cache_header;

/* $PYHOST_CACHE_DIR/bytecode, else $XDG_CACHE_HOME/pyhost/bytecode, else
 * ~/.cache/pyhost/bytecode. PYHOST_CACHE_DIR names pyhost's whole cache, like
 * XDG_CACHE_HOME/pyhost. */
static int cache_dir(char *buf, size_t size)
{
    const char *env = getenv("PYHOST_CACHE_DIR");
    if (env && *env)
        return snprintf(buf, size, "%s/bytecode", env) < (int)size ? 0 : -1;
    env = getenv("XDG_CACHE_HOME");
    if (env && env[0] == '/') /* the XDG spec says to ignore a relative value */
        return snprintf(buf, size, "%s/pyhost/bytecode", env) < (int)size ? 0 : -1;
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home)
        return -1;
    return snprintf(buf, size, "%s/.cache/pyhost/bytecode", home) < (int)size ? 0 : -1;
}

/* mkdir -p; directories we create are private (0700): the cache feeds code into builds. */
static int make_dirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc < 0 && errno != EEXIST)
            return -1;
    }
    return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static void turn_off(ph_cache *c, const char *why)
{
    c->enabled = false;
    snprintf(c->warning, sizeof c->warning, "bytecode cache %.400s is not writable (%.300s)",
             c->dir, why);
}

/* Another user able to write here could plant bytecode in our builds. */
static int check_owner(ph_cache *c)
{
    struct stat st;
    if (stat(c->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        turn_off(c, "not a directory");
        return -1;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 022)) {
        c->enabled = false;
        snprintf(c->warning, sizeof c->warning,
                 "bytecode cache %s is not safe to use (it must belong to you and not be "
                 "writable by others)",
                 c->dir);
        return -1;
    }
    return 0;
}

void ph_cache_open(ph_cache *c)
{
    *c = (ph_cache){0};
    if (cache_dir(c->dir, sizeof c->dir) < 0) {
        snprintf(c->warning, sizeof c->warning,
                 "bytecode cache: no home directory to put it in (HOME is not set)");
        return;
    }
    char tmp[sizeof c->dir];
    memcpy(tmp, c->dir, sizeof tmp);
    if (make_dirs(tmp) < 0) {
        turn_off(c, strerror(errno));
        return;
    }
    if (check_owner(c) < 0)
        return;
    if (access(c->dir, W_OK | X_OK) < 0) {
        turn_off(c, strerror(errno));
        return;
    }
    c->enabled = true;
}

uint64_t ph_cache_key(const ph_python_info *py, int optimize, const char *relname,
                      const char *source, size_t size)
{
    uint64_t fields[6] = {py->magic,          PY_VERSION_HEX,          Py_MARSHAL_VERSION,
                          (uint64_t)optimize, pyr_xxh64(source, size), size};
    size_t n = strlen(relname);
    uint8_t buf[sizeof fields + 4096];
    if (n > 4096)
        n = 4096; /* longer names still differ in their source hash or in the first 4 KiB */
    memcpy(buf, fields, sizeof fields);
    memcpy(buf + sizeof fields, relname, n);
    return pyr_xxh64(buf, sizeof fields + n);
}

static void entry_path(const ph_cache *c, uint64_t key, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%016llx", c->dir, (unsigned long long)key);
}

static int read_exact(int fd, void *buf, size_t size)
{
    uint8_t *p = buf;
    while (size) {
        ssize_t n = read(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

int ph_cache_get(ph_cache *c, uint64_t key, uint8_t **data, size_t *size)
{
    char path[sizeof c->dir + 32];
    cache_header h;
    if (!c->enabled)
        return 0;
    entry_path(c, key, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    uint8_t *buf = NULL;
    int hit = read_exact(fd, &h, sizeof h) == 0 && !memcmp(h.magic, CACHE_MAGIC, 8) &&
              h.size <= MAX_ENTRY_SIZE && (buf = malloc(h.size ? h.size : 1)) &&
              read_exact(fd, buf, h.size) == 0 && pyr_xxh64(buf, h.size) == h.checksum;
    close(fd);
    if (!hit) {
        free(buf);
        return 0;
    }
    *data = buf;
    *size = h.size;
    return 1;
}

void ph_cache_put(ph_cache *c, uint64_t key, const uint8_t *data, size_t size)
{
    char path[sizeof c->dir + 32];
    if (!c->enabled)
        return;
    entry_path(c, key, path, sizeof path);
    cache_header h = {.size = size, .checksum = pyr_xxh64(data, size)};
    memcpy(h.magic, CACHE_MAGIC, 8);
    uint8_t *buf = malloc(sizeof h + size);
    if (!buf)
        return; /* skipping one cache entry is harmless */
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, data, size);
    ph_error e;
    if (ph_write_file_atomic(path, buf, sizeof h + size, 0600, &e) < 0)
        turn_off(c, e.message);
    free(buf);
}
