/* A onefile with a compressed runtime ([bundle] compress_runtime = true), private to the launcher.
 *
 * The file is   pyhost-loader | zstd frame of the stripped pyhost-stub | zero padding |
 *               ph_onefile_record | .pyr | pyr trailer
 * The record ends where the .pyr starts, so the loader finds it from the pyr trailer alone.
 * bundle_runtime.c writes it; onefile_loader.c reads it, unpacks the stub once per user into
 * the cache (CACHE/runtime/<runtime_name>) and executes it with PH_ENV_ONEFILE naming the
 * onefile, whose embedded .pyr the stub then runs (stub.c). */
#ifndef PH_ONEFILE_H
#define PH_ONEFILE_H

#include <stdint.h>
#include <string.h>

#define PH_ONEFILE_MAGIC "PHRUNZS2"
#ifndef PH_EXE_SUFFIX
#define PH_EXE_SUFFIX "" /* "3.12" with meson -Dsuffix_version=true */
#endif
#define PH_LOADER_NAME "pyhost-loader" PH_EXE_SUFFIX
/* Set by the loader for the stub it starts; the stub removes it from its environment. */
#define PH_ENV_ONEFILE "PYHOST_ONEFILE"

typedef struct ph_onefile_record {
    uint8_t magic[8];      /* PH_ONEFILE_MAGIC */
    uint64_t frame_offset; /* where the zstd frame starts in the file */
    uint64_t frame_size;   /* its length */
    uint64_t runtime_size; /* the stub's size once unpacked */
    uint64_t runtime_hash; /* its XXH64, checked before each start from the cache */
    char runtime_name[32]; /* hex of its SHA-256's first 124 bits, NUL-ended: its file name */
} ph_onefile_record;

/* A runtime is a few MB; a record claiming more is damaged, not an app to unpack. */
#define PH_ONEFILE_MAX_RUNTIME (1ull << 30)

_Static_assert(sizeof(ph_onefile_record) == 72, "onefile record layout");

/* Whether REC, read from just before the .pyr that starts at PYR_OFFSET (>= the record's size),
 * describes a runtime the file can hold: the frame inside the file before the record, a sane
 * size, a plain file name. Shared by the loader and its fuzzer (tests/fuzz/fuzz_onefile.c). */
static inline int ph_onefile_record_valid(const ph_onefile_record *rec, uint64_t pyr_offset)
{
    uint64_t end = pyr_offset - sizeof *rec;
    return !memcmp(rec->magic, PH_ONEFILE_MAGIC, 8) && rec->frame_size > 0 &&
           rec->frame_size <= end && rec->frame_offset <= end - rec->frame_size &&
           rec->runtime_size > 0 && rec->runtime_size <= PH_ONEFILE_MAX_RUNTIME &&
           memchr(rec->runtime_name, '\0', sizeof rec->runtime_name) != NULL &&
           rec->runtime_name[0] != '\0' && rec->runtime_name[0] != '.' &&
           strchr(rec->runtime_name, '/') == NULL;
}

#endif
