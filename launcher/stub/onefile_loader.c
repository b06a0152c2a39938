/* pyhost-loader: the front of a onefile whose runtime is compressed (onefile.h).
 *
 * It keeps start-up what it is with a plain onefile: once per user and pyhost version, the
 * stub is unpacked into CACHE/runtime/<name> (written aside and renamed into place, so a
 * concurrent or interrupted first start never leaves a partial file); every later start opens
 * that file, checks it and executes it through the descriptor it checked. When the cache cannot
 * hold it (read-only home, noexec mount) or is refused as unsafe, the stub is unpacked into
 * memory (a memfd) and run from there, at every start.
 *
 * The cache is a trust boundary: a file there runs as whoever starts the app. The directories
 * are checked by the policy of pyhost/cachedir.h (ours, not writable by others, no symlinks),
 * the file on its open descriptor (ours, regular, not writable by others, its size), and its
 * content against the XXH64 the record carries, once per change of the file (see `verified`).
 * XXH64 catches damage; the ownership checks keep other users out.
 *
 * It is linked statically (glibc and zstd's decompressor, ~0.8 MB): a dynamically linked loader
 * made every start ~1 ms slower (the dynamic loader's own work before the exec), measured with
 * hyperfine against the plain onefile; static, the loader costs ~0.2 ms. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "onefile.h"
#include "pyhost/cachedir.h"
#include "pyhost/fsutil.h"
#include "pyhost/pyr_hash.h"

extern char **environ;

typedef struct onefile {
    char self[PATH_MAX];
    const char *name; /* the app's name, for messages */
    int fd;
    ph_onefile_record rec;
} onefile;

static int fail(const onefile *f, const char *what, const char *hint)
{
    fprintf(stderr, "%s: error: %s\nhint: %s\n", f->name, what, hint);
    return 1;
}

#define DAMAGED "the executable is damaged or incomplete: reinstall the app, or rebuild it"

/* The record ends where the .pyr starts, which the last 32 bytes (the pyr trailer) give. */
static int read_record(onefile *f)
{
    struct {
        char magic[8];
        uint64_t offset, size, checksum;
    } trailer;
    off_t end = lseek(f->fd, 0, SEEK_END);
    if (end < (off_t)(sizeof trailer + sizeof f->rec) ||
        pread(f->fd, &trailer, sizeof trailer, end - (off_t)sizeof trailer) != sizeof trailer ||
        memcmp(trailer.magic, "PYRTRAIL", 8) || trailer.offset < sizeof f->rec ||
        trailer.offset > (uint64_t)end ||
        pread(f->fd, &f->rec, sizeof f->rec, (off_t)(trailer.offset - sizeof f->rec)) !=
            sizeof f->rec ||
        !ph_onefile_record_valid(&f->rec, trailer.offset))
        return -1;
    return 0;
}

/* The stub, unpacked into a malloc'd buffer of rec.runtime_size bytes, or NULL. */
static void *unpack(const onefile *f)
{
    size_t skew = (size_t)(f->rec.frame_offset & 4095); /* mmap wants a page-aligned offset */
    void *frame = mmap(NULL, f->rec.frame_size + skew, PROT_READ, MAP_PRIVATE, f->fd,
                       (off_t)(f->rec.frame_offset - skew));
    void *out = frame == MAP_FAILED ? NULL : malloc(f->rec.runtime_size);
    if (out) {
        size_t n =
            ZSTD_decompress(out, f->rec.runtime_size, (char *)frame + skew, f->rec.frame_size);
        if (ZSTD_isError(n) || n != f->rec.runtime_size) {
            free(out);
            out = NULL;
        }
    }
    if (frame != MAP_FAILED)
        munmap(frame, f->rec.frame_size + skew);
    return out;
}

/* The fallback: run the runtime from memory. Returns only on failure. */
static void exec_in_memory(const onefile *f, const void *runtime, char **argv)
{
    int fd = memfd_create(f->rec.runtime_name, MFD_CLOEXEC);
    if (fd >= 0 && ph_write_all(fd, runtime, f->rec.runtime_size) == 0)
        fexecve(fd, argv, environ);
    if (fd >= 0)
        close(fd);
}

static void warn(const onefile *f, const char *what, const ph_error *err)
{
    fprintf(stderr, "%s: warning: %s: %s\n", f->name, what, err->message);
}

/* What was true of the cached runtime when its content was last hashed. The kernel changes a
 * file's ctime on every write, chmod or rename and no user can set it, so while these match the
 * file holds the bytes that were hashed: the 1.2 ms hash of a 6.8 MB runtime (XXH64 at
 * ~5.6 GB/s here) is paid once per file, not at every start. */
typedef struct verified {
    uint64_t dev, ino, size, ctime_sec, ctime_nsec, hash;
} verified;

static verified identity(const struct stat *st, uint64_t hash)
{
    return (verified){(uint64_t)st->st_dev,          (uint64_t)st->st_ino,
                      (uint64_t)st->st_size,         (uint64_t)st->st_ctim.tv_sec,
                      (uint64_t)st->st_ctim.tv_nsec, hash};
}

static int stamp_name(const onefile *f, char *out, size_t size)
{
    return snprintf(out, size, "%s.verified", f->rec.runtime_name) < (int)size ? 0 : -1;
}

static int recently_verified(const onefile *f, int dirfd, const struct stat *st)
{
    char name[64];
    ph_error err;
    verified seen, now = identity(st, f->rec.runtime_hash);
    int fd = stamp_name(f, name, sizeof name) < 0
                 ? -1
                 : ph_cache_open_file(dirfd, name, sizeof seen, &err);
    int same = fd >= 0 && pread(fd, &seen, sizeof seen, 0) == sizeof seen &&
               memcmp(&seen, &now, sizeof seen) == 0;
    if (fd >= 0)
        close(fd);
    return same;
}

static int hash_matches(const onefile *f, int dirfd, int fd, const struct stat *st)
{
    void *map = mmap(NULL, f->rec.runtime_size, PROT_READ, MAP_SHARED, fd, 0);
    int same = map != MAP_FAILED && pyr_xxh64(map, f->rec.runtime_size) == f->rec.runtime_hash;
    if (map != MAP_FAILED)
        munmap(map, f->rec.runtime_size);
    char name[64];
    ph_error err;
    verified v = identity(st, f->rec.runtime_hash);
    if (same && stamp_name(f, name, sizeof name) == 0)
        ph_cache_store(dirfd, name, &v, sizeof v, 0600, &err); /* or hash again next time */
    return same;
}

/* The cached runtime in DIRFD, if it is the one this app carries: it is then executed through
 * the descriptor checked. Returns 1 when it was there and could not run (a noexec mount: no use
 * writing it again), 0 when it is missing or was damaged. */
static int exec_checked(const onefile *f, int dirfd, char **argv)
{
    ph_error err;
    int fd = ph_cache_open_file(dirfd, f->rec.runtime_name, f->rec.runtime_size, &err);
    if (fd < 0) {
        if (errno != ENOENT)
            warn(f, "replacing the cached runtime", &err);
        return 0;
    }
    struct stat st;
    int same = fstat(fd, &st) == 0 &&
               (recently_verified(f, dirfd, &st) || hash_matches(f, dirfd, fd, &st));
    if (same)
        fexecve(fd, argv, environ);
    else
        fprintf(stderr, "%s: warning: replacing the damaged cached runtime %s\n", f->name,
                f->rec.runtime_name);
    close(fd);
    return same;
}

/* Runs the runtime from CACHE/runtime, unpacking it there first if need be. Returns only when
 * the cache cannot be used; *runtime is then the unpacked stub if it was unpacked. */
static void exec_cached(const onefile *f, void **runtime, char **argv)
{
    char root[PATH_MAX];
    ph_error err;
    int dirfd = -1;
    ph_cache_status st = ph_cache_root(root, sizeof root, &err);
    if (st == PH_CACHE_OK)
        st = ph_cache_open_dir(root, "runtime", true, &dirfd, &err);
    if (st == PH_CACHE_UNSAFE)
        warn(f, "not using the runtime cache, running from memory", &err);
    if (st != PH_CACHE_OK)
        return;
    if (exec_checked(f, dirfd, argv)) {
        close(dirfd);
        return;
    }
    *runtime = unpack(f);
    if (*runtime) {
        ph_cache_sweep(dirfd, 3600); /* what starts killed while writing left */
        if (ph_cache_store(dirfd, f->rec.runtime_name, *runtime, f->rec.runtime_size, 0500, &err) ==
            0)
            exec_checked(f, dirfd, argv);
    }
    close(dirfd);
}

int main(int argc, char **argv)
{
    (void)argc;
    onefile f = {.name = argv[0] ? argv[0] : "app"};
    if (!realpath("/proc/self/exe", f.self))
        return fail(&f, "cannot find the path of this executable (/proc/self/exe)",
                    "/proc must be mounted");
    f.name = strrchr(f.self, '/') + 1;
    f.fd = open(f.self, O_RDONLY | O_CLOEXEC);
    if (f.fd < 0 || read_record(&f) < 0)
        return fail(&f, "the compressed runtime cannot be found in this executable", DAMAGED);
    if (setenv(PH_ENV_ONEFILE, f.self, 1) < 0)
        return fail(&f, "out of memory", "free some memory and start the app again");

    void *runtime = NULL;
    exec_cached(&f, &runtime, argv);
    if (!runtime)
        runtime = unpack(&f);
    if (!runtime)
        return fail(&f, "the compressed runtime in this executable cannot be unpacked", DAMAGED);
    exec_in_memory(&f, runtime, argv);
    char why[160];
    snprintf(why, sizeof why, "cannot start the unpacked runtime: %s", strerror(errno));
    return fail(&f, why,
                "the app needs a writable, executable cache directory "
                "(PYHOST_CACHE_DIR) or memfd_create");
}
