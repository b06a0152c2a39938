/* An open .pyr as the reader keeps it (pyr_reader.c opens it and reads the index,
 * pyr_blob.c reads and decompresses blobs). Private to runtime/format/. */
#ifndef PH_PYR_ARCHIVE_H
#define PH_PYR_ARCHIVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <zstd.h>

#include "pyhost/pyr.h"
#include "pyr_format.h"

enum { CHUNK_UNKNOWN = 0, CHUNK_GOOD = 1, CHUNK_BAD = 2 };

struct pyr_archive {
    const uint8_t *base; /* first byte of the .pyr */
    const pyr_header *header;
    uint64_t size;        /* header->file_size, checked against what is there */
    uint64_t file_offset; /* where base is inside its file */
    void *map;            /* the mmap to undo, or NULL for memory archives */
    size_t map_size;
    const uint32_t *chunk_sums;
    uint32_t chunk_count;
    _Atomic uint8_t *chunk_state; /* CHUNK_* per index chunk */
    pthread_mutex_t zstd_lock;    /* guards the decompression context below */
    ZSTD_DCtx *dctx;
    ZSTD_DDict *ddict;
    char path[]; /* for messages */
};

/* The hint every "damaged .pyr" error carries. */
extern const char pyr_corrupt_hint[];

/* The checked record of entry `index`'s blob in `slot`: 1 and *out, 0 when there is none,
 * -1 with the error set. */
int pyr_archive_blob_record(pyr_archive *a, uint32_t index, pyr_slot slot,
                            const pyr_blob_record **out, ph_error *err);

#endif
