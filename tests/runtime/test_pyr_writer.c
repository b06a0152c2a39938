/* The writer: deterministic bytes, and refusal of input that would make a file the reader or the
 * finder cannot use. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "pyr_format.h"

static void add_three(pyr_writer *w, const int order[3])
{
    static const char *const names[] = {"json", "json.decoder", "certifi/cacert.pem"};
    static const pyr_kind kinds[] = {PYR_PACKAGE, PYR_MODULE, PYR_PACKAGE_RESOURCE};
    static const pyr_slot slots[] = {PYR_SOURCE, PYR_BYTECODE_OPT0, PYR_DATA};
    char buf[SAMPLE_MAX];
    for (int i = 0; i < 3; i++) {
        const char *n = names[order[i]];
        size_t size = sample_content(n, slots[order[i]], buf, sizeof buf);
        add_blob(w, n, kinds[order[i]], slots[order[i]], buf, size, PYR_IN_MEMORY);
    }
}

Test(pyr_writer, same_input_gives_the_same_bytes)
{
    sample a, b;
    build_sample(&a, 200, 3, 1);
    build_sample(&b, 200, 3, 1);
    cr_assert_eq(a.size, b.size);
    cr_assert(!memcmp(a.bytes, b.bytes, a.size), "two builds of the same input differ");
    free_sample(&a);
    free_sample(&b);
}

Test(pyr_writer, insertion_order_does_not_change_the_bytes)
{
    static const int orders[][3] = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}};
    uint8_t *first = NULL;
    size_t first_size = 0;
    for (int o = 0; o < 3; o++) {
        pyr_writer *w = new_writer(3, 0);
        add_three(w, orders[o]);
        size_t size;
        uint8_t *out = finish(w, &size);
        if (!first) {
            first = out, first_size = size;
            continue;
        }
        cr_assert_eq(size, first_size);
        cr_assert(!memcmp(out, first, size), "order %d gave different bytes", o);
        free(out);
    }
    free(first);
}

Test(pyr_writer, layout_is_aligned_and_sorted)
{
    sample s;
    build_sample(&s, 300, 3, 0);
    const pyr_header *h = (const pyr_header *)s.bytes;
    cr_assert_eq(h->file_size, s.size);
    cr_assert_eq(h->table_size & (h->table_size - 1), 0, "table size is a power of two");
    cr_assert_geq(h->table_size, 2 * h->entry_count);
    const pyr_blob_record *b = (const pyr_blob_record *)(s.bytes + h->blobs_offset);
    for (uint32_t i = 0; i < h->blob_count; i++)
        cr_assert_eq(b[i].offset % PYR_ALIGN, 0, "blob %u at %llu", i,
                     (unsigned long long)b[i].offset);
    pyr_archive *a = open_ok(s.bytes, s.size);
    pyr_entry prev, cur;
    ph_error err;
    for (uint32_t i = 0; i < s.count; i++) {
        cr_assert_eq(pyr_entry_at(a, i, &cur, &err), 0, "%s", err.message);
        if (i)
            cr_assert_lt(strcmp(prev.name, cur.name), 0, "entries must be sorted by name bytes");
        prev = cur;
    }
    pyr_close(a);
    free_sample(&s);
}

Test(pyr_writer, write_file_writes_what_finish_returns)
{
    sample s;
    build_sample(&s, 50, 0, 0);
    pyr_writer *w = new_writer(0, 0);
    char buf[SAMPLE_MAX];
    for (uint32_t i = 0; i < s.count; i++) {
        for (int slot = 0; slot < PYR_SLOTS; slot++) {
            if (!sample_has_slot(s.names[i], (pyr_slot)slot))
                continue;
            size_t n = sample_content(s.names[i], (pyr_slot)slot, buf, sizeof buf);
            pyr_location loc = PYR_IN_MEMORY;
            if (sample_kind(s.names[i]) == PYR_EXTENSION_MODULE) {
                n = (size_t)snprintf(buf, sizeof buf, "lib/%s.so", s.names[i]);
                loc = PYR_FILESYSTEM_RELATIVE;
            }
            add_blob(w, s.names[i], sample_kind(s.names[i]), (pyr_slot)slot, buf, n, loc);
        }
        ph_error err;
        cr_assert_eq(pyr_writer_add_entry(w, s.names[i], sample_kind(s.names[i]), &err), 0);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/app.pyr", tmpdir());
    ph_error err;
    cr_assert_eq(pyr_writer_write_file(w, path, &err), 0, "%s", err.message);
    pyr_writer_free(w);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    uint8_t *disk = malloc(s.size + 1);
    cr_assert_eq(fread(disk, 1, s.size + 1, f), s.size);
    fclose(f);
    cr_assert(!memcmp(disk, s.bytes, s.size));
    free(disk);
    free_sample(&s);
}

/* ---- Refusals --------------------------------------------------------------------------- */

static void expect_blob_error(pyr_writer *w, const char *name, pyr_kind kind, pyr_slot slot,
                              const char *data, pyr_location loc, const char *message_part)
{
    ph_error err = {{0}, {0}};
    cr_assert_eq(pyr_writer_add_blob(w, name, kind, slot, data, strlen(data), loc, 0, &err), -1,
                 "'%s' was accepted", name);
    assert_contains(err.message, message_part);
}

Test(pyr_writer, rejects_a_slot_set_twice)
{
    pyr_writer *w = new_writer(0, 0);
    add_blob(w, "json", PYR_PACKAGE, PYR_SOURCE, "x", 1, PYR_IN_MEMORY);
    expect_blob_error(w, "json", PYR_PACKAGE, PYR_SOURCE, "y", PYR_IN_MEMORY,
                      "'json' already has a source blob");
    add_blob(w, "json", PYR_PACKAGE, PYR_BYTECODE_OPT0, "x", 1, PYR_IN_MEMORY); /* other slot ok */
    pyr_writer_free(w);
}

Test(pyr_writer, rejects_one_name_with_two_kinds)
{
    pyr_writer *w = new_writer(0, 0);
    add_blob(w, "json", PYR_PACKAGE, PYR_SOURCE, "x", 1, PYR_IN_MEMORY);
    expect_blob_error(w, "json", PYR_MODULE, PYR_BYTECODE_OPT0, "y", PYR_IN_MEMORY,
                      "'json' is already packed as a package, not a module");
    ph_error err;
    cr_assert_eq(pyr_writer_add_entry(w, "json", PYR_NAMESPACE_PACKAGE, &err), -1);
    pyr_writer_free(w);
}

Test(pyr_writer, rejects_empty_too_long_and_malformed_names)
{
    pyr_writer *w = new_writer(0, 0);
    ph_error err;
    cr_assert_eq(pyr_writer_add_entry(w, "", PYR_MODULE, &err), -1);
    assert_contains(err.message, "invalid .pyr entry name");
    char *long_name = malloc(PYR_MAX_NAME + 2);
    memset(long_name, 'a', PYR_MAX_NAME + 1);
    long_name[PYR_MAX_NAME + 1] = '\0';
    cr_assert_eq(pyr_writer_add_entry(w, long_name, PYR_MODULE, &err), -1);
    long_name[PYR_MAX_NAME] = '\0'; /* exactly the maximum is fine */
    cr_assert_eq(pyr_writer_add_entry(w, long_name, PYR_MODULE, &err), 0, "%s", err.message);
    free(long_name);
    /* Importable kinds are dotted module names; the others are relative '/' paths. */
    static const char *const bad_modules[] = {"json/decoder", ".json", "json.", "json..decoder"};
    for (size_t i = 0; i < sizeof bad_modules / sizeof *bad_modules; i++) {
        cr_assert_eq(pyr_writer_add_entry(w, bad_modules[i], PYR_MODULE, &err), -1, "%s",
                     bad_modules[i]);
        assert_contains(err.message, bad_modules[i]);
    }
    static const char *const bad_paths[] = {"/etc/passwd", "a//b", "a/../b", "./a", "a/"};
    for (size_t i = 0; i < sizeof bad_paths / sizeof *bad_paths; i++) {
        cr_assert_eq(pyr_writer_add_entry(w, bad_paths[i], PYR_PACKAGE_RESOURCE, &err), -1, "%s",
                     bad_paths[i]);
        assert_contains(err.message, bad_paths[i]);
    }
    cr_assert_eq(pyr_writer_add_entry(w, ".pyhost/manifest.ini", PYR_PLAIN_FILE, &err), 0, "%s",
                 err.message);
    cr_assert_eq(
        pyr_writer_add_entry(w, "Pygments-2.14.0.dist-info/METADATA", PYR_DISTRIBUTION_FILE, &err),
        0, "%s", err.message);
    pyr_writer_free(w);
}

Test(pyr_writer, rejects_filesystem_paths_that_escape_the_app)
{
    pyr_writer *w = new_writer(0, 0);
    static const char *const bad[] = {"../evil.so", "lib/../../evil.so", "/usr/lib/evil.so",
                                      "lib/.."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_blob_error(w, "_ext", PYR_EXTENSION_MODULE, PYR_DATA, bad[i],
                          PYR_FILESYSTEM_RELATIVE, "must be relative, without '..'");
    /* A name merely containing dots is fine. */
    add_blob(w, "_ext", PYR_EXTENSION_MODULE, PYR_DATA, "lib/_ext..so", 12,
             PYR_FILESYSTEM_RELATIVE);
    pyr_writer_free(w);
}

Test(pyr_writer, rejects_bad_slot_kind_and_level)
{
    pyr_writer *w = new_writer(0, 0);
    ph_error err;
    cr_assert_eq(
        pyr_writer_add_blob(w, "x", PYR_MODULE, (pyr_slot)5, "a", 1, PYR_IN_MEMORY, 0, &err), -1);
    assert_contains(err.message, "invalid blob slot 5");
    cr_assert_eq(pyr_writer_add_entry(w, "x", (pyr_kind)9, &err), -1);
    assert_contains(err.message, "invalid kind 9");
    pyr_writer_free(w);
    pyr_writer_options o = {.compression_level = 23};
    cr_assert_eq(pyr_writer_new(&w, &o, &err), -1);
    assert_contains(err.message, "zstd level 23 is out of range");
}
