/* The files of an installed distribution: its metadata files, and the modules it really provides,
 * checked against the site directory.
 *
 * The listings it ships say so: RECORD (wheels), installed-files.txt (pip's egg-info),
 * top_level.txt (setuptools). All of them count, and every name must exist in the site
 * directory (top_level.txt may be stale). A listing can also be wrong or missing: RECORD empty,
 * with malformed rows (a tool that wrote it badly), or a single-file egg-info that lists
 * nothing. Then dpkg's record of the package that installed the metadata says what it has,
 * and elsewhere the site directory itself: the top-level names no other distribution claims
 * and that match the distribution's name. A distribution that yields no module is an error,
 * unless a complete listing shows it has none. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "build_dist.h"
#include "pyhost/fsutil.h"
#include "wheel.h"

/* Reads a metadata file; a missing one is empty. */
int dist_read_meta(const char *site, const candidate *c, const char *file, char **text,
                   ph_error *err)
{
    char rel[1024];
    snprintf(rel, sizeof rel, "%s%s%s", c->meta, file ? "/" : "", file ? file : "");
    char *path = ph_path_join(site, rel, "");
    struct stat st;
    size_t size;
    *text = NULL;
    int rc = !path                                          ? ph_error_set(err, "out of memory")
             : stat(path, &st) != 0 || !S_ISREG(st.st_mode) ? 0
                                                            : ph_read_file(path, text, &size, err);
    free(path);
    return rc;
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
 * "yaml", "six.py" -> "six", "_cffi.cpython-311-x86_64-linux-gnu.so" -> "_cffi". Returns 1
 * when the path is part of a module (added now or before), 0 when not, -1 out of memory. */
static int add_top_of_path(ph_strlist *tops, const char *path)
{
    size_t first = strcspn(path, "/");
    size_t len = path[first] ? first : strcspn(path, ".");
    bool module_file = ph_str_ends_with(path, ".py");
    for (const char *const *s = ph_extension_suffixes; !path[first] && s && *s; s++)
        module_file = module_file || ph_str_ends_with(path, *s);
    if ((!path[first] && !module_file) || !is_identifier(path, len) ||
        !strncmp(path, "__pycache__", len))
        return 0;
    char top[256];
    if (len >= sizeof top)
        return 0;
    memcpy(top, path, len);
    top[len] = '\0';
    return dist_list_has(tops, top) ? 1 : dist_list_add(tops, top, len) < 0 ? -1 : 1;
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
        char *path = ph_path_join(abs, e->d_name, ""), *name = ph_path_join(rel, e->d_name, "");
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
    if (!d->meta)
        return 0; /* a Debian package unit: no metadata */
    char *path = ph_path_join(site, d->meta, "");
    if (!path)
        return ph_error_set(err, "out of memory");
    int rc = d->meta_is_file
                 ? ph_unit_push(out, d->meta, PYR_DISTRIBUTION_FILE, path, d->meta, NULL, root, err)
                 : add_meta_dir(path, d->meta, out, root, 0, err);
    free(path);
    return rc;
}

/* Is the rest of a RECORD row after its path ",hash,size" (both may be empty)? */
static bool record_fields(const char *rest)
{
    if (*rest != ',')
        return false;
    const char *second = strchr(rest + 1, ',');
    return second && !strchr(second + 1, ',');
}

/* RECORD ("path,hash,size", paths relative to the site directory) or installed-files.txt
 * (paths relative to the egg-info directory, so the package files start with "../"). */
int dist_tops_from_listing(char *text, bool relative_to_meta, ph_strlist *tops, dist_listing *l)
{
    for (char *cur = text, *line; (line = dist_next_line(&cur));) {
        char *path = line;
        while (*path == ' ' || *path == '\t')
            path++;
        if (!*path)
            continue; /* a blank line: nothing lost */
        l->rows++;
        if (*path == '"') { /* CSV quoting, for paths holding a comma */
            path++;
            char *close = strchr(path, '"');
            if (!close || !record_fields(close + 1))
                l->bad++;
            if (close)
                *close = '\0';
        } else if (!relative_to_meta) {
            size_t n = strcspn(path, ",");
            if (!n || !record_fields(path + n))
                l->bad++;
            path[n] = '\0';
        }
        if (relative_to_meta && strncmp(path, "../", 3) != 0)
            continue; /* a file of the egg-info directory itself */
        path += relative_to_meta ? 3 : 0;
        if (*path == '/' || !strncmp(path, "..", 2))
            continue; /* scripts and data installed elsewhere */
        int named = add_top_of_path(tops, path);
        if (named < 0)
            return -1;
        l->modules += (size_t)named;
    }
    return 0;
}

int dist_tops_from_top_level(char *text, ph_strlist *tops)
{
    for (char *cur = text, *line; (line = dist_next_line(&cur));) {
        char *name = dist_trimmed(line, strlen(line));
        int rc = !name ? -1
                 : is_identifier(name, strlen(name)) && !dist_list_has(tops, name)
                     ? dist_list_add(tops, name, strlen(name))
                     : 0;
        free(name);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* A top-level name the site directory really provides. */
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

/* What the listings a distribution ships name, unfiltered. `complete` tells whether a RECORD
 * or installed-files.txt was read whole without a doubtful row; `modules` whether any listing
 * named a module at all. */
typedef struct claimed {
    ph_strlist tops;
    bool complete, record_doubtful;
    size_t modules;
    char why[160]; /* for the error when nothing is found */
} claimed;

static int read_listings(const char *site, const candidate *c, claimed *out, ph_error *err)
{
    static const struct {
        const char *file;
        int how; /* 0: RECORD, 1: installed-files.txt, 2: top_level.txt */
    } sources[] = {{"RECORD", 0}, {"installed-files.txt", 1}, {"top_level.txt", 2}};
    snprintf(out->why, sizeof out->why, "%s",
             c->is_file ? "a single-file egg-info lists nothing"
                        : "it has no RECORD, installed-files.txt "
                          "or top_level.txt");
    for (size_t i = 0; !c->is_file && i < sizeof sources / sizeof sources[0]; i++) {
        char *text;
        if (dist_read_meta(site, c, sources[i].file, &text, err) < 0)
            return -1;
        if (!text)
            continue;
        dist_listing l = {0};
        size_t before = out->tops.count;
        int rc = sources[i].how == 2
                     ? dist_tops_from_top_level(text, &out->tops)
                     : dist_tops_from_listing(text, sources[i].how == 1, &out->tops, &l);
        free(text);
        if (rc < 0)
            return ph_error_set(err, "out of memory");
        out->modules += sources[i].how == 2 ? out->tops.count - before : l.modules;
        if (sources[i].how == 2)
            snprintf(out->why, sizeof out->why, "%s",
                     "its top_level.txt names nothing that exists");
        else if (l.rows && !l.bad)
            out->complete = true;
        else
            snprintf(out->why, sizeof out->why, "its %s is %s", sources[i].file,
                     !l.rows ? "empty" : "malformed");
        if (sources[i].how == 0 && (!l.rows || l.bad))
            out->record_doubtful = true;
    }
    return 0;
}

static void claimed_free(claimed *c)
{
    dist_list_free(&c->tops);
}

/* The existing names among `from`, added to `tops`. */
static int keep_existing(const char *site, const ph_strlist *from, ph_strlist *tops)
{
    for (size_t i = 0; i < from->count; i++)
        if (!dist_list_has(tops, from->items[i]) && top_exists(site, from->items[i]) &&
            dist_list_add(tops, from->items[i], strlen(from->items[i])) < 0)
            return -1;
    return 0;
}

/* ---- dpkg's record --------------------------------------------------------------------- */

int dist_package_tops(const char *site, const char *real, ph_debian *debian, const char *package,
                      ph_strlist *tops, ph_error *err)
{
    ph_strlist entries = {0}, names = {0};
    int rc = ph_debian_site_entries(debian, package, real, &entries, err);
    for (size_t i = 0; rc == 0 && i < entries.count; i++) {
        const char *e = entries.items[i];
        rc = !is_identifier(e, strlen(e)) ? add_top_of_path(&names, e)
             : dist_list_has(&names, e)   ? 0
                                          : dist_list_add(&names, e, strlen(e));
        rc = rc < 0 ? ph_error_set(err, "out of memory") : 0;
    }
    if (rc == 0 && keep_existing(site, &names, tops) < 0)
        rc = ph_error_set(err, "out of memory");
    dist_list_free(&entries);
    dist_list_free(&names);
    return rc;
}

/* The modules the package that installed the metadata put in the site directory. */
static int tops_from_dpkg(const char *site, const candidate *c, ph_debian *debian, ph_strlist *tops,
                          ph_error *err)
{
    char real[PATH_MAX], meta[PATH_MAX + 256];
    const char *package;
    if (!debian || !realpath(site, real))
        return 0;
    snprintf(meta, sizeof meta, "%s/%s", real, c->meta);
    if (ph_debian_owner(debian, meta, &package, err) < 0)
        return -1;
    return package ? dist_package_tops(site, real, debian, package, tops, err) : 0;
}

/* ---- The site directory itself --------------------------------------------------------- */

/* "_selinux" -> "selinux", "python_lzo" -> "python-lzo": normalized, no separator at the ends. */
static void normalized_top(const char *top, char *out, size_t size)
{
    snprintf(out, size, "%s", top);
    ph_dist_normalize(out);
    size_t n = strlen(out);
    while (n && out[n - 1] == '-')
        out[--n] = '\0';
    size_t skip = strspn(out, "-");
    memmove(out, out + skip, n - skip + 1);
}

/* Does a module name belong to the distribution by its name: "lzo" of "python-lzo",
 * "_selinux" of "selinux", "yaml" of "pyyaml"? */
static bool name_matches(const char *dist, const char *top)
{
    char t[256], py[260];
    normalized_top(top, t, sizeof t);
    snprintf(py, sizeof py, "py%s", t);
    if (!*t || !strcmp(dist, t) || !strcmp(dist, py))
        return true;
    size_t n = strlen(t);
    for (const char *p = dist; (p = strstr(p, t)); p++)
        if ((p == dist || p[-1] == '-') && (p[n] == '\0' || p[n] == '-'))
            return true;
    return false;
}

/* The top-level name a site directory entry is, or nothing ("yaml", "six" for "six.py"). */
static int entry_top(const char *site, const char *entry, ph_strlist *out)
{
    if (entry[0] == '.' || !strcmp(entry, "__pycache__") || ph_str_ends_with(entry, ".dist-info") ||
        ph_str_ends_with(entry, ".egg-info"))
        return 0;
    if (is_identifier(entry, strlen(entry)))
        return top_exists(site, entry) && !dist_list_has(out, entry)
                   ? dist_list_add(out, entry, strlen(entry))
                   : 0;
    return add_top_of_path(out, entry) < 0 ? -1 : 0;
}

/* The names of `site` that no other distribution there claims: all of them when the
 * distribution is alone (an unpacked wheel), else those matching its name. */
static int tops_from_tree(const char *site, const candidate *c, ph_strlist *tops, ph_error *err)
{
    DIR *d = opendir(site);
    if (!d)
        return ph_error_errno(err, errno, "cannot read directory %s", site);
    ph_strlist names = {0}, claims = {0};
    int rc = 0;
    bool alone = true;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        const char *n = e->d_name;
        bool meta = ph_str_ends_with(n, ".dist-info") || ph_str_ends_with(n, ".egg-info");
        if (meta && strcmp(n, c->meta) != 0) {
            alone = false;
            candidate other = {.name = NULL, .meta = (char *)n};
            struct stat st;
            char *path = ph_path_join(site, n, "");
            other.is_file = path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
            free(path);
            claimed cl = {0};
            rc = read_listings(site, &other, &cl, err);
            for (size_t i = 0; rc == 0 && i < cl.tops.count; i++)
                if (!dist_list_has(&claims, cl.tops.items[i]) &&
                    dist_list_add(&claims, cl.tops.items[i], strlen(cl.tops.items[i])) < 0)
                    rc = ph_error_set(err, "out of memory");
            claimed_free(&cl);
        } else if (!meta && entry_top(site, n, &names) < 0) {
            rc = ph_error_set(err, "out of memory");
        }
    }
    closedir(d);
    for (size_t i = 0; rc == 0 && i < names.count; i++) {
        const char *t = names.items[i];
        if (dist_list_has(tops, t) || dist_list_has(&claims, t) ||
            (!alone && !name_matches(c->name, t)))
            continue;
        if (dist_list_add(tops, t, strlen(t)) < 0)
            rc = ph_error_set(err, "out of memory");
    }
    dist_list_free(&names);
    dist_list_free(&claims);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int dist_find_tops(const char *site, const candidate *c, ph_debian *debian, ph_strlist *tops,
                   ph_error *err)
{
    claimed cl = {0};
    int rc = read_listings(site, c, &cl, err);
    if (rc == 0 && keep_existing(site, &cl.tops, tops) < 0)
        rc = ph_error_set(err, "out of memory");
    /* Nothing trustworthy found: dpkg's record, then the site directory. A doubtful RECORD
     * is completed from the tree even when it named something. */
    bool from_dpkg = false;
    if (rc == 0 && !cl.complete && !tops->count) {
        rc = tops_from_dpkg(site, c, debian, tops, err);
        from_dpkg = tops->count > 0;
    }
    if (rc == 0 && !from_dpkg && !cl.complete && (!tops->count || cl.record_doubtful))
        rc = tops_from_tree(site, c, tops, err);
    /* Sorted: the tree is read in readdir order. */
    if (rc == 0 && tops->count > 1)
        qsort(tops->items, tops->count, sizeof *tops->items, by_name);
    if (rc == 0 && !tops->count && !(cl.complete && !cl.modules)) {
        ph_error_set(err,
                     "%s/%s: distribution '%s' provides no module: %s, and no module in %s "
                     "belongs to it%s",
                     site, c->meta, c->display ? c->display : c->name, cl.why, site,
                     debian ? " (dpkg's record included)" : "");
        rc = ph_error_hint(err,
                           "check the metadata %s/%s; to pack the modules anyway, add the "
                           "directory that holds them to [resources] paths and name them "
                           "in [resources] include, and leave the distribution out",
                           site, c->meta);
    }
    claimed_free(&cl);
    return rc;
}

char *dist_meta_name_of(const char *text)
{
    char *name = NULL;
    const char *line = text;
    for (int i = 0; !name && i < 64 && *line; i++) {
        size_t len = strcspn(line, "\r\n");
        if (len == 0)
            break; /* the headers end */
        if (!strncmp(line, "Name:", 5))
            name = dist_trimmed(line + 5, len - 5);
        line += len;
        line += *line == '\r' && line[1] == '\n' ? 2 : *line ? 1 : 0;
    }
    if (name && !*name) {
        free(name);
        name = NULL;
    }
    return name;
}

/* The "Name:" header of METADATA / PKG-INFO (or of a single-file egg-info), malloc'd, or NULL
 * when there is none: the distribution's name, which a file name only approximates. Only the
 * head of the file is read: the headers come first. */
char *dist_meta_name(const char *site, const char *meta, bool is_file)
{
    char path[4096], head[32768];
    bool egg = ph_str_ends_with(meta, ".egg-info");
    snprintf(path, sizeof path, "%s/%s%s", site, meta,
             is_file ? ""
             : egg   ? "/PKG-INFO"
                     : "/METADATA");
    ph_error ignored;
    struct stat st;
    int fd = ph_open_regular(path, "a metadata file", &st, &ignored);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof head - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n < 0)
        return NULL;
    head[n] = '\0';
    return dist_meta_name_of(head);
}
