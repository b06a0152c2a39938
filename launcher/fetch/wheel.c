/* Wheel tags and unpacking. The layout rules are those of PEP 427 ("Spread"): the root holds
 * purelib or platlib files (the same place for us: one site directory), `NAME-VER.data/SCHEME/`
 * goes to that scheme's directory. */
#include "wheel.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gnu/libc-version.h>
#include <patchlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyhost/fsutil.h"
#include "zip.h"

/* ---- Names and tags -------------------------------------------------------------------- */

static int copy_field(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src);
    if (len == 0 || len >= size)
        return -1;
    memcpy(dst, src, len + 1);
    return 0;
}

static int split_name(char *stem, ph_wheel_name *out)
{
    char *parts[7];
    size_t count = 0;
    for (char *p = stem; count < 7;) {
        parts[count++] = p;
        char *dash = strchr(p, '-');
        if (!dash)
            break;
        *dash = '\0';
        p = dash + 1;
    }
    if (count != 5 && count != 6)
        return -1;
    return copy_field(out->dist, sizeof out->dist, parts[0]) ||
                   copy_field(out->version, sizeof out->version, parts[1]) ||
                   (count == 6 && copy_field(out->build, sizeof out->build, parts[2])) ||
                   copy_field(out->py, sizeof out->py, parts[count - 3]) ||
                   copy_field(out->abi, sizeof out->abi, parts[count - 2]) ||
                   copy_field(out->plat, sizeof out->plat, parts[count - 1])
               ? -1
               : 0;
}

static int not_a_wheel_name(const char *filename, ph_error *err)
{
    return ph_error_set(err, "'%s' is not a wheel file name (NAME-VERSION-PY-ABI-PLATFORM.whl)",
                        filename);
}

int ph_wheel_parse_name(const char *filename, ph_wheel_name *out, ph_error *err)
{
    size_t n = strlen(filename);
    char stem[512];
    memset(out, 0, sizeof *out);
    if (n <= 4 || n - 4 >= sizeof stem || strcmp(filename + n - 4, ".whl") != 0)
        return not_a_wheel_name(filename, err);
    memcpy(stem, filename, n - 4);
    stem[n - 4] = '\0';
    return split_name(stem, out) < 0 ? not_a_wheel_name(filename, err) : 0;
}

/* "cp39" -> 9 for major 3; -1 when `tag` is not PREFIX3MINOR. */
static int minor_of(const char *tag, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(tag, prefix, n) != 0 || tag[n] != '3' || !tag[n + 1])
        return -1;
    char *end;
    long minor = strtol(tag + n + 1, &end, 10);
    return *end || minor < 0 || minor > 99 ? -1 : (int)minor;
}

static bool py_abi_ok(const char *py, const char *abi)
{
    int cp = minor_of(py, "cp"), pyv = minor_of(py, "py");
    if (!strcmp(abi, "none"))
        return !strcmp(py, "py3") || (pyv >= 0 && pyv <= PY_MINOR_VERSION) ||
               cp == PY_MINOR_VERSION;
    if (!strcmp(abi, "abi3"))
        return cp >= 2 && cp <= PY_MINOR_VERSION;
    return cp == PY_MINOR_VERSION && minor_of(abi, "cp") == PY_MINOR_VERSION;
}

static int glibc_minor(void)
{
    const char *v = gnu_get_libc_version(); /* "2.36" */
    return !strncmp(v, "2.", 2) ? atoi(v + 2) : 0;
}

/* manylinux wheels promise to need at most the glibc they name (PEP 600); the build machine's
 * glibc stands in for the target's. */
static bool plat_ok(const char *plat)
{
    static const struct {
        const char *tag;
        int glibc;
    } legacy[] = {
        {"manylinux1_x86_64", 5}, {"manylinux2010_x86_64", 12}, {"manylinux2014_x86_64", 17}};
    if (!strcmp(plat, "any") || !strcmp(plat, "linux_x86_64"))
        return true;
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
        if (!strcmp(plat, legacy[i].tag))
            return legacy[i].glibc <= glibc_minor();
    int minor = 0, end = 0;
    if (sscanf(plat, "manylinux_2_%d_x86_64%n", &minor, &end) == 1 && !plat[end])
        return minor <= glibc_minor();
    return false;
}

/* Each of the three sets ("py2.py3") is '.'-separated; one combination must fit. */
static bool any_triple_ok(const ph_wheel_name *w)
{
    char py[96], abi[96], plat[256];
    for (char *ps = NULL, *p = strtok_r(strcpy(py, w->py), ".", &ps); p;
         p = strtok_r(NULL, ".", &ps))
        for (char *as = NULL, *a = strtok_r(strcpy(abi, w->abi), ".", &as); a;
             a = strtok_r(NULL, ".", &as))
            for (char *ts = NULL, *t = strtok_r(strcpy(plat, w->plat), ".", &ts); t;
                 t = strtok_r(NULL, ".", &ts))
                if (py_abi_ok(p, a) && plat_ok(t))
                    return true;
    return false;
}

int ph_wheel_check_tags(const char *filename, const ph_wheel_name *w, ph_error *err)
{
    if (any_triple_ok(w))
        return 0;
    int v = PY_MINOR_VERSION, g = glibc_minor();
    ph_error_set(err,
                 "wheel %s does not run on the embedded Python %d.%d (Linux x86_64): its tags "
                 "are %s-%s-%s",
                 filename, PY_MAJOR_VERSION, v, w->py, w->abi, w->plat);
    return ph_error_hint(err,
                         "accepted: cp3%d-cp3%d-PLATFORM, cp3X-abi3-PLATFORM (X <= %d), "
                         "py3-none-any, py3X-none-any, cp3%d-none-any; PLATFORM is linux_x86_64 "
                         "or manylinux_2_N_x86_64 with N <= %d (manylinux1/2010/2014 too); "
                         "use the wheel built for cp3%d",
                         v, v, v, v, g, v);
}

/* ---- Unpacking ------------------------------------------------------------------------- */

typedef struct unpack {
    const char *filename; /* for messages */
    const char *dir;
    ph_zip zip;
    char *dist_info; /* "name-1.0.dist-info" */
    char data[256];  /* "name-1.0.data/" */
    ph_error *err;
} unpack;

static bool same_dist(const char *a, size_t alen, const char *b)
{
    char x[256], y[256];
    if (alen >= sizeof x || strlen(b) >= sizeof y)
        return false;
    snprintf(x, sizeof x, "%.*s", (int)alen, a);
    snprintf(y, sizeof y, "%s", b);
    ph_dist_normalize(x);
    ph_dist_normalize(y);
    return !strcmp(x, y);
}

/* The .dist-info directory of the distribution the file name announces (PEP 427: exactly
 * one, "NAME-VER.dist-info" with NAME as escaped in the file name). */
static int find_dist_info(unpack *u, const ph_wheel_name *w)
{
    for (size_t i = 0; i < u->zip.count && !u->dist_info; i++) {
        const char *name = u->zip.items[i].name;
        const char *slash = strchr(name, '/');
        size_t top = slash ? (size_t)(slash - name) : 0;
        if (top > 10 && !strncmp(name + top - 10, ".dist-info", 10) &&
            same_dist(name, strcspn(name, "-"), w->dist))
            u->dist_info = strndup(name, top);
    }
    if (!u->dist_info)
        return ph_error_set(u->err, "wheel %s has no %s-%s.dist-info directory", u->filename,
                            w->dist, w->version);
    snprintf(u->data, sizeof u->data, "%.*s.data/", (int)(strlen(u->dist_info) - 10), u->dist_info);
    return 0;
}

static int check_names(unpack *u)
{
    for (size_t i = 0; i < u->zip.count; i++)
        if (!ph_zip_safe_name(u->zip.items[i].name)) {
            ph_error_set(u->err,
                         "wheel %s: member '%s' would be written outside the target "
                         "directory",
                         u->filename, u->zip.items[i].name);
            return ph_error_hint(u->err, "the wheel is corrupt or malicious; rebuild it or "
                                         "get it from a source you trust");
        }
    return 0;
}

/* Where a member goes, relative to the unpack directory; NULL: left out (scripts, headers,
 * data files and directory entries). */
/* Where archive member NAME goes, relative to the site directory, given the wheel's
 * "NAME-VER.data/" directory: NULL for a directory entry or a scheme that is not installed
 * (*bad when the scheme is unknown). */
static const char *target_in(const char *data, const char *name, int *bad)
{
    size_t n = strlen(data);
    *bad = 0;
    if (!*name || name[strlen(name) - 1] == '/')
        return NULL;
    if (strncmp(name, data, n) != 0)
        return name;
    const char *scheme = name + n;
    if (!strncmp(scheme, "purelib/", 8) || !strncmp(scheme, "platlib/", 8))
        return scheme + 8;
    if (!strncmp(scheme, "scripts/", 8) || !strncmp(scheme, "headers/", 8) ||
        !strncmp(scheme, "data/", 5))
        return NULL;
    *bad = 1;
    return NULL;
}

static const char *target_of(const unpack *u, const char *name, int *bad)
{
    return target_in(u->data, name, bad);
}

static int make_parents(const unpack *u, const char *rel)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", u->dir, rel) >= (int)sizeof path)
        return ph_error_set(u->err, "wheel %s: member path too long: %s", u->filename, rel);
    for (char *p = path + strlen(u->dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return ph_error_errno(u->err, errno, "cannot create directory %s", path);
        *p = '/';
    }
    return 0;
}

/* O_EXCL: a name twice in the archive, or a .data/purelib file over a root file, is an
 * error rather than a silent overwrite. */
static int write_member(const unpack *u, const ph_zip_member *m, const char *rel)
{
    uint8_t *data;
    char path[4096];
    if (make_parents(u, rel) < 0 || ph_zip_read(&u->zip, m, &data, u->err) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s", u->dir, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    int e = fd < 0 ? errno : ph_write_all(fd, data, m->usize) < 0 ? errno : 0;
    if (fd >= 0 && close(fd) < 0 && !e)
        e = errno;
    free(data);
    if (e == EEXIST)
        return ph_error_set(u->err, "wheel %s: '%s' appears twice", u->filename, rel);
    return e ? ph_error_errno(u->err, e, "cannot write %s", path) : 0;
}

static int extract_all(unpack *u)
{
    for (size_t i = 0; i < u->zip.count; i++) {
        const ph_zip_member *m = &u->zip.items[i];
        int bad;
        const char *rel = target_of(u, m->name, &bad);
        if (bad)
            return ph_error_set(u->err,
                                "wheel %s: '%s' is not in a known scheme (purelib, "
                                "platlib, scripts, headers, data)",
                                u->filename, m->name);
        if (rel && write_member(u, m, rel) < 0)
            return -1;
    }
    return 0;
}

int ph_wheel_rewrite_record(const char *text, size_t size, const char *data, char **result,
                            size_t *result_size)
{
    size_t n = strlen(data);
    char *out = malloc(size + 1), *w = out;
    *result = NULL;
    for (const char *line = text, *next; out && line < text + size; line = next) {
        const char *nl = memchr(line, '\n', (size_t)(text + size - line));
        next = nl ? nl + 1 : text + size;
        size_t len = (size_t)(next - line), q = line[0] == '"';
        int bad;
        const char *keep = line;
        if (len > q + n && !strncmp(line + q, data, n)) {
            char name[4096];
            size_t end = q; /* the path ends at a comma, a quote or the line's end */
            while (line + end < next && !memchr(",\"\n", line[end], 3))
                end++;
            snprintf(name, sizeof name, "%.*s", (int)(end - q), line + q);
            keep = target_in(data, name, &bad) ? line + q + n + 8 : NULL;
        }
        if (keep && keep != line && q)
            *w++ = '"';
        if (keep && keep < next) {
            memcpy(w, keep, (size_t)(next - keep));
            w += next - keep;
        }
    }
    if (!out)
        return -1;
    *result = out;
    *result_size = (size_t)(w - out);
    return 0;
}

/* RECORD lists archive paths; an installer rewrites it to installed ones, and importlib's
 * files() and the builder's top-level guess read it. Lines of left-out files are dropped. */
static int rewrite_record(const unpack *u)
{
    char path[4096], *text, *out;
    size_t size, out_size;
    snprintf(path, sizeof path, "%s/%s/RECORD", u->dir, u->dist_info);
    if (access(path, F_OK) != 0)
        return 0;
    if (ph_read_file(path, &text, &size, u->err) < 0)
        return -1;
    int rc = ph_wheel_rewrite_record(text, size, u->data, &out, &out_size) < 0
                 ? ph_error_set(u->err, "out of memory")
                 : ph_write_file_atomic(path, out, out_size, 0644, u->err);
    free(out);
    free(text);
    return rc;
}

static int check_wheel_file(const unpack *u)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/WHEEL", u->dir, u->dist_info);
    if (access(path, F_OK) == 0)
        return 0;
    return ph_error_set(u->err, "wheel %s has no %s/WHEEL file: not a wheel", u->filename,
                        u->dist_info);
}

int ph_wheel_unpack(const char *path, const char *filename, const char *dir, char **dist_info,
                    ph_error *err)
{
    ph_wheel_name w;
    unpack u = {.filename = filename, .dir = dir, .err = err};
    *dist_info = NULL;
    if (ph_wheel_parse_name(filename, &w, err) < 0 || ph_wheel_check_tags(filename, &w, err) < 0)
        return -1;
    if (ph_zip_open(&u.zip, path, filename, err) < 0)
        return ph_error_hint(err, "the wheel is damaged: download or build it again");
    int rc = check_names(&u);
    if (rc == 0)
        rc = find_dist_info(&u, &w);
    if (rc == 0 && (rc = extract_all(&u)) < 0 && !err->hint[0])
        ph_error_hint(err, "the wheel is damaged: download or build it again");
    if (rc == 0)
        rc = check_wheel_file(&u);
    if (rc == 0)
        rc = rewrite_record(&u);
    ph_zip_close(&u.zip);
    if (rc == 0)
        *dist_info = u.dist_info;
    else
        free(u.dist_info);
    return rc;
}

void ph_dist_normalize(char *name)
{
    char *out = name;
    for (const char *p = name; *p; p++) {
        bool sep = *p == '-' || *p == '_' || *p == '.';
        if (sep && out > name && out[-1] == '-')
            continue;
        *out++ = sep ? '-' : (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    }
    *out = '\0';
}
