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
                         size_t *frame_size, bool *from_seed, ph_error *err)
{
    if ((*from_seed = seeded_runtime(stub, data, size, frame, frame_size)))
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

/* FRAME, zero padding and the record (whose frame_offset is OUT's size now), so that the file
 * ends on a multiple of ALIGN. */
static int write_frame(int out, const char *out_path, const void *frame, size_t frame_size,
                       ph_onefile_record rec, uint64_t align, ph_error *err)
{
    struct stat st;
    if (fstat(out, &st) < 0)
        return ph_error_errno(err, errno, "writing %s", out_path);
    rec.frame_offset = (uint64_t)st.st_size;
    rec.frame_size = frame_size;
    memcpy(rec.magic, PH_ONEFILE_MAGIC, sizeof rec.magic);
    uint64_t end = rec.frame_offset + frame_size + sizeof rec;
    size_t pad = (size_t)((align - end % align) % align);
    static const char zeros[64];
    if (ph_write_all(out, frame, frame_size) < 0 || ph_write_all(out, zeros, pad) < 0 ||
        ph_write_all(out, &rec, sizeof rec) < 0)
        return ph_error_errno(err, errno, "writing %s", out_path);
    return 0;
}

/* ---- The seed's memo ------------------------------------------------------------------------
 * Checking the seed means stripping a copy of the stub, hashing it (SHA-256 names the runtime)
 * and decompressing the seed: most of a rebuild's bundling. Once a check passed, the record it
 * gave is kept in the build cache under the unstripped stub's and the seed's hashes, so the
 * next bundle of this pyhost writes the seed and that record without stripping anything. */

typedef struct seed_memo {
    uint64_t runtime_size;
    uint64_t runtime_hash;
    char runtime_name[32];
} seed_memo;

static uint64_t memo_key(const char *stub, const char *seed, size_t seed_size)
{
    char *data = NULL;
    size_t size = 0;
    ph_error ignored;
    if (ph_read_file(stub, &data, &size, &ignored) < 0)
        return 0;
    uint64_t fields[5] = {0x736565646d656d6f /* "seedmemo" */, pyr_xxh64(data, size), size,
                          pyr_xxh64(seed, seed_size), seed_size};
    free(data);
    return pyr_xxh64(fields, sizeof fields);
}

int ph_bundle_write_seeded(int out, const char *out_path, const char *stub_path, uint64_t align,
                           ph_error *err)
{
    char *seed_path = NULL, *seed = NULL;
    size_t seed_size = 0, n = 0;
    uint8_t *hit = NULL;
    ph_error ignored;
    if (asprintf(&seed_path, "%s.zst", stub_path) < 0)
        return 0;
    bool have =
        access(seed_path, R_OK) == 0 && ph_read_file(seed_path, &seed, &seed_size, &ignored) == 0;
    free(seed_path);
    ph_cache cache;
    ph_cache_open(&cache);
    uint64_t key = have ? memo_key(stub_path, seed, seed_size) : 0;
    seed_memo memo;
    int rc = 0;
    if (key && ph_cache_get(&cache, key, &hit, &n) && n == sizeof memo) {
        memcpy(&memo, hit, sizeof memo);
        memo.runtime_name[31] = '\0';
        ph_onefile_record rec = {.runtime_size = memo.runtime_size,
                                 .runtime_hash = memo.runtime_hash};
        memcpy(rec.runtime_name, memo.runtime_name, sizeof rec.runtime_name);
        rc = write_frame(out, out_path, seed, seed_size, rec, align, err) < 0 ? -1 : 1;
    }
    ph_cache_close(&cache);
    free(hit);
    free(seed);
    return rc;
}

static void remember_seed(const char *stub, const void *seed, size_t seed_size,
                          const ph_onefile_record *rec)
{
    uint64_t key = memo_key(stub, seed, seed_size);
    if (!key)
        return;
    seed_memo memo = {.runtime_size = rec->runtime_size, .runtime_hash = rec->runtime_hash};
    memcpy(memo.runtime_name, rec->runtime_name, sizeof memo.runtime_name);
    ph_cache cache;
    ph_cache_open(&cache);
    ph_cache_put(&cache, key, (const uint8_t *)&memo, sizeof memo);
    ph_cache_close(&cache);
}

int ph_bundle_write_runtime(int out, const char *out_path, const char *runtime_path,
                            const char *stub_path, uint64_t align, ph_error *err)
{
    char *data = NULL;
    size_t size = 0;
    void *frame = NULL;
    size_t frame_size = 0;
    bool from_seed = false;
    if (ph_read_file(runtime_path, &data, &size, err) < 0)
        return -1;
    int rc = runtime_frame(stub_path, data, size, &frame, &frame_size, &from_seed, err);
    ph_onefile_record rec = {.runtime_size = size, .runtime_hash = pyr_xxh64(data, size)};
    if (rc == 0) {
        runtime_name(data, size, rec.runtime_name);
        rc = write_frame(out, out_path, frame, frame_size, rec, align, err);
    }
    if (rc == 0 && from_seed)
        remember_seed(stub_path, frame, frame_size, &rec);
    free(frame);
    free(data);
    return rc;
}
