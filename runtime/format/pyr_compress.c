/* The .pyr writer's compression: the dictionary trained over the blobs, each blob's zstd frame,
 * and the cache that keeps both across builds (pyr_compress_cache). */
#include <stdlib.h>
#include <string.h>
#define ZDICT_STATIC_LINKING_ONLY /* ZDICT_trainFromBuffer_fastCover and its parameters */
#include <zdict.h>
#include <zstd.h>

#include "pyhost/pyr_hash.h"
#include "pyr_writer_private.h"

bool pyr_writer_compressible(const wblob *b)
{
    return b->set && !(b->options & PYR_NO_COMPRESS) && b->size >= MIN_COMPRESS_SIZE &&
           b->size <= PYR_MAX_COMPRESSED_BLOB &&
           (b->flags >> PYR_LOCATION_SHIFT) == PYR_LOCATION_MEMORY;
}

/* ---- The compression cache (pyr_compress_cache) ------------------------------------------ */

enum { KEY_DICTIONARY = 1, KEY_BLOB = 2 };

/* XXH64 of FIELDS, which start with one of the KEY_ tags so that the two kinds never meet. */
static uint64_t cache_key(const uint64_t *fields, size_t n)
{
    return pyr_xxh64(fields, n * sizeof *fields);
}

static int cache_get(const pyr_writer *w, uint64_t key, uint8_t **data, size_t *size)
{
    const pyr_compress_cache *c = w->options.cache;
    return c && c->get(c->ctx, key, data, size) == 1;
}

static void cache_put(const pyr_writer *w, uint64_t key, const uint8_t *data, size_t size)
{
    const pyr_compress_cache *c = w->options.cache;
    if (c)
        c->put(c->ctx, key, data, size);
}

/* One fastCover training with fixed parameters. ZDICT_trainFromBuffer tries four segment sizes
 * and compresses a test set with each (over a fifth of a cold PyInstaller-style build); on
 * .pyr samples (bytecode, sources, .so files) k = 1000 gave files as small as the best of the
 * four, or smaller, for a third of the time. */
static ZDICT_fastCover_params_t dictionary_params(void)
{
    ZDICT_fastCover_params_t p = {.k = 1000, .d = 8, .f = 20, .accel = 1, .splitPoint = 1.0};
    return p;
}

/* The dictionary's key: the samples (each by hash and size, in order) and the training. */
static uint64_t dictionary_key(const pyr_writer *w, size_t cap)
{
    ZDICT_fastCover_params_t p = dictionary_params();
    uint64_t fields[8] = {KEY_DICTIONARY, ZSTD_versionNumber(), cap, p.k, p.d, p.f, p.accel, 0};
    uint64_t h = 0;
    for (size_t i = 0; i < w->count; i++)
        for (int s = 0; s < PYR_SLOTS; s++) {
            const wblob *b = &w->entries[i].slots[s];
            if (pyr_writer_compressible(b)) {
                uint64_t pair[3] = {h, pyr_xxh64(b->data, b->size), b->size};
                h = pyr_xxh64(pair, sizeof pair);
            }
        }
    fields[7] = h;
    return cache_key(fields, 8);
}

static long train_from_samples(pyr_writer *w, size_t cap, uint8_t **dict, ph_error *err);

/* Trains a dictionary over every compressible blob (or takes the one trained on the same
 * samples before). Returns its size, 0 if training found nothing worth keeping (too few or too
 * varied samples), -1 on error. */
long pyr_writer_train_dictionary(pyr_writer *w, uint8_t **dict, ph_error *err)
{
    size_t cap = w->options.dictionary_size ? w->options.dictionary_size : DEFAULT_DICTIONARY_SIZE;
    uint64_t key = w->options.cache ? dictionary_key(w, cap) : 0;
    size_t size;
    if (cache_get(w, key, dict, &size)) {
        if (size && size <= cap)
            return (long)size;
        free(*dict); /* an empty entry: training found nothing last time either */
        *dict = NULL;
        if (!size)
            return 0;
    }
    long got = train_from_samples(w, cap, dict, err);
    if (got >= 0)
        cache_put(w, key, *dict, (size_t)got);
    return got;
}

static long train_from_samples(pyr_writer *w, size_t cap, uint8_t **dict, ph_error *err)
{
    size_t n = 0, total = 0;
    for (size_t i = 0; i < w->count; i++)
        for (int s = 0; s < PYR_SLOTS; s++)
            if (pyr_writer_compressible(&w->entries[i].slots[s]))
                n++, total += w->entries[i].slots[s].size;
    uint8_t *samples = malloc(total ? total : 1);
    size_t *sizes = malloc((n ? n : 1) * sizeof *sizes);
    *dict = malloc(cap);
    if (!samples || !sizes || !*dict) {
        free(samples), free(sizes), free(*dict), *dict = NULL;
        return ph_error_set(err, "out of memory training a dictionary");
    }
    size_t k = 0, at = 0;
    for (size_t i = 0; i < w->count; i++)
        for (int s = 0; s < PYR_SLOTS; s++) {
            const wblob *b = &w->entries[i].slots[s];
            if (pyr_writer_compressible(b)) {
                memcpy(samples + at, b->data, b->size);
                at += b->size;
                sizes[k++] = b->size;
            }
        }
    ZDICT_fastCover_params_t p = dictionary_params();
    size_t got =
        n >= 8 ? ZDICT_trainFromBuffer_fastCover(*dict, cap, samples, sizes, (unsigned)n, p) : 0;
    free(samples);
    free(sizes);
    if (n < 8 || ZDICT_isError(got)) {
        free(*dict);
        *dict = NULL;
        return 0;
    }
    return (long)got;
}

/* A cached frame for B under KEY, checked against what it claims to hold; an empty entry says
 * B did not compress. Returns 1 on a usable hit with *out (NULL: store B as it is). */
static int cached_frame(const pyr_writer *w, uint64_t key, const wblob *b, uint8_t **out, size_t *n)
{
    if (!cache_get(w, key, out, n))
        return 0;
    if (*n == 0 || (*n < b->size && ZSTD_getFrameContentSize(*out, *n) == b->size)) {
        if (*n == 0) {
            free(*out);
            *out = NULL;
        }
        return 1;
    }
    free(*out); /* not a frame of this blob: compressed again, and replaced */
    *out = NULL;
    return 0;
}

/* The compressor, made on the first blob the cache does not hold: a level-19 CDict costs
 * ~15 ms to build, the whole of a rebuild's compression when every blob is cached. */
typedef struct zctx {
    ZSTD_CCtx *cctx;
    ZSTD_CDict *cdict;
    const uint8_t *dict;
    size_t dict_size;
    int level;
} zctx;

static int zctx_ready(zctx *z, ph_error *err)
{
    if (z->cctx)
        return 0;
    z->cctx = ZSTD_createCCtx();
    z->cdict = z->dict ? ZSTD_createCDict(z->dict, z->dict_size, z->level) : NULL;
    if (!z->cctx || (z->dict && !z->cdict))
        return ph_error_set(err, "out of memory (zstd)");
    /* Every frame carries a checksum of its content: the dictionary is outside every other
     * checksum, and a damaged dictionary would otherwise decompress to wrong bytes silently. */
    if (ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, z->level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1)) ||
        (z->cdict && ZSTD_isError(ZSTD_CCtx_refCDict(z->cctx, z->cdict))))
        return ph_error_set(err, "zstd: cannot set compression parameters");
    return 0;
}

/* B's frame under a key naming its level, dictionary (DICT_HASH) and content: from the cache,
 * else compressed with Z. */
static int compress_blob(const pyr_writer *w, wblob *b, zctx *z, uint64_t dict_hash, ph_error *err)
{
    uint64_t fields[6] = {KEY_BLOB,
                          ZSTD_versionNumber(),
                          (uint64_t)w->options.compression_level,
                          dict_hash,
                          w->options.cache ? pyr_xxh64(b->data, b->size) : 0,
                          b->size};
    uint64_t key = cache_key(fields, 6);
    uint8_t *out = NULL;
    size_t n = 0;
    int hit = w->options.cache && cached_frame(w, key, b, &out, &n);
    if (!hit) {
        size_t cap = ZSTD_compressBound(b->size);
        if (zctx_ready(z, err) < 0)
            return -1;
        if (!(out = malloc(cap)))
            return ph_error_set(err, "out of memory compressing");
        n = ZSTD_compress2(z->cctx, out, cap, b->data, b->size);
        if (ZSTD_isError(n)) {
            free(out);
            return ph_error_set(err, "zstd: %s", ZSTD_getErrorName(n));
        }
        cache_put(w, key, out, n < b->size ? n : 0);
    }
    if (!out || n >= b->size) { /* incompressible: keep it stored, readable without a copy */
        free(out);
        return 0;
    }
    b->stored = out;
    b->stored_size = n;
    b->flags |= z->dict ? PYR_COMPRESSION_ZSTD_DICT : PYR_COMPRESSION_ZSTD;
    return 0;
}

int pyr_writer_compress_all(pyr_writer *w, const uint8_t *dict, size_t dict_size, ph_error *err)
{
    zctx z = {.dict = dict, .dict_size = dict_size, .level = w->options.compression_level};
    uint64_t dict_hash = dict ? pyr_xxh64(dict, dict_size) : 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < w->count; i++)
        for (int s = 0; rc == 0 && s < PYR_SLOTS; s++) {
            wblob *b = &w->entries[i].slots[s];
            if (pyr_writer_compressible(b) && b->stored == b->data)
                rc = compress_blob(w, b, &z, dict_hash, err);
        }
    ZSTD_freeCDict(z.cdict);
    ZSTD_freeCCtx(z.cctx);
    return rc;
}
