/* The compressed runtime of a onefile ([bundle] compress_runtime = true; layout in onefile.h):
 * the stripped stub as one zstd frame, then the record pyhost-loader reads, ending on the
 * boundary where the .pyr will start. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "build.h"

#include "bundle.h"
#include "onefile.h"
#include "pyhost/fsutil.h"
#include "pyhost/pyr_hash.h"
#include "sha256.h"

/* zstd's strongest standard level: the stub is compressed once, when pyhost is built (~3 s;
 * pyhost-stub.zst, else once per machine into the build cache), and unpacked once per user, so
 * size is what counts; levels 20-22 gain under 1% more. */
#define RUNTIME_LEVEL 19

static int compress_runtime(const char *data, size_t size, void **frame, size_t *frame_size,
                            ph_error *err)
{
    size_t bound = ZSTD_compressBound(size);
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    *frame = malloc(bound);
    if (!cctx || !*frame) {
        ZSTD_freeCCtx(cctx);
        return ph_error_set(err, "out of memory compressing the runtime");
    }
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, RUNTIME_LEVEL);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1); /* a damaged frame fails to unpack */
    *frame_size = ZSTD_compress2(cctx, *frame, bound, data, size);
    ZSTD_freeCCtx(cctx);
    if (ZSTD_isError(*frame_size))
        return ph_error_set(err, "compressing the runtime: %s", ZSTD_getErrorName(*frame_size));
    return 0;
}

/* Does FRAME (N bytes) decompress to exactly DATA? A hit from the seed or the cache is checked
 * so: it becomes the app's interpreter. Milliseconds, where compressing takes seconds. */
static bool frame_holds(const uint8_t *frame, size_t n, const char *data, size_t size)
{
    uint8_t *check = malloc(size ? size : 1);
    bool same =
        check && ZSTD_decompress(check, size, frame, n) == size && !memcmp(check, data, size);
    free(check);
    return same;
}

/* STUB.zst, made when pyhost was built: the frame of the stub as `pyhost bundle` strips it. */
static bool seeded_runtime(const char *stub, const char *data, size_t size, void **frame,
                           size_t *frame_size)
{
    char *seed = NULL, *bytes = NULL;
    size_t n = 0;
    ph_error ignored;
    if (!stub || asprintf(&seed, "%s.zst", stub) < 0)
        return false;
    bool ok = access(seed, R_OK) == 0 && ph_read_file(seed, &bytes, &n, &ignored) == 0 &&
              frame_holds((const uint8_t *)bytes, n, data, size);
    free(seed);
    if (!ok) {
        free(bytes);
        return false;
    }
    *frame = bytes;
    *frame_size = n;
    return true;
}

/* The frame of DATA at RUNTIME_LEVEL: from the seed, else from the build cache (where an
 * earlier bundle of the same stub left it), else compressed now and left there. */
static int runtime_frame(const char *stub, const char *data, size_t size, void **frame,
                         size_t *frame_size, ph_error *err)
{
    if (seeded_runtime(stub, data, size, frame, frame_size))
        return 0;
    ph_cache cache;
    ph_cache_open(&cache);
    uint64_t fields[5] = {0x72756e74696d65 /* "runtime" */, ZSTD_versionNumber(), RUNTIME_LEVEL,
                          pyr_xxh64(data, size), size};
    uint64_t key = pyr_xxh64(fields, sizeof fields);
    uint8_t *hit = NULL;
    size_t n = 0;
    int rc = 0;
    if (ph_cache_get(&cache, key, &hit, &n) && frame_holds(hit, n, data, size)) {
        *frame = hit;
        *frame_size = n;
    } else {
        free(hit);
        if ((rc = compress_runtime(data, size, frame, frame_size, err)) == 0)
            ph_cache_put(&cache, key, *frame, *frame_size);
    }
    ph_cache_close(&cache);
    return rc;
}

int ph_bundle_runtime_seed(const char *stub, const char *out, ph_error *err)
{
    char *tmp = NULL, *data = NULL;
    size_t size = 0, frame_size = 0;
    void *frame = NULL;
    if (asprintf(&tmp, "%s.stripped", out) < 0)
        return ph_error_set(err, "out of memory");
    int rc = ph_read_file(stub, &data, &size, err);
    if (rc == 0)
        rc = ph_write_file_atomic(tmp, data, size, 0755, err);
    free(data);
    data = NULL;
    if (rc == 0) {
        ph_bundle_strip(tmp); /* as the bundle strips it; without strip, as it is */
        rc = ph_read_file(tmp, &data, &size, err);
    }
    unlink(tmp);
    free(tmp);
    if (rc == 0)
        rc = compress_runtime(data, size, &frame, &frame_size, err);
    if (rc == 0)
        rc = ph_write_file_atomic(out, frame, frame_size, 0644, err);
    free(frame);
    free(data);
    return rc;
}

static void runtime_name(const char *data, size_t size, char name[32])
{
    ph_sha256 s;
    char hex[65];
    ph_sha256_init(&s);
    ph_sha256_update(&s, data, size);
    ph_sha256_hex(&s, hex);
    memcpy(name, hex, 31);
    name[31] = '\0';
}

int ph_bundle_write_runtime(int out, const char *out_path, const char *runtime_path,
                            const char *stub_path, uint64_t align, ph_error *err)
{
    char *data = NULL;
    size_t size = 0;
    void *frame = NULL;
    size_t frame_size = 0;
    struct stat st;
    if (ph_read_file(runtime_path, &data, &size, err) < 0)
        return -1;
    int rc = runtime_frame(stub_path, data, size, &frame, &frame_size, err);
    if (rc == 0 && fstat(out, &st) < 0)
        rc = ph_error_errno(err, errno, "writing %s", out_path);
    if (rc == 0) {
        ph_onefile_record rec = {.frame_offset = (uint64_t)st.st_size,
                                 .frame_size = frame_size,
                                 .runtime_size = size,
                                 .runtime_hash = pyr_xxh64(data, size)};
        memcpy(rec.magic, PH_ONEFILE_MAGIC, sizeof rec.magic);
        runtime_name(data, size, rec.runtime_name);
        uint64_t end = rec.frame_offset + frame_size + sizeof rec;
        size_t pad = (size_t)((align - end % align) % align);
        static const char zeros[64];
        if (ph_write_all(out, frame, frame_size) < 0 || ph_write_all(out, zeros, pad) < 0 ||
            ph_write_all(out, &rec, sizeof rec) < 0)
            rc = ph_error_errno(err, errno, "writing %s", out_path);
    }
    free(frame);
    free(data);
    return rc;
}
