/* The .pyr writer: collects entries in memory, then lays out header, index, checksums,
 * dictionary and blobs in one deterministic pass (entries sorted by name, no timestamps). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "pyhost/fsutil.h"
#include "pyhost/pyr.h"
#include "pyr_format.h"
#include "pyhost/pyr_hash.h"

#include "pyr_writer_private.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

int pyr_writer_new(pyr_writer **out, const pyr_writer_options *options, ph_error *err)
{
    *out = NULL;
    if (options->compression_level < 0 || options->compression_level > ZSTD_maxCLevel())
        return ph_error_set(err, "zstd level %d is out of range (0..%d)",
                            options->compression_level, ZSTD_maxCLevel());
    pyr_writer *w = calloc(1, sizeof *w);
    if (!w)
        return ph_error_set(err, "out of memory");
    w->options = *options;
    *out = w;
    return 0;
}

void pyr_writer_free(pyr_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->count; i++) {
        free(w->entries[i].name);
        for (int s = 0; s < PYR_SLOTS; s++) {
            if (w->entries[i].slots[s].stored != w->entries[i].slots[s].data)
                free(w->entries[i].slots[s].stored);
            free(w->entries[i].slots[s].data);
        }
    }
    free(w->entries);
    free(w->lookup);
    free(w);
}

static int grow_lookup(pyr_writer *w)
{
    size_t size = 1024;
    while (size < 2 * (w->count + 1))
        size *= 2;
    uint32_t *table = calloc(size, sizeof *table);
    if (!table)
        return -1;
    for (size_t i = 0; i < w->count; i++) {
        size_t slot = pyr_xxh64(w->entries[i].name, w->entries[i].name_len) & (size - 1);
        while (table[slot])
            slot = (slot + 1) & (size - 1);
        table[slot] = (uint32_t)i + 1;
    }
    free(w->lookup);
    w->lookup = table;
    w->lookup_size = size;
    return 0;
}

/* The lookup slot holding `name`, or the empty slot where it would go. */
static size_t lookup_slot(const pyr_writer *w, const char *name, size_t len)
{
    size_t slot = pyr_xxh64(name, len) & (w->lookup_size - 1);
    while (w->lookup[slot]) {
        const wentry *e = &w->entries[w->lookup[slot] - 1];
        if (e->name_len == len && !memcmp(e->name, name, len))
            break;
        slot = (slot + 1) & (w->lookup_size - 1);
    }
    return slot;
}

/* True when every `sep`-separated component of name is non-empty and, for paths, not "." or
 * "..": the finder splits module names on '.' and joins paths under the app's directory. */
static bool components_ok(const char *name, size_t len, char sep)
{
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && name[j] != sep)
            j++;
        size_t n = j - i;
        if (n == 0 || (sep == '/' && name[i] == '.' && (n == 1 || (n == 2 && name[i + 1] == '.'))))
            return false;
        i = j + 1;
    }
    return true;
}

static int check_name(const char *name, size_t len, pyr_kind kind, ph_error *err)
{
    if (len == 0 || len > PYR_MAX_NAME || memchr(name, '\0', len))
        return ph_error_set(err, "invalid .pyr entry name '%.*s' (1..%d bytes, no NUL)",
                            (int)(len > 200 ? 200 : len), name, PYR_MAX_NAME);
    if (kind < PYR_MODULE || kind > PYR_PLAIN_FILE)
        return ph_error_set(err, "invalid kind %d for .pyr entry '%s'", (int)kind, name);
    bool importable = kind <= PYR_EXTENSION_MODULE;
    if (importable ? memchr(name, '/', len) || !components_ok(name, len, '.')
                   : !components_ok(name, len, '/'))
        return ph_error_set(err, "invalid .pyr entry name '%.*s': a %s is named by %s",
                            (int)(len > 200 ? 200 : len), name, pyr_kind_name(kind),
                            importable ? "a dotted module name (\"json.decoder\")"
                                       : "a relative '/' path (\"certifi/cacert.pem\")");
    return 0;
}

static int find_or_add(pyr_writer *w, const char *name, pyr_kind kind, wentry **out, ph_error *err)
{
    size_t len = strlen(name);
    if (check_name(name, len, kind, err) < 0)
        return -1;
    if ((w->count + 1) * 2 > w->lookup_size && grow_lookup(w) < 0)
        return ph_error_set(err, "out of memory");
    size_t slot = lookup_slot(w, name, len);
    if (w->lookup[slot]) {
        wentry *e = &w->entries[w->lookup[slot] - 1];
        if (e->kind != kind)
            return ph_error_set(err, "'%s' is already packed as a %s, not a %s", name,
                                pyr_kind_name((pyr_kind)e->kind), pyr_kind_name(kind));
        *out = e;
        return 0;
    }
    if (w->count >= UINT32_MAX / 2)
        return ph_error_set(err, "too many entries for one .pyr");
    if (w->count == w->capacity) {
        size_t cap = w->capacity ? w->capacity * 2 : 256;
        wentry *grown = realloc(w->entries, cap * sizeof *grown);
        if (!grown)
            return ph_error_set(err, "out of memory");
        w->entries = grown;
        w->capacity = cap;
    }
    wentry *e = &w->entries[w->count];
    *e = (wentry){.name = strndup(name, len), .name_len = len, .kind = (uint8_t)kind};
    if (!e->name)
        return ph_error_set(err, "out of memory");
    w->lookup[slot] = (uint32_t)++w->count;
    *out = e;
    return 0;
}

int pyr_writer_add_entry(pyr_writer *w, const char *name, pyr_kind kind, ph_error *err)
{
    wentry *e;
    return find_or_add(w, name, kind, &e, err);
}

int pyr_writer_add_blob(pyr_writer *w, const char *name, pyr_kind kind, pyr_slot slot,
                        const void *data, size_t size, pyr_location location, unsigned flags,
                        ph_error *err)
{
    wentry *e;
    if ((unsigned)slot >= PYR_SLOTS)
        return ph_error_set(err, "invalid blob slot %d for '%s'", (int)slot, name);
    if (find_or_add(w, name, kind, &e, err) < 0)
        return -1;
    if (e->slots[slot].set)
        return ph_error_set(err, "'%s' already has a %s blob", name, pyr_slot_name(slot));
    if (location == PYR_FILESYSTEM_RELATIVE && !pyr_safe_relative_path(data, size))
        return ph_error_set(err, "'%s': filesystem path '%.*s' must be relative, without '..'",
                            name, (int)(size > 200 ? 200 : size), (const char *)data);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return ph_error_set(err, "out of memory");
    if (size)
        memcpy(copy, data, size);
    e->slots[slot] = (wblob){.data = copy,
                             .size = size,
                             .stored = copy,
                             .stored_size = size,
                             .flags = (uint32_t)location << PYR_LOCATION_SHIFT,
                             .options = flags,
                             .set = true};
    return 0;
}

/* ---- Finishing: sort, compress, lay out ------------------------------------------------- */

static int compare_entries(const void *pa, const void *pb)
{
    const wentry *a = pa, *b = pb;
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* Blobs with the same stored bytes are stored once, their records pointing at the same bytes:
 * a onefile's binaries are also its packages' files (pycryptodomex's .so files, 1.3 MB twice).
 * Readers take every record on its own, so nothing else changes. */
static int share_identical(pyr_writer *w, ph_error *err)
{
    size_t n = 0, cap = 16;
    for (size_t i = 0; i < w->count; i++)
        for (int s = 0; s < PYR_SLOTS; s++)
            n += w->entries[i].slots[s].set;
    while (cap < 2 * n)
        cap *= 2;
    const wblob **table = calloc(cap, sizeof *table);
    if (!table)
        return ph_error_set(err, "out of memory");
    for (size_t i = 0; i < w->count; i++)
        for (int s = 0; s < PYR_SLOTS; s++) {
            wblob *b = &w->entries[i].slots[s];
            if (!b->set || !b->stored_size ||
                (b->flags >> PYR_LOCATION_SHIFT) != PYR_LOCATION_MEMORY)
                continue;
            size_t k = pyr_xxh64(b->stored, b->stored_size) & (cap - 1);
            for (; table[k]; k = (k + 1) & (cap - 1))
                if (table[k]->stored_size == b->stored_size && table[k]->flags == b->flags &&
                    !memcmp(table[k]->stored, b->stored, b->stored_size)) {
                    b->same_as = table[k];
                    break;
                }
            if (!table[k])
                table[k] = b;
        }
    free(table);
    return 0;
}

typedef struct layout {
    pyr_header h;
    uint64_t blob_data_offset;
    uint64_t chunk_count;
} layout;

static void plan_layout(const pyr_writer *w, size_t dict_size, layout *l)
{
    pyr_header *h = &l->h;
    uint32_t blobs = 0;
    uint64_t names = 0;
    for (size_t i = 0; i < w->count; i++) {
        names += w->entries[i].name_len + 1;
        for (int s = 0; s < PYR_SLOTS; s++)
            blobs += w->entries[i].slots[s].set;
    }
    uint32_t table = 8;
    while (table < 2 * w->count)
        table *= 2;
    memcpy(h->magic, PYR_MAGIC, PYR_MAGIC_SIZE);
    h->format_version = PYR_FORMAT_VERSION;
    h->header_size = PYR_HEADER_SIZE;
    h->python_magic = w->options.python_magic;
    h->python_version = w->options.python_version;
    h->entry_count = (uint32_t)w->count;
    h->table_size = table;
    h->blob_count = blobs;
    h->chunk_size = PYR_CHUNK_SIZE;
    h->table_offset = PYR_HEADER_SIZE;
    h->entries_offset = align_up(h->table_offset + (uint64_t)table * 4, 8);
    h->blobs_offset = h->entries_offset + w->count * sizeof(pyr_entry_record);
    h->names_offset = h->blobs_offset + (uint64_t)blobs * sizeof(pyr_blob_record);
    h->names_size = names;
    h->index_size = align_up(h->names_offset + names, 8) - PYR_HEADER_SIZE;
    l->chunk_count = (h->index_size + PYR_CHUNK_SIZE - 1) / PYR_CHUNK_SIZE;
    h->chunks_offset = PYR_HEADER_SIZE + h->index_size;
    uint64_t end = align_up(h->chunks_offset + l->chunk_count * 4, PYR_ALIGN);
    if (dict_size) {
        h->flags |= PYR_FLAG_HAS_DICTIONARY;
        h->dictionary_offset = end;
        h->dictionary_size = dict_size;
        end = align_up(end + dict_size, PYR_ALIGN);
    }
    l->blob_data_offset = end;
    for (size_t i = 0; i < w->count; i++)
        for (int s = 0; s < PYR_SLOTS; s++)
            if (w->entries[i].slots[s].set && !w->entries[i].slots[s].same_as)
                end = align_up(end + w->entries[i].slots[s].stored_size, PYR_ALIGN);
    h->file_size = end;
}

static void fill_index(pyr_writer *w, const layout *l, uint8_t *out)
{
    const pyr_header *h = &l->h;
    uint32_t *table = (uint32_t *)(out + h->table_offset);
    pyr_entry_record *entries = (pyr_entry_record *)(out + h->entries_offset);
    pyr_blob_record *blobs = (pyr_blob_record *)(out + h->blobs_offset);
    memset(table, 0xff, (size_t)h->table_size * 4);
    uint64_t name_at = 0, data_at = l->blob_data_offset;
    uint32_t blob = 0;
    for (uint32_t i = 0; i < h->entry_count; i++) {
        wentry *e = &w->entries[i];
        uint32_t hash = (uint32_t)pyr_xxh64(e->name, e->name_len);
        entries[i] = (pyr_entry_record){.name_offset = (uint32_t)name_at,
                                        .name_len = (uint16_t)e->name_len,
                                        .kind = e->kind,
                                        .first_blob = blob,
                                        .name_hash = hash};
        memcpy(out + h->names_offset + name_at, e->name, e->name_len + 1);
        name_at += e->name_len + 1;
        uint32_t slot = hash & (h->table_size - 1);
        while (table[slot] != PYR_EMPTY_SLOT)
            slot = (slot + 1) & (h->table_size - 1);
        table[slot] = i;
        for (int s = 0; s < PYR_SLOTS; s++) {
            wblob *b = &e->slots[s];
            if (!b->set)
                continue;
            entries[i].slot_mask |= (uint8_t)(1u << s);
            b->offset = b->same_as ? b->same_as->offset : data_at;
            blobs[blob++] = (pyr_blob_record){
                .offset = b->offset,
                .stored_size = b->stored_size,
                .size = b->size,
                .flags = b->flags,
                .checksum = (uint32_t)pyr_xxh64(b->stored, b->stored_size),
            };
            if (b->same_as)
                continue;
            memcpy(out + data_at, b->stored, b->stored_size);
            data_at = align_up(data_at + b->stored_size, PYR_ALIGN);
        }
    }
}

static void seal(const layout *l, uint8_t *out)
{
    pyr_header h = l->h;
    uint32_t *sums = (uint32_t *)(out + h.chunks_offset);
    for (uint64_t c = 0; c < l->chunk_count; c++) {
        uint64_t start = c * PYR_CHUNK_SIZE;
        uint64_t len =
            h.index_size - start < PYR_CHUNK_SIZE ? h.index_size - start : PYR_CHUNK_SIZE;
        sums[c] = (uint32_t)pyr_xxh64(out + PYR_HEADER_SIZE + start, len);
    }
    h.chunks_checksum = (uint32_t)pyr_xxh64(sums, l->chunk_count * 4);
    memcpy(out, &h, sizeof h);
    ((pyr_header *)out)->header_checksum =
        (uint32_t)pyr_xxh64(out, offsetof(pyr_header, header_checksum));
}

int pyr_writer_finish(pyr_writer *w, uint8_t **out, size_t *out_size, ph_error *err)
{
    *out = NULL;
    *out_size = 0;
    if (w->count) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(w->entries, w->count, sizeof *w->entries, compare_entries);
    free(w->lookup); /* sorting moved the entries: the name map is stale */
    w->lookup = NULL;
    w->lookup_size = 0;
    if (w->count && grow_lookup(w) < 0)
        return ph_error_set(err, "out of memory");
    uint8_t *dict = NULL;
    long dict_size = 0;
    if (w->options.compression_level > 0 && w->options.train_dictionary &&
        (dict_size = pyr_writer_train_dictionary(w, &dict, err)) < 0)
        return -1;
    if (w->options.compression_level > 0 &&
        pyr_writer_compress_all(w, dict, (size_t)dict_size, err) < 0) {
        free(dict);
        return -1;
    }
    if (share_identical(w, err) < 0) {
        free(dict);
        return -1;
    }
    layout l = {0};
    plan_layout(w, (size_t)dict_size, &l);
    uint8_t *buf = calloc(1, l.h.file_size);
    if (!buf) {
        free(dict);
        return ph_error_set(err, "out of memory (%llu bytes)", (unsigned long long)l.h.file_size);
    }
    if (dict_size)
        memcpy(buf + l.h.dictionary_offset, dict, (size_t)dict_size);
    free(dict);
    fill_index(w, &l, buf);
    seal(&l, buf);
    *out = buf;
    *out_size = l.h.file_size;
    return 0;
}

int pyr_writer_write_file(pyr_writer *w, const char *path, ph_error *err)
{
    uint8_t *buf;
    size_t size;
    if (pyr_writer_finish(w, &buf, &size, err) < 0)
        return -1;
    int rc = ph_write_file_atomic(path, buf, size, 0644, err);
    free(buf);
    return rc;
}

int pyr_write_trailer(int fd, uint64_t offset, uint64_t size, ph_error *err)
{
    pyr_trailer t = {.offset = offset, .size = size};
    memcpy(t.magic, PYR_TRAILER_MAGIC, 8);
    t.checksum = pyr_xxh64(&t, offsetof(pyr_trailer, checksum));
    if (write(fd, &t, sizeof t) != (ssize_t)sizeof t)
        return ph_error_errno(err, errno, "cannot write the resources trailer");
    return 0;
}
