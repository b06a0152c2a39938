/* Installed distributions: [resources] distributions, their Requires-Dist closure, what
 * modules each provides and its metadata files.
 *
 * A distribution is found by its metadata in a site directory: "NAME-VER.dist-info/" (wheels),
 * or Debian's "NAME-VER.egg-info/" (sometimes a single file). Requirements come from METADATA's
 * Requires-Dist lines or from egg-info's requires.txt ("[extra]" and "[:marker]" sections).
 * What it provides comes from RECORD, installed-files.txt, top_level.txt, or else its name. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "pyhost/fsutil.h"
#include "wheel.h"

/* ---- small helpers --------------------------------------------------------------------- */

/* Splits `*cursor` at the next newline (keeping empty lines, unlike strtok) and strips '\r'. */
static char *next_line(char **cursor)
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

static bool list_has(const ph_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (!strcmp(l->items[i], s))
            return true;
    return false;
}

static int list_add(ph_strlist *l, const char *s, size_t len)
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

static void list_free(ph_strlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    *l = (ph_strlist){0};
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + 1 + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && !strcmp(s + n - k, suffix);
}

static size_t name_len(const char *s)
{
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
}

static char *trimmed(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    return strndup(s, len);
}

/* ---- Finding metadata in the site directories ----------------------------------------- */

typedef struct candidate {
    char *name; /* normalized */
    char *display;
    char *meta;
    bool is_file;
    unsigned site;
} candidate;

typedef struct candidates {
    candidate *items;
    size_t count;
} candidates;

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
    char *path = path_join(site, entry);
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
    *d = (candidate){strndup(entry, strcspn(entry, "-")), NULL, strdup(entry), S_ISREG(st.st_mode),
                     index};
    if (d->name && ends_with(d->name, ".egg-info")) /* "Name.egg-info": no version */
        d->name[strlen(d->name) - 9] = '\0';
    d->display = d->name ? strdup(d->name) : NULL;
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
            if (e->d_name[0] != '.' &&
                (ends_with(e->d_name, ".dist-info") || ends_with(e->d_name, ".egg-info")))
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

/* ---- Requirements ---------------------------------------------------------------------- */

typedef struct requirement {
    char *name;    /* normalized */
    char *written; /* as the metadata spells it, for messages */
    ph_strlist extras;
    char *marker;  /* NULL: always */
    char *section; /* requires.txt "[extra]" (normalized), or NULL */
    char *text;    /* for messages: "Requires-Dist: urllib3<3,>=1.21.1" */
} requirement;

typedef struct requirements {
    requirement *items;
    size_t count;
} requirements;

static void requirement_free(requirement *q)
{
    free(q->name);
    free(q->written);
    list_free(&q->extras);
    free(q->marker);
    free(q->section);
    free(q->text);
}

static void requirements_free(requirements *r)
{
    for (size_t i = 0; i < r->count; i++)
        requirement_free(&r->items[i]);
    free(r->items);
    *r = (requirements){0};
}

static int parse_extras(const char *p, ph_strlist *extras)
{
    const char *close = strchr(p, ']');
    if (!close)
        return -1;
    while (p < close) {
        size_t len = strcspn(p, ",]");
        char *e = trimmed(p, len);
        if (!e)
            return -1;
        ph_dist_normalize(e);
        int rc = *e ? list_add(extras, e, strlen(e)) : 0;
        free(e);
        if (rc < 0)
            return -1;
        p += len + 1;
    }
    return 0;
}

static char *and_markers(const char *a, const char *b)
{
    if (!a || !b)
        return a ? strdup(a) : b ? strdup(b) : NULL;
    size_t n = strlen(a) + strlen(b) + 12;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "(%s) and (%s)", a, b);
    return s;
}

/* "name [extras] (version spec or @ url) ; marker". Version specs are not checked: what is
 * installed is what gets packed. Returns 1 for a line that is not a requirement. */
static int parse_requirement(const char *line, const char *section, const char *section_marker,
                             const char *label, requirement *r)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = name_len(line);
    if (n == 0)
        return 1;
    *r = (requirement){0};
    const char *rest = line + n;
    while (*rest == ' ')
        rest++;
    const char *semi = strchr(rest, ';');
    char *marker = semi ? trimmed(semi + 1, strlen(semi + 1)) : NULL;
    r->name = strndup(line, n);
    r->written = strndup(line, n);
    r->marker = and_markers(section_marker, marker && *marker ? marker : NULL);
    r->section = section ? strdup(section) : NULL;
    size_t tn = strlen(label) + strlen(line) + 4;
    if ((r->text = malloc(tn)))
        snprintf(r->text, tn, "%s: %s", label, line);
    free(marker);
    if (!r->name || !r->written || !r->text ||
        (*rest == '[' && parse_extras(rest + 1, &r->extras) < 0))
        return -1;
    ph_dist_normalize(r->name);
    return 0;
}

static int add_requirement(requirements *out, const char *line, const char *section,
                           const char *section_marker, const char *label)
{
    requirement q;
    int rc = parse_requirement(line, section, section_marker, label, &q);
    if (rc == 1)
        return 0;
    requirement *grown = rc == 0 ? realloc(out->items, (out->count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        requirement_free(&q);
        return -1;
    }
    out->items = grown;
    out->items[out->count++] = q;
    return 0;
}

/* METADATA / PKG-INFO: "Requires-Dist:" headers, up to the blank line that ends them. */
static int requires_from_headers(char *text, requirements *out)
{
    for (char *cur = text, *line; (line = next_line(&cur));) {
        if (!*line)
            break;
        if (!strncmp(line, "Requires-Dist:", 14) &&
            add_requirement(out, line + 14, NULL, NULL, "Requires-Dist") < 0)
            return -1;
    }
    return 0;
}

/* A requires.txt section header: "[extra]", "[:marker]" or "[extra:marker]". */
static int section_header(const char *line, char **extra, char **marker)
{
    free(*extra);
    free(*marker);
    *extra = *marker = NULL;
    const char *end = strrchr(line, ']');
    size_t len = end ? (size_t)(end - line - 1) : strlen(line + 1);
    const char *colon = memchr(line + 1, ':', len);
    size_t elen = colon ? (size_t)(colon - line - 1) : len;
    if (elen && !(*extra = trimmed(line + 1, elen)))
        return -1;
    if (*extra)
        ph_dist_normalize(*extra);
    if (colon && !(*marker = trimmed(colon + 1, len - elen - 1)))
        return -1;
    return 0;
}

static int requires_from_requires_txt(char *text, requirements *out)
{
    char *extra = NULL, *marker = NULL;
    int rc = 0;
    for (char *cur = text, *line; rc == 0 && (line = next_line(&cur));) {
        if (line[0] == '[') {
            rc = section_header(line, &extra, &marker);
            continue;
        }
        if (line[0] == '#')
            continue;
        char label[160];
        snprintf(label, sizeof label, "requires.txt%s%.120s%s", extra ? " [" : "",
                 extra ? extra : "", extra ? "]" : "");
        rc = add_requirement(out, line, extra, marker, label);
    }
    free(extra);
    free(marker);
    return rc;
}

/* Reads a metadata file; a missing one is empty. */
static int read_meta(const char *site, const candidate *c, const char *file, char **text,
                     ph_error *err)
{
    char rel[1024];
    snprintf(rel, sizeof rel, "%s%s%s", c->meta, file ? "/" : "", file ? file : "");
    char *path = path_join(site, rel);
    struct stat st;
    size_t size;
    *text = NULL;
    int rc = !path                                          ? ph_error_set(err, "out of memory")
             : stat(path, &st) != 0 || !S_ISREG(st.st_mode) ? 0
                                                            : ph_read_file(path, text, &size, err);
    free(path);
    return rc;
}

static int load_requirements(const char *site, const candidate *c, requirements *out, ph_error *err)
{
    bool egg = ends_with(c->meta, ".egg-info");
    const char *file = c->is_file ? NULL : egg ? "requires.txt" : "METADATA";
    char *text;
    if (read_meta(site, c, file, &text, err) < 0)
        return -1;
    int rc = !text                ? 0
             : egg && !c->is_file ? requires_from_requires_txt(text, out)
                                  : requires_from_headers(text, out);
    free(text);
    return rc < 0 ? ph_error_set(err, "out of memory") : 0;
}

/* ---- Top-level names ------------------------------------------------------------------- */

static bool is_identifier(const char *s, size_t len)
{
    if (!len || (*s >= '0' && *s <= '9'))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* The top-level module a path relative to the site directory belongs to: "yaml/x.py" ->
 * "yaml", "six.py" -> "six", "_cffi.cpython-311-x86_64-linux-gnu.so" -> "_cffi". */
static int add_top_of_path(ph_strlist *tops, const char *path)
{
    size_t first = strcspn(path, "/");
    size_t len = path[first] ? first : strcspn(path, ".");
    bool module_file = ends_with(path, ".py");
    for (const char *const *s = ph_extension_suffixes; !path[first] && s && *s; s++)
        module_file = module_file || ends_with(path, *s);
    if ((!path[first] && !module_file) || !is_identifier(path, len) ||
        !strncmp(path, "__pycache__", len))
        return 0;
    char top[256];
    if (len >= sizeof top)
        return 0;
    memcpy(top, path, len);
    top[len] = '\0';
    return list_has(tops, top) ? 0 : list_add(tops, top, len);
}

/* RECORD ("path,hash,size", paths relative to the site directory) or installed-files.txt
 * (paths relative to the egg-info directory, so the package files start with "../"). */
static int tops_from_listing(char *text, bool relative_to_meta, ph_strlist *tops)
{
    for (char *cur = text, *line; (line = next_line(&cur));) {
        char *path = line;
        if (*path == '"') { /* CSV quoting, for paths holding a comma */
            path++;
            path[strcspn(path, "\"")] = '\0';
        } else if (!relative_to_meta) {
            path[strcspn(path, ",")] = '\0';
        }
        if (relative_to_meta && strncmp(path, "../", 3) != 0)
            continue; /* a file of the egg-info directory itself */
        path += relative_to_meta ? 3 : 0;
        if (*path == '/' || !strncmp(path, "..", 2))
            continue; /* scripts and data installed elsewhere */
        if (add_top_of_path(tops, path) < 0)
            return -1;
    }
    return 0;
}

static int tops_from_top_level(char *text, ph_strlist *tops)
{
    for (char *cur = text, *line; (line = next_line(&cur));) {
        char *name = trimmed(line, strlen(line));
        int rc = !name ? -1
                 : is_identifier(name, strlen(name)) && !list_has(tops, name)
                     ? list_add(tops, name, strlen(name))
                     : 0;
        free(name);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* A top-level name the site directory really provides (top_level.txt may list stale ones). */
static bool top_exists(const char *site, const char *top)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", site, top);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return true;
    snprintf(path, sizeof path, "%s/%s.py", site, top);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return true;
    for (const char *const *s = ph_extension_suffixes; s && *s; s++) {
        snprintf(path, sizeof path, "%s/%s%s", site, top, *s);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            return true;
    }
    return false;
}

static int guess_tops(const char *site, const candidate *c, ph_strlist *tops, ph_error *err)
{
    static const struct {
        const char *file;
        int how; /* 0: RECORD, 1: installed-files.txt, 2: top_level.txt */
    } sources[] = {{"RECORD", 0}, {"installed-files.txt", 1}, {"top_level.txt", 2}};
    for (size_t i = 0; !c->is_file && i < sizeof sources / sizeof sources[0]; i++) {
        char *text;
        if (read_meta(site, c, sources[i].file, &text, err) < 0)
            return -1;
        if (!text)
            continue;
        int rc = sources[i].how == 2 ? tops_from_top_level(text, tops)
                                     : tops_from_listing(text, sources[i].how == 1, tops);
        free(text);
        return rc < 0 ? ph_error_set(err, "out of memory") : 0;
    }
    /* No listing: the distribution's name is its module ("python-dateutil" would be wrong,
     * but such distributions ship top_level.txt). */
    char *name = strdup(c->name);
    for (char *p = name; p && *p; p++)
        *p = *p == '-' ? '_' : *p;
    int rc = name ? list_add(tops, name, strlen(name)) : -1;
    free(name);
    return rc < 0 ? ph_error_set(err, "out of memory") : 0;
}

static int find_tops(const char *site, const candidate *c, ph_strlist *tops, ph_error *err)
{
    ph_strlist all = {0};
    int rc = guess_tops(site, c, &all, err);
    for (size_t i = 0; rc == 0 && i < all.count; i++)
        if (top_exists(site, all.items[i]) &&
            list_add(tops, all.items[i], strlen(all.items[i])) < 0)
            rc = ph_error_set(err, "out of memory");
    list_free(&all);
    return rc;
}

/* ---- The closure ----------------------------------------------------------------------- */

typedef struct pending {
    char *name;  /* normalized */
    char *asked; /* as written, for messages */
    ph_strlist extras;
    char *reason;
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
    *p = (pending){strdup(name), strdup(asked), {0}, strdup(reason)};
    for (size_t i = 0; extras && i < extras->count; i++)
        if (list_add(&p->extras, extras->items[i], strlen(extras->items[i])) < 0)
            return ph_error_set(r->err, "out of memory");
    if (!p->name || !p->asked || !p->reason)
        return ph_error_set(r->err, "out of memory");
    return 0;
}

static void pending_free(pending *p)
{
    free(p->name);
    free(p->asked);
    list_free(&p->extras);
    free(p->reason);
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
        int rc = name && (!item[n] || parse_extras(item + n + 1, &extras) == 0)
                     ? 0
                     : ph_error_set(r->err, "out of memory");
        if (rc == 0) {
            ph_dist_normalize(name);
            rc = enqueue(r, name, item, &extras, "[resources] distributions");
        }
        free(name);
        list_free(&extras);
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

static int add_dist(resolver *r, const pending *p, const candidate *c, size_t *index)
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
    if (find_tops(site, c, &d->tops, r->err) < 0 ||
        load_requirements(site, c, &r->reqs[*index], r->err) < 0)
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

/* Debian's Depends, for metadata dpkg installed; only distributions found in the searched
 * site directories count (a Depends is already satisfied, so nothing can be missing). */
static int follow_debian(resolver *r, size_t index)
{
    const ph_dist *d = &r->out->items[index];
    char meta[4096];
    snprintf(meta, sizeof meta, "%s/%s", r->sites->items[d->site], d->meta);
    ph_strlist names = {0}, reasons = {0};
    int rc = ph_debian_depends(&r->debian, meta, &names, &reasons, r->err);
    for (size_t i = 0; rc == 0 && i < names.count; i++) {
        const candidate *c = find_candidate(&r->found, names.items[i]);
        if (!c || !strcmp(names.items[i], d->name))
            continue;
        char reason[1024];
        snprintf(reason, sizeof reason, "required by %s (%s)", d->display, reasons.items[i]);
        rc = enqueue(r, c->name, c->display, NULL, reason);
    }
    list_free(&names);
    list_free(&reasons);
    return rc;
}

/* Follows the requirements of extras not followed yet (all of them for a new distribution).
 * Takes the queue position, not a pointer: following requirements grows the queue. */
static int visit_pending(resolver *r, size_t at)
{
    size_t index = 0;
    if (!find_dist(r, r->queue[at].name, &index)) {
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
        if (list_has(&d->extras, extra))
            continue;
        if (list_add(&d->extras, extra, strlen(extra)) < 0)
            return ph_error_set(r->err, "out of memory");
        if (follow(r, index, d->extras.items[d->extras.count - 1]) < 0)
            return -1;
    }
    return 0;
}

int ph_dist_resolve(const ph_manifest *m, const ph_strlist *sites, ph_dist_set *out, ph_error *err)
{
    resolver r = {.m = m, .sites = sites, .out = out, .err = err};
    *out = (ph_dist_set){0};
    int rc = m->resources.distributions.count ? scan_sites(sites, &r.found, err) : 0;
    if (rc == 0)
        rc = enqueue_manifest(&r);
    for (r.head = 0; rc == 0 && r.head < r.count; r.head++)
        rc = visit_pending(&r, r.head);
    for (size_t i = 0; i < r.count; i++)
        pending_free(&r.queue[i]);
    free(r.queue);
    for (size_t i = 0; r.reqs && i < out->count; i++)
        requirements_free(&r.reqs[i]);
    free(r.reqs);
    candidates_free(&r.found);
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
        list_free(&d->tops);
        list_free(&d->extras);
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
                 : find_tops(site, c, &out->tops, err);
    candidates_free(&found);
    return rc;
}

/* ---- Metadata files -------------------------------------------------------------------- */

static int add_meta_dir(const char *abs, const char *rel, ph_unit_list *out, unsigned root,
                        int depth, ph_error *err)
{
    DIR *d = opendir(abs);
    if (!d)
        return ph_error_errno(err, errno, "cannot read directory %s", abs);
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            !strcmp(e->d_name, "__pycache__"))
            continue;
        char *path = path_join(abs, e->d_name), *name = path_join(rel, e->d_name);
        struct stat st;
        bool exists = path && stat(path, &st) == 0;
        if (!path || !name)
            rc = ph_error_set(err, "out of memory");
        else if (exists && S_ISREG(st.st_mode))
            rc = ph_unit_push(out, name, PYR_DISTRIBUTION_FILE, path, name, NULL, root, err);
        else if (exists && S_ISDIR(st.st_mode) && depth < 8)
            rc = add_meta_dir(path, name, out, root, depth + 1, err);
        free(path);
        free(name);
    }
    closedir(d);
    return rc;
}

int ph_dist_metadata_units(const ph_dist *d, const char *site, ph_unit_list *out, unsigned root,
                           ph_error *err)
{
    char *path = path_join(site, d->meta);
    if (!path)
        return ph_error_set(err, "out of memory");
    int rc = d->meta_is_file
                 ? ph_unit_push(out, d->meta, PYR_DISTRIBUTION_FILE, path, d->meta, NULL, root, err)
                 : add_meta_dir(path, d->meta, out, root, 0, err);
    free(path);
    return rc;
}
