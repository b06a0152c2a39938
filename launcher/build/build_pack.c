/* One build: manifest -> collect -> compile -> pack -> write. Nothing is written until the
 * whole .pyr is ready, and then atomically, so a failing build never leaves a partial file. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "build.h"
#include "ph_stdlib_identity.h"
#include "stdlib_identity.h"
#include "fetch.h"
#include "ph_build_config.h"
#include "pyhost/cleanup.h"
#include "pyhost/fsutil.h"
#include "pyhost/pyr_hash.h"
#include "wheel.h"

#define SCRIPT_ROOT UINT_MAX
#define MANIFEST_ENTRY ".pyhost/manifest.ini"
#define PLACED_ENTRY ".pyhost/placed"
#define PLACED_HEADER "pyhost-placed 1\n"
/* A directory bundle: placed files are written into BESIDE_DIR/ next to the .pyr, and
 * .pyhost/root tells the runtime that module paths are rooted there (docs/runtime.md). */
#define ROOT_ENTRY ".pyhost/root"
#define BESIDE_DIR "lib"

typedef struct build {
    const ph_build_options *o;
    ph_build_result *r;
    ph_manifest m;
    ph_python_info py;
    bool py_started;
    ph_cache cache;
    ph_unit_list units;
    unsigned stdlib_root; /* app paths come before it, site directories after it */
    ph_strlist sites;     /* absolute site directories searched for distributions */
    bool sites_found;
    ph_dist_set dists;      /* distributions packed, in the order they were found */
    bool analyzed;          /* the import analysis ran (ph_analysis_app) */
    ph_strlist found_dists; /* normalized names of distributions the analysis added */
    ph_strlist found_where; /* "FILE:LINE" of their first import, in the same order */
    char *wheel_dir;        /* private directory wheels are unpacked into, removed at the end */
    int wheel_cleanup;      /* its ph_cleanup_push handle */
    ph_unit_list copies;    /* filesystem-relative files: path = source, name = "DIR/rel" */
    char *placed;           /* .pyhost/placed being written: "MODE SIZE XXH64 NAME" lines */
    size_t placed_len;
    ph_file_id routed[64]; /* routing directories of a previous build, never walked */
    size_t routed_count;
    struct stat out_st; /* the output as it exists before the build, never packed into itself */
    pyr_writer *writer;
    ph_error *err;
} build;

/* Roots in sys.path order: [resources] paths 0..n-1, the stdlib n, site directories after. */
static unsigned site_root(const build *b, unsigned site)
{
    return b->stdlib_root + 1 + site;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_note(build *b, const char *fmt, const char *a, const char *c)
{
    ph_strlist *notes = &b->r->notes;
    char line[1024];
    snprintf(line, sizeof line, fmt, a, c);
    char **grown = realloc(notes->items, (notes->count + 1) * sizeof *grown);
    if (!grown || !(grown[notes->count] = strdup(line))) {
        if (grown)
            notes->items = grown;
        return ph_error_set(b->err, "out of memory");
    }
    notes->items = grown;
    notes->count++;
    return 0;
}

static int add_note_list(ph_strlist *list, const char *line)
{
    char **grown = realloc(list->items, (list->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    list->items = grown;
    if (!(list->items[list->count] = strdup(line)))
        return -1;
    list->count++;
    return 0;
}

/* ---- Manifest and output --------------------------------------------------------------- */

static int load(build *b)
{
    const char *path = b->o->manifest_path ? b->o->manifest_path : "pyhost.ini";
    if (ph_manifest_load(&b->m, path, b->err) < 0)
        return -1;
    if (b->o->output_path)
        b->r->output_path = strdup(b->o->output_path);
    else {
        size_t n = strlen(b->m.base_dir) + strlen(b->m.app.name) + 6;
        if ((b->r->output_path = malloc(n)))
            snprintf(b->r->output_path, n, "%s/%s.pyr", b->m.base_dir, b->m.app.name);
    }
    if (!b->r->output_path)
        return ph_error_set(b->err, "out of memory");
    if (stat(b->r->output_path, &b->out_st) < 0)
        memset(&b->out_st, 0, sizeof b->out_st);
    return 0;
}

static void describe_compression(build *b)
{
    const ph_compress *c = &b->m.python.compress;
    if (c->method == PH_COMPRESSION_NONE)
        snprintf(b->r->compression, sizeof b->r->compression, "none");
    else
        snprintf(b->r->compression, sizeof b->r->compression, "zstd:%d%s", c->level,
                 b->m.python.dictionary ? "+dict" : "");
}

/* ---- Routing --------------------------------------------------------------------------- */

/* The directory the .pyr goes in: the runtime resolves filesystem-relative paths against it. */
static char *output_dir(const build *b)
{
    const char *slash = strrchr(b->r->output_path, '/');
    if (!slash)
        return strdup(".");
    return slash == b->r->output_path
               ? strdup("/")
               : strndup(b->r->output_path, (size_t)(slash - b->r->output_path));
}

static void note_routed_dir(build *b, const char *outdir, const ph_routing *r)
{
    char path[PATH_MAX];
    struct stat st;
    if (r->kind != PH_ROUTE_FILESYSTEM || !strcmp(r->dir, ".") ||
        b->routed_count == sizeof b->routed / sizeof b->routed[0])
        return; /* "." is the app's own directory: its copies sit where the sources would */
    snprintf(path, sizeof path, "%s/%s", outdir, r->dir);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        b->routed[b->routed_count++] = (ph_file_id){st.st_dev, st.st_ino};
}

/* Copies written by a previous build live next to the .pyr, often inside [resources] paths:
 * walking them would pack "lib.yaml._yaml" as app code. */
static int find_routed_dirs(build *b)
{
    char *outdir = output_dir(b);
    if (!outdir)
        return ph_error_set(b->err, "out of memory");
    note_routed_dir(b, outdir, &b->m.resources.routing);
    for (size_t i = 0; i < b->m.routing.count; i++)
        note_routed_dir(b, outdir, &b->m.routing.items[i].policy);
    free(outdir);
    struct stat st;
    if (b->o->skip_dir && stat(b->o->skip_dir, &st) == 0 && S_ISDIR(st.st_mode) &&
        b->routed_count < sizeof b->routed / sizeof b->routed[0])
        b->routed[b->routed_count++] = (ph_file_id){st.st_dev, st.st_ino};
    return 0;
}

static bool routable(pyr_kind kind)
{
    return kind == PYR_EXTENSION_MODULE || kind == PYR_SHARED_LIBRARY ||
           kind == PYR_PACKAGE_RESOURCE;
}

/* What [routing] patterns are matched against: the module, for a data file the top-level
 * package that holds it, for a shared library the module that needs it. */
static void route_key(const ph_unit *u, char *buf, size_t size)
{
    if (u->kind == PYR_SHARED_LIBRARY) { /* where the extension module needing it goes */
        snprintf(buf, size, "%s", u->owner);
        return;
    }
    const char *name = u->kind == PYR_PACKAGE_RESOURCE && u->owner ? u->owner : u->name;
    if (u->kind == PYR_PACKAGE_RESOURCE)
        snprintf(buf, size, "%.*s", (int)strcspn(name, "./"), name);
    else
        snprintf(buf, size, "%s", name);
}

/* Where a routed file goes under DIR. Extension modules keep their real file name
 * ("yaml/_yaml.cpython-311-x86_64-linux-gnu.so") so the loader finds them by path and
 * $ORIGIN rpaths keep pointing at their neighbours. */
static void route_path(const ph_unit *u, char *buf, size_t size)
{
    if (u->kind != PYR_EXTENSION_MODULE) {
        snprintf(buf, size, "%s", u->name);
        return;
    }
    const char *base = strrchr(u->path, '/');
    const char *dot = strrchr(u->name, '.');
    int pkg = dot ? (int)(dot - u->name) : 0;
    snprintf(buf, size, "%.*s%s%s", pkg, u->name, pkg ? "/" : "", base ? base + 1 : u->path);
    for (int i = 0; i < pkg; i++)
        buf[i] = buf[i] == '.' ? '/' : buf[i];
}

/* Stores the relative path in the .pyr and remembers the copy, written once the .pyr is
 * complete (so a failing build writes no copies either). */
static int pack_routed(build *b, const ph_unit *u, const char *dir)
{
    char rel[PATH_MAX], path[PATH_MAX];
    route_path(u, rel, sizeof rel);
    if (snprintf(path, sizeof path, "%s%s%s", strcmp(dir, ".") ? dir : "",
                 strcmp(dir, ".") ? "/" : "", rel) >= (int)sizeof path)
        return ph_error_set(b->err, "%s: routed path too long", u->name);
    if (pyr_writer_add_blob(b->writer, u->name, u->kind, PYR_DATA, path, strlen(path),
                            PYR_FILESYSTEM_RELATIVE, PYR_NO_COMPRESS, b->err) < 0)
        return -1;
    return ph_unit_push(&b->copies, path, u->kind, u->path, path, NULL, 0, b->err);
}

/* mkdir -p for the directories of `path` below `base` (which exists). */
static int make_parents(const char *base, const char *path, ph_error *err)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + strlen(base) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return ph_error_errno(err, errno, "cannot create directory %s", buf);
        *p = '/';
    }
    return 0;
}

static int write_copy(build *b, const char *outdir, const ph_unit *c)
{
    char dest[PATH_MAX], *data;
    size_t size;
    snprintf(dest, sizeof dest, "%s/%s", outdir, c->name);
    struct stat from, to;
    if (stat(c->path, &from) == 0 && stat(dest, &to) == 0 && from.st_dev == to.st_dev &&
        from.st_ino == to.st_ino)
        return 0; /* routed to "." from the app's own tree: the file is already in place */
    if (make_parents(outdir, dest, b->err) < 0 || ph_read_file(c->path, &data, &size, b->err) < 0)
        return ph_error_hint(b->err, "filesystem-relative routing writes next to the .pyr; "
                                     "choose another output with -o or another routing");
    mode_t mode = c->kind == PYR_PACKAGE_RESOURCE ? 0644 : 0755;
    int rc = ph_write_file_atomic(dest, data, size, mode, b->err);
    free(data);
    return rc < 0
               ? ph_error_hint(b->err, "make %s writable, or choose another output with -o", outdir)
               : 0;
}

static int write_copies(build *b)
{
    char *outdir = b->copies.count ? output_dir(b) : NULL;
    if (b->copies.count && !outdir)
        return ph_error_set(b->err, "out of memory");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->copies.count; i++)
        rc = write_copy(b, outdir, &b->copies.items[i]);
    b->r->routed = b->copies.count;
    free(outdir);
    return rc;
}

/* ---- Placement ------------------------------------------------------------------------- */

/* Where a file goes, decided by what it is ([resources] placement, docs/runtime.md):
 * modules and extension modules in memory; package data of non-stdlib packages and shared
 * objects that are not extension modules on disk, where __file__ and __path__ say; [routing]
 * (and [resources] routing = filesystem-relative:DIR) win over both. */
typedef enum placement {
    PLACE_MEMORY,
    PLACE_DISK,   /* a real file beside the modules' virtual paths */
    PLACE_ROUTED, /* filesystem-relative:DIR, as routing says */
} placement;

static placement place_of(const build *b, const ph_unit *u, const ph_routing **route, int *line)
{
    *route = NULL;
    *line = 0;
    if (!routable(u->kind))
        return PLACE_MEMORY;
    char key[1024];
    route_key(u, key, sizeof key);
    *route = ph_manifest_route(&b->m, key, line);
    if ((*route)->kind == PH_ROUTE_FILESYSTEM)
        return PLACE_ROUTED;
    if (*line || u->kind != PYR_PACKAGE_RESOURCE || b->m.resources.placement_memory ||
        u->root == b->stdlib_root || strchr(u->name, '\n'))
        return PLACE_MEMORY;
    return PLACE_DISK;
}

/* Packs a placed file in memory and lists it in .pyhost/placed, whose hash names the
 * extraction directory: a line holds the mode, the size and the XXH64 of the content. */
static int pack_placed(build *b, const ph_unit *u)
{
    char *data;
    size_t size;
    struct stat st;
    if (stat(u->path, &st) < 0)
        return ph_error_errno(b->err, errno, "cannot read %s", u->path);
    if (ph_read_file(u->path, &data, &size, b->err) < 0)
        return -1;
    unsigned mode = u->shared_object || (st.st_mode & 0111) ? 0755 : 0644;
    int rc = pyr_writer_add_blob(b->writer, u->name, u->kind, PYR_DATA, data, size, PYR_IN_MEMORY,
                                 0, b->err);
    char head[96];
    int n = snprintf(head, sizeof head, "%04o %zu %016llx ", mode, size,
                     (unsigned long long)pyr_xxh64(data, size));
    free(data);
    size_t need = b->placed_len + (size_t)n + strlen(u->name) + 2;
    char *grown = rc == 0 ? realloc(b->placed, need) : NULL;
    if (rc == 0 && !grown)
        return ph_error_set(b->err, "out of memory");
    if (rc < 0)
        return -1;
    b->placed = grown;
    b->placed_len += (size_t)sprintf(b->placed + b->placed_len, "%s%s\n", head, u->name);
    b->r->placed++;
    return 0;
}

/* The list the runtime extracts from; written only when something is placed. */
static int pack_placed_list(build *b)
{
    if (b->o->place_beside && !b->m.resources.placement_memory)
        return pyr_writer_add_blob(b->writer, ROOT_ENTRY, PYR_PLAIN_FILE, PYR_DATA, BESIDE_DIR,
                                   strlen(BESIDE_DIR), PYR_IN_MEMORY, PYR_NO_COMPRESS, b->err) < 0
                   ? -1
                   : 1;
    if (!b->placed_len)
        return 0;
    size_t hlen = strlen(PLACED_HEADER);
    char *text = malloc(hlen + b->placed_len);
    if (!text)
        return ph_error_set(b->err, "out of memory");
    memcpy(text, PLACED_HEADER, hlen);
    memcpy(text + hlen, b->placed, b->placed_len);
    int rc = pyr_writer_add_blob(b->writer, PLACED_ENTRY, PYR_PLAIN_FILE, PYR_DATA, text,
                                 hlen + b->placed_len, PYR_IN_MEMORY, PYR_NO_COMPRESS, b->err);
    free(text);
    return rc < 0 ? -1 : 1;
}

/* ---- --explain ------------------------------------------------------------------------- */

/* One line per top-level package for what is obvious (its data files on disk, or kept in
 * memory and why), one per file for the rest: shared objects that are not extension modules. */
typedef struct place_count {
    char top[256];
    char why[512];
    size_t count;
} place_count;

static int explain_placement(build *b, ph_strlist *out)
{
    place_count *counts = NULL;
    size_t n = 0;
    char line[2048];
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->units.count; i++) {
        const ph_unit *u = &b->units.items[i];
        const ph_routing *r;
        int at;
        placement p = place_of(b, u, &r, &at);
        if (!routable(u->kind) || u->kind == PYR_SHARED_LIBRARY ||
            (u->kind == PYR_EXTENSION_MODULE && p == PLACE_MEMORY))
            continue; /* modules, extension modules in memory: the obvious; libraries: above */
        if (u->shared_object && p == PLACE_DISK) {
            snprintf(line, sizeof line,
                     "placement %s: on disk, a shared object that exports no PyInit_ (loaded by "
                     "path, e.g. with ctypes)",
                     u->name);
            if (add_note_list(out, line) < 0)
                rc = ph_error_set(b->err, "out of memory");
            continue;
        }
        char top[256], why[512];
        snprintf(top, sizeof top, "%.*s", (int)strcspn(u->name, "./"), u->name);
        if (u->root == b->stdlib_root && p == PLACE_MEMORY)
            snprintf(top, sizeof top, "(standard library)");
        if (p == PLACE_ROUTED)
            snprintf(why, sizeof why, "filesystem-relative:%s (%s)", r->dir,
                     at ? "[routing]" : "[resources] routing");
        else if (p == PLACE_DISK)
            snprintf(why, sizeof why, "on disk beside __file__ (package data)");
        else if (at)
            snprintf(why, sizeof why, "in memory ([routing], line %d)", at);
        else if (u->root == b->stdlib_root)
            snprintf(why, sizeof why, "in memory (standard library data stays in memory)");
        else if (u->kind == PYR_EXTENSION_MODULE)
            snprintf(why, sizeof why, "in memory");
        else
            snprintf(why, sizeof why, "in memory ([resources] placement = memory)");
        size_t k = 0;
        while (k < n && (strcmp(counts[k].top, top) || strcmp(counts[k].why, why)))
            k++;
        if (k == n) {
            place_count *grown = realloc(counts, (n + 1) * sizeof *grown);
            if (!grown) {
                rc = ph_error_set(b->err, "out of memory");
                break;
            }
            counts = grown;
            counts[n] = (place_count){.count = 0};
            memcpy(counts[n].top, top, sizeof top);
            memcpy(counts[n].why, why, sizeof why);
            n++;
        }
        counts[k].count++;
    }
    for (size_t k = 0; rc == 0 && k < n; k++) {
        snprintf(line, sizeof line, "placement %s: %zu file%s %s", counts[k].top, counts[k].count,
                 counts[k].count == 1 ? "" : "s", counts[k].why);
        if (add_note_list(out, line) < 0)
            rc = ph_error_set(b->err, "out of memory");
    }
    free(counts);
    return rc;
}

static void dists_providing(const build *b, const ph_unit *u, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < b->dists.count && n < size; i++) {
        const ph_dist *d = &b->dists.items[i];
        if (site_root(b, d->site) == u->root && ph_manifest_matches_any(&d->tops, u->name))
            n +=
                (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "distribution ", d->display);
    }
}

static void why_module(const build *b, const ph_unit *u, char *buf, size_t size)
{
    if (u->root == SCRIPT_ROOT)
        snprintf(buf, size, "[app] entry");
    else if (u->root < b->stdlib_root)
        snprintf(buf, size, "[resources] paths %s", b->m.resources.paths.items[u->root]);
    else if (u->root == b->stdlib_root)
        snprintf(buf, size, "[python] stdlib");
    else
        dists_providing(b, u, buf, size);
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int explain(build *b)
{
    ph_strlist *out = &b->r->explain;
    char line[2048], why[1024];
    for (size_t i = 0; i < b->dists.count; i++) {
        const ph_dist *d = &b->dists.items[i];
        snprintf(line, sizeof line, "distribution %s: %s", d->display, d->reason);
        if (add_note_list(out, line) < 0)
            return ph_error_set(b->err, "out of memory");
        if (!strncmp(d->reason, "imported by ", 12)) {
            snprintf(line, sizeof line, "packed %s: %s", d->display, d->reason);
            if (add_note_list(out, line) < 0)
                return ph_error_set(b->err, "out of memory");
        }
    }
    for (size_t i = 0; i < b->units.count; i++) {
        const ph_unit *u = &b->units.items[i];
        if (strchr(u->name, '.') || strchr(u->name, '/') || u->kind == PYR_PLAIN_FILE)
            continue; /* only top-level modules and packages */
        why_module(b, u, why, sizeof why);
        snprintf(line, sizeof line, "module %s: %s", u->name, why);
        if (add_note_list(out, line) < 0)
            return ph_error_set(b->err, "out of memory");
    }
    if (explain_placement(b, out) < 0)
        return -1;
    if (out->count) /* qsort(NULL, 0, ...) is undefined */
        qsort(out->items, out->count, sizeof *out->items, cmp_lines);
    return 0;
}

/* ---- Collecting ------------------------------------------------------------------------ */

static int resolve_dir(build *b, const char *key, const char *item, char **out)
{
    char *joined;
    if (ph_manifest_resolve_path(&b->m, item, &joined, b->err) < 0)
        return -1;
    struct stat st;
    int e = stat(joined, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    *out = e ? NULL : realpath(joined, NULL);
    free(joined);
    if (e == ENOENT || e == ENOTDIR) {
        ph_manifest_error(&b->m, b->err, "resources", key, "directory '%s' %s", item,
                          e == ENOENT ? "does not exist" : "is not a directory");
        return ph_error_hint(b->err,
                             "paths are relative to %s; create the directory or fix "
                             "[resources] %s",
                             b->m.base_dir, key);
    }
    if (e || !*out)
        return ph_error_errno(b->err, e ? e : errno, "[resources] %s: cannot use '%s'", key, item);
    return 0;
}

static int collect_app(build *b)
{
    const ph_strlist *paths = &b->m.resources.paths;
    for (size_t i = 0; i < paths->count; i++) {
        ph_walk_rules rules = {.root = (unsigned)i,
                               .include = &b->m.resources.include,
                               .exclude = &b->m.resources.exclude,
                               .skip_dev = b->out_st.st_dev,
                               .skip_ino = b->out_st.st_ino,
                               .skip_ids = b->routed,
                               .skip_id_count = b->routed_count};
        char *root;
        if (resolve_dir(b, "paths", paths->items[i], &root) < 0)
            return -1;
        int rc = ph_collect_root(&b->units, root, &rules, b->err);
        free(root);
        if (rc < 0 || ph_collect_filter(&b->units, &rules, b->err) < 0)
            return -1;
    }
    return 0;
}

/* lib-dynload holds the stdlib's extension modules: "_ssl.cpython-311-x86_64-linux-gnu.so"
 * becomes "_ssl". Only the interpreter's own suffix: ".abi3.so" or a bare ".so" there would
 * not be the stdlib's. */
static int collect_dynload(build *b)
{
    ph_walk_rules rules = {.root = b->stdlib_root};
    ph_unit_list found = {0};
    if (ph_collect_root(&found, PH_PYTHON_DYNLOAD, &rules, b->err) < 0)
        return -1;
    const char *suffix = ph_extension_suffixes[0];
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < found.count; i++) {
        ph_unit *u = &found.items[i];
        if (u->kind != PYR_EXTENSION_MODULE || !strstr(u->path, suffix))
            continue;
        char rel[PATH_MAX];
        snprintf(rel, sizeof rel, "lib-dynload/%s", u->relname);
        rc = ph_unit_push(&b->units, u->name, u->kind, u->path, rel, NULL, b->stdlib_root, b->err);
    }
    ph_unit_list_free(&found);
    return rc;
}

/* The stdlib packed must be the one the embedded interpreter was built with (stdlib_identity.h):
 * its Python code and the interpreter's built-in modules change together. */
static int check_stdlib_identity(ph_error *err)
{
    uint64_t now;
    if (ph_stdlib_identity(PH_PYTHON_STDLIB, &now, err) < 0)
        return -1;
    if (now == PH_STDLIB_IDENTITY)
        return 0;
    ph_error_set(err,
                 "the standard library in %s changed since this pyhost was built (was Python "
                 "upgraded?): packing it would run its new code on the old built-in modules "
                 "(_sre, _csv, ...) of the interpreter inside pyhost",
                 PH_PYTHON_STDLIB);
    return ph_error_hint(err, "rebuild pyhost against the installed Python (ninja -C BUILDDIR, or "
                              "reinstall pyhost), then build the app again");
}

static void ph_strlist_clear(ph_strlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    *l = (ph_strlist){0};
}

static int collect_stdlib_with(build *b, const ph_strlist *include);
static int stdlib_reached(build *b, ph_strlist *names);

static int collect_stdlib(build *b)
{
    b->stdlib_root = (unsigned)b->m.resources.paths.count;
    if (b->m.python.stdlib == PH_STDLIB_NONE)
        return 0;
    ph_strlist auto_names = {0};
    const ph_strlist *include = &b->m.python.stdlib_include;
    if (b->m.python.stdlib == PH_STDLIB_AUTO) {
        if (stdlib_reached(b, &auto_names) < 0) {
            ph_strlist_clear(&auto_names);
            return -1;
        }
        include = &auto_names;
    }
    int rc = collect_stdlib_with(b, include);
    ph_strlist_clear(&auto_names);
    return rc;
}

static int collect_stdlib_with(build *b, const ph_strlist *include)
{
    static const char *const skip[] = {"site-packages", "dist-packages", "lib-dynload",
                                       "__pycache__", NULL};
    ph_walk_rules rules = {.root = b->stdlib_root,
                           .include = include,
                           .exclude = &b->m.python.stdlib_exclude,
                           .skip_dirs = skip,
                           .skip_dev = b->out_st.st_dev,
                           .skip_ino = b->out_st.st_ino};
    if (check_stdlib_identity(b->err) < 0)
        return -1;
    if (ph_collect_root(&b->units, PH_PYTHON_STDLIB, &rules, b->err) < 0 || collect_dynload(b) < 0)
        return ph_error_hint(b->err,
                             "pyhost packs the standard library of the Python it was "
                             "built against; set '[python] stdlib = false' to leave it out");
    return ph_collect_filter(&b->units, &rules, b->err);
}

/* ---- Installed distributions ---------------------------------------------------------- */

/* The embedded Python's own site directories, in sys.path order, as its sysconfig gave them
 * at configure time (meson.build). */
static const char *const default_sites[] = PH_PYTHON_SITES;

static int add_site(build *b, const char *dir)
{
    char **grown = realloc(b->sites.items, (b->sites.count + 1) * sizeof *grown);
    if (!grown)
        return ph_error_set(b->err, "out of memory");
    b->sites.items = grown;
    if (!(b->sites.items[b->sites.count] = strdup(dir)))
        return ph_error_set(b->err, "out of memory");
    b->sites.count++;
    return 0;
}

/* Unset, the defaults that exist; set, every directory must exist. */
static int find_sites(build *b)
{
    const ph_strlist *set = &b->m.resources.site_packages;
    struct stat st;
    if (b->sites_found)
        return 0;
    b->sites_found = true;
    if (!ph_manifest_line(&b->m, "resources", "site_packages")) {
        for (const char *const *d = default_sites; *d; d++)
            if (stat(*d, &st) == 0 && S_ISDIR(st.st_mode) && add_site(b, *d) < 0)
                return -1;
        return 0;
    }
    for (size_t i = 0; i < set->count; i++) {
        char *dir;
        if (resolve_dir(b, "site_packages", set->items[i], &dir) < 0)
            return -1;
        int rc = add_site(b, dir);
        free(dir);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* One walk per site directory, over the top-level names its distributions provide, so a
 * namespace package shared by two of them is walked once. */
static int collect_site(build *b, unsigned site)
{
    ph_strlist tops = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->dists.count; i++) {
        const ph_dist *d = &b->dists.items[i];
        for (size_t t = 0; rc == 0 && d->site == site && t < d->tops.count; t++)
            if (!ph_manifest_matches_any(&tops, d->tops.items[t]) && /* identifiers: exact */
                add_note_list(&tops, d->tops.items[t]) < 0)
                rc = ph_error_set(b->err, "out of memory");
        if (rc == 0 && d->site == site)
            rc = ph_dist_metadata_units(d, b->sites.items[site], &b->units, site_root(b, site),
                                        b->err);
    }
    ph_walk_rules rules = {.root = site_root(b, site),
                           .exclude = &b->m.resources.exclude,
                           .tops = &tops,
                           .skip_dev = b->out_st.st_dev,
                           .skip_ino = b->out_st.st_ino};
    if (rc == 0 && tops.count)
        rc = ph_collect_root(&b->units, b->sites.items[site], &rules, b->err);
    if (rc == 0)
        rc = ph_collect_filter(&b->units, &rules, b->err);
    for (size_t i = 0; i < tops.count; i++)
        free(tops.items[i]);
    free(tops.items);
    return rc < 0 ? -1 : 0;
}

/* A distribution the analysis added is one more [resources] distributions item to the
 * resolver; its reason says where it is imported instead. */
static int reason_from_analysis(build *b)
{
    for (size_t i = 0; i < b->dists.count; i++) {
        ph_dist *d = &b->dists.items[i];
        if (strcmp(d->reason, "[resources] distributions"))
            continue;
        for (size_t j = 0; j < b->found_dists.count; j++) {
            if (strcmp(b->found_dists.items[j], d->name))
                continue;
            char reason[PATH_MAX + 64];
            snprintf(reason, sizeof reason, "imported by %s (analysis)", b->found_where.items[j]);
            char *copy = strdup(reason);
            if (!copy)
                return ph_error_set(b->err, "out of memory");
            free(d->reason);
            d->reason = copy;
        }
    }
    return 0;
}

/* A distribution the analysis added that the resolver cannot pack is a warning, never an
 * error: the manifest did not ask for it. The analysis's names are the last of the list. */
static int resolve_dists(build *b)
{
    ph_strlist *names = &b->m.resources.distributions;
    size_t found = b->found_dists.count;
    if (ph_dist_resolve(&b->m, &b->sites, &b->dists, b->err) == 0)
        return 0;
    if (!found)
        return -1;
    size_t base = names->count - found;
    char **added = malloc(found * sizeof *added);
    if (!added)
        return ph_error_set(b->err, "out of memory");
    memcpy(added, names->items + base, found * sizeof *added);
    names->count = base;
    int rc = ph_dist_resolve(&b->m, &b->sites, &b->dists, b->err); /* the manifest's own */
    ph_dist_set_free(&b->dists);
    for (size_t j = 0; j < found; j++) {
        ph_dist_set trial;
        ph_error e = {{0}, {0}};
        names->items[names->count++] = added[j];
        if (rc < 0 || ph_dist_resolve(&b->m, &b->sites, &trial, &e) == 0) {
            if (rc == 0)
                ph_dist_set_free(&trial);
            continue;
        }
        char msg[1600];
        snprintf(msg, sizeof msg, "%s: imports %s, which cannot be packed: %s",
                 b->found_where.items[j], added[j], e.message);
        free(names->items[--names->count]);
        if (add_note_list(&b->r->warnings, msg) < 0)
            rc = ph_error_set(b->err, "out of memory");
    }
    free(added);
    return rc < 0 ? -1 : ph_dist_resolve(&b->m, &b->sites, &b->dists, b->err);
}

static int collect_dists(build *b)
{
    if (!b->m.resources.distributions.count)
        return 0;
    if (find_sites(b) < 0 || resolve_dists(b) < 0 || reason_from_analysis(b) < 0)
        return -1;
    for (unsigned i = 0; i < b->sites.count; i++)
        if (collect_site(b, i) < 0)
            return -1;
    return 0;
}

/* ---- Wheels ([resources] wheels and requirements) -------------------------------------- */

/* Each wheel is unpacked into its own directory, which becomes one more site directory
 * holding one distribution, collected by the rules of installed distributions. Wheels come
 * after [resources] distributions in search order; their requirements are not followed: the
 * list is pinned. */
static int make_wheel_dir(build *b)
{
    const char *tmp = getenv("TMPDIR");
    char templ[PATH_MAX];
    ph_sweep_stale(tmp && *tmp ? tmp : "/tmp", "pyhost-wheels.", 3600); /* left by a kill -9 */
    snprintf(templ, sizeof templ, "%s/pyhost-wheels.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(templ))
        return ph_error_errno(b->err, errno, "cannot create a directory like %s", templ);
    b->wheel_cleanup = ph_cleanup_push(templ); /* removed if a signal ends pyhost */
    b->wheel_dir = strdup(templ);
    return b->wheel_dir ? 0 : ph_error_set(b->err, "out of memory");
}

/* A distribution packed twice would have two sets of metadata. */
static int check_duplicate(build *b, const ph_input *in)
{
    const ph_dist *d = &b->dists.items[b->dists.count - 1];
    for (size_t i = 0; i + 1 < b->dists.count; i++)
        if (!strcmp(b->dists.items[i].name, d->name)) {
            ph_error_set(b->err,
                         "%s: wheel %s provides distribution '%s', which is already "
                         "packed (%s)",
                         in->origin, in->filename, d->display, b->dists.items[i].reason);
            return ph_error_hint(b->err, "pack each distribution once: remove one of them");
        }
    return 0;
}

static int add_wheel(build *b, const ph_input *in, const char *path, unsigned n)
{
    char dir[PATH_MAX], reason[1200], *meta = NULL;
    snprintf(dir, sizeof dir, "%s/%u", b->wheel_dir, n);
    if (mkdir(dir, 0700) < 0)
        return ph_error_errno(b->err, errno, "cannot create directory %s", dir);
    if (ph_wheel_unpack(path, in->filename, dir, &meta, b->err) < 0)
        return ph_error_prefix(b->err, "%s: ", in->origin);
    snprintf(reason, sizeof reason, "wheel %s (%s)", in->filename, in->origin);
    unsigned site = (unsigned)b->sites.count;
    ph_dist *grown = realloc(b->dists.items, (b->dists.count + 1) * sizeof *grown);
    int rc = grown ? add_site(b, dir) : ph_error_set(b->err, "out of memory");
    if (grown)
        b->dists.items = grown;
    if (rc == 0) {
        /* Counted even on failure: ph_dist_from_meta leaves it safe to free. */
        rc = ph_dist_from_meta(dir, meta, site, reason, &grown[b->dists.count], b->err);
        b->dists.count++;
    }
    free(meta);
    if (rc == 0)
        rc = check_duplicate(b, in);
    return rc < 0 ? -1 : collect_site(b, site);
}

static int collect_wheels(build *b)
{
    static const ph_fetch_options online = {0};
    const ph_fetch_options *fo = b->o->fetch ? b->o->fetch : &online;
    ph_input_list inputs;
    if (ph_inputs_from_manifest(&b->m, &inputs, b->err) < 0)
        return -1;
    int rc = inputs.count ? make_wheel_dir(b) : 0;
    for (size_t i = 0; rc == 0 && i < inputs.count; i++) {
        ph_fetch_result r;
        rc = ph_fetch(&inputs.items[i], fo, &r, b->err);
        if (rc == 0)
            rc = add_wheel(b, &inputs.items[i], r.path, (unsigned)i);
        free(r.path);
    }
    ph_input_list_free(&inputs);
    return rc;
}

/* ---- Import analysis (build_analysis.c) ------------------------------------------------ */

static bool is_code(pyr_kind kind)
{
    return kind == PYR_MODULE || kind == PYR_PACKAGE || kind == PYR_EXTENSION_MODULE;
}

/* FILE relative to the manifest's directory when it is inside it, as the user wrote paths. */
static const char *shown_path(const build *b, const char *file)
{
    size_t n = strlen(b->m.base_dir);
    if (n > 1 && !strncmp(file, b->m.base_dir, n) && file[n] == '/')
        return file + n + 1;
    return file;
}

/* Splits a tab-separated line in place into at most `max` fields; returns how many. */
static int split_tabs(char *line, char **fields, int max)
{
    int n = 0;
    for (char *p = line; n < max;) {
        fields[n++] = p;
        if (!(p = strchr(p, '\t')))
            break;
        *p++ = '\0';
    }
    return n;
}

static bool manifest_names(const build *b, const char *normalized)
{
    const ph_strlist *names = &b->m.resources.distributions;
    for (size_t i = 0; i < names->count; i++) {
        char *name = strndup(names->items[i], strcspn(names->items[i], "["));
        bool same = name && (ph_dist_normalize(name), !strcmp(name, normalized));
        free(name);
        if (same)
            return true;
    }
    return false;
}

/* A distribution the analysis reached and the manifest did not name: resolved with the named
 * ones (its requirements followed), its reason the import that reached it. */
static int found_dist(build *b, char **f)
{
    char where[PATH_MAX + 32], *normalized = strdup(f[1]);
    if (!normalized)
        return ph_error_set(b->err, "out of memory");
    ph_dist_normalize(normalized);
    if (manifest_names(b, normalized)) {
        free(normalized);
        return 0;
    }
    snprintf(where, sizeof where, "%s:%s", f[2][0] ? shown_path(b, f[2]) : "?", f[3]);
    int rc = add_note_list(&b->found_dists, normalized) < 0 ||
                     add_note_list(&b->found_where, where) < 0 ||
                     add_note_list(&b->m.resources.distributions, f[1]) < 0
                 ? ph_error_set(b->err, "out of memory")
                 : 0;
    free(normalized);
    return rc;
}

static int analysis_line(build *b, char *line)
{
    char *f[5], msg[PATH_MAX + 256];
    int n = split_tabs(line, f, 5);
    if (!b->m.resources.analysis)
        return 0; /* run only for [python] stdlib = auto */
    if (n == 5 && !strcmp(f[0], "missing")) {
        bool top = !strcmp(f[4], "top-level");
        if (!top && !b->o->verbose)
            return 0;
        snprintf(msg, sizeof msg, "%s:%s: cannot resolve import %s%s%s%s", shown_path(b, f[1]),
                 f[2], f[3], top ? "" : " (", top ? "" : f[4], top ? "" : ")");
        return add_note_list(&b->r->warnings, msg) < 0 ? ph_error_set(b->err, "out of memory") : 0;
    }
    if (n == 4 && !strcmp(f[0], "dist"))
        return found_dist(b, f);
    return 0;
}

/* The app's modules, found under [resources] paths, and the directories they were found in. */
static int app_roots(build *b, ph_strlist *dirs, ph_strlist *modules)
{
    const ph_strlist *paths = &b->m.resources.paths;
    for (size_t i = 0; i < paths->count; i++) {
        char *dir;
        if (resolve_dir(b, "paths", paths->items[i], &dir) < 0)
            return -1;
        int rc = add_note_list(dirs, dir);
        free(dir);
        if (rc < 0)
            return ph_error_set(b->err, "out of memory");
    }
    for (size_t i = 0; i < b->units.count; i++) {
        const ph_unit *u = &b->units.items[i];
        if (u->root < b->stdlib_root && is_code(u->kind) && add_note_list(modules, u->name) < 0)
            return ph_error_set(b->err, "out of memory");
    }
    return 0;
}

/* From the entry and the app's modules: warnings for the app's imports that resolve nowhere,
 * and the installed distributions they reach added to [resources] distributions. */
static int analyze_app(build *b)
{
    if (!b->m.resources.analysis && b->m.python.stdlib != PH_STDLIB_AUTO)
        return 0;
    const ph_entry_point *e = &b->m.app.entry;
    ph_strlist dirs = {0}, modules = {0}, lines = {0};
    char *script = NULL;
    int rc = find_sites(b);
    if (rc == 0)
        rc = app_roots(b, &dirs, &modules);
    if (rc == 0 && e->kind == PH_ENTRY_SCRIPT)
        rc = ph_manifest_resolve_path(&b->m, e->script, &script, b->err);
    if (rc == 0)
        rc =
            ph_analysis_app(&dirs, &b->sites, script, e->kind == PH_ENTRY_SCRIPT ? NULL : e->module,
                            &modules, &lines, b->err);
    b->analyzed = rc == 0;
    for (size_t i = 0; rc == 0 && i < lines.count; i++)
        rc = analysis_line(b, lines.items[i]);
    free(script);
    ph_strlist_clear(&dirs);
    ph_strlist_clear(&modules);
    ph_strlist_clear(&lines);
    return rc;
}

/* [python] stdlib = auto: what the analysis reached from everything packed, and the
 * manifest's stdlib_include patterns (what it cannot see). */
static int stdlib_reached(build *b, ph_strlist *names)
{
    ph_strlist modules = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->units.count; i++) {
        const ph_unit *u = &b->units.items[i];
        if (u->root > b->stdlib_root && u->root != SCRIPT_ROOT && is_code(u->kind))
            rc = add_note_list(&modules, u->name) < 0 ? ph_error_set(b->err, "out of memory") : 0;
    }
    if (rc == 0 && !b->analyzed)
        rc = ph_error_set(b->err, "[python] stdlib = auto needs the import analysis");
    if (rc == 0)
        rc = ph_analysis_stdlib(&b->sites, &modules, names, b->err);
    const ph_strlist *extra = &b->m.python.stdlib_include;
    for (size_t i = 0; rc == 0 && i < extra->count; i++)
        rc = add_note_list(names, extra->items[i]) < 0 ? ph_error_set(b->err, "out of memory") : 0;
    ph_strlist_clear(&modules);
    return rc;
}

/* ---- The entry point ------------------------------------------------------------------- */

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* "tools/run_app.py" -> "run_app": the runtime derives the module name the same way. */
static char *script_stem(const char *script)
{
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    size_t n = strlen(base);
    if (n > 3 && !strcmp(base + n - 3, ".py"))
        n -= 3;
    else if (n > 4 && !strcmp(base + n - 4, ".pyw"))
        n -= 4;
    return strndup(base, n);
}

static int script_collision(build *b, const char *script, const char *stem, size_t at)
{
    const ph_unit *u = &b->units.items[at];
    const char *where = u->root == b->stdlib_root ? "the standard library" : u->path;
    ph_manifest_error(&b->m, b->err, "app", "entry",
                      "script '%s' is packed as module '%s', which %s already provides", script,
                      stem, where ? where : "a namespace package");
    return ph_error_hint(b->err, "rename the script, or use a 'module:function' entry");
}

static int add_script(build *b)
{
    const char *script = b->m.app.entry.script;
    char *path = NULL, *stem = script_stem(script);
    struct stat st;
    int rc = stem ? ph_manifest_resolve_path(&b->m, script, &path, b->err)
                  : ph_error_set(b->err, "out of memory");
    if (rc == 0 && (stat(path, &st) < 0 || !S_ISREG(st.st_mode))) {
        ph_manifest_error(&b->m, b->err, "app", "entry", "script '%s' does not exist", script);
        rc = ph_error_hint(b->err, "the path is relative to %s", b->m.base_dir);
    } else if (rc == 0 && (!*stem || strchr(stem, '.'))) {
        ph_manifest_error(&b->m, b->err, "app", "entry",
                          "script '%s' cannot be a module name ('%s')", script, stem);
        rc = ph_error_hint(b->err, "rename the script so that its name has no '.' before .py");
    }
    size_t at = rc == 0 ? ph_unit_find(&b->units, stem) : (size_t)-1;
    if (rc == 0 && at != (size_t)-1 && !same_file(b->units.items[at].path, path))
        rc = script_collision(b, script, stem, at);
    else if (rc == 0 && at == (size_t)-1) {
        const char *base = strrchr(path, '/');
        rc = ph_unit_push(&b->units, stem, PYR_MODULE, path, base ? base + 1 : path, NULL,
                          SCRIPT_ROOT, b->err);
    }
    free(path);
    free(stem);
    return rc;
}

/* Without the packed stdlib, a stdlib entry module still runs if it is on disk at run time. */
static bool in_system_stdlib(const char *module)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/", PH_PYTHON_STDLIB);
    size_t n = strlen(path);
    for (const char *p = module; *p && n + 1 < sizeof path; p++)
        path[n++] = *p == '.' ? '/' : *p;
    path[n] = '\0';
    snprintf(path + n, sizeof path - n, ".py");
    if (stat(path, &st) == 0)
        return true;
    snprintf(path + n, sizeof path - n, "/__init__.py");
    return stat(path, &st) == 0;
}

static bool importable(const ph_unit *u)
{
    return u->kind != PYR_PACKAGE_RESOURCE;
}

/* A few top-level app modules, to show what was found instead. */
static void app_modules_found(const build *b, char *buf, size_t size)
{
    size_t n = 0, shown = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < b->units.count && shown < 8; i++) {
        const ph_unit *u = &b->units.items[i];
        if (u->root >= b->stdlib_root || !importable(u) || strchr(u->name, '.'))
            continue;
        n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", shown ? ", " : "", u->name);
        shown++;
    }
    if (n >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

static int missing_module(build *b, const char *module)
{
    char found[400];
    ph_manifest_error(&b->m, b->err, "app", "entry",
                      "entry module '%s' is not among the packed modules", module);
    app_modules_found(b, found, sizeof found);
    if (found[0])
        return ph_error_hint(b->err,
                             "app modules found under [resources] paths: %s; check the entry, "
                             "paths, include and exclude",
                             found);
    return ph_error_hint(b->err,
                         "no app modules were found: add the directory that holds '%s' "
                         "to [resources] paths (relative to %s)",
                         module, b->m.base_dir);
}

static int check_entry(build *b)
{
    const ph_entry_point *e = &b->m.app.entry;
    if (e->kind == PH_ENTRY_SCRIPT)
        return add_script(b);
    size_t at = ph_unit_find(&b->units, e->module);
    if (at == (size_t)-1 || !importable(&b->units.items[at])) {
        if (ph_python_is_builtin(e->module) || (!b->m.python.stdlib && in_system_stdlib(e->module)))
            return 0;
        return missing_module(b, e->module);
    }
    if (b->units.items[at].kind <= PYR_PACKAGE &&
        ph_check_entry_function(&b->m, b->units.items[at].path, b->err) < 0)
        return -1;
    if (e->kind == PH_ENTRY_MODULE && b->units.items[at].kind != PYR_MODULE &&
        b->units.items[at].kind != PYR_EXTENSION_MODULE) {
        /* Running a package as __main__ runs its __main__ submodule, like python -m. */
        char main[1024];
        snprintf(main, sizeof main, "%s.__main__", e->module);
        if (ph_unit_find(&b->units, main) == (size_t)-1) {
            ph_manifest_error(&b->m, b->err, "app", "entry",
                              "'%s' is a package without a __main__ module", e->module);
            return ph_error_hint(b->err,
                                 "add %s/__main__.py, or name a function: "
                                 "'%s.cli:main'",
                                 e->module, e->module);
        }
    }
    return 0;
}

static int collect(build *b)
{
    /* The stdlib comes last: with [python] stdlib = auto it is what everything else reaches. */
    b->stdlib_root = (unsigned)b->m.resources.paths.count;
    if (find_routed_dirs(b) < 0 || collect_app(b) < 0 || analyze_app(b) < 0 ||
        collect_dists(b) < 0 || collect_wheels(b) < 0 || collect_stdlib(b) < 0)
        return -1;
    if (ph_collect_resolve(&b->units, b->o->verbose ? &b->r->notes : NULL, b->err) < 0 ||
        ph_collect_data(&b->m, &b->units, b->o->explain ? &b->r->explain : NULL, b->err) < 0)
        return -1;
    if (ph_collect_shared_libraries(&b->units, &b->m, b->o->explain ? &b->r->explain : NULL,
                                    b->err) < 0 ||
        check_entry(b) < 0)
        return -1;
    return b->o->explain ? explain(b) : 0;
}

/* ---- Packing --------------------------------------------------------------------------- */

/* Bytecode for one module, from the cache or freshly compiled. Returns 1 when the unit must
 * be skipped (a stdlib file that does not compile), 0 on success, -1 on error. */
static int bytecode(build *b, const ph_unit *u, const char *src, size_t size, uint8_t **code,
                    size_t *code_size)
{
    int opt = b->m.python.optimize;
    uint64_t key = ph_cache_key(&b->py, opt, u->relname, src, size);
    if (ph_cache_get(&b->cache, key, code, code_size)) {
        b->r->cached++;
        return 0;
    }
    ph_error cerr;
    if (ph_python_compile(src, size, u->relname, u->path, opt, code, code_size, &cerr) < 0) {
        if (u->root < b->stdlib_root || u->root == SCRIPT_ROOT) {
            *b->err = cerr;
            return ph_error_hint(b->err, "fix the file, or leave its module out with "
                                         "[resources] exclude");
        }
        /* The stdlib's own tests hold deliberate syntax errors, and installed distributions
         * may ship files for other Python versions: skip, and say so if asked. */
        if (b->o->verbose && add_note(b, "skipped %.900s%s", cerr.message, "") < 0)
            return -1;
        return 1;
    }
    b->r->compiled++;
    ph_cache_put(&b->cache, key, *code, *code_size);
    return 0;
}

/* [python] include_source: every module, none, or (app) the app's own: modules found under
 * [resources] paths and a script entry, not the stdlib's, distributions' or wheels'. */
static bool wants_source(const build *b, const ph_unit *u)
{
    switch (b->m.python.include_source) {
    case PH_SOURCE_ALL:
        return true;
    case PH_SOURCE_APP:
        return u->root < b->stdlib_root || u->root == SCRIPT_ROOT;
    default:
        return false;
    }
}

static int pack_module(build *b, const ph_unit *u)
{
    char *src;
    size_t size;
    uint8_t *code = NULL;
    size_t code_size = 0;
    if (ph_read_file(u->path, &src, &size, b->err) < 0)
        return -1;
    int rc = bytecode(b, u, src, size, &code, &code_size);
    pyr_slot slot = (pyr_slot)(PYR_BYTECODE_OPT0 + b->m.python.optimize);
    if (rc == 0 && wants_source(b, u))
        rc = pyr_writer_add_blob(b->writer, u->name, u->kind, PYR_SOURCE, src, size, PYR_IN_MEMORY,
                                 0, b->err);
    if (rc == 0)
        rc = pyr_writer_add_blob(b->writer, u->name, u->kind, slot, code, code_size, PYR_IN_MEMORY,
                                 0, b->err);
    free(src);
    free(code);
    if (rc == 1)
        return 1;
    return rc == 0 ? 0 : -1;
}

static int pack_file(build *b, const ph_unit *u, const char *name, pyr_kind kind, unsigned flags)
{
    char *data;
    size_t size;
    if (ph_read_file(u->path, &data, &size, b->err) < 0)
        return -1;
    int rc = pyr_writer_add_blob(b->writer, name, kind, PYR_DATA, data, size, PYR_IN_MEMORY, flags,
                                 b->err);
    free(data);
    return rc;
}

/* Returns 1 when the unit was skipped. */
static int pack_unit(build *b, const ph_unit *u)
{
    switch (u->kind) {
    case PYR_MODULE:
    case PYR_PACKAGE:
        return pack_module(b, u);
    case PYR_NAMESPACE_PACKAGE:
        return pyr_writer_add_entry(b->writer, u->name, u->kind, b->err);
    default: { /* extension modules and resources: the file's bytes, or where they are */
        const ph_routing *r;
        int line;
        switch (place_of(b, u, &r, &line)) {
        case PLACE_ROUTED:
            return pack_routed(b, u, r->dir);
        case PLACE_DISK: /* a directory bundle: in lib/, the root of its module paths */
            return b->o->place_beside ? pack_routed(b, u, BESIDE_DIR) : pack_placed(b, u);
        default:
            return pack_file(b, u, u->name, u->kind, 0);
        }
    }
    }
}

/* The runtime reads the manifest back from the .pyr; stored so it can be read in place. */
static int pack_manifest(build *b)
{
    if (b->m.text) /* made from a pyproject.toml: the INI text it became */
        return pyr_writer_add_blob(b->writer, MANIFEST_ENTRY, PYR_PLAIN_FILE, PYR_DATA, b->m.text,
                                   strlen(b->m.text), PYR_IN_MEMORY, PYR_NO_COMPRESS, b->err);
    ph_unit u = {.path = b->m.path};
    return pack_file(b, &u, MANIFEST_ENTRY, PYR_PLAIN_FILE, PYR_NO_COMPRESS);
}

static int pack(build *b)
{
    const ph_compress *c = &b->m.python.compress;
    pyr_writer_options wo = {
        .python_magic = b->py.magic,
        .python_version = b->py.version,
        .compression_level = c->method == PH_COMPRESSION_ZSTD ? c->level : 0,
        .train_dictionary = c->method == PH_COMPRESSION_ZSTD && b->m.python.dictionary,
    };
    if (pyr_writer_new(&b->writer, &wo, b->err) < 0)
        return -1;
    size_t total = b->units.count;
    for (size_t i = 0; i < total; i++) {
        const ph_unit *u = &b->units.items[i];
        if (b->o->progress)
            b->o->progress(b->o->progress_ctx, i + 1, total, u->relname);
        int rc = pack_unit(b, u);
        if (rc < 0)
            return -1;
        b->r->entries += rc == 0;
    }
    if (pack_manifest(b) < 0)
        return -1;
    b->r->entries++;
    int listed = pack_placed_list(b);
    if (listed < 0)
        return -1;
    b->r->entries += (size_t)listed;
    if (b->o->progress)
        b->o->progress(b->o->progress_ctx, total, total, NULL);
    return 0;
}

static int write_output(build *b, double *t_pack)
{
    uint8_t *buf;
    size_t size;
    if (pyr_writer_finish(b->writer, &buf, &size, b->err) < 0)
        return -1;
    *t_pack = now();
    if (write_copies(b) < 0) {
        free(buf);
        return -1;
    }
    ph_sweep_atomic_leftovers(b->r->output_path);
    int rc = ph_write_file_atomic(b->r->output_path, buf, size, 0644, b->err);
    free(buf);
    if (rc < 0)
        return ph_error_hint(b->err, "choose another output with -o, or make its directory "
                                     "writable");
    b->r->size = size;
    return 0;
}

/* ---- The whole build ------------------------------------------------------------------- */

static int run(build *b)
{
    double t0 = now(), t1, t2, t3;
    if (load(b) < 0)
        return -1;
    describe_compression(b);
    if (ph_python_start(&b->py, b->err) < 0)
        return -1;
    b->py_started = true;
    ph_cache_open(&b->cache);
    memcpy(b->r->cache_warning, b->cache.warning, sizeof b->r->cache_warning);
    memcpy(b->r->cache_dir, b->cache.dir, sizeof b->r->cache_dir);
    if (collect(b) < 0)
        return -1;
    t1 = now();
    if (pack(b) < 0)
        return -1;
    t2 = now();
    /* A cache write failing mid-build turns the cache off; report that once, at the end. */
    if (!b->r->cache_warning[0])
        memcpy(b->r->cache_warning, b->cache.warning, sizeof b->r->cache_warning);
    if (write_output(b, &t3) < 0)
        return -1;
    b->r->seconds_collect = t1 - t0;
    b->r->seconds_compile = t2 - t1;
    b->r->seconds_pack = t3 - t2;
    b->r->seconds_write = now() - t3;
    return 0;
}

int ph_build(const ph_build_options *options, ph_build_result *result, ph_error *err)
{
    *result = (ph_build_result){0};
    build b = {.o = options, .r = result, .err = err, .wheel_cleanup = -1};
    int rc = run(&b);
    if (rc < 0 && !result->cache_warning[0])
        memcpy(result->cache_warning, b.cache.warning, sizeof result->cache_warning);
    pyr_writer_free(b.writer);
    ph_unit_list_free(&b.units);
    ph_unit_list_free(&b.copies);
    free(b.placed);
    ph_dist_set_free(&b.dists);
    ph_strlist_clear(&b.found_dists);
    ph_strlist_clear(&b.found_where);
    if (b.wheel_dir)
        ph_remove_tree(b.wheel_dir);
    ph_cleanup_pop(b.wheel_cleanup);
    free(b.wheel_dir);
    for (size_t i = 0; i < b.sites.count; i++)
        free(b.sites.items[i]);
    free(b.sites.items);
    if (b.py_started)
        ph_python_stop();
    ph_manifest_free(&b.m);
    return rc;
}

void ph_build_result_free(ph_build_result *r)
{
    free(r->output_path);
    for (size_t i = 0; i < r->notes.count; i++)
        free(r->notes.items[i]);
    free(r->notes.items);
    for (size_t i = 0; i < r->explain.count; i++)
        free(r->explain.items[i]);
    free(r->explain.items);
    for (size_t i = 0; i < r->warnings.count; i++)
        free(r->warnings.items[i]);
    free(r->warnings.items);
    *r = (ph_build_result){0};
}
