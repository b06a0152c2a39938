/* pyhost-loader: the front of a onefile whose runtime is compressed (onefile.h).
 *
 * It keeps start-up what it is with a plain onefile: once per user and pyhost version, the
 * stub is unpacked into CACHE/runtime/<name> (written aside and renamed into place, so a
 * concurrent or interrupted first start never leaves a partial file); every later start is a
 * stat and an exec of that file. When the cache cannot hold it (read-only home, noexec mount),
 * the stub is unpacked into memory (a memfd) and run from there, at every start.
 * Nothing is ever extracted per run and nothing is deleted behind a running app.
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
        memcmp(f->rec.magic, PH_ONEFILE_MAGIC, 8) ||
        f->rec.frame_offset + f->rec.frame_size > trailer.offset ||
        memchr(f->rec.runtime_name, '\0', sizeof f->rec.runtime_name) == NULL ||
        strchr(f->rec.runtime_name, '/') || f->rec.runtime_name[0] == '\0' ||
        f->rec.runtime_name[0] == '.')
        return -1;
    return 0;
}

/* $PYHOST_CACHE_DIR, else $XDG_CACHE_HOME/pyhost, else ~/.cache/pyhost: the cache the runtime
 * uses for everything else it keeps (docs/runtime.md). */
static int cache_dir(char *out, size_t size)
{
    const char *dir = getenv("PYHOST_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n = dir && *dir     ? snprintf(out, size, "%s/runtime", dir)
            : xdg && *xdg   ? snprintf(out, size, "%s/pyhost/runtime", xdg)
            : home && *home ? snprintf(out, size, "%s/.cache/pyhost/runtime", home)
                            : -1;
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int make_dirs(char *path)
{
    for (char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
        if (p)
            *p = '\0';
        int rc = mkdir(path, 0700);
        if (p)
            *p = '/';
        if (rc < 0 && errno != EEXIST)
            return -1;
        if (!p)
            return 0;
    }
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

/* runtime/fsutil.c's ph_write_all, repeated: the loader links none of the runtime. */
static int write_all(int fd, const char *data, size_t size)
{
    while (size) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

/* Writes the runtime to PATH.tmp-PID and renames it into place; -1 leaves nothing behind. */
static int store(const char *path, const void *runtime, size_t size)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, runtime, size) < 0 || fchmod(fd, 0755) < 0 ? -1 : 0;
    if (close(fd) < 0 || rc < 0 || rename(tmp, path) < 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The fallback: run the runtime from memory. Returns only on failure. */
static void exec_in_memory(const onefile *f, const void *runtime, char **argv)
{
    int fd = memfd_create(f->rec.runtime_name, MFD_CLOEXEC);
    if (fd >= 0 && write_all(fd, runtime, f->rec.runtime_size) == 0)
        fexecve(fd, argv, environ);
    if (fd >= 0)
        close(fd);
}

static int is_runtime(const char *path, const onefile *f)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           (uint64_t)st.st_size == f->rec.runtime_size;
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

    char path[PATH_MAX];
    int cached = cache_dir(path, sizeof path - sizeof f.rec.runtime_name - 1) == 0;
    if (cached) {
        strcat(strcat(path, "/"), f.rec.runtime_name);
        if (is_runtime(path, &f))
            execve(path, argv, environ); /* returns only if it cannot run: unpack again */
    }
    void *runtime = unpack(&f);
    if (!runtime)
        return fail(&f, "the compressed runtime in this executable cannot be unpacked", DAMAGED);
    if (cached) {
        *strrchr(path, '/') = '\0';
        if (make_dirs(path) == 0) {
            strcat(strcat(path, "/"), f.rec.runtime_name);
            if (store(path, runtime, f.rec.runtime_size) == 0 || is_runtime(path, &f))
                execve(path, argv, environ);
        }
    }
    exec_in_memory(&f, runtime, argv);
    char why[160];
    snprintf(why, sizeof why, "cannot start the unpacked runtime: %s", strerror(errno));
    return fail(&f, why,
                "the app needs a writable, executable cache directory "
                "(PYHOST_CACHE_DIR) or memfd_create");
}
