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

static void truncate_units(ph_unit_list *list, size_t count)
{
    while (list->count > count)
        unit_free(&list->items[--list->count]);
}

/* ---- Names ----------------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !memcmp(s + n - m, suffix, m);
}

/* Non-ASCII bytes count as identifier characters: Python identifiers may be Unicode. */
static bool is_identifier(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* A module stem may hold '-' (sysconfig imports "_sysconfigdata__linux_x86_64-linux-gnu"
 * with __import__), but never '.', which would split the dotted name. */
static bool is_module_stem(const char *s, size_t len)
{
    return len > 0 && !memchr(s, '.', len);
}

/* Length of the module stem of an extension-module file name, or 0 when it is not one. */
static size_t extension_stem(const char *name)
{
    for (const char *const *s = ph_extension_suffixes; s && *s; s++)
        if (ends_with(name, *s)) {
            size_t len = strlen(name) - strlen(*s);
            return is_module_stem(name, len) ? len : 0;
        }
    return 0;
}

/* Does the file named like an extension module export PyInit_<stem>? CPython loads nothing
 * else as one; pycryptodomex's _raw_ecb.abi3.so, loaded with ctypes, exports none. A file that
 * cannot be read or is not ELF (another platform's) is taken at its name's word. */
static bool is_extension_module(const char *path, const char *name, size_t stem)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return true;
    void *map = fstat(fd, &st) == 0 && st.st_size > 0
                    ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                    : MAP_FAILED;
    close(fd);
    if (map == MAP_FAILED)
        return true;
    char symbol[512];
    snprintf(symbol, sizeof symbol, "PyInit_%.*s", (int)stem, name);
    ph_error err;
    int rc = ph_elf_is_elf(map, (size_t)st.st_size)
                 ? ph_elf_exports(map, (size_t)st.st_size, symbol, path, &err)
                 : 1;
    munmap(map, (size_t)st.st_size);
    return rc != 0; /* a damaged file: let loading it say what is wrong */
}

/* Temporary files of an atomic write in progress (ours: "NAME.tmp.XXXXXX"). */
static bool is_temporary(const char *name)
{
    size_t n = strlen(name);
    return n > 11 && !memcmp(name + n - 11, ".tmp.", 5);
}

static char *join(const char *a, const char *sep, const char *b)
{
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, *a ? sep : "", b);
    return s;
}

/* ---- Walking --------------------------------------------------------------------------- */

enum walk_mode {
    W_ROOT,    /* a sys.path entry: only modules and packages count */
    W_PACKAGE, /* an importable directory: modules, subpackages and resources */
    W_DATA,    /* a directory inside a package that is not importable: resources only */
};

#define MAX_DEPTH 64

typedef struct walker {
    ph_unit_list *out;
    const ph_walk_rules *rules;
    ph_error *err;
    struct {
        dev_t dev;
        ino_t ino;
    } stack[MAX_DEPTH]; /* the directories being walked, to stop at symlink loops */
    int depth;
} walker;

typedef struct place {
    const char *abs; /* absolute directory path */
    const char *rel; /* relative to the root; "" at the root */
    const char *pkg; /* dotted package name (W_PACKAGE) or owner (W_DATA); "" at the root */
    enum walk_mode mode;
} place;

static int walk_dir(walker *w, const place *at, bool *found);

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The entries of a directory, sorted so that builds do not depend on readdir order. */
static int list_dir(const char *path, char ***out, size_t *count, ph_error *err)
{
    DIR *d = opendir(path);
    if (!d)
        return ph_error_errno(err, errno, "cannot read directory %s", path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "__pycache__"))
            continue; /* hidden files, ".", "..", ".git", and compiled caches */
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    bool complete = e == NULL;
    closedir(d);
    if (!complete) {
        free_names(names, n);
        return ph_error_set(err, "out of memory listing %s", path);
    }
    if (n) /* an empty directory has no array: qsort(NULL, 0, ...) is undefined */
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    *count = n;
    return 0;
}

static int push(walker *w, const char *name, pyr_kind kind, const char *path, const char *rel,
                const char *owner)
{
    return ph_unit_push(w->out, name, kind, path, rel, owner, w->rules->root, w->err);
}

static int add_resource(walker *w, const place *at, const char *path, const char *rel)
{
    return push(w, rel, PYR_PACKAGE_RESOURCE, path, rel, at->pkg);
}

/* A module or extension module called `stem` inside `at`. */
static int add_module(walker *w, const place *at, const char *stem, pyr_kind kind, const char *path,
                      const char *rel)
{
    char *name = join(at->pkg, ".", stem);
    if (!name)
        return ph_error_set(w->err, "out of memory");
    int rc = push(w, name, kind, path, rel, NULL);
    free(name);
    return rc;
}

static int visit_file(walker *w, const place *at, const char *name, const char *path,
                      const char *rel, bool *found)
{
    if (ends_with(name, ".pyc") || is_temporary(name))
        return 0;
    if (at->mode == W_DATA)
        return add_resource(w, at, path, rel);
    size_t len = strlen(name);
    if (ends_with(name, ".py") && is_module_stem(name, len - 3)) {
        *found = true;
        if (!strcmp(name, "__init__.py"))
            return 0; /* the package itself, added by its parent directory */
        char *stem = strndup(name, len - 3);
        int rc = stem ? add_module(w, at, stem, PYR_MODULE, path, rel)
                      : ph_error_set(w->err, "out of memory");
        free(stem);
        return rc;
    }
    size_t ext = extension_stem(name);
    if (ext && strncmp(name, "__init__.", 9) != 0 && !is_extension_module(path, name, ext)) {
        /* a library its package loads by path (ctypes): a data file under its real name */
        if (at->mode != W_PACKAGE)
            return 0;
        int rc = add_resource(w, at, path, rel);
        if (rc == 0)
            w->out->items[w->out->count - 1].shared_object = true;
        return rc;
    }
    if (ext && strncmp(name, "__init__.", 9) != 0) {
        *found = true; /* importable like a .py file, so its directory is a namespace package */
        char *stem = strndup(name, ext);
        int rc = stem ? add_module(w, at, stem, PYR_EXTENSION_MODULE, path, rel)
                      : ph_error_set(w->err, "out of memory");
        free(stem);
        return rc;
    }
    return at->mode == W_PACKAGE ? add_resource(w, at, path, rel) : 0;
}

static bool skipped_top_dir(const walker *w, const place *at, const char *name)
{
    if (at->mode != W_ROOT || !w->rules->skip_dirs)
        return false;
    for (const char *const *s = w->rules->skip_dirs; *s; s++)
        if (!strcmp(*s, name))
            return true;
    return false;
}

static bool is_regular_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return false;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A directory without __init__.py is a namespace package when something importable lies
 * below it; otherwise, inside a package, it only holds resources of that package. */
static int visit_namespace(walker *w, const place *at, const place *sub, bool *found)
{
    size_t mark = w->out->count;
    bool below = false;
    if (walk_dir(w, sub, &below) < 0)
        return -1;
    if (below) {
        *found = true;
        return push(w, sub->pkg, PYR_NAMESPACE_PACKAGE, NULL, sub->rel, NULL);
    }
    if (at->mode == W_ROOT) {
        truncate_units(w->out, mark); /* not a package: nothing in it is packed */
        return 0;
    }
    for (size_t i = mark; i < w->out->count; i++) { /* resources of the enclosing package */
        char *owner = strdup(at->pkg);
        if (!owner)
            return ph_error_set(w->err, "out of memory");
        free(w->out->items[i].owner);
        w->out->items[i].owner = owner;
    }
    return 0;
}

static int visit_dir(walker *w, const place *at, const char *name, const char *path,
                     const char *rel, bool *found)
{
    if (skipped_top_dir(w, at, name))
        return 0;
    place sub = {.abs = path, .rel = rel, .pkg = at->pkg, .mode = W_DATA};
    if (at->mode == W_DATA || strchr(name, '.'))
        return at->mode == W_ROOT ? 0 : walk_dir(w, &sub, found);
    char *pkg = join(at->pkg, ".", name);
    if (!pkg)
        return ph_error_set(w->err, "out of memory");
    sub.pkg = pkg;
    sub.mode = W_PACKAGE;
    int rc;
    if (is_regular_file(path, "__init__.py")) {
        char *init = join(path, "/", "__init__.py"), *init_rel = join(rel, "/", "__init__.py");
        rc = init && init_rel ? push(w, pkg, PYR_PACKAGE, init, init_rel, NULL)
                              : ph_error_set(w->err, "out of memory");
        free(init);
        free(init_rel);
        *found = true;
        if (rc == 0)
            rc = walk_dir(w, &sub, found);
    } else if (is_identifier(name)) {
        rc = visit_namespace(w, at, &sub, found);
    } else {
        sub.pkg = at->pkg;
        sub.mode = W_DATA;
        rc = at->mode == W_ROOT ? 0 : walk_dir(w, &sub, found);
    }
    free(pkg);
    return rc;
}

static bool on_stack(const walker *w, const struct stat *st)
{
    for (int i = 0; i < w->depth; i++)
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
            return true;
    return false;
}

/* stat() follows symlinks, as Python's importer does. A dangling symlink is skipped (a
 * distribution may ship one, e.g. Debian's sitecustomize.py -> /etc/...). Returns 1 to visit. */
static int stat_entry(walker *w, const char *path, struct stat *st)
{
    if (stat(path, st) == 0)
        return 1;
    int e = errno;
    struct stat lst;
    if (e == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
        return 0;
    return ph_error_errno(w->err, e, "cannot read %s", path);
}

/* With `tops`, a distribution's site directory: only the top-level names it provides. */
static bool outside_tops(const walker *w, const place *at, const char *name)
{
    const ph_strlist *tops = w->rules->tops;
    if (at->mode != W_ROOT || !tops)
        return false;
    size_t len = strcspn(name, ".");
    for (size_t i = 0; i < tops->count; i++)
        if (strlen(tops->items[i]) == len && !strncmp(tops->items[i], name, len))
            return false;
    return true;
}

static bool skipped_dir(const walker *w, const struct stat *st)
{
    for (size_t i = 0; i < w->rules->skip_id_count; i++)
        if (w->rules->skip_ids[i].dev == st->st_dev && w->rules->skip_ids[i].ino == st->st_ino)
            return true;
    return false;
}

static int visit(walker *w, const place *at, const char *name, bool *found)
{
    if (outside_tops(w, at, name))
        return 0;
    char *path = join(at->abs, "/", name), *rel = join(at->rel, "/", name);
    struct stat st;
    int rc = path && rel ? stat_entry(w, path, &st) : ph_error_set(w->err, "out of memory");
    if (rc == 1) {
        rc = 0;
        if (st.st_dev == w->rules->skip_dev && st.st_ino == w->rules->skip_ino)
            ; /* the output .pyr itself */
        else if (S_ISREG(st.st_mode))
            rc = visit_file(w, at, name, path, rel, found);
        else if (S_ISDIR(st.st_mode) && !on_stack(w, &st) && !skipped_dir(w, &st))
            rc = visit_dir(w, at, name, path, rel, found);
    }
    free(path);
    free(rel);
    return rc;
}

static int walk_dir(walker *w, const place *at, bool *found)
{
    struct stat st;
    if (stat(at->abs, &st) != 0)
        return ph_error_errno(w->err, errno, "cannot read directory %s", at->abs);
    if (w->depth >= MAX_DEPTH)
        return ph_error_set(w->err, "%s: directories nested more than %d deep", at->abs, MAX_DEPTH);
    char **names = NULL;
    size_t n = 0;
    if (list_dir(at->abs, &names, &n, w->err) < 0)
        return -1;
    w->stack[w->depth].dev = st.st_dev;
    w->stack[w->depth].ino = st.st_ino;
    w->depth++;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = visit(w, at, names[i], found);
    w->depth--;
    free_names(names, n);
    return rc;
}

int ph_collect_root(ph_unit_list *out, const char *root, const ph_walk_rules *rules, ph_error *err)
{
    walker w = {.out = out, .rules = rules, .err = err};
    place at = {.abs = root, .rel = "", .pkg = "", .mode = W_ROOT};
    bool found = false;
    return walk_dir(&w, &at, &found);
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
    if (u->kind == PYR_NAMESPACE_PACKAGE)
        return strmap_get(needed, u->name, strlen(u->name), NULL);
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
