/* Reading and writing .pyr packed-resources files (format: docs/format.md).
 *
 * A reader maps a file (or takes a buffer), checks the header, and answers lookups straight from
 * the mapping: no per-entry parsing and no per-entry allocation. Entries are numbered 0..count-1
 * in name order, so a prefix scan (all of "json.") is a binary search and a walk. */
#ifndef PYHOST_PYR_H
#define PYHOST_PYR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyhost/error.h"

typedef enum pyr_kind {
    PYR_MODULE = 1,
    PYR_PACKAGE = 2,
    PYR_NAMESPACE_PACKAGE = 3,
    PYR_EXTENSION_MODULE = 4,
    PYR_SHARED_LIBRARY = 5,
    PYR_PACKAGE_RESOURCE = 6,
    PYR_DISTRIBUTION_FILE = 7,
    PYR_PLAIN_FILE = 8,
} pyr_kind;

typedef enum pyr_slot {
    PYR_SOURCE = 0,
    PYR_BYTECODE_OPT0 = 1,
    PYR_BYTECODE_OPT1 = 2,
    PYR_BYTECODE_OPT2 = 3,
    PYR_DATA = 4,
} pyr_slot;
#define PYR_SLOTS 5

typedef enum pyr_compression {
    PYR_STORED = 0,
    PYR_ZSTD = 1,
    PYR_ZSTD_DICT = 2,
} pyr_compression;

typedef enum pyr_location {
    PYR_IN_MEMORY = 0,
    PYR_FILESYSTEM_RELATIVE = 1, /* the blob holds a path relative to the app's directory */
} pyr_location;

#define PYR_NOT_FOUND UINT32_MAX

const char *pyr_kind_name(pyr_kind kind); /* "module", "package", ...; "?" if unknown */
const char *pyr_slot_name(pyr_slot slot); /* "source", "bytecode-opt0", ..., "data" */
int pyr_kind_from_name(const char *name); /* -1 if unknown */
const char *pyr_compression_name(pyr_compression c);

/* ---- Reading ---------------------------------------------------------------------------- */

typedef struct pyr_archive pyr_archive;

typedef struct pyr_info {
    uint32_t format_version;
    uint32_t python_magic;   /* importlib.util.MAGIC_NUMBER as a little-endian u32 */
    uint32_t python_version; /* PY_VERSION_HEX, major.minor */
    uint64_t size;           /* bytes of the .pyr */
    uint64_t offset;         /* where it starts in its file (non-zero when embedded) */
    uint32_t entry_count;
    uint32_t blob_count;
    uint64_t index_size;
    uint64_t dictionary_size; /* 0: no dictionary */
} pyr_info;

typedef struct pyr_entry {
    uint32_t index;
    const char *name; /* NUL-terminated, inside the mapping */
    size_t name_len;
    pyr_kind kind;
    unsigned slot_mask; /* bit s: slot s has a blob */
} pyr_entry;

typedef struct pyr_blob {
    pyr_compression compression;
    pyr_location location;
    uint64_t stored_size;
    uint64_t size;
} pyr_blob;

/* Bytes read from a blob. When the blob is stored uncompressed, `bytes` points into the mapping
 * and `owned` is NULL; otherwise `owned` is a buffer that pyr_data_release frees. */
typedef struct pyr_data {
    const uint8_t *bytes;
    size_t size;
    void *owned;
} pyr_data;

/* `name` (used in messages) may be NULL. The buffer must outlive the archive. */
int pyr_open_memory(pyr_archive **out, const void *data, size_t size, const char *name,
                    ph_error *err);
/* Maps `path`; the .pyr starts at `offset` (0 for a plain .pyr file). */
int pyr_open_file(pyr_archive **out, const char *path, uint64_t offset, ph_error *err);
/* Finds resources embedded at the end of an executable through their trailer. Returns 1 and
 * sets *offset when there is a valid trailer, 0 when there is none, -1 on error. */
int pyr_find_embedded(const char *path, uint64_t *offset, ph_error *err);
void pyr_close(pyr_archive *archive);
/* A file truncated under its mapping turns the next read of a lost page into SIGBUS. After this
 * call, a SIGBUS inside this archive's mapping prints "pyhost: error: PATH changed or was
 * truncated while the app was running" and exits with status 1 (async-signal-safe: one
 * write(2) of a message formatted here); any other SIGBUS keeps its default action. One archive
 * at a time: the app's. Does nothing for memory archives. */
void pyr_guard_sigbus(const pyr_archive *archive);

void pyr_get_info(const pyr_archive *archive, pyr_info *info);
const char *pyr_path(const pyr_archive *archive); /* file path or the name given */

/* Index of the entry called `name`, or PYR_NOT_FOUND. A corrupt index chunk also reads as
 * not found here; pyr_find_checked tells the two apart. */
uint32_t pyr_find(pyr_archive *archive, const char *name, size_t name_len);
int pyr_find_checked(pyr_archive *archive, const char *name, size_t name_len, uint32_t *index,
                     ph_error *err);
/* Index of the first entry whose name is >= `prefix` in byte order (entry_count if none). */
uint32_t pyr_lower_bound(pyr_archive *archive, const char *prefix, size_t prefix_len);

int pyr_entry_at(pyr_archive *archive, uint32_t index, pyr_entry *entry, ph_error *err);
/* Returns 1 and fills *blob when the entry has that slot, 0 when it does not, -1 on error. */
int pyr_blob_at(pyr_archive *archive, uint32_t index, pyr_slot slot, pyr_blob *blob, ph_error *err);
/* Reads a blob, verifying its checksum and decompressing it. */
int pyr_read(pyr_archive *archive, uint32_t index, pyr_slot slot, pyr_data *data, ph_error *err);
/* pyr_read's checks of the stored bytes (record, bounds, checksum), without decompressing. */
int pyr_verify(pyr_archive *archive, uint32_t index, pyr_slot slot, ph_error *err);
void pyr_data_release(pyr_data *data);
/* A filesystem-relative blob's path stays below the app's directory: not empty, not absolute,
 * no NUL, no ".." component. The writer refuses others; the runtime checks again on reading. */
bool pyr_safe_relative_path(const void *path, size_t size);

/* ---- Writing ---------------------------------------------------------------------------- */

typedef struct pyr_writer pyr_writer;

/* Where the writer keeps what it compressed, so that a rebuild does not compress the same
 * bytes again (zstd at high levels is most of a build's time). Each key covers every input of
 * its result (the content's hash and size, the level, the dictionary, the zstd version), so a
 * hit is what compressing again would give and the output stays reproducible. get returns 1 and
 * a malloc'd copy on a hit, else 0; put may drop what it is given. */
typedef struct pyr_compress_cache {
    void *ctx;
    int (*get)(void *ctx, uint64_t key, uint8_t **data, size_t *size);
    void (*put)(void *ctx, uint64_t key, const uint8_t *data, size_t size);
} pyr_compress_cache;

typedef struct pyr_writer_options {
    uint32_t python_magic;
    uint32_t python_version;
    int compression_level;           /* 0: store everything; 1..22: zstd level */
    bool train_dictionary;           /* with compression: train a dictionary over the blobs */
    size_t dictionary_size;          /* 0: a default (110 KiB) */
    const pyr_compress_cache *cache; /* NULL: compress everything */
} pyr_writer_options;

/* Per-blob flag for pyr_writer_add_blob. */
#define PYR_NO_COMPRESS 0x1u

int pyr_writer_new(pyr_writer **out, const pyr_writer_options *options, ph_error *err);
void pyr_writer_free(pyr_writer *writer);
/* Adds (or finds) the entry `name` of `kind`; a name already present with another kind is an
 * error. Names must be 1..65535 bytes with no NUL. */
int pyr_writer_add_entry(pyr_writer *writer, const char *name, pyr_kind kind, ph_error *err);
/* Sets a blob of an entry (adding the entry as above). The data is copied. Setting a slot twice
 * is an error. For PYR_FILESYSTEM_RELATIVE the data is the relative path. */
int pyr_writer_add_blob(pyr_writer *writer, const char *name, pyr_kind kind, pyr_slot slot,
                        const void *data, size_t size, pyr_location location, unsigned flags,
                        ph_error *err);
/* Serializes to memory (malloc'd; caller frees). Output depends only on the entries and
 * options: entries are sorted and nothing time- or host-dependent is recorded. */
int pyr_writer_finish(pyr_writer *writer, uint8_t **out, size_t *out_size, ph_error *err);
/* Serializes to `path`, through a temporary file in the same directory and an atomic rename, so
 * a failure never leaves a half-written file under the final name. */
int pyr_writer_write_file(pyr_writer *writer, const char *path, ph_error *err);

/* Writes the trailer that pyr_find_embedded looks for, after `size` bytes of .pyr at `offset`. */
int pyr_write_trailer(int fd, uint64_t offset, uint64_t size, ph_error *err);

#endif
