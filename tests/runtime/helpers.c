#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/pyr_hash.h"

pyr_writer *new_writer(int level, int train_dictionary)
{
    pyr_writer_options o = {.python_magic = TEST_PYTHON_MAGIC,
                            .python_version = TEST_PYTHON_VERSION,
                            .compression_level = level,
                            .train_dictionary = train_dictionary,
                            .dictionary_size = 4096};
    pyr_writer *w;
    ph_error err;
    cr_assert_eq(pyr_writer_new(&w, &o, &err), 0, "%s", err.message);
    return w;
}

void add_blob(pyr_writer *w, const char *name, pyr_kind kind, pyr_slot slot, const void *data,
              size_t size, pyr_location location)
{
    ph_error err;
    cr_assert_eq(pyr_writer_add_blob(w, name, kind, slot, data, size, location, 0, &err), 0,
                 "adding %s: %s", name, err.message);
}

uint8_t *finish(pyr_writer *w, size_t *size)
{
    uint8_t *out;
    ph_error err;
    cr_assert_eq(pyr_writer_finish(w, &out, size, &err), 0, "%s", err.message);
    pyr_writer_free(w);
    return out;
}

uint8_t *copy_bytes(const void *data, size_t size)
{
    uint8_t *p = malloc(size ? size : 1);
    cr_assert_not_null(p);
    if (size)
        memcpy(p, data, size);
    return p;
}

pyr_archive *open_ok(const uint8_t *data, size_t size)
{
    pyr_archive *a;
    ph_error err;
    cr_assert_eq(pyr_open_memory(&a, data, size, "test.pyr", &err), 0, "%s", err.message);
    return a;
}

/* ---- The synthetic archive ------------------------------------------------------------- */

static const char *const words[] = {"import", "return", "self", "def", "class", "None",
                                    "value",  "result", "data", "for", "in",    "if"};

static uint64_t next(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

size_t sample_content(const char *name, pyr_slot slot, char *out, size_t cap)
{
    uint64_t state = pyr_xxh64(name, strlen(name)) + (uint64_t)slot;
    size_t want = next(&state) % 4 == 0 ? 600 + next(&state) % 900 : 8 + next(&state) % 48;
    size_t n = (size_t)snprintf(out, cap, "# %s %s\n", name, pyr_slot_name(slot));
    while (n + 16 < want && n + 16 < cap)
        n += (size_t)snprintf(out + n, cap - n, "%s %u\n", words[next(&state) % 12],
                              (unsigned)(next(&state) % 100));
    return n < want ? n : want;
}

pyr_kind sample_kind(const char *name)
{
    return (pyr_kind)(1 + pyr_xxh64(name, strlen(name)) % 8);
}

int sample_has_slot(const char *name, pyr_slot slot)
{
    switch (sample_kind(name)) {
    case PYR_MODULE:
    case PYR_PACKAGE:
        return slot == PYR_SOURCE || slot == PYR_BYTECODE_OPT0 ||
               (slot == PYR_BYTECODE_OPT2 && name[0] < 'm');
    case PYR_NAMESPACE_PACKAGE:
        return 0;
    default:
        return slot == PYR_DATA;
    }
}

static char *sample_name(uint32_t i)
{
    static const char *const tops[] = {"json",    "email",  "asyncio", "xml",        "http",
                                       "logging", "ctypes", "urllib",  "concurrent", "sqlite3"};
    char *name;
    cr_assert_neq(asprintf(&name, "%s.mod_%u", tops[i % 10], i), -1);
    return name;
}

void build_sample(sample *s, uint32_t count, int level, int dictionary)
{
    pyr_writer *w = new_writer(level, dictionary);
    s->names = calloc(count, sizeof *s->names);
    s->count = count;
    char buf[SAMPLE_MAX];
    for (uint32_t i = 0; i < count; i++) {
        char *name = s->names[i] = sample_name(i);
        pyr_kind kind = sample_kind(name);
        ph_error err;
        cr_assert_eq(pyr_writer_add_entry(w, name, kind, &err), 0, "%s", err.message);
        for (int slot = 0; slot < PYR_SLOTS; slot++) {
            if (!sample_has_slot(name, (pyr_slot)slot))
                continue;
            size_t n = sample_content(name, (pyr_slot)slot, buf, sizeof buf);
            /* Extension modules live on disk: their blob is a relative path. */
            pyr_location loc =
                kind == PYR_EXTENSION_MODULE ? PYR_FILESYSTEM_RELATIVE : PYR_IN_MEMORY;
            if (loc == PYR_FILESYSTEM_RELATIVE)
                n = (size_t)snprintf(buf, sizeof buf, "lib/%s.so", name);
            add_blob(w, name, kind, (pyr_slot)slot, buf, n, loc);
        }
    }
    s->bytes = finish(w, &s->size);
}

void free_sample(sample *s)
{
    for (uint32_t i = 0; i < s->count; i++)
        free(s->names[i]);
    free(s->names);
    free(s->bytes);
}

/* ---- Files ------------------------------------------------------------------------------ */

static char dir_buf[4096];

const char *tmpdir(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir_buf, sizeof dir_buf, "%s/ph-pyr-XXXXXX", base);
    cr_assert_not_null(mkdtemp(dir_buf), "mkdtemp failed");
    return dir_buf;
}

char *write_bytes(const char *dir, const char *name, const void *data, size_t size)
{
    char *path;
    cr_assert_neq(asprintf(&path, "%s/%s", dir, name), -1);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, size, f), size);
    cr_assert_eq(fclose(f), 0);
    return path;
}

void assert_contains(const char *haystack, const char *needle)
{
    cr_assert_not_null(strstr(haystack, needle), "'%s' does not contain '%s'", haystack, needle);
}
