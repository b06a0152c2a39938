/* The on-disk layout of a .pyr file, version 1. This is the only header that knows the bytes:
 * the reader (pyr_reader.c) and the writer (pyr_writer.c) both include it, nothing else does.
 * docs/format.md is the prose specification of exactly these structures.
 *
 * Every integer is little-endian. Every offset is 64-bit and counts from the first byte of the
 * .pyr (which is not the first byte of the file when resources are embedded in an executable).
 * The index (hash table, entries, blob table, names) is laid out so that it can be searched in
 * place, straight from the mapping. Opening a file checks the header and the small array of
 * chunk checksums, so its cost does not grow with the number of entries; each PYR_CHUNK_SIZE
 * piece of the index is verified against its checksum the first time a lookup touches it. */
#ifndef PYR_FORMAT_H
#define PYR_FORMAT_H

#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the .pyr reader maps structures directly and needs a little-endian host"
#endif

#define PYR_MAGIC "\x89PYR\r\n\x1a\n" /* PNG-style: catches text-mode and 7-bit damage */
#define PYR_MAGIC_SIZE 8
#define PYR_FORMAT_VERSION 1
#define PYR_HEADER_SIZE 128
#define PYR_ALIGN 16 /* every section and every blob starts on this boundary */
#define PYR_EMPTY_SLOT 0xFFFFFFFFu
#define PYR_MAX_NAME 65535
#define PYR_CHUNK_SIZE 4096 /* the index is verified in chunks, each on first use */
/* The largest blob the writer compresses, and so the most a reader allocates for one blob: a
 * larger blob is stored and read in place from the mapping. A compressed blob claiming more is
 * corrupt, refused before allocating. */
#define PYR_MAX_COMPRESSED_BLOB ((uint64_t)256 << 20)

/* Header flags. */
#define PYR_FLAG_HAS_DICTIONARY 0x1u

typedef struct pyr_header {
    uint8_t magic[8];        /*   0: PYR_MAGIC */
    uint16_t format_version; /*   8: PYR_FORMAT_VERSION */
    uint16_t header_size;    /*  10: PYR_HEADER_SIZE */
    uint32_t flags;          /*  12: PYR_FLAG_* */
    uint32_t python_magic;   /*  16: the 4 bytes of importlib.util.MAGIC_NUMBER, as a u32 */
    uint32_t python_version; /*  20: PY_VERSION_HEX of the interpreter, major.minor only */
    uint64_t file_size;      /*  24: bytes from the first header byte to the last blob byte */
    uint32_t entry_count;    /*  32 */
    uint32_t table_size;     /*  36: hash-table slots, a power of two >= 2 * entry_count */
    uint32_t blob_count;     /*  40 */
    uint32_t chunk_size;     /*  44: PYR_CHUNK_SIZE, the index checksum granularity */
    uint64_t table_offset;   /*  48: u32[table_size]: entry index or PYR_EMPTY_SLOT */
    uint64_t entries_offset; /*  56: pyr_entry_record[entry_count], sorted by name bytes */
    uint64_t blobs_offset;   /*  64: pyr_blob_record[blob_count] */
    uint64_t names_offset;   /*  72: NUL-terminated names, referenced by entries */
    uint64_t names_size;     /*  80 */
    uint64_t index_size;     /*  88: the index is [PYR_HEADER_SIZE, PYR_HEADER_SIZE + index_size) */
    uint64_t chunks_offset;  /*  96: u32 checksum of each chunk_size piece of the index */
    uint64_t dictionary_offset; /* 104: zstd dictionary (PYR_FLAG_HAS_DICTIONARY), else 0 */
    uint64_t dictionary_size;   /* 112 */
    uint32_t chunks_checksum;   /* 120: low 32 bits of XXH64 of the chunk checksum array */
    uint32_t header_checksum;   /* 124: low 32 bits of XXH64 of header bytes [0, 124) */
} pyr_header;

/* What an entry is. Importable kinds are named by dotted module name ("json.decoder"); the
 * others by a '/'-separated path relative to the sys.path root they came from
 * ("certifi/cacert.pem", "Pygments-2.14.0.dist-info/METADATA"). Names beginning with ".pyhost/"
 * are reserved for pyhost's own records (the embedded manifest). */
enum {
    PYR_KIND_MODULE = 1,
    PYR_KIND_PACKAGE = 2,
    PYR_KIND_NAMESPACE_PACKAGE = 3,
    PYR_KIND_EXTENSION_MODULE = 4,
    PYR_KIND_SHARED_LIBRARY = 5,
    PYR_KIND_PACKAGE_RESOURCE = 6,
    PYR_KIND_DISTRIBUTION_FILE = 7,
    PYR_KIND_PLAIN_FILE = 8,
    PYR_KIND_MAX = 8
};

typedef struct pyr_entry_record {
    uint32_t name_offset; /* into the names section; the name is followed by a NUL */
    uint16_t name_len;    /* bytes, without the NUL */
    uint8_t kind;         /* PYR_KIND_* */
    uint8_t slot_mask;    /* bit s set: this entry has a blob in slot s (PYR_SLOT_*) */
    uint32_t first_blob;  /* blob-table index of the lowest present slot; the others follow */
    uint32_t name_hash;   /* low 32 bits of XXH64(name) */
} pyr_entry_record;

/* Blob slots of an entry, in the order their records follow each other. */
enum {
    PYR_SLOT_SOURCE = 0,
    PYR_SLOT_BYTECODE = 1, /* + optimization level 0, 1, 2: raw marshal data, no .pyc header */
    PYR_SLOT_DATA = 4,     /* resource / extension / shared-library / file bytes */
    PYR_SLOT_COUNT = 5
};

/* Blob flags: low byte compression, next byte location. */
#define PYR_COMPRESSION_MASK 0xffu
#define PYR_COMPRESSION_NONE 0u
#define PYR_COMPRESSION_ZSTD 1u      /* one zstd frame, no dictionary */
#define PYR_COMPRESSION_ZSTD_DICT 2u /* one zstd frame using the file's dictionary */
#define PYR_LOCATION_SHIFT 8
#define PYR_LOCATION_MASK 0xff00u
#define PYR_LOCATION_MEMORY 0u     /* the bytes are the content */
#define PYR_LOCATION_FILESYSTEM 1u /* the bytes are a '/'-separated path relative to the app */

typedef struct pyr_blob_record {
    uint64_t offset;      /* from the start of the .pyr; a multiple of PYR_ALIGN */
    uint64_t stored_size; /* bytes in the file */
    uint64_t size;        /* bytes after decompression */
    uint32_t flags;       /* compression | location << PYR_LOCATION_SHIFT */
    uint32_t checksum;    /* low 32 bits of XXH64 of the stored bytes */
} pyr_blob_record;

/* Resources embedded in an executable end the file with this trailer. */
#define PYR_TRAILER_MAGIC "PYRTRAIL"
typedef struct pyr_trailer {
    uint8_t magic[8];  /* PYR_TRAILER_MAGIC */
    uint64_t offset;   /* where the .pyr starts in the file */
    uint64_t size;     /* its length (equals its header's file_size) */
    uint64_t checksum; /* XXH64 of the 24 bytes before this field */
} pyr_trailer;

_Static_assert(sizeof(pyr_header) == PYR_HEADER_SIZE, "header layout");
_Static_assert(sizeof(pyr_entry_record) == 16, "entry layout");
_Static_assert(sizeof(pyr_blob_record) == 32, "blob layout");
_Static_assert(sizeof(pyr_trailer) == 32, "trailer layout");

#endif
