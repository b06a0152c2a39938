/* [resources] data = SRC:DEST: data files outside packages, as PyInstaller's --add-data.
 *
 * SRC is a file, a directory or a glob, relative to the manifest's directory; DEST a directory
 * relative to the app's top ("." is the top). A file is packed as DEST/NAME, a directory's
 * contents (recursively, without __pycache__) as DEST/..., every match of a glob as one of
 * those. They are plain files in the .pyr (PYR_PLAIN_FILE, named by their '/'-path under the
 * app's top): the runtime reads them through the loader (`__loader__.get_data(APP_DIR/DEST/
 * NAME)`, docs/runtime.md). Where such files are placed on disk is [resources] placement's
 * business, not this file's. */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"

/* "./assets/" -> "assets", "." -> "" */
static void clean_dest(const char *dest, char *out, size_t size)
{
    while (dest[0] == '.' && dest[1] == '/')
        dest += 2;
    if (!strcmp(dest, "."))
        dest = "";
    snprintf(out, size, "%s", dest);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

typedef struct data_ctx {
    const ph_manifest *m;
    ph_unit_list *units;
    ph_strlist *explain;
    const char *item;
    ph_error *err;
    size_t added;
} data_ctx;

static int add_file(data_ctx *c, const char *path, const char *name)
{
    if (ph_unit_find(c->units, name) != (size_t)-1)
        return ph_manifest_error(c->m, c->err, "resources", "data",
                                 "'%s': '%s' is already packed (from a package, or another "
                                 "data item)",
                                 c->item, name);
    if (ph_unit_push(c->units, name, PYR_PLAIN_FILE, path, name, NULL, 0, c->err) < 0)
        return -1;
    c->added++;
    if (c->explain) {
        char line[4096];
        snprintf(line, sizeof line, "data %s: [resources] data %s", name, c->item);
        if (ph_strlist_append(c->explain, line) < 0)
            return ph_error_set(c->err, "out of memory");
    }
    return 0;
}

static int select_entry(const struct dirent *e)
{
    return strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "__pycache__");
}

static int add_path(data_ctx *c, const char *path, const char *name, int depth)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return ph_error_errno(c->err, errno, "[resources] data: cannot read %s", path);
    if (S_ISREG(st.st_mode))
        return add_file(c, path, name);
    if (!S_ISDIR(st.st_mode) || depth > 64)
        return 0; /* sockets, devices, a symlink loop: not data */
    struct dirent **list;
    int n = scandir(path, &list, select_entry, alphasort); /* sorted: reproducible */
    if (n < 0)
        return ph_error_errno(c->err, errno, "[resources] data: cannot read directory %s", path);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char child[4096], child_name[4096];
        if (rc == 0) {
            snprintf(child, sizeof child, "%s/%s", path, list[i]->d_name);
            snprintf(child_name, sizeof child_name, "%s%s%s", name, *name ? "/" : "",
                     list[i]->d_name);
            rc = add_path(c, child, child_name, depth + 1);
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

static int add_item(data_ctx *c, const char *item)
{
    const char *colon = strrchr(item, ':');
    char src[4096], dest[4096], *pattern = NULL;
    snprintf(src, sizeof src, "%.*s", (int)(colon - item), item);
    clean_dest(colon + 1, dest, sizeof dest);
    if (ph_manifest_resolve_path(c->m, src, &pattern, c->err) < 0)
        return -1;
    glob_t g;
    int grc = glob(pattern, 0, NULL, &g);
    if (grc != 0) {
        free(pattern);
        if (grc != GLOB_NOMATCH)
            return ph_manifest_error(c->m, c->err, "resources", "data",
                                     "'%s': cannot list the files it names", item);
        ph_manifest_error(c->m, c->err, "resources", "data", "'%s': no file matches '%s'", item,
                          src);
        return ph_error_hint(c->err, "SRC is relative to the manifest's directory (%s)",
                             c->m->base_dir);
    }
    free(pattern);
    c->item = item;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
        const char *match = g.gl_pathv[i];
        struct stat st;
        const char *base = strrchr(match, '/');
        base = base ? base + 1 : match;
        char name[8192];
        /* a directory named as it is puts its contents under DEST, as --add-data does; one
         * matched by a glob goes under DEST by its name, as a matched file does */
        bool dir = stat(match, &st) == 0 && S_ISDIR(st.st_mode);
        if (dir && !strpbrk(src, "*?["))
            snprintf(name, sizeof name, "%s", dest);
        else
            snprintf(name, sizeof name, "%s%s%s", dest, *dest ? "/" : "", base);
        rc = add_path(c, match, name, 0);
    }
    globfree(&g);
    return rc;
}

int ph_collect_data(const ph_manifest *m, ph_unit_list *units, ph_strlist *explain, ph_error *err)
{
    data_ctx c = {.m = m, .units = units, .explain = explain, .err = err};
    for (size_t i = 0; i < m->resources.data.count; i++)
        if (add_item(&c, m->resources.data.items[i]) < 0)
            return -1;
    return 0;
}
