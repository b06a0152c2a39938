/* dpkg's record of what it installed, for distributions Debian packaged.
 *
 * Debian strips install_requires from the metadata it ships (python3-requests' requires.txt
 * lists no urllib3, python3-jinja2's no MarkupSafe): the dependencies live in the .deb's
 * Depends instead. Some packages ship Python code with no metadata at all
 * (python3-pkg-resources: pkg_resources/ only), and some ship one egg-info file that says
 * nothing about the modules (python3-lzo: python_lzo-1.14.egg-info beside lzo.cpython-*.so).
 * dpkg knows all of it: INFO/PKG[:ARCH].list lists a package's files, and STATUS holds
 * "Package:" stanzas with their "Depends:" line.
 *
 * Every .list is read, whatever the package is called (yamllint, httpie, python3-zope.interface),
 * but only the paths right inside a "*-packages" directory are kept: those are what a site
 * directory holds. The index is built on the first question, so builds that never ask (no
 * dpkg-installed distribution) never pay for it. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "build.h"
#include "pyhost/fsutil.h"
#include "pyhost/strutil.h"

#define DPKG_DIR "/var/lib/dpkg"

typedef struct shipped {
    char *path;     /* "/usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info" */
    size_t package; /* index into packages */
} shipped;

struct ph_debian {
    char *dir;   /* dpkg's administrative directory */
    bool system; /* /var/lib/dpkg: it installs under /usr only */
    bool indexed;
    shipped *items; /* sorted by path */
    size_t count, capacity;
    ph_strlist packages; /* every package with a .list, in readdir order */
    char *status;        /* the whole status file, read once; NULL: none */
    double seconds;      /* what building the index cost */
};

ph_debian *ph_debian_new(const char *dpkg_dir)
{
    ph_debian *d = calloc(1, sizeof *d);
    if (d)
        d->system = !dpkg_dir;
    if (d && !(d->dir = strdup(dpkg_dir ? dpkg_dir : DPKG_DIR))) {
        free(d);
        d = NULL;
    }
    return d;
}

/* A path right inside a site directory: ".../dist-packages/NAME" (NAME without '/'). */
static bool in_site(const char *line, size_t len)
{
    const char *slash = NULL;
    for (const char *p = line + len; p > line; p--)
        if (p[-1] == '/') {
            slash = p - 1;
            break;
        }
    return slash && slash[1] && slash - line >= 9 && !strncmp(slash - 9, "-packages", 9);
}

static int add_shipped(ph_debian *d, const char *path, size_t len, size_t package)
{
    if (d->count == d->capacity) {
        size_t cap = d->capacity ? d->capacity * 2 : 256;
        shipped *grown = realloc(d->items, cap * sizeof *grown);
        if (!grown)
            return -1;
        d->items = grown;
        d->capacity = cap;
    }
    char *copy = strndup(path, len);
    if (!copy)
        return -1;
    d->items[d->count++] = (shipped){copy, package};
    return 0;
}

static size_t package_index(const ph_debian *d, const char *package)
{
    for (size_t i = 0; i < d->packages.count; i++)
        if (!strcmp(d->packages.items[i], package))
            return i;
    return (size_t)-1;
}

/* "python3-zope.testrunner.list" -> "python3-zope.testrunner", "libfoo:amd64.list" ->
 * "libfoo": only ".list" and the architecture go, never a dot of the name. */
static int index_list(ph_debian *d, const char *file, ph_error *err)
{
    char path[4096], package[512], *text;
    size_t size;
    snprintf(path, sizeof path, "%s/info/%s", d->dir, file);
    size_t n = strlen(file) - 5;
    const char *colon = memchr(file, ':', n);
    snprintf(package, sizeof package, "%.*s", (int)(colon ? (size_t)(colon - file) : n), file);
    if (ph_read_file(path, &text, &size, err) < 0)
        return -1;
    size_t index = package_index(d, package); /* one package, several architectures */
    if (index == (size_t)-1) {
        char **grown = realloc(d->packages.items, (d->packages.count + 1) * sizeof *grown);
        if (grown)
            d->packages.items = grown;
        char *name = grown ? strdup(package) : NULL;
        if (!name) {
            free(text);
            return ph_error_set(err, "out of memory");
        }
        index = d->packages.count;
        d->packages.items[d->packages.count++] = name;
    }
    int rc = 0;
    /* Only lines holding "-packages/" can be in a site directory: memmem skips the rest. */
    for (char *p = text, *end = text + size; rc == 0 && p < end;) {
        char *hit = memmem(p, (size_t)(end - p), "-packages/", 10);
        if (!hit)
            break;
        char *start = hit;
        while (start > p && start[-1] != '\n')
            start--;
        char *nl = memchr(hit, '\n', (size_t)(end - hit));
        size_t len = (size_t)((nl ? nl : end) - start);
        if (in_site(start, len) && add_shipped(d, start, len, index) < 0)
            rc = ph_error_set(err, "out of memory");
        p = nl ? nl + 1 : end;
    }
    free(text);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const shipped *)a)->path, ((const shipped *)b)->path);
}

static int build_index(ph_debian *d, ph_error *err)
{
    if (d->indexed)
        return 0;
    d->indexed = true;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char path[4096];
    snprintf(path, sizeof path, "%s/info", d->dir);
    DIR *dir = opendir(path);
    if (!dir)
        return 0; /* not a dpkg system: nothing is owned */
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(dir));)
        if (e->d_name[0] != '.' && ph_str_ends_with(e->d_name, ".list"))
            rc = index_list(d, e->d_name, err);
    closedir(dir);
    if (rc == 0)
        qsort(d->items, d->count, sizeof *d->items, by_path);
    struct stat st;
    size_t size;
    snprintf(path, sizeof path, "%s/status", d->dir);
    if (rc == 0 && stat(path, &st) == 0)
        rc = ph_read_file(path, &d->status, &size, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    d->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}

double ph_debian_index_seconds(const ph_debian *d)
{
    return d && d->indexed ? d->seconds : -1.0;
}

/* The system's dpkg installs Python code under /usr, never /usr/local, a venv or a home
 * directory: paths there are answered without reading its record (about 60-90 ms). */
static bool may_own(const ph_debian *d, const char *path)
{
    return !d->system || (!strncmp(path, "/usr/", 5) && strncmp(path, "/usr/local/", 11) != 0);
}

int ph_debian_owner(ph_debian *d, const char *path, const char **package, ph_error *err)
{
    *package = NULL;
    if (!may_own(d, path))
        return 0;
    if (build_index(d, err) < 0)
        return -1;
    shipped key = {(char *)path, 0};
    const shipped *s = bsearch(&key, d->items, d->count, sizeof *d->items, by_path);
    *package = s ? d->packages.items[s->package] : NULL;
    return 0;
}

int ph_debian_site_entries(ph_debian *d, const char *package, const char *site, ph_strlist *out,
                           ph_error *err)
{
    if (!may_own(d, site))
        return 0;
    if (build_index(d, err) < 0)
        return -1;
    size_t index = package_index(d, package), n = strlen(site);
    while (n > 1 && site[n - 1] == '/')
        n--;
    for (size_t i = 0; index != (size_t)-1 && i < d->count; i++) {
        const char *p = d->items[i].path;
        if (d->items[i].package != index || strncmp(p, site, n) != 0 || p[n] != '/')
            continue;
        char **grown = realloc(out->items, (out->count + 1) * sizeof *grown);
        if (grown)
            out->items = grown;
        if (!grown || !(out->items[out->count] = strdup(p + n + 1)))
            return ph_error_set(err, "out of memory");
        out->count++;
    }
    return 0;
}

/* Does `package` put anything in a site directory? */
static bool ships_python(const ph_debian *d, const char *package)
{
    size_t index = package_index(d, package);
    for (size_t i = 0; index != (size_t)-1 && i < d->count; i++)
        if (d->items[i].package == index)
            return true;
    return false;
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
    size_t n = strcspn(alt, " (:\n[<");
    snprintf(out, size, "%.*s", (int)(n < len ? n : len), alt);
}

static int push2(ph_strlist *a, const char *x, ph_strlist *b, const char *y)
{
    char **ga = realloc(a->items, (a->count + 1) * sizeof *ga);
    if (ga)
        a->items = ga;
    char **gb = ga ? realloc(b->items, (b->count + 1) * sizeof *gb) : NULL;
    if (gb)
        b->items = gb;
    char *cx = gb ? strdup(x) : NULL, *cy = cx ? strdup(y) : NULL;
    if (!cy) {
        free(cx);
        return -1;
    }
    a->items[a->count++] = cx;
    b->items[b->count++] = cy;
    return 0;
}

/* Each comma-separated group; within "a | b", the first alternative that ships anything in a
 * site directory (what apt installed is not recorded, but any of them satisfies it). */
int ph_debian_depends(ph_debian *d, const char *package, ph_strlist *packages, ph_strlist *reasons,
                      ph_error *err)
{
    if (build_index(d, err) < 0)
        return -1;
    char *depends = depends_of(d, package);
    int rc = 0;
    for (const char *group = depends; rc == 0 && group && *group;) {
        size_t glen = strcspn(group, ",");
        for (const char *alt = group; alt < group + glen;) {
            size_t alen = strcspn(alt, "|,");
            char name[512];
            package_name(alt, alen, name, sizeof name);
            if (ships_python(d, name)) {
                const char *g = group;
                size_t gl = glen;
                while (gl && (*g == ' ' || *g == '\n'))
                    g++, gl--;
                char reason[1024];
                snprintf(reason, sizeof reason, "Debian %s Depends: %.*s", package, (int)gl, g);
                if (push2(packages, name, reasons, reason) < 0)
                    rc = ph_error_set(err, "out of memory");
                break;
            }
            alt += alen + (alt[alen] == '|');
        }
        group += glen + (group[glen] == ',');
    }
    free(depends);
    return rc;
}

void ph_debian_free(ph_debian *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->count; i++)
        free(d->items[i].path);
    free(d->items);
    for (size_t i = 0; i < d->packages.count; i++)
        free(d->packages.items[i]);
    free(d->packages.items);
    free(d->status);
    free(d->dir);
    free(d);
}
