/* libFuzzer target for the .pyr reader: open from memory, walk every entry, read every blob,
 * look up every name and some absent ones. Each input is tried twice: as is, and with all its
 * checksums recomputed, because random bytes almost never pass the header checksum and the
 * bounds logic behind it would otherwise go unexercised. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/pyr.h"
#include "pyr_format.h"
#include "pyhost/pyr_hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fits(uint64_t offset, uint64_t length, uint64_t size)
{
    return offset <= size && length <= size - offset;
}

/* Recomputes blob, chunk, chunk-table and header checksums wherever they lie inside the input. */
static void reseal(uint8_t *buf, size_t size)
{
    if (size < PYR_HEADER_SIZE)
        return;
    pyr_header *h = (pyr_header *)buf;
    const uint32_t blob_count = h->blob_count; /* as below: the writes may land on the header */
    if (blob_count < size / sizeof(pyr_blob_record) && h->blobs_offset % 8 == 0 &&
        fits(h->blobs_offset, (uint64_t)blob_count * sizeof(pyr_blob_record), size)) {
        pyr_blob_record *b = (pyr_blob_record *)(buf + h->blobs_offset);
        for (uint32_t i = 0; i < blob_count; i++)
            if (fits(b[i].offset, b[i].stored_size, size))
                b[i].checksum = (uint32_t)pyr_xxh64(buf + b[i].offset, b[i].stored_size);
    }
    /* read once: the checksums written below may land on the header itself (a forged
     * chunks_offset) and must not change the bounds the loop was checked against */
    const uint64_t index_size = h->index_size, chunks_offset = h->chunks_offset;
    uint64_t chunks = index_size / PYR_CHUNK_SIZE + 1;
    if (fits(PYR_HEADER_SIZE, index_size, size) && chunks_offset % 4 == 0 &&
        fits(chunks_offset, chunks * 4, size)) {
        uint32_t *sums = (uint32_t *)(buf + chunks_offset);
        chunks = (index_size + PYR_CHUNK_SIZE - 1) / PYR_CHUNK_SIZE;
        for (uint64_t c = 0; c < chunks; c++) {
            uint64_t len = index_size - c * PYR_CHUNK_SIZE;
            sums[c] = (uint32_t)pyr_xxh64(buf + PYR_HEADER_SIZE + c * PYR_CHUNK_SIZE,
                                          len < PYR_CHUNK_SIZE ? len : PYR_CHUNK_SIZE);
        }
        h->chunks_checksum = (uint32_t)pyr_xxh64(sums, chunks * 4);
    }
    h->header_checksum = (uint32_t)pyr_xxh64(buf, offsetof(pyr_header, header_checksum));
}

static void walk(pyr_archive *a)
{
    pyr_info info;
    pyr_get_info(a, &info);
    ph_error err;
    for (uint32_t i = 0; i < info.entry_count; i++) {
        pyr_entry e;
        if (pyr_entry_at(a, i, &e, &err) < 0)
            continue;
        uint32_t found;
        /* A name is found at its own index unless the index is damaged (or names repeat). */
        pyr_find_checked(a, e.name, e.name_len, &found, &err);
        pyr_lower_bound(a, e.name, e.name_len);
        for (int slot = 0; slot < PYR_SLOTS; slot++) {
            pyr_blob blob;
            pyr_data d;
            if (pyr_blob_at(a, i, (pyr_slot)slot, &blob, &err) == 1 &&
                pyr_read(a, i, (pyr_slot)slot, &d, &err) == 0) {
                if (d.size != blob.size)
                    abort(); /* a successful read returns what the record promised */
                pyr_data_release(&d);
            }
        }
    }
    static const char *const absent[] = {"", "json", "zzzz.absent", ".pyhost/manifest.ini"};
    for (size_t k = 0; k < sizeof absent / sizeof *absent; k++)
        pyr_find(a, absent[k], strlen(absent[k]));
    pyr_lower_bound(a, "\xff", 1);
}

static void try_open(const uint8_t *buf, size_t size)
{
    pyr_archive *a;
    ph_error err;
    if (pyr_open_memory(&a, buf, size, "fuzz.pyr", &err) < 0)
        return;
    walk(a);
    pyr_close(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy: 16-aligned, and ASan flags any byte read past its end. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    try_open(buf, size);
    reseal(buf, size);
    try_open(buf, size);
    free(buf);
    return 0;
}
