/* Collecting the app's [resources] paths, lib-dynload and the stdlib (whole, or with
 * [python] stdlib = auto what the import analysis reaches), for one build (build_pack.h). */
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

/* ---- Collecting ------------------------------------------------------------------------ */

int build_resolve_dir(build *b, const char *key, const char *item, char **out)
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

int build_collect_app(build *b)
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
        if (build_resolve_dir(b, "paths", paths->items[i], &root) < 0)
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

static int collect_stdlib_with(build *b, const ph_strlist *include);

int build_collect_stdlib(build *b)
{
    b->stdlib_root = (unsigned)b->m.resources.paths.count;
    if (b->m.python.stdlib == PH_STDLIB_NONE)
        return 0;
    ph_strlist auto_names = {0};
    const ph_strlist *include = &b->m.python.stdlib_include;
    if (b->m.python.stdlib == PH_STDLIB_AUTO) {
        if (build_stdlib_reached(b, &auto_names) < 0) {
            ph_strlist_free(&auto_names);
            return -1;
        }
        include = &auto_names;
    }
    int rc = collect_stdlib_with(b, include);
    ph_strlist_free(&auto_names);
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
