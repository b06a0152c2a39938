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
#include "pyhost/cachedir.h"
#include "pyhost/fsutil.h"
#include "pyhost/pyr_hash.h"

#define CACHE_MAGIC "PHBC0001"
#define MAX_ENTRY_SIZE (256u << 20)

typedef struct cache_header {
    char magic[8];
    uint64_t size;     /* payload bytes */
    uint64_t checksum; /* XXH64 of the payload */
} cache_header;

static void turn_off(ph_cache *c, const char *why)
{
    c->enabled = false;
    snprintf(c->warning, sizeof c->warning, "bytecode cache %.400s is not usable (%.300s)", c->dir,
             why);
}

/* CACHE/bytecode under the policy every pyhost cache follows (pyhost/cachedir.h): another user
 * able to write here could plant bytecode in our builds. */
void ph_cache_open(ph_cache *c)
{
    *c = (ph_cache){.dirfd = -1};
    char root[sizeof c->dir - 16];
    ph_error err;
    if (ph_cache_root(root, sizeof root, &err) != PH_CACHE_OK) {
        snprintf(c->warning, sizeof c->warning, "bytecode cache: %.700s", err.message);
        return;
    }
    snprintf(c->dir, sizeof c->dir, "%s/bytecode", root);
    if (ph_cache_open_dir(root, "bytecode", true, &c->dirfd, &err) != PH_CACHE_OK) {
        turn_off(c, err.message);
        return;
    }
    ph_cache_sweep(c->dirfd, 3600); /* what builds killed while writing left */
    c->enabled = true;
}

void ph_cache_close(ph_cache *c)
{
    if (c->dirfd >= 0)
        close(c->dirfd);
    c->dirfd = -1;
    c->enabled = false;
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

static void entry_name(uint64_t key, char *buf, size_t size)
{
    snprintf(buf, size, "%016llx", (unsigned long long)key);
}

int ph_cache_get(ph_cache *c, uint64_t key, uint8_t **data, size_t *size)
{
    char name[32];
    cache_header h;
    ph_error err;
    if (!c->enabled)
        return 0;
    entry_name(key, name, sizeof name);
    int fd = ph_cache_open_file(c->dirfd, name, UINT64_MAX, &err);
    if (fd < 0)
        return 0; /* missing, or not trusted: compiled again and replaced */
    uint8_t *buf = NULL;
    int hit = ph_read_all(fd, &h, sizeof h) == 0 && !memcmp(h.magic, CACHE_MAGIC, 8) &&
              h.size <= MAX_ENTRY_SIZE && (buf = malloc(h.size ? h.size : 1)) &&
              ph_read_all(fd, buf, h.size) == 0 && pyr_xxh64(buf, h.size) == h.checksum;
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
    char name[32];
    if (!c->enabled)
        return;
    entry_name(key, name, sizeof name);
    cache_header h = {.size = size, .checksum = pyr_xxh64(data, size)};
    memcpy(h.magic, CACHE_MAGIC, 8);
    uint8_t *buf = malloc(sizeof h + size);
    if (!buf)
        return; /* skipping one cache entry is harmless */
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, data, size);
    ph_error e;
    /* No fsync: an entry torn by a crash fails its checksum and reads as a miss. */
    if (ph_cache_store(c->dirfd, name, buf, sizeof h + size, 0600, &e) < 0)
        turn_off(c, e.message);
    free(buf);
}
