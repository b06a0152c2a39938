/* Installed distributions: the site directories, resolving [resources] distributions and the
 * analysis' finds, collecting each one's files; and wheels, unpacked as one more site each. */
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
int build_find_sites(build *b)
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
        if (build_resolve_dir(b, "site_packages", set->items[i], &dir) < 0)
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
                ph_strlist_append(&tops, d->tops.items[t]) < 0)
                rc = ph_error_set(b->err, "out of memory");
        if (rc == 0 && d->site == site)
            rc = ph_dist_metadata_units(d, b->sites.items[site], &b->units,
                                        build_site_root(b, site), b->err);
    }
    ph_walk_rules rules = {.root = build_site_root(b, site),
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
        if (ph_strlist_append(&b->r->warnings, msg) < 0)
            rc = ph_error_set(b->err, "out of memory");
    }
    free(added);
    return rc < 0 ? -1 : ph_dist_resolve(&b->m, &b->sites, &b->dists, b->err);
}

int build_collect_dists(build *b)
{
    if (!b->m.resources.distributions.count)
        return 0;
    if (build_find_sites(b) < 0 || resolve_dists(b) < 0 || reason_from_analysis(b) < 0)
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
    if (!ph_cleanup_mkdtemp(templ, &b->wheel_cleanup)) /* removed if a signal ends pyhost */
        return ph_error_errno(b->err, errno, "cannot create a directory like %s", templ);
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

int build_collect_wheels(build *b)
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
