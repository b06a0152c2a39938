/* Damaged files: truncated at every length, every header and index byte flipped, blob bytes
 * flipped, and handcrafted headers whose checksum is valid but whose offsets lie. The reader
 * must never crash (run under ASan: every buffer here is an exact-size heap copy), must fail with
 * a message naming the file and the problem, and must never return wrong data as success. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pyr_format.h"
#include "pyhost/pyr_hash.h"

#define NAME "test.pyr"
#define ENTRIES 300

static sample s; /* dictionary-compressed: covers stored, zstd-dict and filesystem blobs */

static void setup(void)
{
    build_sample(&s, ENTRIES, 3, 1);
    const pyr_header *h = (const pyr_header *)s.bytes;
    cr_assert(h->flags & PYR_FLAG_HAS_DICTIONARY, "the sample must exercise the dictionary");
}

static void teardown(void)
{
    free_sample(&s);
}

static void expect_message(const ph_error *err, const char *what)
{
    cr_assert_eq(strncmp(err->message, NAME ": ", strlen(NAME) + 2), 0,
                 "message does not name the file: %s", err->message);
    if (what)
        assert_contains(err->message, what);
}

/* ---- Walking a (possibly damaged) archive ----------------------------------------------- */

typedef struct walk_result {
    int opened;
    unsigned failures; /* operations that reported an error */
    uint8_t entry_failed[ENTRIES];
} walk_result;

static void check_read(pyr_archive *a, uint32_t i, const char *name, pyr_slot slot, walk_result *r)
{
    pyr_data d;
    ph_error err;
    if (pyr_read(a, i, slot, &d, &err) < 0) {
        expect_message(&err, "corrupt .pyr");
        r->failures++;
        return;
    }
    char want[SAMPLE_MAX];
    size_t n = sample_content(name, slot, want, sizeof want);
    if (sample_kind(name) == PYR_EXTENSION_MODULE)
        n = (size_t)snprintf(want, sizeof want, "lib/%s.so", name);
    cr_assert(d.size == n && !memcmp(d.bytes, want, n), "%s %s: wrong content read as success",
              name, pyr_slot_name(slot));
    pyr_data_release(&d);
}

/* Looks up every name, reads every blob, looks up absent names. Any success must be right. */
static void walk_entries(pyr_archive *a, walk_result *r)
{
    ph_error err;
    for (uint32_t n = 0; n < s.count; n++) {
        const char *name = s.names[n];
        uint32_t i;
        if (pyr_find_checked(a, name, strlen(name), &i, &err) < 0) {
            expect_message(&err, "corrupt .pyr");
            r->failures++;
            continue;
        }
        cr_assert_neq(i, PYR_NOT_FOUND, "%s silently vanished", name);
        pyr_entry e;
        if (pyr_entry_at(a, i, &e, &err) < 0) {
            expect_message(&err, "corrupt .pyr");
            r->failures++;
            continue;
        }
        cr_assert_str_eq(e.name, name);
        cr_assert_eq(e.kind, sample_kind(name), "%s: wrong kind read as success", name);
        for (int slot = 0; slot < PYR_SLOTS; slot++)
            if (sample_has_slot(name, (pyr_slot)slot))
                check_read(a, i, name, (pyr_slot)slot, r);
    }
    static const char *const absent[] = {"json.mod_99999", "zzz", "a"};
    for (size_t k = 0; k < 3; k++) {
        uint32_t i;
        if (pyr_find_checked(a, absent[k], strlen(absent[k]), &i, &err) < 0)
            r->failures++;
        else
            cr_assert_eq(i, PYR_NOT_FOUND, "absent name %s found", absent[k]);
    }
    /* Entries by position, as `pyhost inspect` and iter_modules walk them. */
    for (uint32_t i = 0; i < s.count; i++) {
        pyr_entry e;
        if (pyr_entry_at(a, i, &e, &err) < 0) {
            expect_message(&err, "corrupt .pyr");
            r->failures++;
            r->entry_failed[i] = 1;
        }
    }
    pyr_lower_bound(a, "json.", 5);
}

static walk_result walk(const uint8_t *bytes, size_t size, ph_error *open_err)
{
    walk_result r = {0};
    pyr_archive *a;
    if (pyr_open_memory(&a, bytes, size, NAME, open_err) < 0) {
        expect_message(open_err, NULL);
        cr_assert_null(a);
        return r;
    }
    r.opened = 1;
    walk_entries(a, &r);
    pyr_close(a);
    return r;
}

TestSuite(pyr_corrupt, .init = setup, .fini = teardown, .timeout = 110);

Test(pyr_corrupt, the_undamaged_sample_reads_without_failures)
{
    ph_error err;
    walk_result r = walk(s.bytes, s.size, &err);
    cr_assert(r.opened, "%s", err.message);
    cr_assert_eq(r.failures, 0);
}

/* ---- (a) truncation --------------------------------------------------------------------- */

Test(pyr_corrupt, truncation_at_every_length_fails_clearly)
{
    for (size_t len = 0; len < s.size; len++) {
        uint8_t *cut = copy_bytes(s.bytes, len);
        ph_error err;
        walk_result r = walk(cut, len, &err);
        cr_assert(!r.opened, "a file truncated to %zu of %zu bytes opened", len, s.size);
        if (len < PYR_HEADER_SIZE)
            expect_message(&err, "not a .pyr file (too short)");
        else
            expect_message(&err, "truncated .pyr: the header says");
        free(cut);
    }
}

static void reseal_header(uint8_t *bytes)
{
    pyr_header *h = (pyr_header *)bytes;
    h->header_checksum = (uint32_t)pyr_xxh64(bytes, offsetof(pyr_header, header_checksum));
}

/* A truncated file whose header was rewritten to match: only the bounds checks stand between
 * the reader and the missing bytes. */
Test(pyr_corrupt, truncation_with_a_lying_header_never_reads_past_the_end)
{
    const pyr_header *h = (const pyr_header *)s.bytes;
    uint64_t data_start = h->chunks_offset;
    for (size_t len = PYR_HEADER_SIZE; len < s.size; len += len < data_start + 64 ? 1 : 61) {
        uint8_t *cut = copy_bytes(s.bytes, len);
        ((pyr_header *)cut)->file_size = len;
        reseal_header(cut);
        ph_error err;
        walk_result r = walk(cut, len, &err);
        if (len < h->chunks_offset)
            expect_message(&err, "the index extends past the end of the file");
        else if (!r.opened)
            expect_message(&err, "outside the file");
        else
            cr_assert_gt(r.failures, 0, "blobs past %zu bytes were read", len);
        free(cut);
    }
}

Test(pyr_corrupt, truncated_files_on_disk_fail_clearly)
{
    const char *dir = tmpdir();
    for (size_t len = 0; len < s.size; len += 509) {
        char *path = write_bytes(dir, "cut.pyr", s.bytes, len);
        pyr_archive *a;
        ph_error err;
        cr_assert_eq(pyr_open_file(&a, path, 0, &err), -1, "%zu bytes opened", len);
        assert_contains(err.message, path);
        assert_contains(err.message, len < PYR_HEADER_SIZE ? "too short" : "truncated");
        free(path);
    }
}

/* ---- (b) flipped bytes ------------------------------------------------------------------ */

static walk_result flip_and_walk(uint8_t *bytes, uint64_t at, ph_error *err)
{
    bytes[at] ^= 0x10;
    walk_result r = walk(bytes, s.size, err);
    bytes[at] ^= 0x10;
    return r;
}

Test(pyr_corrupt, flipped_header_or_checksum_table_bytes_fail_at_open)
{
    const pyr_header *h = (const pyr_header *)s.bytes;
    uint64_t chunks = (h->index_size + PYR_CHUNK_SIZE - 1) / PYR_CHUNK_SIZE;
    uint8_t *copy = copy_bytes(s.bytes, s.size);
    for (uint64_t at = 0; at < PYR_HEADER_SIZE; at++) {
        ph_error err;
        cr_assert(!flip_and_walk(copy, at, &err).opened, "flip at header byte %llu opened",
                  (unsigned long long)at);
        if (at >= PYR_MAGIC_SIZE)
            expect_message(&err, "corrupt .pyr: header checksum mismatch");
        else
            expect_message(&err, "no .pyr magic");
    }
    for (uint64_t at = h->chunks_offset; at < h->chunks_offset + chunks * 4; at++) {
        ph_error err;
        cr_assert(!flip_and_walk(copy, at, &err).opened);
        expect_message(&err, "index checksum table mismatch");
    }
    free(copy);
}

/* Each index byte belongs to a checksummed chunk: damage there must make every entry record in
 * that chunk unreadable, and nothing read from elsewhere may be wrong. */
Test(pyr_corrupt, flipped_index_bytes_are_caught_by_chunk_checksums)
{
    const pyr_header *h = (const pyr_header *)s.bytes;
    uint8_t *copy = copy_bytes(s.bytes, s.size);
    uint64_t index_end = PYR_HEADER_SIZE + h->index_size;
    for (uint64_t at = PYR_HEADER_SIZE; at < index_end; at += 3) {
        ph_error err;
        walk_result r = flip_and_walk(copy, at, &err);
        cr_assert(r.opened, "open reads no index chunk, yet failed: %s", err.message);
        uint64_t chunk = (at - PYR_HEADER_SIZE) / PYR_CHUNK_SIZE;
        for (uint32_t i = 0; i < s.count; i++) {
            uint64_t rec = h->entries_offset + (uint64_t)i * sizeof(pyr_entry_record);
            if ((rec - PYR_HEADER_SIZE) / PYR_CHUNK_SIZE == chunk)
                cr_assert(r.entry_failed[i], "entry %u read from damaged chunk %llu", i,
                          (unsigned long long)chunk);
        }
    }
    free(copy);
}

/* The dictionary and the padding are outside every checksum; damage there must still never be
 * returned as content. */
Test(pyr_corrupt, flipped_dictionary_bytes_never_give_wrong_content)
{
    const pyr_header *h = (const pyr_header *)s.bytes;
    uint8_t *copy = copy_bytes(s.bytes, s.size);
    const pyr_blob_record *b = (const pyr_blob_record *)(s.bytes + h->blobs_offset);
    uint64_t from = h->chunks_offset, to = b[0].offset;
    for (uint64_t at = from; at < to; at += (at - from) < 256 ? 1 : 7) {
        ph_error err;
        walk_result r = flip_and_walk(copy, at, &err);
        (void)r; /* walk() asserts that whatever succeeded was right */
    }
    free(copy);
}

Test(pyr_corrupt, flipped_blob_bytes_fail_that_blob)
{
    const pyr_header *h = (const pyr_header *)s.bytes;
    const pyr_blob_record *b = (const pyr_blob_record *)(s.bytes + h->blobs_offset);
    uint8_t *copy = copy_bytes(s.bytes, s.size);
    pyr_archive *a = open_ok(copy, s.size);
    unsigned checked = 0;
    for (uint32_t n = 0; n < s.count; n++) {
        uint32_t i = pyr_find(a, s.names[n], strlen(s.names[n]));
        pyr_entry e;
        ph_error err;
        cr_assert_eq(pyr_entry_at(a, i, &e, &err), 0);
        uint32_t blob = ((const pyr_entry_record *)(s.bytes + h->entries_offset))[i].first_blob;
        for (int slot = 0; slot < PYR_SLOTS; slot++) {
            if (!(e.slot_mask >> slot & 1))
                continue;
            const pyr_blob_record *r = &b[blob++];
            uint64_t picks[3] = {r->offset, r->offset + r->stored_size / 2,
                                 r->offset + r->stored_size - 1};
            for (int p = 0; p < 3 && r->stored_size; p++) {
                pyr_data d;
                copy[picks[p]] ^= 0x01;
                cr_assert_eq(pyr_read(a, i, (pyr_slot)slot, &d, &err), -1,
                             "%s %s read despite a flipped byte", e.name,
                             pyr_slot_name((pyr_slot)slot));
                copy[picks[p]] ^= 0x01;
                expect_message(&err, "fails its checksum");
                assert_contains(err.message, e.name);
                checked++;
            }
        }
    }
    cr_assert_gt(checked, 2 * ENTRIES);
    /* Padding after a blob matters to nobody. */
    uint64_t pad = b[0].offset + b[0].stored_size;
    if (pad % PYR_ALIGN) {
        copy[pad] ^= 0xff;
        walk_result r = {0};
        walk_entries(a, &r);
        cr_assert_eq(r.failures, 0, "damaged padding made a read fail");
    }
    pyr_close(a);
    free(copy);
}

/* ---- (c) handcrafted headers with valid checksums ---------------------------------------- */

typedef void (*mutate_fn)(pyr_header *h);

static void expect_open_error(mutate_fn mutate, const char *what)
{
    uint8_t *copy = copy_bytes(s.bytes, s.size);
    mutate((pyr_header *)copy);
    reseal_header(copy);
    ph_error err;
    cr_assert(!walk(copy, s.size, &err).opened, "opened despite: %s", what);
    expect_message(&err, what);
    cr_assert_neq(err.hint[0], '\0', "no hint for: %s", err.message);
    free(copy);
}

#define MUTATION(fn, body)                                                                         \
    static void fn(pyr_header *h)                                                                  \
    {                                                                                              \
        body;                                                                                      \
    }
MUTATION(version_2, h->format_version = 2)
MUTATION(size_plus_one, h->file_size += 1)
MUTATION(size_huge, h->file_size = UINT64_MAX)
MUTATION(header_size, h->header_size = 64)
MUTATION(chunk_size, h->chunk_size = 8192)
MUTATION(index_huge, h->index_size = UINT64_MAX - 64)
MUTATION(index_past_end, h->index_size = h->file_size)
MUTATION(table_zero, h->table_size = 0)
MUTATION(table_odd, h->table_size = 1000)
MUTATION(table_small, h->table_size = 256)
MUTATION(table_huge, h->table_size = 1u << 31)
MUTATION(table_misaligned, h->table_offset += 4)
MUTATION(table_past_end, h->table_offset = h->file_size & ~7ull)
MUTATION(table_wraps, h->table_offset = UINT64_MAX & ~7ull)
MUTATION(entries_past_end, h->entries_offset = h->file_size & ~7ull)
MUTATION(entries_too_many, h->entry_count = 1000; h->entries_offset = h->names_offset)
MUTATION(blobs_too_many, h->blob_count = UINT32_MAX)
MUTATION(names_past_end, h->names_size = h->file_size)
MUTATION(names_wraps, h->names_offset = UINT64_MAX - 2)
MUTATION(chunks_past_end, h->chunks_offset = h->file_size & ~7ull)
MUTATION(chunks_wraps, h->chunks_offset = UINT64_MAX & ~7ull)
MUTATION(dict_past_end, h->dictionary_offset = h->file_size - 1)
MUTATION(dict_huge, h->dictionary_size = UINT64_MAX)
MUTATION(dict_in_index, h->dictionary_offset = PYR_HEADER_SIZE)
MUTATION(chunk_sum, h->chunks_checksum ^= 1)

Test(pyr_corrupt, lying_header_fields_give_clear_errors)
{
    expect_open_error(version_2, "format version 2 is not supported");
    expect_open_error(size_plus_one, "truncated .pyr: the header says");
    expect_open_error(size_huge, "truncated .pyr");
    expect_open_error(header_size, "unexpected header or chunk size");
    expect_open_error(chunk_size, "unexpected header or chunk size");
    expect_open_error(index_huge, "the index extends past the end of the file");
    expect_open_error(index_past_end, "the index extends past the end of the file");
    expect_open_error(table_zero, "bad hash-table size");
    expect_open_error(table_odd, "bad hash-table size");
    expect_open_error(table_small, "bad hash-table size");
    expect_open_error(table_huge, "an index section lies outside the index");
    expect_open_error(table_misaligned, "misaligned section offset");
    expect_open_error(table_past_end, "an index section lies outside the index");
    expect_open_error(table_wraps, "an index section lies outside the index");
    expect_open_error(entries_past_end, "an index section lies outside the index");
    expect_open_error(entries_too_many, "an index section lies outside the index");
    expect_open_error(blobs_too_many, "an index section lies outside the index");
    expect_open_error(names_past_end, "an index section lies outside the index");
    expect_open_error(names_wraps, "an index section lies outside the index");
    expect_open_error(chunks_past_end, "the index checksums lie outside the file");
    expect_open_error(chunks_wraps, "the index checksums lie outside the file");
    expect_open_error(dict_past_end, "the compression dictionary lies outside the file");
    expect_open_error(dict_huge, "the compression dictionary lies outside the file");
    expect_open_error(dict_in_index, "the compression dictionary lies outside the file");
    expect_open_error(chunk_sum, "index checksum table mismatch");
}

/* ---- Handcrafted index records with valid checksums ------------------------------------- */

static void reseal_all(uint8_t *bytes)
{
    pyr_header *h = (pyr_header *)bytes;
    uint32_t *sums = (uint32_t *)(bytes + h->chunks_offset);
    uint64_t count = (h->index_size + PYR_CHUNK_SIZE - 1) / PYR_CHUNK_SIZE;
    for (uint64_t c = 0; c < count; c++) {
        uint64_t len = h->index_size - c * PYR_CHUNK_SIZE;
        sums[c] = (uint32_t)pyr_xxh64(bytes + PYR_HEADER_SIZE + c * PYR_CHUNK_SIZE,
                                      len < PYR_CHUNK_SIZE ? len : PYR_CHUNK_SIZE);
    }
    h->chunks_checksum = (uint32_t)pyr_xxh64(sums, count * 4);
    reseal_header(bytes);
}

/* The first entry with a compressed blob, and that blob's record. */
static uint32_t compressed_entry(uint8_t *bytes, pyr_blob_record **rec)
{
    const pyr_header *h = (const pyr_header *)bytes;
    pyr_entry_record *e = (pyr_entry_record *)(bytes + h->entries_offset);
    pyr_blob_record *b = (pyr_blob_record *)(bytes + h->blobs_offset);
    for (uint32_t i = 0; i < h->entry_count; i++)
        if (e[i].slot_mask && (b[e[i].first_blob].flags & PYR_COMPRESSION_MASK)) {
            *rec = &b[e[i].first_blob];
            return i;
        }
    cr_assert_fail("no compressed blob in the sample");
    return 0;
}

static void expect_read_error(uint8_t *copy, uint32_t index, const char *what)
{
    reseal_all(copy);
    pyr_archive *a = open_ok(copy, s.size);
    pyr_entry e;
    ph_error err;
    pyr_data d;
    int slot = 0;
    if (pyr_entry_at(a, index, &e, &err) == 0)
        while (slot < PYR_SLOTS && !(e.slot_mask >> slot & 1))
            slot++;
    cr_assert_eq(pyr_read(a, index, (pyr_slot)(slot % PYR_SLOTS), &d, &err), -1, "%s", what);
    expect_message(&err, what);
    pyr_close(a);
    free(copy);
}

static void expect_entry_error(uint8_t *copy, uint32_t index)
{
    reseal_all(copy);
    pyr_archive *a = open_ok(copy, s.size);
    pyr_entry e;
    ph_error err;
    char what[64];
    snprintf(what, sizeof what, "index entry %u fails its checksum or bounds check", index);
    cr_assert_eq(pyr_entry_at(a, index, &e, &err), -1, "%s", what);
    expect_message(&err, what);
    pyr_close(a);
    free(copy);
}

Test(pyr_corrupt, lying_index_records_give_clear_errors)
{
    pyr_blob_record *r;
    uint8_t *copy = copy_bytes(s.bytes, s.size);
    uint32_t i = compressed_entry(copy, &r);
    r->offset = s.size + 16;
    expect_read_error(copy, i, "fails its checksum or bounds check");

    copy = copy_bytes(s.bytes, s.size);
    i = compressed_entry(copy, &r);
    r->stored_size = UINT64_MAX - 8;
    expect_read_error(copy, i, "fails its checksum or bounds check");

    copy = copy_bytes(s.bytes, s.size);
    i = compressed_entry(copy, &r);
    r->flags = 7;
    expect_read_error(copy, i, "fails its checksum or bounds check");

    /* A frame that decompresses to something else than the record says. */
    copy = copy_bytes(s.bytes, s.size);
    i = compressed_entry(copy, &r);
    r->size += 1;
    expect_read_error(copy, i, "does not match the recorded");

    /* An absurd decompressed size must be refused before anything is allocated. */
    copy = copy_bytes(s.bytes, s.size);
    i = compressed_entry(copy, &r);
    r->size = UINT64_MAX - 1;
    expect_read_error(copy, i, "corrupt .pyr");

    /* A small blob claiming 1 GiB (the ratio bound alone would let 33 KB claim that much). */
    copy = copy_bytes(s.bytes, s.size);
    i = compressed_entry(copy, &r);
    r->size = (uint64_t)1 << 30;
    expect_read_error(copy, i, "claims 1073741824 bytes, more than the 256 MiB");

    copy = copy_bytes(s.bytes, s.size);
    const pyr_header *h = (const pyr_header *)copy;
    i = compressed_entry(copy, &r);
    ((pyr_entry_record *)(copy + h->entries_offset))[i].first_blob = UINT32_MAX;
    expect_read_error(copy, i, "fails its checksum or bounds check");

    h = (const pyr_header *)s.bytes; /* offsets from the pristine header; copy is rewritten */
    copy = copy_bytes(s.bytes, s.size);
    ((pyr_entry_record *)(copy + h->entries_offset))[3].name_offset = UINT32_MAX - 2;
    expect_entry_error(copy, 3);

    copy = copy_bytes(s.bytes, s.size);
    ((pyr_entry_record *)(copy + h->entries_offset))[4].kind = 0;
    expect_entry_error(copy, 4);

    copy = copy_bytes(s.bytes, s.size);
    ((pyr_entry_record *)(copy + h->entries_offset))[5].slot_mask = 0x80;
    expect_entry_error(copy, 5);
}

/* A hash table with no empty slot left and an entry whose name lacks its NUL: lookups of absent
 * names must still end. */
Test(pyr_corrupt, full_hash_table_and_unterminated_names_do_not_hang_or_overrun)
{
    uint8_t *copy = copy_bytes(s.bytes, s.size);
    pyr_header *h = (pyr_header *)copy;
    uint32_t *table = (uint32_t *)(copy + h->table_offset);
    for (uint32_t t = 0; t < h->table_size; t++)
        if (table[t] == PYR_EMPTY_SLOT)
            table[t] = t % h->entry_count;
    pyr_entry_record *e = (pyr_entry_record *)(copy + h->entries_offset);
    copy[h->names_offset + e[5].name_offset + e[5].name_len] = 'x';
    reseal_all(copy);
    pyr_archive *a = open_ok(copy, s.size);
    uint32_t i;
    ph_error err;
    cr_assert_eq(pyr_find_checked(a, "absent.module", 13, &i, &err), 0);
    cr_assert_eq(i, PYR_NOT_FOUND);
    pyr_entry entry;
    cr_assert_eq(pyr_entry_at(a, 5, &entry, &err), -1);
    expect_message(&err, "index entry 5");
    pyr_close(a);
    free(copy);
}
