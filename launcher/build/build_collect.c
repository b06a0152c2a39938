/* Collecting: what each file under a sys.path-like root becomes in the .pyr.
 *
 * The runtime finder relies on these names, so they follow CPython's FileFinder:
 *   x.py                -> module "x"            pkg/__init__.py -> package "pkg"
 *   pkg/sub/m.py        -> module "pkg.sub.m"    pkg/_s.<EXT_SUFFIX> -> extension "pkg._s"
 *     (when it exports PyInit__s; else a resource "pkg/_s.<EXT_SUFFIX>", a ctypes library)
 *   ns/ (no __init__.py, but modules or packages below) -> namespace package "ns", no blobs
 *   any other file under a package directory, at any depth -> resource "pkg/data/a.txt"
 * Files at a root outside any package (README.md next to x.py) are not packed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "pyhost/elf.h"
#include "pyhost/pyr_hash.h"

/* ---- A small string -> index map ------------------------------------------------------- */

typedef struct strmap {
    char **keys;
    size_t *vals;
    size_t cap, count;
} strmap;

static void strmap_free(strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    *m = (strmap){0};
}

static size_t strmap_slot(const strmap *m, const char *key, size_t len)
{
    size_t i = pyr_xxh64(key, len) & (m->cap - 1);
    while (m->keys[i] && (strncmp(m->keys[i], key, len) != 0 || m->keys[i][len] != '\0'))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int strmap_grow(strmap *m)
{
    strmap bigger = {.cap = m->cap ? m->cap * 2 : 256};
    bigger.keys = calloc(bigger.cap, sizeof *bigger.keys);
    bigger.vals = calloc(bigger.cap, sizeof *bigger.vals);
    if (!bigger.keys || !bigger.vals) {
        free(bigger.keys);
        free(bigger.vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t s = strmap_slot(&bigger, m->keys[i], strlen(m->keys[i]));
        bigger.keys[s] = m->keys[i];
        bigger.vals[s] = m->vals[i];
    }
    bigger.count = m->count;
    free(m->keys);
    free(m->vals);
    *m = bigger;
    return 0;
}

/* Inserts key[0..len) -> val unless present. Returns 1 if inserted, 0 if present, -1 on OOM. */
static int strmap_put(strmap *m, const char *key, size_t len, size_t val)
{
    if ((m->count + 1) * 2 > m->cap && strmap_grow(m) < 0)
        return -1;
    size_t s = strmap_slot(m, key, len);
    if (m->keys[s])
        return 0;
    if (!(m->keys[s] = strndup(key, len)))
        return -1;
    m->vals[s] = val;
    m->count++;
    return 1;
}

static bool strmap_get(const strmap *m, const char *key, size_t len, size_t *val)
{
    if (!m->cap)
        return false;
    size_t s = strmap_slot(m, key, len);
    if (m->keys[s] && val)
        *val = m->vals[s];
    return m->keys[s] != NULL;
}

/* ---- Unit lists ------------------------------------------------------------------------ */

static void unit_free(ph_unit *u)
{
    free(u->name);
    free(u->path);
    free(u->relname);
    free(u->owner);
}

int ph_unit_push(ph_unit_list *list, const char *name, pyr_kind kind, const char *path,
                 const char *relname, const char *owner, unsigned root, ph_error *err)
{
    if (list->count == list->capacity) {
        size_t cap = list->capacity ? list->capacity * 2 : 512;
        ph_unit *grown = realloc(list->items, cap * sizeof *grown);
        if (!grown)
            return ph_error_set(err, "out of memory");
        list->items = grown;
        list->capacity = cap;
    }
    ph_unit u = {.name = strdup(name),
                 .kind = kind,
                 .path = path ? strdup(path) : NULL,
                 .relname = strdup(relname),
                 .owner = owner ? strdup(owner) : NULL,
                 .root = root};
    if (!u.name || !u.relname || (path && !u.path) || (owner && !u.owner)) {
        unit_free(&u);
        return ph_error_set(err, "out of memory");
    }
    list->items[list->count++] = u;
    return 0;
}

size_t ph_unit_find(const ph_unit_list *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++)
        if (!strcmp(list->items[i].name, name))
            return i;
    return (size_t)-1;
}

void ph_unit_list_free(ph_unit_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        unit_free(&list->items[i]);
    free(list->items);
    *list = (ph_unit_list){0};
}

void ph_unit_list_truncate(ph_unit_list *list, size_t count)
{
    while (list->count > count)
        unit_free(&list->items[--list->count]);
}

/* ---- Filtering ------------------------------------------------------------------------- */

static bool wanted(const ph_walk_rules *rules, const char *module)
{
    if (rules->include && rules->include->count && !ph_manifest_matches_any(rules->include, module))
        return false;
    return !(rules->exclude && ph_manifest_matches_any(rules->exclude, module));
}

/* The dotted name a unit is filtered by: its own, or its package's for a resource. */
static const char *filter_name(const ph_unit *u)
{
    return u->kind == PYR_PACKAGE_RESOURCE ? u->owner : u->name;
}

/* Records `name` and every dotted parent of it as needed by something kept. */
static int need_with_parents(strmap *needed, const char *name)
{
    size_t len = strlen(name);
    for (;;) {
        if (strmap_put(needed, name, len, 0) < 0)
            return -1;
        while (len > 0 && name[len - 1] != '.')
            len--;
        if (len-- == 0)
            return 0;
    }
}

static bool keep_unit(const ph_unit *u, const ph_walk_rules *rules, const strmap *needed)
{
    if (u->root != rules->root)
        return true;
    if (u->kind == PYR_NAMESPACE_PACKAGE) { /* kept with what lies below it, or its package */
        const char *dot = strrchr(u->name, '.');
        return strmap_get(needed, u->name, strlen(u->name), NULL) ||
               (dot && strmap_get(needed, u->name, (size_t)(dot - u->name), NULL) &&
                wanted(rules, u->name));
    }
    return wanted(rules, filter_name(u));
}

int ph_collect_filter(ph_unit_list *list, const ph_walk_rules *rules, ph_error *err)
{
    strmap needed = {0};
    for (size_t i = 0; i < list->count; i++) {
        const ph_unit *u = &list->items[i];
        if (u->root == rules->root && u->kind != PYR_NAMESPACE_PACKAGE &&
            wanted(rules, filter_name(u)) && need_with_parents(&needed, filter_name(u)) < 0) {
            strmap_free(&needed);
            return ph_error_set(err, "out of memory");
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < list->count; i++) {
        if (keep_unit(&list->items[i], rules, &needed))
            list->items[kept++] = list->items[i];
        else
            unit_free(&list->items[i]);
    }
    list->count = kept;
    strmap_free(&needed);
    return 0;
}

/* ---- Shadowing across roots ------------------------------------------------------------ */

static size_t top_len(const ph_unit *u)
{
    bool path = u->kind == PYR_PACKAGE_RESOURCE || u->kind == PYR_DISTRIBUTION_FILE;
    return strcspn(u->name, path ? "/" : ".");
}

static bool is_regular_top(const ph_unit *u)
{
    return u->kind != PYR_NAMESPACE_PACKAGE && u->kind != PYR_PACKAGE_RESOURCE &&
           u->kind != PYR_DISTRIBUTION_FILE && !strchr(u->name, '.');
}

static int note(ph_strlist *notes, const ph_unit *lost, const ph_unit *winner)
{
    if (!notes)
        return 0;
    char line[1024];
    snprintf(line, sizeof line, "'%s' in %s is hidden by %s", lost->name,
             lost->path ? lost->path : lost->relname, winner->path ? winner->path : winner->name);
    char **grown = realloc(notes->items, (notes->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    notes->items = grown;
    if (!(grown[notes->count] = strdup(line)))
        return -1;
    notes->count++;
    return 0;
}

/* Is unit i hidden by a top-level name an earlier root provides? */
static int shadowed(const ph_unit_list *list, size_t i, const strmap *claims, ph_strlist *notes,
                    bool *hidden)
{
    const ph_unit *u = &list->items[i];
    size_t owner;
    *hidden = strmap_get(claims, u->name, top_len(u), &owner) && list->items[owner].root != u->root;
    if (*hidden && top_len(u) == strlen(u->name) && u->kind != PYR_PACKAGE_RESOURCE)
        return note(notes, u, &list->items[owner]);
    return 0;
}

/* First regular top-level module or package of each name, in search order. */
static int claim_tops(const ph_unit_list *list, strmap *claims)
{
    for (size_t i = 0; i < list->count; i++)
        if (is_regular_top(&list->items[i]) &&
            strmap_put(claims, list->items[i].name, strlen(list->items[i].name), i) < 0)
            return -1;
    return 0;
}

/* Keeps the first unit of each name; a namespace portion never hides a regular package. */
static int dedupe(ph_unit_list *list, bool *drop)
{
    strmap seen = {0};
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < list->count; i++) {
            const ph_unit *u = &list->items[i];
            if (drop[i] || (u->kind == PYR_NAMESPACE_PACKAGE) != (pass == 1))
                continue;
            int r = strmap_put(&seen, u->name, strlen(u->name), i);
            if (r < 0) {
                strmap_free(&seen);
                return -1;
            }
            drop[i] = r == 0;
        }
    strmap_free(&seen);
    return 0;
}

int ph_collect_resolve(ph_unit_list *list, ph_strlist *notes, ph_error *err)
{
    strmap claims = {0};
    bool *drop = calloc(list->count ? list->count : 1, sizeof *drop);
    int rc = drop && claim_tops(list, &claims) == 0 ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < list->count; i++)
        rc = shadowed(list, i, &claims, notes, &drop[i]);
    if (rc == 0)
        rc = dedupe(list, drop);
    if (rc == 0) {
        size_t kept = 0;
        for (size_t i = 0; i < list->count; i++) {
            if (drop[i])
                unit_free(&list->items[i]);
            else
                list->items[kept++] = list->items[i];
        }
        list->count = kept;
    }
    free(drop);
    strmap_free(&claims);
    return rc < 0 ? ph_error_set(err, "out of memory") : 0;
}
