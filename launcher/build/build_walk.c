/* Walking a sys.path-like root (ph_collect_root): what each file becomes in the .pyr, by the
 * naming rules build_collect.c describes and the runtime finder depends on. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "pyhost/elf.h"
#include "pyhost/pyr_hash.h"
#include "pyhost/strutil.h"

/* ---- Names ----------------------------------------------------------------------------- */

/* Non-ASCII bytes count as identifier characters: Python identifiers may be Unicode. */
static bool is_identifier(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* A module stem may hold '-' (sysconfig imports "_sysconfigdata__linux_x86_64-linux-gnu"
 * with __import__), but never '.', which would split the dotted name. */
static bool is_module_stem(const char *s, size_t len)
{
    return len > 0 && !memchr(s, '.', len);
}

/* Length of the module stem of an extension-module file name, or 0 when it is not one. */
static size_t extension_stem(const char *name)
{
    for (const char *const *s = ph_extension_suffixes; s && *s; s++)
        if (ph_str_ends_with(name, *s)) {
            size_t len = strlen(name) - strlen(*s);
            return is_module_stem(name, len) ? len : 0;
        }
    return 0;
}

/* Does the file named like an extension module export PyInit_<stem>? CPython loads nothing
 * else as one; pycryptodomex's _raw_ecb.abi3.so, loaded with ctypes, exports none. A file that
 * cannot be read or is not ELF (another platform's) is taken at its name's word. */
static bool is_extension_module(const char *path, const char *name, size_t stem)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return true;
    void *map = fstat(fd, &st) == 0 && st.st_size > 0
                    ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                    : MAP_FAILED;
    close(fd);
    if (map == MAP_FAILED)
        return true;
    char symbol[512];
    snprintf(symbol, sizeof symbol, "PyInit_%.*s", (int)stem, name);
    ph_error err;
    int rc = ph_elf_is_elf(map, (size_t)st.st_size)
                 ? ph_elf_exports(map, (size_t)st.st_size, symbol, path, &err)
                 : 1;
    munmap(map, (size_t)st.st_size);
    return rc != 0; /* a damaged file: let loading it say what is wrong */
}

/* Temporary files of an atomic write in progress (ours: "NAME.tmp.XXXXXX"). */
static bool is_temporary(const char *name)
{
    size_t n = strlen(name);
    return n > 11 && !memcmp(name + n - 11, ".tmp.", 5);
}

static char *join(const char *a, const char *sep, const char *b)
{
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, *a ? sep : "", b);
    return s;
}

/* ---- Walking --------------------------------------------------------------------------- */

enum walk_mode {
    W_ROOT,    /* a sys.path entry: only modules and packages count */
    W_PACKAGE, /* an importable directory: modules, subpackages and resources */
    W_DATA,    /* a directory inside a package that is not importable: resources only */
};

#define MAX_DEPTH 64

typedef struct walker {
    ph_unit_list *out;
    const ph_walk_rules *rules;
    ph_error *err;
    struct {
        dev_t dev;
        ino_t ino;
    } stack[MAX_DEPTH]; /* the directories being walked, to stop at symlink loops */
    int depth;
} walker;

typedef struct place {
    const char *abs; /* absolute directory path */
    const char *rel; /* relative to the root; "" at the root */
    const char *pkg; /* dotted package name (W_PACKAGE) or owner (W_DATA); "" at the root */
    enum walk_mode mode;
} place;

static int walk_dir(walker *w, const place *at, bool *found);

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The entries of a directory, sorted so that builds do not depend on readdir order. */
static int list_dir(const char *path, char ***out, size_t *count, ph_error *err)
{
    DIR *d = opendir(path);
    if (!d)
        return ph_error_errno(err, errno, "cannot read directory %s", path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "__pycache__"))
            continue; /* hidden files, ".", "..", ".git", and compiled caches */
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    bool complete = e == NULL;
    closedir(d);
    if (!complete) {
        free_names(names, n);
        return ph_error_set(err, "out of memory listing %s", path);
    }
    if (n) /* an empty directory has no array: qsort(NULL, 0, ...) is undefined */
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    *count = n;
    return 0;
}

static int push(walker *w, const char *name, pyr_kind kind, const char *path, const char *rel,
                const char *owner)
{
    return ph_unit_push(w->out, name, kind, path, rel, owner, w->rules->root, w->err);
}

static int add_resource(walker *w, const place *at, const char *path, const char *rel)
{
    return push(w, rel, PYR_PACKAGE_RESOURCE, path, rel, at->pkg);
}

/* A module or extension module called `stem` inside `at`. */
static int add_module(walker *w, const place *at, const char *stem, pyr_kind kind, const char *path,
                      const char *rel)
{
    char *name = join(at->pkg, ".", stem);
    if (!name)
        return ph_error_set(w->err, "out of memory");
    int rc = push(w, name, kind, path, rel, NULL);
    free(name);
    return rc;
}

static int visit_file(walker *w, const place *at, const char *name, const char *path,
                      const char *rel, bool *found)
{
    if (ph_str_ends_with(name, ".pyc") || is_temporary(name))
        return 0;
    if (at->mode == W_DATA)
        return add_resource(w, at, path, rel);
    size_t len = strlen(name);
    if (ph_str_ends_with(name, ".py") && is_module_stem(name, len - 3)) {
        *found = true;
        if (!strcmp(name, "__init__.py"))
            return 0; /* the package itself, added by its parent directory */
        char *stem = strndup(name, len - 3);
        int rc = stem ? add_module(w, at, stem, PYR_MODULE, path, rel)
                      : ph_error_set(w->err, "out of memory");
        free(stem);
        return rc;
    }
    size_t ext = extension_stem(name);
    if (ext && strncmp(name, "__init__.", 9) != 0 && !is_extension_module(path, name, ext)) {
        /* a library its package loads by path (ctypes): a data file under its real name */
        if (at->mode != W_PACKAGE)
            return 0;
        int rc = add_resource(w, at, path, rel);
        if (rc == 0)
            w->out->items[w->out->count - 1].shared_object = true;
        return rc;
    }
    if (ext && strncmp(name, "__init__.", 9) != 0) {
        *found = true; /* importable like a .py file, so its directory is a namespace package */
        char *stem = strndup(name, ext);
        int rc = stem ? add_module(w, at, stem, PYR_EXTENSION_MODULE, path, rel)
                      : ph_error_set(w->err, "out of memory");
        free(stem);
        return rc;
    }
    return at->mode == W_PACKAGE ? add_resource(w, at, path, rel) : 0;
}

static bool skipped_top_dir(const walker *w, const place *at, const char *name)
{
    if (at->mode != W_ROOT || !w->rules->skip_dirs)
        return false;
    for (const char *const *s = w->rules->skip_dirs; *s; s++)
        if (!strcmp(*s, name))
            return true;
    return false;
}

static bool is_regular_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return false;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A directory without __init__.py is a namespace package when something importable lies
 * below it; otherwise, inside a package, it only holds resources of that package. */
static int visit_namespace(walker *w, const place *at, const place *sub, bool *found)
{
    size_t mark = w->out->count;
    bool below = false;
    if (walk_dir(w, sub, &below) < 0)
        return -1;
    if (below) {
        *found = true;
        return push(w, sub->pkg, PYR_NAMESPACE_PACKAGE, NULL, sub->rel, NULL);
    }
    if (at->mode == W_ROOT) {
        ph_unit_list_truncate(w->out, mark); /* not a package: nothing in it is packed */
        return 0;
    }
    for (size_t i = mark; i < w->out->count; i++) { /* resources of the enclosing package */
        char *owner = strdup(at->pkg);
        if (!owner)
            return ph_error_set(w->err, "out of memory");
        free(w->out->items[i].owner);
        w->out->items[i].owner = owner;
    }
    /* and, as under python, a namespace package of its own: importlib.resources.files(
     * "pkg.data") imports it */
    return w->out->count > mark ? push(w, sub->pkg, PYR_NAMESPACE_PACKAGE, NULL, sub->rel, NULL)
                                : 0;
}

static int visit_dir(walker *w, const place *at, const char *name, const char *path,
                     const char *rel, bool *found)
{
    if (skipped_top_dir(w, at, name))
        return 0;
    place sub = {.abs = path, .rel = rel, .pkg = at->pkg, .mode = W_DATA};
    if (at->mode == W_DATA || strchr(name, '.'))
        return at->mode == W_ROOT ? 0 : walk_dir(w, &sub, found);
    char *pkg = join(at->pkg, ".", name);
    if (!pkg)
        return ph_error_set(w->err, "out of memory");
    sub.pkg = pkg;
    sub.mode = W_PACKAGE;
    int rc;
    if (is_regular_file(path, "__init__.py")) {
        char *init = join(path, "/", "__init__.py"), *init_rel = join(rel, "/", "__init__.py");
        rc = init && init_rel ? push(w, pkg, PYR_PACKAGE, init, init_rel, NULL)
                              : ph_error_set(w->err, "out of memory");
        free(init);
        free(init_rel);
        *found = true;
        if (rc == 0)
            rc = walk_dir(w, &sub, found);
    } else if (is_identifier(name)) {
        rc = visit_namespace(w, at, &sub, found);
    } else {
        sub.pkg = at->pkg;
        sub.mode = W_DATA;
        rc = at->mode == W_ROOT ? 0 : walk_dir(w, &sub, found);
    }
    free(pkg);
    return rc;
}

static bool on_stack(const walker *w, const struct stat *st)
{
    for (int i = 0; i < w->depth; i++)
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
            return true;
    return false;
}

/* stat() follows symlinks, as Python's importer does. A dangling symlink is skipped (a
 * distribution may ship one, e.g. Debian's sitecustomize.py -> /etc/...). Returns 1 to visit. */
static int stat_entry(walker *w, const char *path, struct stat *st)
{
    if (stat(path, st) == 0)
        return 1;
    int e = errno;
    struct stat lst;
    if (e == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
        return 0;
    return ph_error_errno(w->err, e, "cannot read %s", path);
}

/* With `tops`, a distribution's site directory: only the top-level names it provides. */
static bool outside_tops(const walker *w, const place *at, const char *name)
{
    const ph_strlist *tops = w->rules->tops;
    if (at->mode != W_ROOT || !tops)
        return false;
    size_t len = strcspn(name, ".");
    for (size_t i = 0; i < tops->count; i++)
        if (strlen(tops->items[i]) == len && !strncmp(tops->items[i], name, len))
            return false;
    return true;
}

static bool skipped_dir(const walker *w, const struct stat *st)
{
    for (size_t i = 0; i < w->rules->skip_id_count; i++)
        if (w->rules->skip_ids[i].dev == st->st_dev && w->rules->skip_ids[i].ino == st->st_ino)
            return true;
    return false;
}

static int visit(walker *w, const place *at, const char *name, bool *found)
{
    if (outside_tops(w, at, name))
        return 0;
    char *path = join(at->abs, "/", name), *rel = join(at->rel, "/", name);
    struct stat st;
    int rc = path && rel ? stat_entry(w, path, &st) : ph_error_set(w->err, "out of memory");
    if (rc == 1) {
        rc = 0;
        if (st.st_dev == w->rules->skip_dev && st.st_ino == w->rules->skip_ino)
            ; /* the output .pyr itself */
        else if (S_ISREG(st.st_mode))
            rc = visit_file(w, at, name, path, rel, found);
        else if (S_ISDIR(st.st_mode) && !on_stack(w, &st) && !skipped_dir(w, &st))
            rc = visit_dir(w, at, name, path, rel, found);
    }
    free(path);
    free(rel);
    return rc;
}

static int walk_dir(walker *w, const place *at, bool *found)
{
    struct stat st;
    if (stat(at->abs, &st) != 0)
        return ph_error_errno(w->err, errno, "cannot read directory %s", at->abs);
    if (w->depth >= MAX_DEPTH)
        return ph_error_set(w->err, "%s: directories nested more than %d deep", at->abs, MAX_DEPTH);
    char **names = NULL;
    size_t n = 0;
    if (list_dir(at->abs, &names, &n, w->err) < 0)
        return -1;
    w->stack[w->depth].dev = st.st_dev;
    w->stack[w->depth].ino = st.st_ino;
    w->depth++;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = visit(w, at, names[i], found);
    w->depth--;
    free_names(names, n);
    return rc;
}

int ph_collect_root(ph_unit_list *out, const char *root, const ph_walk_rules *rules, ph_error *err)
{
    walker w = {.out = out, .rules = rules, .err = err};
    place at = {.abs = root, .rel = "", .pkg = "", .mode = W_ROOT};
    bool found = false;
    return walk_dir(&w, &at, &found);
}
