/* The import analysis of the app (build_analysis.c runs it): its report read back into the
 * build, distributions it adds, and the stdlib modules it reaches (build_pack.h). */
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
    int rc = ph_strlist_append(&b->found_dists, normalized) < 0 ||
                     ph_strlist_append(&b->found_where, where) < 0 ||
                     ph_strlist_append(&b->m.resources.distributions, f[1]) < 0
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
        return ph_strlist_append(&b->r->warnings, msg) < 0 ? ph_error_set(b->err, "out of memory")
                                                           : 0;
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
        if (build_resolve_dir(b, "paths", paths->items[i], &dir) < 0)
            return -1;
        int rc = ph_strlist_append(dirs, dir);
        free(dir);
        if (rc < 0)
            return ph_error_set(b->err, "out of memory");
    }
    for (size_t i = 0; i < b->units.count; i++) {
        const ph_unit *u = &b->units.items[i];
        if (u->root < b->stdlib_root && is_code(u->kind) && ph_strlist_append(modules, u->name) < 0)
            return ph_error_set(b->err, "out of memory");
    }
    return 0;
}

/* From the entry and the app's modules: warnings for the app's imports that resolve nowhere,
 * and the installed distributions they reach added to [resources] distributions. */
int build_analyze_app(build *b)
{
    if (!b->m.resources.analysis && b->m.python.stdlib != PH_STDLIB_AUTO)
        return 0;
    const ph_entry_point *e = &b->m.app.entry;
    ph_strlist dirs = {0}, modules = {0}, lines = {0};
    char *script = NULL;
    int rc = build_find_sites(b);
    if (rc == 0)
        rc = app_roots(b, &dirs, &modules);
    if (rc == 0 && e->kind == PH_ENTRY_SCRIPT)
        rc = ph_manifest_resolve_path(&b->m, e->script, &script, b->err);
    if (rc == 0)
        rc =
            ph_analysis_app(&dirs, &b->sites, script, e->kind == PH_ENTRY_SCRIPT ? NULL : e->module,
                            &modules, b->o, &lines, b->err);
    b->analyzed = rc == 0;
    for (size_t i = 0; rc == 0 && i < lines.count; i++)
        rc = analysis_line(b, lines.items[i]);
    free(script);
    ph_strlist_free(&dirs);
    ph_strlist_free(&modules);
    ph_strlist_free(&lines);
    return rc;
}

/* [python] stdlib = auto: what the analysis reached from everything packed, and the
 * manifest's stdlib_include patterns (what it cannot see). */
int build_stdlib_reached(build *b, ph_strlist *names)
{
    ph_strlist modules = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < b->units.count; i++) {
        const ph_unit *u = &b->units.items[i];
        if (u->root > b->stdlib_root && u->root != SCRIPT_ROOT && is_code(u->kind))
            rc = ph_strlist_append(&modules, u->name) < 0 ? ph_error_set(b->err, "out of memory")
                                                          : 0;
    }
    if (rc == 0 && !b->analyzed)
        rc = ph_error_set(b->err, "[python] stdlib = auto needs the import analysis");
    if (rc == 0)
        rc = ph_analysis_stdlib(&b->sites, &modules, names, b->err);
    const ph_strlist *extra = &b->m.python.stdlib_include;
    for (size_t i = 0; rc == 0 && i < extra->count; i++)
        rc = ph_strlist_append(names, extra->items[i]) < 0 ? ph_error_set(b->err, "out of memory")
                                                           : 0;
    ph_strlist_free(&modules);
    return rc;
}
