/* The reader against files the writer made: everything written comes back, from memory and from
 * files (plain, or embedded at an offset after other bytes with a trailer). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static void kind_name_for(pyr_kind kind, char *out, size_t cap)
{
    if (kind <= PYR_EXTENSION_MODULE)
        snprintf(out, cap, "pkg.kind%d", (int)kind);
    else
        snprintf(out, cap, "pkg/kind%d.bin", (int)kind);
}

static void slot_content(pyr_kind kind, pyr_slot slot, char *out, size_t cap)
{
    snprintf(out, cap, "content of kind %d slot %d", (int)kind, (int)slot);
}

static void expect_blob(pyr_archive *a, uint32_t index, pyr_slot slot, const void *want,
                        size_t size, pyr_compression compression, pyr_location location)
{
    pyr_blob blob;
    pyr_data data;
    ph_error err;
    cr_assert_eq(pyr_blob_at(a, index, slot, &blob, &err), 1, "slot %d", (int)slot);
    cr_assert_eq(blob.compression, compression, "slot %d compression %s", (int)slot,
                 pyr_compression_name(blob.compression));
    cr_assert_eq(blob.location, location);
    cr_assert_eq(blob.size, size);
    cr_assert_eq(pyr_read(a, index, slot, &data, &err), 0, "%s", err.message);
    cr_assert_eq(data.size, size);
    cr_assert(!memcmp(data.bytes, want, size), "slot %d content differs", (int)slot);
    pyr_data_release(&data);
}

Test(pyr_reader, every_kind_and_every_slot_round_trips)
{
    pyr_writer *w = new_writer(0, 0);
    char name[64], text[128];
    for (int k = PYR_MODULE; k <= PYR_PLAIN_FILE; k++)
        for (int s = 0; s < PYR_SLOTS; s++) {
            kind_name_for((pyr_kind)k, name, sizeof name);
            slot_content((pyr_kind)k, (pyr_slot)s, text, sizeof text);
            add_blob(w, name, (pyr_kind)k, (pyr_slot)s, text, strlen(text), PYR_IN_MEMORY);
        }
    size_t size;
    uint8_t *bytes = finish(w, &size);
    pyr_archive *a = open_ok(bytes, size);
    for (int k = PYR_MODULE; k <= PYR_PLAIN_FILE; k++) {
        kind_name_for((pyr_kind)k, name, sizeof name);
        uint32_t i = pyr_find(a, name, strlen(name));
        cr_assert_neq(i, PYR_NOT_FOUND, "%s", name);
        pyr_entry e;
        ph_error err;
        cr_assert_eq(pyr_entry_at(a, i, &e, &err), 0, "%s", err.message);
        cr_assert_str_eq(e.name, name);
        cr_assert_eq(e.name_len, strlen(name));
        cr_assert_eq(e.kind, (pyr_kind)k);
        cr_assert_eq(e.slot_mask, 0x1fu);
        for (int s = 0; s < PYR_SLOTS; s++) {
            slot_content((pyr_kind)k, (pyr_slot)s, text, sizeof text);
            expect_blob(a, i, (pyr_slot)s, text, strlen(text), PYR_STORED, PYR_IN_MEMORY);
        }
    }
    pyr_close(a);
    free(bytes);
}

Test(pyr_reader, each_single_slot_is_found_alone)
{
    /* One entry per slot exercises first_blob + popcount for every mask bit position. */
    pyr_writer *w = new_writer(0, 0);
    char name[32];
    for (int s = 0; s < PYR_SLOTS; s++) {
        snprintf(name, sizeof name, "only%d", s);
        add_blob(w, name, PYR_MODULE, (pyr_slot)s, name, strlen(name), PYR_IN_MEMORY);
    }
    size_t size;
    uint8_t *bytes = finish(w, &size);
    pyr_archive *a = open_ok(bytes, size);
    for (int s = 0; s < PYR_SLOTS; s++) {
        snprintf(name, sizeof name, "only%d", s);
        uint32_t i = pyr_find(a, name, strlen(name));
        cr_assert_neq(i, PYR_NOT_FOUND);
        for (int other = 0; other < PYR_SLOTS; other++) {
            pyr_blob blob;
            ph_error err;
            cr_assert_eq(pyr_blob_at(a, i, (pyr_slot)other, &blob, &err), other == s);
        }
        expect_blob(a, i, (pyr_slot)s, name, strlen(name), PYR_STORED, PYR_IN_MEMORY);
        pyr_data d;
        ph_error err;
        int other = (s + 1) % PYR_SLOTS;
        cr_assert_eq(pyr_read(a, i, (pyr_slot)other, &d, &err), -1);
        assert_contains(err.message, "is not present");
    }
    pyr_close(a);
    free(bytes);
}

Test(pyr_reader, empty_blobs_and_entries_without_blobs)
{
    pyr_writer *w = new_writer(3, 0);
    ph_error err;
    cr_assert_eq(pyr_writer_add_entry(w, "nspkg", PYR_NAMESPACE_PACKAGE, &err), 0);
    add_blob(w, "empty", PYR_MODULE, PYR_SOURCE, "", 0, PYR_IN_MEMORY);
    size_t size;
    uint8_t *bytes = finish(w, &size);
    pyr_archive *a = open_ok(bytes, size);
    pyr_entry e;
    cr_assert_eq(pyr_entry_at(a, pyr_find(a, "nspkg", 5), &e, &err), 0);
    cr_assert_eq(e.kind, PYR_NAMESPACE_PACKAGE);
    cr_assert_eq(e.slot_mask, 0);
    expect_blob(a, pyr_find(a, "empty", 5), PYR_SOURCE, "", 0, PYR_STORED, PYR_IN_MEMORY);
    pyr_close(a);
    free(bytes);
}

Test(pyr_reader, filesystem_relative_blobs_hold_their_path)
{
    pyr_writer *w = new_writer(19, 0);
    const char *path = "lib/_decimal.cpython-311-x86_64-linux-gnu.so-long-enough-to-compress-"
                       "if-it-were-compressed-which-it-must-not-be";
    add_blob(w, "_decimal", PYR_EXTENSION_MODULE, PYR_DATA, path, strlen(path),
             PYR_FILESYSTEM_RELATIVE);
    size_t size;
    uint8_t *bytes = finish(w, &size);
    pyr_archive *a = open_ok(bytes, size);
    expect_blob(a, pyr_find(a, "_decimal", 8), PYR_DATA, path, strlen(path), PYR_STORED,
                PYR_FILESYSTEM_RELATIVE);
    pyr_close(a);
    free(bytes);
}

/* Builds the sample with `level`/`dictionary` and checks every blob and its compression. */
static void check_compression(int level, int dictionary, pyr_compression big_blobs)
{
    sample s;
    build_sample(&s, 120, level, dictionary);
    pyr_archive *a = open_ok(s.bytes, s.size);
    pyr_info info;
    pyr_get_info(a, &info);
    cr_assert_eq(info.dictionary_size != 0, dictionary != 0);
    char buf[SAMPLE_MAX];
    int big_seen = 0;
    for (uint32_t n = 0; n < s.count; n++) {
        uint32_t i = pyr_find(a, s.names[n], strlen(s.names[n]));
        for (int slot = 0; slot < PYR_SLOTS; slot++) {
            if (!sample_has_slot(s.names[n], (pyr_slot)slot))
                continue;
            size_t size = sample_content(s.names[n], (pyr_slot)slot, buf, sizeof buf);
            pyr_location loc = PYR_IN_MEMORY;
            if (sample_kind(s.names[n]) == PYR_EXTENSION_MODULE) {
                size = (size_t)snprintf(buf, sizeof buf, "lib/%s.so", s.names[n]);
                loc = PYR_FILESYSTEM_RELATIVE;
            }
            /* Small blobs and paths are always stored; big ones as asked. */
            pyr_compression want = size >= 600 && loc == PYR_IN_MEMORY ? big_blobs : PYR_STORED;
            big_seen += want != PYR_STORED;
            expect_blob(a, i, (pyr_slot)slot, buf, size, want, loc);
        }
    }
    cr_assert(big_blobs == PYR_STORED || big_seen > 10, "too few compressed blobs: %d", big_seen);
    pyr_close(a);
    free_sample(&s);
}

Test(pyr_reader, uncompressed_round_trip)
{
    check_compression(0, 0, PYR_STORED);
}

Test(pyr_reader, zstd_round_trip)
{
    check_compression(3, 0, PYR_ZSTD);
}

Test(pyr_reader, zstd_dictionary_is_used_and_round_trips)
{
    check_compression(3, 1, PYR_ZSTD_DICT);
}

Test(pyr_reader, no_compress_flag_keeps_a_blob_stored)
{
    pyr_writer *w = new_writer(3, 0);
    char big[2000];
    memset(big, 'z', sizeof big);
    ph_error err;
    cr_assert_eq(pyr_writer_add_blob(w, "raw", PYR_PLAIN_FILE, PYR_DATA, big, sizeof big,
                                     PYR_IN_MEMORY, PYR_NO_COMPRESS, &err),
                 0);
    add_blob(w, "packed", PYR_PLAIN_FILE, PYR_DATA, big, sizeof big, PYR_IN_MEMORY);
    size_t size;
    uint8_t *bytes = finish(w, &size);
    pyr_archive *a = open_ok(bytes, size);
    expect_blob(a, pyr_find(a, "raw", 3), PYR_DATA, big, sizeof big, PYR_STORED, PYR_IN_MEMORY);
    expect_blob(a, pyr_find(a, "packed", 6), PYR_DATA, big, sizeof big, PYR_ZSTD, PYR_IN_MEMORY);
    /* Stored blobs are served from the mapping without a copy (bytecode is unmarshalled in
     * place). */
    pyr_data d;
    cr_assert_eq(pyr_read(a, pyr_find(a, "raw", 3), PYR_DATA, &d, &err), 0);
    cr_assert_null(d.owned);
    cr_assert(d.bytes >= bytes && d.bytes + d.size <= bytes + size);
    pyr_close(a);
    free(bytes);
}

/* ---- Lookups ---------------------------------------------------------------------------- */

Test(pyr_reader, finds_every_name_and_nothing_else)
{
    sample s;
    build_sample(&s, 500, 0, 0);
    pyr_archive *a = open_ok(s.bytes, s.size);
    ph_error err;
    for (uint32_t n = 0; n < s.count; n++) {
        uint32_t i;
        cr_assert_eq(pyr_find_checked(a, s.names[n], strlen(s.names[n]), &i, &err), 0);
        pyr_entry e;
        cr_assert_eq(pyr_entry_at(a, i, &e, &err), 0);
        cr_assert_str_eq(e.name, s.names[n]);
        cr_assert_eq(e.kind, sample_kind(s.names[n]));
        /* Near misses: a proper prefix, an extension, a changed last byte. */
        size_t len = strlen(s.names[n]);
        char near[128];
        snprintf(near, sizeof near, "%sx", s.names[n]);
        cr_assert_eq(pyr_find(a, near, len + 1), PYR_NOT_FOUND);
        cr_assert_eq(pyr_find(a, near, (size_t)(strchr(near, '_') - near + 1)), PYR_NOT_FOUND);
        near[len - 1] = '#';
        cr_assert_eq(pyr_find(a, near, len), PYR_NOT_FOUND);
    }
    uint32_t i = 0;
    cr_assert_eq(pyr_find_checked(a, "nosuchmodule", 12, &i, &err), 0, "absent is not an error");
    cr_assert_eq(i, PYR_NOT_FOUND);
    cr_assert_eq(pyr_find(a, "", 0), PYR_NOT_FOUND);
    pyr_close(a);
    free_sample(&s);
}

Test(pyr_reader, lower_bound_scans_a_prefix)
{
    sample s;
    build_sample(&s, 300, 0, 0);
    pyr_archive *a = open_ok(s.bytes, s.size);
    uint32_t expected = 0;
    for (uint32_t n = 0; n < s.count; n++)
        expected += !strncmp(s.names[n], "json.", 5);
    uint32_t got = 0;
    pyr_entry e, prev = {0};
    ph_error err;
    for (uint32_t i = pyr_lower_bound(a, "json.", 5);; i++, got++) {
        if (pyr_entry_at(a, i, &e, &err) < 0 || strncmp(e.name, "json.", 5))
            break;
        if (got)
            cr_assert_lt(strcmp(prev.name, e.name), 0);
        prev = e;
    }
    cr_assert_eq(got, expected);
    cr_assert_gt(got, 0);
    /* The entry before the scan does not have the prefix. */
    uint32_t lb = pyr_lower_bound(a, "json.", 5);
    if (lb > 0) {
        cr_assert_eq(pyr_entry_at(a, lb - 1, &e, &err), 0);
        cr_assert_lt(strcmp(e.name, "json."), 0);
    }
    cr_assert_eq(pyr_lower_bound(a, "", 0), 0);
    cr_assert_eq(pyr_lower_bound(a, "\xff", 1), s.count);
    cr_assert_eq(pyr_lower_bound(a, s.names[7], strlen(s.names[7])),
                 pyr_find(a, s.names[7], strlen(s.names[7])));
    pyr_close(a);
    free_sample(&s);
}

Test(pyr_reader, empty_archive_opens)
{
    size_t size;
    uint8_t *bytes = finish(new_writer(3, 1), &size);
    pyr_archive *a = open_ok(bytes, size);
    pyr_info info;
    pyr_get_info(a, &info);
    cr_assert_eq(info.entry_count, 0);
    cr_assert_eq(pyr_find(a, "json", 4), PYR_NOT_FOUND);
    cr_assert_eq(pyr_lower_bound(a, "j", 1), 0);
    pyr_entry e;
    ph_error err;
    cr_assert_eq(pyr_entry_at(a, 0, &e, &err), -1);
    pyr_close(a);
    free(bytes);
}

Test(pyr_reader, info_reports_the_header)
{
    sample s;
    build_sample(&s, 100, 3, 1);
    pyr_archive *a = open_ok(s.bytes, s.size);
    pyr_info info;
    pyr_get_info(a, &info);
    cr_assert_eq(info.format_version, 1);
    cr_assert_eq(info.python_magic, TEST_PYTHON_MAGIC);
    cr_assert_eq(info.python_version, TEST_PYTHON_VERSION);
    cr_assert_eq(info.size, s.size);
    cr_assert_eq(info.offset, 0);
    cr_assert_eq(info.entry_count, 100);
    cr_assert_gt(info.blob_count, 100);
    cr_assert_gt(info.index_size, 100 * 16);
    cr_assert_gt(info.dictionary_size, 0);
    cr_assert_str_eq(pyr_path(a), "test.pyr");
    pyr_close(a);
    free_sample(&s);
}

Test(pyr_reader, memory_buffers_must_be_aligned)
{
    sample s;
    build_sample(&s, 10, 0, 0);
    uint8_t *shifted = malloc(s.size + 8);
    memcpy(shifted + 4, s.bytes, s.size);
    pyr_archive *a;
    ph_error err;
    cr_assert_eq(pyr_open_memory(&a, shifted + 4, s.size, "x.pyr", &err), -1);
    assert_contains(err.message, "8-byte aligned");
    cr_assert_null(a);
    free(shifted);
    free_sample(&s);
}

/* ---- Files and embedding ---------------------------------------------------------------- */

static void expect_sample_readable(pyr_archive *a, const sample *s)
{
    char buf[SAMPLE_MAX];
    for (uint32_t n = 0; n < s->count; n++) {
        uint32_t i = pyr_find(a, s->names[n], strlen(s->names[n]));
        cr_assert_neq(i, PYR_NOT_FOUND, "%s", s->names[n]);
        if (!sample_has_slot(s->names[n], PYR_SOURCE))
            continue;
        size_t size = sample_content(s->names[n], PYR_SOURCE, buf, sizeof buf);
        pyr_data d;
        ph_error err;
        cr_assert_eq(pyr_read(a, i, PYR_SOURCE, &d, &err), 0, "%s", err.message);
        cr_assert_eq(d.size, size);
        cr_assert(!memcmp(d.bytes, buf, size));
        pyr_data_release(&d);
    }
}

Test(pyr_reader, opens_a_plain_file)
{
    sample s;
    build_sample(&s, 200, 3, 1);
    char *path = write_bytes(tmpdir(), "app.pyr", s.bytes, s.size);
    pyr_archive *a;
    ph_error err;
    cr_assert_eq(pyr_open_file(&a, path, 0, &err), 0, "%s", err.message);
    cr_assert_str_eq(pyr_path(a), path);
    expect_sample_readable(a, &s);
    pyr_close(a);
    uint64_t offset = 99;
    cr_assert_eq(pyr_find_embedded(path, &offset, &err), 0, "a .pyr has no trailer");
    cr_assert_eq(offset, 99, "offset untouched when there is no trailer");
    free(path);
    free_sample(&s);
}

/* Writes junk, the .pyr and (if `trailer`) a trailer: what `pyhost bundle` makes. */
static char *write_executable(const sample *s, uint64_t junk, int trailer)
{
    char *path;
    cr_assert_neq(asprintf(&path, "%s/app", tmpdir()), -1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    cr_assert_geq(fd, 0);
    uint8_t *filler = malloc(junk);
    for (uint64_t i = 0; i < junk; i++)
        filler[i] = (uint8_t)(i * 7 + 1);
    cr_assert_eq(write(fd, filler, junk), (ssize_t)junk);
    cr_assert_eq(write(fd, s->bytes, s->size), (ssize_t)s->size);
    ph_error err;
    if (trailer)
        cr_assert_eq(pyr_write_trailer(fd, junk, s->size, &err), 0, "%s", err.message);
    close(fd);
    free(filler);
    return path;
}

Test(pyr_reader, finds_and_opens_resources_embedded_in_an_executable)
{
    sample s;
    build_sample(&s, 200, 3, 1);
    /* Not page-aligned: the mapping must start below the offset. */
    char *path = write_executable(&s, 12344, 1);
    uint64_t offset = 0;
    ph_error err;
    cr_assert_eq(pyr_find_embedded(path, &offset, &err), 1, "%s", err.message);
    cr_assert_eq(offset, 12344);
    pyr_archive *a;
    cr_assert_eq(pyr_open_file(&a, path, offset, &err), 0, "%s", err.message);
    pyr_info info;
    pyr_get_info(a, &info);
    cr_assert_eq(info.offset, 12344);
    cr_assert_eq(info.size, s.size);
    expect_sample_readable(a, &s);
    pyr_close(a);
    free(path);
    free_sample(&s);
}

Test(pyr_reader, executable_without_trailer_has_no_resources)
{
    sample s;
    build_sample(&s, 10, 0, 0);
    char *path = write_executable(&s, 4096, 0);
    uint64_t offset = 0;
    ph_error err;
    cr_assert_eq(pyr_find_embedded(path, &offset, &err), 0);
    free(path);
    free_sample(&s);
}

Test(pyr_reader, damaged_trailer_is_an_error)
{
    sample s;
    build_sample(&s, 10, 0, 0);
    char *path = write_executable(&s, 4096, 1);
    int fd = open(path, O_RDWR);
    off_t end = lseek(fd, 0, SEEK_END);
    uint8_t byte = 0x42; /* inside the offset field */
    cr_assert_eq(pwrite(fd, &byte, 1, end - 24), 1);
    close(fd);
    uint64_t offset = 0;
    ph_error err;
    cr_assert_eq(pyr_find_embedded(path, &offset, &err), -1);
    assert_contains(err.message, path);
    assert_contains(err.message, "trailer is damaged");
    free(path);
    free_sample(&s);
}

Test(pyr_reader, wrong_offset_or_missing_file_is_an_error)
{
    sample s;
    build_sample(&s, 10, 0, 0);
    char *path = write_executable(&s, 4096, 1);
    pyr_archive *a;
    ph_error err;
    cr_assert_eq(pyr_open_file(&a, path, 0, &err), -1, "the junk is not a .pyr");
    assert_contains(err.message, "not a .pyr file");
    cr_assert_eq(pyr_open_file(&a, path, 4100, &err), -1);
    assert_contains(err.message, "not 8-byte aligned");
    cr_assert_eq(pyr_open_file(&a, "/nonexistent/app.pyr", 0, &err), -1);
    assert_contains(err.message, "cannot open /nonexistent/app.pyr");
    assert_contains(err.hint, "pyhost build");
    free(path);
    free_sample(&s);
}

/* Identical blobs under two names (a onefile's binary that is also a package file) are stored
 * once: the file is smaller by one copy, and both read back whole. */
Test(pyr_reader, identical_blobs_are_stored_once_and_both_read_back)
{
    char big[8192];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof big; i++) /* hardly compressible: the copy is the size */
        big[i] = (char)((x = x * 1103515245u + 12345u) >> 24);
    size_t one_size, two_size;
    pyr_writer *w = new_writer(3, 0);
    add_blob(w, "pkg/lib.so", PYR_PACKAGE_RESOURCE, PYR_DATA, big, sizeof big, PYR_IN_MEMORY);
    uint8_t *one = finish(w, &one_size);
    w = new_writer(3, 0);
    add_blob(w, "pkg/lib.so", PYR_PACKAGE_RESOURCE, PYR_DATA, big, sizeof big, PYR_IN_MEMORY);
    add_blob(w, "_meipass/lib.so", PYR_PLAIN_FILE, PYR_DATA, big, sizeof big, PYR_IN_MEMORY);
    uint8_t *two = finish(w, &two_size);
    pyr_archive *a = open_ok(two, two_size);
    pyr_blob b1, b2;
    ph_error err;
    cr_assert_eq(pyr_blob_at(a, pyr_find(a, "pkg/lib.so", 10), PYR_DATA, &b1, &err), 1);
    cr_assert_eq(pyr_blob_at(a, pyr_find(a, "_meipass/lib.so", 15), PYR_DATA, &b2, &err), 1);
    cr_assert_eq(b1.stored_size, b2.stored_size);
    cr_assert_lt(two_size, one_size + sizeof big / 2, "%zu vs %zu: stored twice", two_size,
                 one_size);
    expect_blob(a, pyr_find(a, "pkg/lib.so", 10), PYR_DATA, big, sizeof big, b1.compression,
                PYR_IN_MEMORY);
    expect_blob(a, pyr_find(a, "_meipass/lib.so", 15), PYR_DATA, big, sizeof big, b2.compression,
                PYR_IN_MEMORY);
    pyr_close(a);
    free(one);
    free(two);
}
