/* The .pyr writer's private state, shared by the writer (pyr_writer.c) and its compression
 * (pyr_compress.c). */
#ifndef PYR_WRITER_PRIVATE_H
#define PYR_WRITER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyhost/pyr.h"
#include "pyr_format.h"

/* Blobs smaller than this are stored: a zstd frame header would eat what little it saves. */
#define MIN_COMPRESS_SIZE 64
#define DEFAULT_DICTIONARY_SIZE (110 * 1024)

typedef struct wblob {
    uint8_t *data; /* raw content, then the stored bytes once compressed */
    size_t size;   /* raw size */
    uint8_t *stored;
    size_t stored_size;
    uint32_t flags; /* PYR_COMPRESSION_* | location << PYR_LOCATION_SHIFT */
    unsigned options;
    bool set;
    const struct wblob *same_as; /* an earlier blob with the same stored bytes: stored once */
    uint64_t offset;             /* where its stored bytes are, once laid out */
} wblob;

typedef struct wentry {
    char *name;
    size_t name_len;
    uint8_t kind;
    wblob slots[PYR_SLOTS];
} wentry;

struct pyr_writer {
    pyr_writer_options options;
    wentry *entries;
    size_t count, capacity;
    uint32_t *lookup; /* open-addressing map name -> entry index + 1 (0 = empty) */
    size_t lookup_size;
};

/* Is B compressed (set, large enough, in memory, not PYR_NO_COMPRESS)? */
bool pyr_writer_compressible(const wblob *b);
/* Trains the dictionary over every compressible blob (or takes the one trained on the same
 * samples from the cache): its size, 0 for none worth keeping, -1 on error. */
long pyr_writer_train_dictionary(pyr_writer *w, uint8_t **dict, ph_error *err);
/* Compresses every compressible blob (with DICT when it has one), or takes its frame from the
 * cache. */
int pyr_writer_compress_all(pyr_writer *w, const uint8_t *dict, size_t dict_size, ph_error *err);

#endif
