/* Installed distributions: [resources] distributions, their Requires-Dist closure, what
 * modules each provides and its metadata files.
 *
 * A distribution is found by its metadata in a site directory: "NAME-VER.dist-info/" (wheels),
 * or Debian's "NAME-VER.egg-info/" (sometimes a single file). Requirements come from METADATA's
 * Requires-Dist lines or from egg-info's requires.txt ("[extra]" and "[:marker]" sections).
 * build_requires.c reads the requirements, build_record.c what modules each provides. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "build_dist.h"
#include "pyhost/fsutil.h"
#include "wheel.h"

/* ---- small helpers --------------------------------------------------------------------- */

/* Splits `*cursor` at the next newline (keeping empty lines, unlike strtok) and strips '\r'. */
char *dist_next_line(char **cursor)
{
    char *line = *cursor;
    if (!line || !*line)
        return NULL;
    char *nl = strchr(line, '\n');
    *cursor = nl ? nl + 1 : NULL;
    if (nl)
        *nl = '\0';
    line[strcspn(line, "\r")] = '\0';
    return line;
}

bool dist_list_has(const ph_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (!strcmp(l->items[i], s))
            return true;
    return false;
}

int dist_list_add(ph_strlist *l, const char *s, size_t len)
{
    char **grown = realloc(l->items, (l->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    l->items = grown;
    if (!(l->items[l->count] = strndup(s, len)))
        return -1;
    l->count++;
    return 0;
}

void dist_list_free(ph_strlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    *l = (ph_strlist){0};
}

size_t dist_name_len(const char *s)
{
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
}

char *dist_trimmed(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    return strndup(s, len);
}

/* ---- Finding metadata in the site directories ----------------------------------------- */

static void candidates_free(candidates *c)
{
    for (size_t i = 0; i < c->count; i++) {
        free(c->items[i].name);
        free(c->items[i].display);
        free(c->items[i].meta);
    }
    free(c->items);
}

static int add_candidate(candidates *c, const char *site, const char *entry, unsigned index)
{
    char *path = ph_path_join(site, entry, "");
    struct stat st;
    bool ok = path && stat(path, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode));
    free(path);
    if (!ok)
        return 0; /* dangling or odd: not a distribution */
    candidate *grown = realloc(c->items, (c->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    c->items = grown;
    candidate *d = &c->items[c->count];
    /* Named by its metadata ("Name: zope.testrunner"), by the file name when it has none
     * ("NAME-VER.egg-info", "Name.egg-info" with no version); messages show the file's
     * spelling, which is what the user sees in the site directory. */
    *d = (candidate){dist_meta_name(site, entry, S_ISREG(st.st_mode)), NULL, strdup(entry),
                     S_ISREG(st.st_mode), index};
    if ((d->display = strndup(entry, strcspn(entry, "-"))) &&
        ph_str_ends_with(d->display, ".egg-info"))
        d->display[strlen(d->display) - 9] = '\0';
    if (!d->name && d->display)
        d->name = strdup(d->display);
    c->count++;
    if (!d->name || !d->display || !d->meta)
        return -1;
    ph_dist_normalize(d->name);
    return 0;
}

/* Every metadata directory or file in every site directory; readdir order does not matter
 * because look-ups take the first site in search order, then the smallest name. */
static int scan_sites(const ph_strlist *sites, candidates *out, ph_error *err)
{
    for (size_t i = 0; i < sites->count; i++) {
        DIR *d = opendir(sites->items[i]);
        if (!d)
            return ph_error_errno(err, errno, "cannot read directory %s", sites->items[i]);
        int rc = 0;
        for (struct dirent *e; rc == 0 && (e = readdir(d));)
            if (e->d_name[0] != '.' && (ph_str_ends_with(e->d_name, ".dist-info") ||
                                        ph_str_ends_with(e->d_name, ".egg-info")))
                rc = add_candidate(out, sites->items[i], e->d_name, (unsigned)i);
        closedir(d);
        if (rc < 0)
            return ph_error_set(err, "out of memory");
    }
    return 0;
}

static const candidate *find_candidate(const candidates *c, const char *name)
{
    const candidate *best = NULL;
    for (size_t i = 0; i < c->count; i++) {
        const candidate *d = &c->items[i];
        if (strcmp(d->name, name) != 0)
            continue;
        if (!best || d->site < best->site ||
            (d->site == best->site && strcmp(d->meta, best->meta) < 0))
            best = d;
    }
    return best;
}

/* ---- The closure ----------------------------------------------------------------------- */

typedef struct pending {
    char *name;  /* normalized */
    char *asked; /* as written, for messages */
    ph_strlist extras;
    char *reason;
    char *debian;  /* a Debian package with no Python metadata ("python3-pkg-resources"), or NULL */
    unsigned site; /* where that package's modules are */
} pending;

typedef struct resolver {
    const ph_manifest *m;
    const ph_strlist *sites;
    candidates found;
    ph_dist_set *out;
    requirements *reqs; /* parallel to out->items */
    pending *queue;
    size_t head, count;
    ph_debian *debian; /* dpkg's database, read on first use */
    ph_error *err;
} resolver;

static int enqueue(resolver *r, const char *name, const char *asked, const ph_strlist *extras,
                   const char *reason)
{
    pending *grown = realloc(r->queue, (r->count + 1) * sizeof *grown);
    if (!grown)
        return ph_error_set(r->err, "out of memory");
    r->queue = grown;
    pending *p = &r->queue[r->count++];
    *p = (pending){strdup(name), strdup(asked), {0}, strdup(reason), NULL, 0};
    for (size_t i = 0; extras && i < extras->count; i++)
        if (dist_list_add(&p->extras, extras->items[i], strlen(extras->items[i])) < 0)
            return ph_error_set(r->err, "out of memory");
    if (!p->name || !p->asked || !p->reason)
        return ph_error_set(r->err, "out of memory");
    return 0;
}

static void pending_free(pending *p)
{
    free(p->name);
    free(p->asked);
    dist_list_free(&p->extras);
    free(p->reason);
    free(p->debian);
}

/* "requests[socks]" -> name "requests", extras {"socks"}. */
static int enqueue_manifest(resolver *r)
{
    const ph_strlist *names = &r->m->resources.distributions;
    for (size_t i = 0; i < names->count; i++) {
        const char *item = names->items[i];
        size_t n = strcspn(item, "[");
        char *name = strndup(item, n);
        ph_strlist extras = {0};
        int rc = name && (!item[n] || dist_parse_extras(item + n + 1, &extras) == 0)
                     ? 0
                     : ph_error_set(r->err, "out of memory");
        if (rc == 0) {
            ph_dist_normalize(name);
            rc = enqueue(r, name, item, &extras, "[resources] distributions");
        }
        free(name);
        dist_list_free(&extras);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static void list_sites(const resolver *r, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->sites->count && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", r->sites->items[i]);
}

static int missing(resolver *r, const pending *p)
{
    char sites[1024], debian[256];
    list_sites(r, sites, sizeof sites);
    snprintf(debian, sizeof debian, "python3-%s", p->name);
    if (!strcmp(p->reason, "[resources] distributions"))
        ph_manifest_error(r->m, r->err, "resources", "distributions",
                          "distribution '%s' is not installed in %s", p->asked,
                          sites[0] ? sites : "any site directory");
    else
        ph_manifest_error(r->m, r->err, "resources", "distributions",
                          "distribution '%s', %s, is not installed in %s", p->asked, p->reason,
                          sites[0] ? sites : "any site directory");
    /* a typo of an installed distribution: say which ("rihc" -> "rich") */
    const char **names = r->found.count ? calloc(r->found.count, sizeof *names) : NULL;
    for (size_t i = 0; names && i < r->found.count; i++)
        names[i] = r->found.items[i].display;
    const char *guess = names ? ph_build_closest_name(p->name, names, r->found.count) : NULL;
    for (size_t i = 0; guess && strcmp(guess, p->name) != 0 && i < r->found.count; i++)
        if (names[i] == guess) {
            free(names);
            return ph_error_hint(r->err, "did you mean '%s'? it is installed in %s", guess,
                                 r->sites->items[r->found.items[i].site]);
        }
    free(names);
    if (ph_build_python_is_debian())
        return ph_error_hint(r->err,
                             "install it (on Debian: apt-get install %s), or install it into a "
                             "directory with 'pip install --target DIR %s' and add DIR to "
                             "[resources] site_packages",
                             debian, p->asked);
    return ph_error_hint(r->err,
                         "install it with 'pip install --target DIR %s' and add DIR to "
                         "[resources] site_packages",
                         p->asked);
}

static ph_dist *find_dist(resolver *r, const char *name, size_t *index)
{
    for (size_t i = 0; i < r->out->count; i++)
        if (!strcmp(r->out->items[i].name, name)) {
            *index = i;
            return &r->out->items[i];
        }
    return NULL;
}

/* One more distribution and its requirements slot; *index is the new one's. */
static int grow_dists(resolver *r, size_t *index)
{
    ph_dist *grown = realloc(r->out->items, (r->out->count + 1) * sizeof *grown);
    requirements *rg = grown ? realloc(r->reqs, (r->out->count + 1) * sizeof *rg) : NULL;
    if (grown)
        r->out->items = grown;
    if (rg)
        r->reqs = rg;
    if (!grown || !rg)
        return ph_error_set(r->err, "out of memory");
    *index = r->out->count++;
    return 0;
}

static int add_dist(resolver *r, const pending *p, const candidate *c, size_t *index)
{
    if (grow_dists(r, index) < 0)
        return -1;
    ph_dist *d = &r->out->items[*index];
    *d = (ph_dist){strdup(c->name),
                   strdup(c->display),
                   strdup(c->meta),
                   c->is_file,
                   c->site,
                   strdup(p->reason),
                   {0},
                   {0}};
    r->reqs[*index] = (requirements){0};
    if (!d->name || !d->display || !d->meta || !d->reason)
        return ph_error_set(r->err, "out of memory");
    const char *site = r->sites->items[c->site];
    if (dist_find_tops(site, c, r->debian, &d->tops, r->err) < 0 ||
        dist_load_requirements(site, c, &r->reqs[*index], r->err) < 0)
        return -1;
    return 0;
}

static int bad_marker(resolver *r, const ph_dist *d, const requirement *q, const char *why)
{
    ph_manifest_error(r->m, r->err, "resources", "distributions",
                      "distribution '%s' (%s): %s: cannot evaluate the marker: %s", d->display,
                      d->meta, q->text, why);
    return ph_error_hint(r->err, "leave the distribution out, or list the ones it needs "
                                 "yourself in [resources] distributions");
}

/* Queues what distribution `index` requires when `extra` ("" for none) is requested. */
static int follow(resolver *r, size_t index, const char *extra)
{
    const requirements *reqs = &r->reqs[index];
    for (size_t i = 0; i < reqs->count; i++) {
        const requirement *q = &reqs->items[i];
        const ph_dist *d = &r->out->items[index];
        bool wanted = !q->section || !strcmp(q->section, extra);
        char why[256];
        if (wanted && q->marker && ph_marker_eval(q->marker, extra, &wanted, why, sizeof why))
            return bad_marker(r, d, q, why);
        if (!wanted)
            continue;
        char reason[1024];
        snprintf(reason, sizeof reason, "required by %s (%s)", d->display, q->text);
        if (enqueue(r, q->name, q->written, &q->extras, reason) < 0)
            return -1;
    }
    return 0;
}

/* ---- Debian's Depends ------------------------------------------------------------------ */

/* "SITE/NAME" with SITE resolved as dpkg lists paths; false when SITE does not resolve. */
static bool real_site(const resolver *r, unsigned site, char real[PATH_MAX])
{
    return realpath(r->sites->items[site], real) != NULL;
}

static const candidate *candidate_at(const resolver *r, unsigned site, const char *meta)
{
    for (size_t i = 0; i < r->found.count; i++)
        if (r->found.items[i].site == site && !strcmp(r->found.items[i].meta, meta))
            return &r->found.items[i];
    return NULL;
}

/* A package that `index` Depends on: the distributions whose metadata it ships in the
 * searched site directories, or, when it ships none (python3-pkg-resources: pkg_resources/
 * only), its modules as one unit of their own. Only what is in the searched site directories
 * counts: a Depends is already satisfied, so nothing can be missing. */
static int follow_package(resolver *r, size_t index, const char *package, const char *why)
{
    char reason[1024], real[PATH_MAX];
    snprintf(reason, sizeof reason, "required by %s (%s)", r->out->items[index].display, why);
    bool had_meta = false;
    unsigned unit_site = 0;
    ph_strlist unit_tops = {0};
    int rc = 0;
    for (unsigned s = 0; rc == 0 && s < r->sites->count; s++) {
        ph_strlist entries = {0};
        if (!real_site(r, s, real))
            continue;
        rc = ph_debian_site_entries(r->debian, package, real, &entries, r->err);
        for (size_t i = 0; rc == 0 && i < entries.count; i++) {
            const candidate *c = candidate_at(r, s, entries.items[i]);
            if (!c)
                continue;
            had_meta = true;
            if (strcmp(c->name, r->out->items[index].name) != 0)
                rc = enqueue(r, c->name, c->display, NULL, reason);
        }
        dist_list_free(&entries);
        if (rc == 0 && !had_meta && !unit_tops.count) {
            rc =
                dist_package_tops(r->sites->items[s], real, r->debian, package, &unit_tops, r->err);
            unit_site = s;
        }
    }
    if (rc == 0 && !had_meta && unit_tops.count) {
        char name[600];
        snprintf(name, sizeof name, "debian:%s", package);
        if ((rc = enqueue(r, name, package, NULL, reason)) == 0) {
            pending *p = &r->queue[r->count - 1];
            p->site = unit_site;
            if (!(p->debian = strdup(package)))
                rc = ph_error_set(r->err, "out of memory");
        }
    }
    dist_list_free(&unit_tops);
    return rc;
}

/* Debian's Depends of the package that installed distribution `index` (or of the Debian
 * unit `index` is). */
static int follow_debian(resolver *r, size_t index)
{
    const ph_dist *d = &r->out->items[index];
    char real[PATH_MAX], meta[PATH_MAX + 256];
    const char *package = NULL;
    if (!d->meta)
        package = d->name + strlen("debian:");
    else if (real_site(r, d->site, real)) {
        snprintf(meta, sizeof meta, "%s/%s", real, d->meta);
        if (ph_debian_owner(r->debian, meta, &package, r->err) < 0)
            return -1;
    }
    if (!package)
        return 0;
    ph_strlist packages = {0}, reasons = {0};
    int rc = ph_debian_depends(r->debian, package, &packages, &reasons, r->err);
    for (size_t i = 0; rc == 0 && i < packages.count; i++)
        rc = follow_package(r, index, packages.items[i], reasons.items[i]);
    dist_list_free(&packages);
    dist_list_free(&reasons);
    return rc;
}

/* A Debian package with no metadata, packed as one unit: "debian:python3-pkg-resources". */
static int add_debian_unit(resolver *r, const pending *p, size_t *index)
{
    if (grow_dists(r, index) < 0)
        return -1;
    ph_dist *d = &r->out->items[*index];
    char display[600], real[PATH_MAX];
    snprintf(display, sizeof display, "%s (Debian package, no Python metadata)", p->debian);
    *d = (ph_dist){strdup(p->name), strdup(display),   NULL, false,
                   p->site,         strdup(p->reason), {0},  {0}};
    r->reqs[*index] = (requirements){0};
    if (!d->name || !d->display || !d->reason)
        return ph_error_set(r->err, "out of memory");
    if (!real_site(r, p->site, real))
        return 0;
    return dist_package_tops(r->sites->items[p->site], real, r->debian, p->debian, &d->tops,
                             r->err);
}

/* Follows the requirements of extras not followed yet (all of them for a new distribution).
 * Takes the queue position, not a pointer: following requirements grows the queue. */
static int visit_pending(resolver *r, size_t at)
{
    size_t index = 0;
    if (!find_dist(r, r->queue[at].name, &index) && r->queue[at].debian) {
        if (add_debian_unit(r, &r->queue[at], &index) < 0 || follow_debian(r, index) < 0)
            return -1;
    } else if (!find_dist(r, r->queue[at].name, &index)) {
        const candidate *c = find_candidate(&r->found, r->queue[at].name);
        if (!c)
            return missing(r, &r->queue[at]);
        if (add_dist(r, &r->queue[at], c, &index) < 0 || follow(r, index, "") < 0 ||
            follow_debian(r, index) < 0)
            return -1;
    }
    for (size_t i = 0; i < r->queue[at].extras.count; i++) {
        const char *extra = r->queue[at].extras.items[i];
        ph_dist *d = &r->out->items[index];
        if (dist_list_has(&d->extras, extra))
            continue;
        if (dist_list_add(&d->extras, extra, strlen(extra)) < 0)
            return ph_error_set(r->err, "out of memory");
        if (follow(r, index, d->extras.items[d->extras.count - 1]) < 0)
            return -1;
    }
    return 0;
}

int ph_dist_resolve(const ph_manifest *m, const ph_strlist *sites, ph_dist_set *out, ph_error *err)
{
    return ph_dist_resolve_in(m, sites, NULL, out, NULL, err);
}

int ph_dist_resolve_in(const ph_manifest *m, const ph_strlist *sites, const char *dpkg_dir,
                       ph_dist_set *out, double *dpkg_seconds, ph_error *err)
{
    resolver r = {.m = m, .sites = sites, .out = out, .err = err};
    *out = (ph_dist_set){0};
    if (!(r.debian = ph_debian_new(dpkg_dir)))
        return ph_error_set(err, "out of memory");
    int rc = m->resources.distributions.count ? scan_sites(sites, &r.found, err) : 0;
    if (rc == 0)
        rc = enqueue_manifest(&r);
    for (r.head = 0; rc == 0 && r.head < r.count; r.head++)
        rc = visit_pending(&r, r.head);
    for (size_t i = 0; i < r.count; i++)
        pending_free(&r.queue[i]);
    free(r.queue);
    for (size_t i = 0; r.reqs && i < out->count; i++)
        dist_requirements_free(&r.reqs[i]);
    free(r.reqs);
    candidates_free(&r.found);
    if (dpkg_seconds)
        *dpkg_seconds = ph_debian_index_seconds(r.debian);
    ph_debian_free(r.debian);
    if (rc < 0)
        ph_dist_set_free(out);
    return rc;
}

void ph_dist_set_free(ph_dist_set *set)
{
    for (size_t i = 0; i < set->count; i++) {
        ph_dist *d = &set->items[i];
        free(d->name);
        free(d->display);
        free(d->meta);
        free(d->reason);
        dist_list_free(&d->tops);
        dist_list_free(&d->extras);
    }
    free(set->items);
    *set = (ph_dist_set){0};
}

int ph_dist_from_meta(const char *site, const char *meta, unsigned site_index, const char *reason,
                      ph_dist *out, ph_error *err)
{
    candidates found = {0};
    *out = (ph_dist){0};
    if (add_candidate(&found, site, meta, site_index) < 0 || found.count != 1) {
        candidates_free(&found);
        return ph_error_set(err, "%s/%s: cannot read the distribution's metadata", site, meta);
    }
    const candidate *c = &found.items[0];
    *out = (ph_dist){strdup(c->name),
                     strdup(c->display),
                     strdup(c->meta),
                     false,
                     site_index,
                     strdup(reason),
                     {0},
                     {0}};
    int rc = !out->name || !out->display || !out->meta || !out->reason
                 ? ph_error_set(err, "out of memory")
                 : dist_find_tops(site, c, NULL, &out->tops, err);
    candidates_free(&found);
    return rc;
}
