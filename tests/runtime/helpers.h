/* Shared by the .pyr tests: writers that assert, deterministic synthetic content, and archives
 * opened from exactly-sized heap copies (so ASan sees any read past the end). */
#ifndef PH_TEST_PYR_HELPERS_H
#define PH_TEST_PYR_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "pyhost/pyr.h"

#define TEST_PYTHON_MAGIC 0x0a0d0da7u /* 3.11's importlib.util.MAGIC_NUMBER, little-endian */
#define TEST_PYTHON_VERSION 0x030b0000u

pyr_writer *new_writer(int level, int train_dictionary);
void add_blob(pyr_writer *w, const char *name, pyr_kind kind, pyr_slot slot, const void *data,
              size_t size, pyr_location location);
uint8_t *finish(pyr_writer *w, size_t *size); /* frees the writer */

/* A heap copy of exactly `size` bytes (malloc alignment is 16). */
uint8_t *copy_bytes(const void *data, size_t size);
/* Opens `data` from memory, asserting success. */
pyr_archive *open_ok(const uint8_t *data, size_t size);

/* Deterministic Python-like text for (name, slot): mostly short, one entry in four ~1 KB. */
size_t sample_content(const char *name, pyr_slot slot, char *out, size_t cap);
#define SAMPLE_MAX 4096

/* The big archive of the corruption tests: `count` entries of every kind, stored, zstd and (with
 * `dictionary`) zstd-dict blobs, filesystem-relative data for extension modules. */
typedef struct sample {
    uint8_t *bytes;
    size_t size;
    char **names;
    uint32_t count;
} sample;
void build_sample(sample *s, uint32_t count, int level, int dictionary);
void free_sample(sample *s);
/* What sample entry `name` holds in `slot` (0 if nothing). */
int sample_has_slot(const char *name, pyr_slot slot);
pyr_kind sample_kind(const char *name);

/* Fresh directory under $TMPDIR; files written there. */
const char *tmpdir(void);
char *write_bytes(const char *dir, const char *name, const void *data, size_t size);

/* Asserts `haystack` contains `needle`. */
void assert_contains(const char *haystack, const char *needle);

#endif
