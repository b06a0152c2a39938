/* What modules an installed distribution provides: RECORD, installed-files.txt, top_level.txt,
 * or else its name. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    char *path = dist_path_join(site, rel);
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
 * "yaml", "six.py" -> "six", "_cffi.cpython-311-x86_64-linux-gnu.so" -> "_cffi". */
static int add_top_of_path(ph_strlist *tops, const char *path)
{
    size_t first = strcspn(path, "/");
    size_t len = path[first] ? first : strcspn(path, ".");
    bool module_file = dist_ends_with(path, ".py");
    for (const char *const *s = ph_extension_suffixes; !path[first] && s && *s; s++)
        module_file = module_file || dist_ends_with(path, *s);
    if ((!path[first] && !module_file) || !is_identifier(path, len) ||
        !strncmp(path, "__pycache__", len))
        return 0;
    char top[256];
    if (len >= sizeof top)
        return 0;
    memcpy(top, path, len);
    top[len] = '\0';
    return dist_list_has(tops, top) ? 0 : dist_list_add(tops, top, len);
}

/* RECORD ("path,hash,size", paths relative to the site directory) or installed-files.txt
 * (paths relative to the egg-info directory, so the package files start with "../"). */
static int tops_from_listing(char *text, bool relative_to_meta, ph_strlist *tops)
{
    for (char *cur = text, *line; (line = dist_next_line(&cur));) {
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
        if (dist_read_meta(site, c, sources[i].file, &text, err) < 0)
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
    int rc = name ? dist_list_add(tops, name, strlen(name)) : -1;
    free(name);
    return rc < 0 ? ph_error_set(err, "out of memory") : 0;
}

int dist_find_tops(const char *site, const candidate *c, ph_strlist *tops, ph_error *err)
{
    ph_strlist all = {0};
    int rc = guess_tops(site, c, &all, err);
    for (size_t i = 0; rc == 0 && i < all.count; i++)
        if (top_exists(site, all.items[i]) &&
            dist_list_add(tops, all.items[i], strlen(all.items[i])) < 0)
            rc = ph_error_set(err, "out of memory");
    dist_list_free(&all);
    return rc;
}
