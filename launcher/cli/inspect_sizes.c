/* pyhost inspect --sizes: what makes a .pyr big, by top-level package, by kind of entry and by
 * blob slot (source, bytecode, data). Sizes are the stored (compressed) bytes the .pyr spends,
 * with the raw ones beside them. A filesystem-relative blob stores only its path, so its own
 * file's size is not counted: the summary says how many there are. */
#include "inspect_sizes.h"

#include <stdlib.h>
#include <string.h>

typedef struct group {
    char name[128];
    uint64_t stored, raw;
    uint32_t entries;
} group;

typedef struct groups {
    group *items;
    size_t count;
} groups;

static group *find_or_add(groups *g, const char *name, size_t len)
{
    if (len >= sizeof g->items[0].name)
        len = sizeof g->items[0].name - 1;
    for (size_t i = 0; i < g->count; i++)
        if (!strncmp(g->items[i].name, name, len) && !g->items[i].name[len])
            return &g->items[i];
    group *grown = realloc(g->items, (g->count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    g->items = grown;
    group *n = &g->items[g->count++];
    memset(n, 0, sizeof *n);
    memcpy(n->name, name, len);
    return n;
}

static int by_stored(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->stored != y->stored)
        return x->stored < y->stored ? 1 : -1;
    return strcmp(x->name, y->name);
}

/* "json.decoder" -> "json"; "notes/data/a.txt" -> "notes"; "Pygments-2.14.egg-info/PKG-INFO"
 * -> "Pygments-2.14.egg-info": what a user would call the package it belongs to. */
static size_t top_len(const pyr_entry *e)
{
    bool path = e->kind == PYR_PACKAGE_RESOURCE || e->kind == PYR_DISTRIBUTION_FILE ||
                e->kind == PYR_PLAIN_FILE || e->kind == PYR_SHARED_LIBRARY;
    size_t n = strcspn(e->name, path ? "/" : ".");
    return n ? n : e->name_len;
}

static void print_size(FILE *out, uint64_t n)
{
    if (n >= 1000000)
        fprintf(out, "%8.1f MB", (double)n / 1e6);
    else if (n >= 1000)
        fprintf(out, "%8.1f kB", (double)n / 1e3);
    else
        fprintf(out, "%8llu B ", (unsigned long long)n);
}

static void print_text(FILE *out, const char *title, groups *g, uint64_t total, size_t limit)
{
    fprintf(out, "\nby %s (stored, raw, share of the file):\n", title);
    uint64_t rest_stored = 0, rest_raw = 0;
    uint32_t rest_entries = 0;
    for (size_t i = 0; i < g->count; i++) {
        const group *x = &g->items[i];
        if (i >= limit) {
            rest_stored += x->stored;
            rest_raw += x->raw;
            rest_entries += x->entries;
            continue;
        }
        fprintf(out, "  %-28s", x->name);
        print_size(out, x->stored);
        print_size(out, x->raw);
        fprintf(out, " %5.1f%% %6u entr%s\n", total ? 100.0 * (double)x->stored / (double)total : 0,
                x->entries, x->entries == 1 ? "y" : "ies");
    }
    if (g->count > limit) {
        char others[64];
        snprintf(others, sizeof others, "(%zu others)", g->count - limit);
        fprintf(out, "  %-28s", others);
        print_size(out, rest_stored);
        print_size(out, rest_raw);
        fprintf(out, " %5.1f%% %6u entries\n",
                total ? 100.0 * (double)rest_stored / (double)total : 0, rest_entries);
    }
}

static void print_json(FILE *out, const char *key, const groups *g, bool first)
{
    fprintf(out, "%s\"%s\":[", first ? "" : ",", key);
    for (size_t i = 0; i < g->count; i++) {
        const group *x = &g->items[i];
        fprintf(out, "%s{\"name\":", i ? "," : "");
        ph_inspect_json_string(out, x->name, strlen(x->name));
        fprintf(out, ",\"entries\":%u,\"stored_size\":%llu,\"size\":%llu}", x->entries,
                (unsigned long long)x->stored, (unsigned long long)x->raw);
    }
    fputc(']', out);
}

int ph_inspect_sizes(FILE *out, pyr_archive *a, bool json, ph_error *err)
{
    pyr_info info;
    pyr_get_info(a, &info);
    groups packages = {0}, kinds = {0}, slots = {0};
    uint64_t blobs_stored = 0;
    uint32_t on_disk = 0;
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < info.entry_count; i++) {
        pyr_entry e;
        if ((rc = pyr_entry_at(a, i, &e, err)) < 0)
            break;
        const char *kind = pyr_kind_name(e.kind);
        group *p = find_or_add(&packages, e.name, top_len(&e));
        group *k = find_or_add(&kinds, kind, strlen(kind));
        if (!p || !k) {
            rc = ph_error_set(err, "out of memory");
            break;
        }
        p->entries++;
        k->entries++;
        for (int s = 0; s < PYR_SLOTS; s++) {
            pyr_blob b;
            int has = pyr_blob_at(a, i, (pyr_slot)s, &b, err);
            if (has < 0) {
                rc = -1;
                break;
            }
            if (has == 0)
                continue;
            /* bytecode-opt0/1/2 are one kind of thing to a reader of this table */
            const char *slot = s >= PYR_BYTECODE_OPT0 && s <= PYR_BYTECODE_OPT2
                                   ? "bytecode"
                                   : pyr_slot_name((pyr_slot)s);
            group *sl = find_or_add(&slots, slot, strlen(slot));
            if (!sl) {
                rc = ph_error_set(err, "out of memory");
                break;
            }
            sl->entries++;
            uint64_t raw = b.location == PYR_FILESYSTEM_RELATIVE ? 0 : b.size;
            on_disk += b.location == PYR_FILESYSTEM_RELATIVE;
            p->stored += b.stored_size;
            p->raw += raw;
            k->stored += b.stored_size;
            k->raw += raw;
            sl->stored += b.stored_size;
            sl->raw += raw;
            blobs_stored += b.stored_size;
        }
    }
    if (rc == 0) {
        qsort(packages.items, packages.count, sizeof *packages.items, by_stored);
        qsort(kinds.items, kinds.count, sizeof *kinds.items, by_stored);
        qsort(slots.items, slots.count, sizeof *slots.items, by_stored);
        uint64_t overhead = info.size > blobs_stored ? info.size - blobs_stored : 0;
        if (json) {
            fputc('{', out);
            print_json(out, "packages", &packages, true);
            print_json(out, "kinds", &kinds, false);
            print_json(out, "slots", &slots, false);
            fprintf(out, ",\"blobs_stored_size\":%llu,\"overhead\":%llu,\"filesystem_blobs\":%u}",
                    (unsigned long long)blobs_stored, (unsigned long long)overhead, on_disk);
        } else {
            print_text(out, "package", &packages, info.size, 25);
            print_text(out, "kind", &kinds, info.size, 25);
            print_text(out, "blob", &slots, info.size, 25);
            fprintf(out, "\nindex, dictionary, header and padding: ");
            print_size(out, overhead);
            fputc('\n', out);
            if (on_disk)
                fprintf(out,
                        "%u blob%s on the filesystem beside the .pyr (their size is not "
                        "counted)\n",
                        on_disk, on_disk == 1 ? "" : "s");
        }
    }
    free(packages.items);
    free(kinds.items);
    free(slots.items);
    return rc;
}
