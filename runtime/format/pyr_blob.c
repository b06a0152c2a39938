/* Blob contents: pyr_read hands out a blob's bytes, straight from the mapping when stored,
 * else decompressed (zstd, with the archive's dictionary when it has one). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "pyhost/pyr.h"
#include "pyr_format.h"
#include "pyhost/pyr_hash.h"

#include "pyr_archive.h"

/* ---- Blob contents ------------------------------------------------------------------------ */

static int blob_error(pyr_archive *a, uint32_t index, pyr_slot slot, const char *what,
                      ph_error *err)
{
    pyr_entry entry;
    const char *name = pyr_entry_at(a, index, &entry, NULL) == 0 ? entry.name : "?";
    ph_error_set(err, "%s: corrupt .pyr: %s of '%s' %s", a->path, pyr_slot_name(slot), name, what);
    return ph_error_hint(err, "%s", pyr_corrupt_hint);
}

/* Creates the decompression context (and dictionary) on first use, so that opening an archive
 * costs nothing for compression it may never need. Called with zstd_lock held. */
static bool ensure_dctx(pyr_archive *a, bool with_dictionary)
{
    if (!a->dctx && !(a->dctx = ZSTD_createDCtx()))
        return false;
    if (with_dictionary && !a->ddict)
        a->ddict =
            ZSTD_createDDict(a->base + a->header->dictionary_offset, a->header->dictionary_size);
    return !with_dictionary || a->ddict;
}

static int decompress(pyr_archive *a, const pyr_blob_record *r, uint8_t *out, ph_error *err)
{
    const uint8_t *src = a->base + r->offset;
    bool dict = (r->flags & PYR_COMPRESSION_MASK) == PYR_COMPRESSION_ZSTD_DICT;
    /* The frame's content checksum is what catches a damaged dictionary (RFC 8878: byte 4 is
     * the frame header descriptor, bit 2 the content checksum flag). */
    if (r->stored_size < 5 || !(src[4] & 0x04))
        return ph_error_set(err, "zstd frame has no content checksum");
    unsigned long long expected = ZSTD_getFrameContentSize(src, r->stored_size);
    if (expected != r->size)
        return ph_error_set(err, "zstd frame size %llu does not match the recorded %llu", expected,
                            (unsigned long long)r->size);
    pthread_mutex_lock(&a->zstd_lock);
    size_t n;
    if (!ensure_dctx(a, dict))
        n = (size_t)-1;
    else if (dict)
        n = ZSTD_decompress_usingDDict(a->dctx, out, r->size, src, r->stored_size, a->ddict);
    else
        n = ZSTD_decompressDCtx(a->dctx, out, r->size, src, r->stored_size);
    pthread_mutex_unlock(&a->zstd_lock);
    if (ZSTD_isError(n) || n != r->size)
        return ph_error_set(err, "zstd: %s", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short");
    return 0;
}

/* The blob's record, once its stored bytes pass their checksum; NULL with `err` set. */
static const pyr_blob_record *checked_record(pyr_archive *a, uint32_t index, pyr_slot slot,
                                             ph_error *err)
{
    const pyr_blob_record *r = NULL; /* set whenever pyr_archive_blob_record returns 1 */
    int rc = pyr_archive_blob_record(a, index, slot, &r, err);
    if (rc == 0)
        blob_error(a, index, slot, "is not present", err);
    if (rc <= 0)
        return NULL;
    if ((uint32_t)pyr_xxh64(a->base + r->offset, r->stored_size) != r->checksum) {
        blob_error(a, index, slot, "fails its checksum", err);
        return NULL;
    }
    return r;
}

int pyr_verify(pyr_archive *a, uint32_t index, pyr_slot slot, ph_error *err)
{
    return checked_record(a, index, slot, err) ? 0 : -1;
}

int pyr_read(pyr_archive *a, uint32_t index, pyr_slot slot, pyr_data *data, ph_error *err)
{
    *data = (pyr_data){0};
    const pyr_blob_record *r = checked_record(a, index, slot, err);
    if (!r)
        return -1;
    const uint8_t *stored = a->base + r->offset;
    if ((r->flags & PYR_COMPRESSION_MASK) == PYR_COMPRESSION_NONE) {
        data->bytes = stored;
        data->size = r->stored_size;
        return 0;
    }
    /* The writer compresses no blob larger than this: a larger claim is a forged size. */
    if (r->size > PYR_MAX_COMPRESSED_BLOB) {
        char what[128];
        snprintf(what, sizeof what,
                 "claims %llu bytes, more than the %llu MiB a compressed blob may hold",
                 (unsigned long long)r->size, (unsigned long long)(PYR_MAX_COMPRESSED_BLOB >> 20));
        return blob_error(a, index, slot, what, err);
    }
    /* A zstd block of at most 128 KiB takes at least 4 bytes, so no frame expands more than
     * 32768-fold: refuse a larger claim before allocating for it. */
    if (r->size / 32768 > r->stored_size)
        return blob_error(a, index, slot, "claims an impossible decompressed size", err);
    if (r->size > SIZE_MAX - 1)
        return blob_error(a, index, slot, "is too large for this machine", err);
    uint8_t *out = malloc(r->size ? r->size : 1);
    if (!out)
        return ph_error_set(err, "%s: out of memory reading %llu bytes", a->path,
                            (unsigned long long)r->size);
    ph_error why;
    if (decompress(a, r, out, &why) < 0) {
        free(out);
        return blob_error(a, index, slot, why.message, err);
    }
    *data = (pyr_data){.bytes = out, .size = r->size, .owned = out};
    return 0;
}

void pyr_data_release(pyr_data *data)
{
    free(data->owned);
    *data = (pyr_data){0};
}
