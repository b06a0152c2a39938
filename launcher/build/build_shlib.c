/* Shared libraries that extension modules carry with them.
 *
 * A wheel's extension module finds its private libraries through a `$ORIGIN`-relative run
 * path: auditwheel puts them in `pkg.libs/` (numpy's `numpy.libs/libopenblas...so`) and sets
 * RUNPATH `$ORIGIN/../pkg.libs`. Such a library is packed as a PYR_SHARED_LIBRARY entry named
 * by where it sits relative to its root ("pkg.libs/libx-1a2b.so.1"), the same path the runtime
 * computes from the extension's name and run path before loading it (runtime/shlib.c).
 * Libraries the system loader finds by itself (libc, libssl, a Debian package's BLAS) are left
 * to the system, as `python3` leaves them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "pyhost/elf.h"
#include "pyhost/fsutil.h"

/* The directory a unit's loader path is relative to: "pkg" for module "pkg._x" (where the
 * runtime gives it its virtual path), the containing directory for a library. */
static void virtual_origin(const ph_unit *u, char *buf, size_t size)
{
    if (u->kind == PYR_SHARED_LIBRARY) {
        const char *slash = strrchr(u->name, '/');
        snprintf(buf, size, "%.*s", slash ? (int)(slash - u->name) : 0, u->name);
        return;
    }
    const char *dot = strrchr(u->name, '.');
    snprintf(buf, size, "%.*s", dot ? (int)(dot - u->name) : 0, u->name);
    for (char *p = buf; *p; p++)
        *p = *p == '.' ? '/' : *p;
}

/* The root directory the unit was found under: its path minus its virtual location. */
static bool unit_root(const ph_unit *u, const char *origin, char *buf, size_t size)
{
    const char *base = strrchr(u->path, '/');
    if (!base)
        return false;
    size_t dir_len = (size_t)(base - u->path), olen = strlen(origin);
    if (olen && (dir_len < olen + 1 || strncmp(u->path + dir_len - olen, origin, olen) != 0 ||
                 u->path[dir_len - olen - 1] != '/'))
        return false; /* not laid out like its name (lib-dynload): no $ORIGIN paths to follow */
    size_t root_len = olen ? dir_len - olen - 1 : dir_len;
    return (size_t)snprintf(buf, size, "%.*s", (int)root_len, u->path) < size;
}

/* ph_elf_search's candidates: a file `rel` under the root `ctx`. */
static int file_under_root(void *ctx, const char *rel)
{
    char path[PATH_MAX];
    struct stat st;
    return (size_t)snprintf(path, sizeof path, "%s/%s", (const char *)ctx, rel) < sizeof path &&
           stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool on_filesystem(const ph_manifest *m, const char *module)
{
    return ph_manifest_route(m, module, NULL)->kind == PH_ROUTE_FILESYSTEM;
}

/* In memory, the dynamic loader knows a library only by its DT_SONAME. */
static int check_soname(const ph_manifest *m, const ph_unit *ext, const char *needed,
                        const char *path, ph_error *err)
{
    char *bytes;
    size_t size;
    if (ph_read_file(path, &bytes, &size, err) < 0)
        return -1;
    ph_elf_dynamic lib;
    int rc = ph_elf_read_dynamic(bytes, size, path, &lib, err);
    bool named = rc == 0 && lib.soname && !strcmp(lib.soname, needed);
    free(bytes);
    if (rc < 0 || named || on_filesystem(m, ext->owner ? ext->owner : ext->name))
        return rc;
    ph_error_set(err, "%s, needed by %s as '%s', has no DT_SONAME '%s'", path, ext->name, needed,
                 needed);
    return ph_error_hint(err,
                         "loaded from memory, a library is only recognized by its SONAME: relink "
                         "it with -Wl,-soname,%s, or route %s filesystem-relative in [routing]",
                         needed, ext->name);
}

static int libraries_of(ph_unit_list *units, const ph_manifest *m, size_t i,
                        const ph_elf_loaders *loaders, ph_strlist *explain, ph_error *err);

/* Packs the library `rel` under `root` for unit `ext` (an extension module or a library),
 * then what it needs; `self` is `ext` as its loader. */
static int add_library(ph_unit_list *units, const ph_manifest *m, size_t ext, const char *root,
                       const char *rel, const char *needed, const ph_elf_loaders *self,
                       ph_strlist *explain, ph_error *err)
{
    const char *module = units->items[ext].owner && units->items[ext].kind == PYR_SHARED_LIBRARY
                             ? units->items[ext].owner
                             : units->items[ext].name;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >= sizeof path)
        return ph_error_set(err, "%s/%s: path too long", root, rel);
    if (check_soname(m, &units->items[ext], needed, path, err) < 0)
        return -1;
    size_t at = ph_unit_find(units, rel);
    if (at != (size_t)-1 && units->items[at].kind == PYR_SHARED_LIBRARY) {
        /* Needed by an in-memory and a filesystem-routed extension: it goes to disk, with what
         * it needs, where the second one's run path looks; the first loads it from there. */
        if (!on_filesystem(m, module) || on_filesystem(m, units->items[at].owner))
            return 0;
        char *owner = strdup(module);
        if (!owner)
            return ph_error_set(err, "out of memory");
        free(units->items[at].owner);
        units->items[at].owner = owner;
        return libraries_of(units, m, at, self, NULL, err);
    }
    if (at != (size_t)-1) { /* a data file of a package ("pkg/.libs/libx.so"): it is a library */
        ph_unit *u = &units->items[at];
        char *owner = strdup(module);
        if (!owner)
            return ph_error_set(err, "out of memory");
        free(u->owner);
        u->owner = owner;
        u->kind = PYR_SHARED_LIBRARY;
    } else if (ph_unit_push(units, rel, PYR_SHARED_LIBRARY, path, rel, module,
                            units->items[ext].root, err) < 0) {
        return -1;
    }
    if (explain) {
        char *copy;
        if (asprintf(&copy, "shared library %s: needed by %s", rel, units->items[ext].name) < 0)
            copy = NULL;
        char **grown = copy ? realloc(explain->items, (explain->count + 1) * sizeof *grown) : NULL;
        if (!grown) {
            free(copy);
            return ph_error_set(err, "out of memory");
        }
        explain->items = grown;
        explain->items[explain->count++] = copy;
    }
    /* What it needs is followed now, while its loaders are known (they may be found through
     * their DT_RPATHs); the caller's loop may visit it again, finding nothing new. */
    return libraries_of(units, m, at == (size_t)-1 ? units->count - 1 : at, self, explain, err);
}

static int libraries_of(ph_unit_list *units, const ph_manifest *m, size_t i,
                        const ph_elf_loaders *loaders, ph_strlist *explain, ph_error *err)
{
    char origin[PATH_MAX], root[PATH_MAX], rel[PATH_MAX];
    virtual_origin(&units->items[i], origin, sizeof origin);
    if (!unit_root(&units->items[i], origin, root, sizeof root))
        return 0;
    char *bytes;
    size_t size;
    if (ph_read_file(units->items[i].path, &bytes, &size, err) < 0)
        return -1;
    ph_elf_dynamic dyn;
    int rc = ph_elf_read_dynamic(bytes, size, units->items[i].path, &dyn, err);
    ph_elf_loaders self = ph_elf_as_loader(&dyn, origin, loaders);
    for (size_t n = 0; rc == 0 && n < dyn.needed_count; n++)
        if (ph_elf_search(&dyn, origin, loaders, dyn.needed[n], file_under_root, root, rel,
                          sizeof rel))
            rc = add_library(units, m, i, root, rel, dyn.needed[n], &self, explain, err);
    free(bytes);
    return rc;
}

int ph_collect_shared_libraries(ph_unit_list *units, const ph_manifest *m, ph_strlist *explain,
                                ph_error *err)
{
    /* Libraries appended here are visited in turn: they may need others. */
    for (size_t i = 0; i < units->count; i++) {
        pyr_kind kind = units->items[i].kind;
        if ((kind == PYR_EXTENSION_MODULE || kind == PYR_SHARED_LIBRARY) &&
            libraries_of(units, m, i, NULL, explain, err) < 0)
            return -1;
    }
    return 0;
}
