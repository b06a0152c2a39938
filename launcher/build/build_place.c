/* Where each collected file goes (build_pack.h): routing directories ([routing],
 * filesystem-relative:DIR), the placement rules (memory, disk, routed) and --explain's report. */
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

#include "build_pack.h"

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
int build_find_routed_dirs(build *b)
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
int build_pack_routed(build *b, const ph_unit *u, const char *dir)
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

int build_write_copies(build *b)
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

placement build_place_of(const build *b, const ph_unit *u, const ph_routing **route, int *line)
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
int build_pack_placed(build *b, const ph_unit *u)
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
int build_pack_placed_list(build *b)
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
        placement p = build_place_of(b, u, &r, &at);
        if (!routable(u->kind) || u->kind == PYR_SHARED_LIBRARY ||
            (u->kind == PYR_EXTENSION_MODULE && p == PLACE_MEMORY))
            continue; /* modules, extension modules in memory: the obvious; libraries: above */
        if (u->shared_object && p == PLACE_DISK) {
            snprintf(line, sizeof line,
                     "placement %s: on disk, a shared object that exports no PyInit_ (loaded by "
                     "path, e.g. with ctypes)",
                     u->name);
            if (ph_strlist_append(out, line) < 0)
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
        if (ph_strlist_append(out, line) < 0)
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
        if (build_site_root(b, d->site) == u->root && ph_manifest_matches_any(&d->tops, u->name))
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

int build_explain(build *b)
{
    ph_strlist *out = &b->r->explain;
    char line[2048], why[1024];
    for (size_t i = 0; i < b->dists.count; i++) {
        const ph_dist *d = &b->dists.items[i];
        snprintf(line, sizeof line, "distribution %s: %s", d->display, d->reason);
        if (ph_strlist_append(out, line) < 0)
            return ph_error_set(b->err, "out of memory");
        if (!strncmp(d->reason, "imported by ", 12)) {
            snprintf(line, sizeof line, "packed %s: %s", d->display, d->reason);
            if (ph_strlist_append(out, line) < 0)
                return ph_error_set(b->err, "out of memory");
        }
    }
    for (size_t i = 0; i < b->units.count; i++) {
        const ph_unit *u = &b->units.items[i];
        if (strchr(u->name, '.') || strchr(u->name, '/') || u->kind == PYR_PLAIN_FILE)
            continue; /* only top-level modules and packages */
        why_module(b, u, why, sizeof why);
        snprintf(line, sizeof line, "module %s: %s", u->name, why);
        if (ph_strlist_append(out, line) < 0)
            return ph_error_set(b->err, "out of memory");
    }
    if (explain_placement(b, out) < 0)
        return -1;
    if (out->count) /* qsort(NULL, 0, ...) is undefined */
        qsort(out->items, out->count, sizeof *out->items, cmp_lines);
    return 0;
}
