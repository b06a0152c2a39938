/* Debian strips install_requires from the metadata it ships (python3-requests' requires.txt
 * lists no urllib3, python3-jinja2's no MarkupSafe): the dependencies live in the .deb's
 * Depends instead. So for metadata that dpkg installed, the Python distributions shipped by
 * the packages it Depends on count as requirements too.
 *
 * dpkg's database is plain text: /var/lib/dpkg/info/PKG.list lists a package's files, and
 * /var/lib/dpkg/status holds "Package:" stanzas with their "Depends:" line. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "wheel.h"
#include "pyhost/fsutil.h"

#define DPKG_INFO "/var/lib/dpkg/info"
#define DPKG_STATUS "/var/lib/dpkg/status"

typedef struct shipped {
    char *package; /* "python3-urllib3" */
    char *meta;    /* "/usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info" */
} shipped;

struct ph_debian {
    shipped *items;
    size_t count;
    char *status; /* the whole status file, read once */
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && !strcmp(s + n - k, suffix);
}

/* A metadata directory or file right inside a site directory. */
static bool is_site_metadata(const char *path)
{
    if (!ends_with(path, ".egg-info") && !ends_with(path, ".dist-info"))
        return false;
    const char *slash = strrchr(path, '/');
    return slash && slash - path > 9 && !strncmp(slash - 9, "-packages", 9);
}

static int add_shipped(ph_debian *d, const char *package, const char *meta)
{
    shipped *grown = realloc(d->items, (d->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    d->items = grown;
    shipped s = {strdup(package), strdup(meta)};
    if (!s.package || !s.meta) {
        free(s.package);
        free(s.meta);
        return -1;
    }
    d->items[d->count++] = s;
    return 0;
}

/* "python3-yaml:amd64.list" -> "python3-yaml". */
static int index_list(ph_debian *d, const char *file, ph_error *err)
{
    char path[1024], package[512], *text;
    size_t size;
    snprintf(path, sizeof path, "%s/%s", DPKG_INFO, file);
    snprintf(package, sizeof package, "%.*s", (int)strcspn(file, ":."), file);
    if (ph_read_file(path, &text, &size, err) < 0)
        return -1;
    int rc = 0;
    for (char *line = text, *nl; rc == 0 && line && *line; line = nl ? nl + 1 : NULL) {
        if ((nl = strchr(line, '\n')))
            *nl = '\0';
        if (is_site_metadata(line) && add_shipped(d, package, line) < 0)
            rc = ph_error_set(err, "out of memory");
    }
    free(text);
    return rc;
}

/* Only python3-* packages ship distributions for the Python we embed. */
static int build_index(ph_debian *d, ph_error *err)
{
    DIR *dir = opendir(DPKG_INFO);
    if (!dir)
        return 0; /* not a dpkg system: nothing to add */
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(dir));)
        if (!strncmp(e->d_name, "python3-", 8) && ends_with(e->d_name, ".list"))
            rc = index_list(d, e->d_name, err);
    closedir(dir);
    struct stat st;
    size_t size;
    if (rc == 0 && stat(DPKG_STATUS, &st) == 0)
        rc = ph_read_file(DPKG_STATUS, &d->status, &size, err);
    return rc;
}

static const char *package_of(const ph_debian *d, const char *meta)
{
    for (size_t i = 0; i < d->count; i++)
        if (!strcmp(d->items[i].meta, meta))
            return d->items[i].package;
    return NULL;
}

/* The Depends value of an installed package (continuation lines joined), malloc'd, or NULL. */
static char *depends_of(const ph_debian *d, const char *package)
{
    char head[600];
    snprintf(head, sizeof head, "Package: %s\n", package);
    for (const char *p = d->status; p && (p = strstr(p, head)); p += strlen(head)) {
        if (p != d->status && p[-1] != '\n')
            continue;
        const char *end = strstr(p, "\n\n");
        const char *dep = strstr(p, "\nDepends: ");
        if (!dep || (end && dep > end))
            return NULL;
        dep += 10;
        size_t len = 0;
        while (dep[len] && !(dep[len] == '\n' && dep[len + 1] != ' '))
            len++;
        return strndup(dep, len);
    }
    return NULL;
}

/* "python3-urllib3 (>= 1.21.1)" -> "python3-urllib3"; "python3:any" -> "python3". */
static void package_name(const char *alt, size_t len, char *out, size_t size)
{
    while (len && (*alt == ' ' || *alt == '\n'))
        alt++, len--;
    size_t n = strcspn(alt, " (:\n");
    snprintf(out, size, "%.*s", (int)(n < len ? n : len), alt);
}

static int add_names(const ph_debian *d, const char *package, const char *dep, size_t len,
                     ph_strlist *names, ph_strlist *reasons)
{
    char reason[1024];
    while (len && (*dep == ' ' || *dep == '\n'))
        dep++, len--;
    snprintf(reason, sizeof reason, "Debian %s Depends: %.*s", package, (int)len, dep);
    for (size_t i = 0; i < d->count; i++) {
        char alt[512];
        package_name(dep, len, alt, sizeof alt);
        if (strcmp(d->items[i].package, alt) != 0)
            continue;
        const char *base = strrchr(d->items[i].meta, '/') + 1;
        char *name = strndup(base, strcspn(base, "-"));
        if (name && ends_with(name, ".egg-info"))
            name[strlen(name) - 9] = '\0';
        if (!name)
            return -1;
        ph_dist_normalize(name);
        char *why = strdup(reason);
        char **gn = realloc(names->items, (names->count + 1) * sizeof *gn);
        char **gr = gn ? realloc(reasons->items, (reasons->count + 1) * sizeof *gr) : NULL;
        if (gn)
            names->items = gn;
        if (gr)
            reasons->items = gr;
        if (!why || !gn || !gr) {
            free(name);
            free(why);
            return -1;
        }
        names->items[names->count++] = name;
        reasons->items[reasons->count++] = why;
    }
    return 0;
}

/* Each comma-separated group; within "a | b", the first alternative that ships Python
 * metadata (what apt would have installed is not known, but any of them satisfies it). */
static int follow_depends(const ph_debian *d, const char *package, const char *depends,
                          ph_strlist *names, ph_strlist *reasons)
{
    for (const char *group = depends; *group;) {
        size_t glen = strcspn(group, ",");
        for (const char *alt = group; alt < group + glen;) {
            size_t alen = strcspn(alt, "|,");
            size_t before = names->count;
            if (add_names(d, package, alt, alen, names, reasons) < 0)
                return -1;
            if (names->count > before)
                break;
            alt += alen + (alt[alen] == '|');
        }
        group += glen + (group[glen] == ',');
    }
    return 0;
}

int ph_debian_depends(ph_debian **cache, const char *meta_path, ph_strlist *names,
                      ph_strlist *reasons, ph_error *err)
{
    if (!*cache) {
        if (!(*cache = calloc(1, sizeof **cache)))
            return ph_error_set(err, "out of memory");
        if (build_index(*cache, err) < 0)
            return -1;
    }
    const char *package = package_of(*cache, meta_path);
    char *depends = package ? depends_of(*cache, package) : NULL;
    int rc = depends ? follow_depends(*cache, package, depends, names, reasons) : 0;
    free(depends);
    return rc < 0 ? ph_error_set(err, "out of memory") : 0;
}

void ph_debian_free(ph_debian *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].package);
        free(d->items[i].meta);
    }
    free(d->items);
    free(d->status);
    free(d);
}
