/* Value parsers of the manifest schema (schema_values.h) for lists of things: patterns, paths,
 * requirements, wheels, routing, data, placement, and the free text of [installer.*]. */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema_values.h"

/* ---- lists of things ------------------------------------------------------------------------ */

static int parse_list(const char *value, ph_strlist *out, bool (*valid)(const char *),
                      const char *what, char *why, size_t why_size)
{
    ph_strlist list = {0};
    if (ph_schema_split(value, &list) != 0) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < list.count; i++) {
        if (!valid(list.items[i])) {
            snprintf(why, why_size, "'%s' is not %s", list.items[i], what);
            ph_strlist_free(&list);
            return -1;
        }
    }
    *out = list;
    return 0;
}

static bool is_pattern(const char *s)
{
    return schema_is_dotted(s, strlen(s), true);
}

static bool is_path(const char *s)
{
    return *s != '\0';
}

bool ph_schema_is_pattern(const char *s)
{
    return is_pattern(s);
}

/* ---- distributions -------------------------------------------------------------------------- */

/* "name" or "name[extra, extra]": a PEP 508 name (letters, digits, '.', '_', '-', starting and
 * ending with a letter or digit) with optional extras of the same form. */
static bool is_dist_name(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && ((i == 0 || i == len - 1) || !strchr("._-", c)))
            return false;
    }
    return true;
}

static bool is_requirement(const char *s)
{
    const char *open = strchr(s, '[');
    if (!open)
        return is_dist_name(s, strlen(s));
    size_t n = strlen(s);
    if (!is_dist_name(s, (size_t)(open - s)) || s[n - 1] != ']')
        return false;
    for (const char *p = open + 1; p < s + n - 1;) {
        size_t len = strcspn(p, ",]");
        const char *a = p, *b = p + len;
        while (a < b && schema_is_blank(*a))
            a++;
        while (b > a && schema_is_blank(b[-1]))
            b--;
        if (!is_dist_name(a, (size_t)(b - a)))
            return false;
        p += len + 1;
    }
    return true;
}

/* Like ph_schema_split, but a comma inside "[...]" separates extras, not items. */
static int split_requirements(const char *value, ph_strlist *out)
{
    char *copy = strdup(value);
    if (!copy)
        return -1;
    int depth = 0;
    for (char *p = copy; *p; p++) {
        depth += (*p == '[') - (*p == ']');
        if (depth > 0 && *p == ',')
            *p = '\x1f'; /* restored below; no manifest value holds this byte */
    }
    int rc = ph_schema_split(copy, out);
    for (size_t i = 0; rc == 0 && i < out->count; i++)
        for (char *p = out->items[i]; *p; p++)
            if (*p == '\x1f')
                *p = ',';
    free(copy);
    return rc;
}

int schema_parse_requirements(const struct ph_key_spec *key, const char *value, void *out,
                              char *why, size_t why_size)
{
    ph_strlist list = {0};
    (void)key;
    if (split_requirements(value, &list) != 0) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < list.count; i++) {
        if (!is_requirement(list.items[i])) {
            snprintf(why, why_size, "'%s' is not a distribution name", list.items[i]);
            ph_strlist_free(&list);
            return -1;
        }
    }
    *(ph_strlist *)out = list;
    return 0;
}

/* ---- routing -------------------------------------------------------------------------------- */

const char ph_schema_routing_accepted[] =
    "in-memory, prefer-in-memory or filesystem-relative:DIR with DIR a relative directory "
    "without '..' (e.g. filesystem-relative:lib)";

/* DIR ends up in paths written next to the .pyr and read back at run time: keep it inside. */
static bool is_relative_dir(const char *dir)
{
    if (!*dir || dir[0] == '/' || strchr(dir, '\\') || strchr(dir, ':'))
        return false;
    for (const char *p = dir; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 0 && p[len] == '/')
            return false; /* "a//b" */
        if ((len == 2 && !strncmp(p, "..", 2)) || (len == 1 && *p == '.'))
            return false;
        p += len + (p[len] == '/');
    }
    return true;
}

int ph_schema_parse_routing(const char *value, ph_routing *out, char *why, size_t why_size)
{
    static const char fs[] = "filesystem-relative:";
    *out = (ph_routing){PH_ROUTE_IN_MEMORY, NULL};
    if (!strcmp(value, "in-memory"))
        return 0;
    if (!strcmp(value, "prefer-in-memory")) {
        out->kind = PH_ROUTE_PREFER_IN_MEMORY;
        return 0;
    }
    if (strncmp(value, fs, sizeof fs - 1) != 0) {
        snprintf(why, why_size, "'%s' is not a routing policy", value);
        return -1;
    }
    const char *dir = value + sizeof fs - 1;
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    char *copy = strndup(dir, len);
    /* "." is the app directory itself: files land where their virtual paths point. */
    if (!copy || (strcmp(copy, ".") != 0 && !is_relative_dir(copy))) {
        snprintf(why, why_size,
                 copy ? "'%s': the directory must be relative to the app's directory, "
                        "without '.' or '..' components"
                      : "out of memory",
                 dir);
        free(copy);
        return -1;
    }
    out->kind = PH_ROUTE_FILESYSTEM;
    out->dir = copy;
    return 0;
}

void ph_schema_release_routing(ph_routing *routing)
{
    free(routing->dir);
    *routing = (ph_routing){PH_ROUTE_IN_MEMORY, NULL};
}

int schema_parse_routing(const struct ph_key_spec *key, const char *value, void *out, char *why,
                         size_t why_size)
{
    (void)key;
    return ph_schema_parse_routing(value, out, why, why_size);
}

void schema_release_routing(void *value)
{
    ph_schema_release_routing(value);
}

int schema_parse_patterns(const struct ph_key_spec *key, const char *value, void *out, char *why,
                          size_t why_size)
{
    (void)key;
    return parse_list(value, out, is_pattern, "a module name pattern", why, why_size);
}

int schema_parse_paths(const struct ph_key_spec *key, const char *value, void *out, char *why,
                       size_t why_size)
{
    (void)key;
    return parse_list(value, out, is_path, "a path", why, why_size);
}

/* [resources] data: "SRC:DEST" (PyInstaller's --add-data): SRC a file, directory or glob
 * relative to the manifest; DEST a relative directory in the app ("." = its top), no "..". */
static bool is_data_spec(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || !colon[1] || colon[1] == '/')
        return false;
    for (const char *c = colon + 1; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 2 && !strncmp(c, "..", 2))
            return false;
        c += n + (c[n] == '/');
    }
    return true;
}

int schema_parse_data(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size)
{
    (void)key;
    return parse_list(value, out, is_data_spec,
                      "SRC:DEST (a file, directory or glob, then a relative directory)", why,
                      why_size);
}

/* [resources] wheels: a local .whl path, or an http(s)/file URL that must carry its SHA-256
 * as "#sha256=HEX", so a download is always checked (docs/wheels.md). */
static bool is_hex64(const char *s)
{
    size_t n = strspn(s, "0123456789abcdefABCDEF");
    return n == 64 && !s[n];
}

static bool is_wheel_ref(const char *s)
{
    const char *hash = strchr(s, '#');
    size_t len = hash ? (size_t)(hash - s) : strlen(s);
    if (hash && (strncmp(hash, "#sha256=", 8) != 0 || !is_hex64(hash + 8)))
        return false;
    if (!strstr(s, "://"))
        return len > 4 && !strncmp(s + len - 4, ".whl", 4);
    bool scheme = !strncasecmp(s, "https://", 8) || !strncasecmp(s, "http://", 7) ||
                  !strncasecmp(s, "file://", 7);
    return scheme && hash;
}

int schema_parse_wheels(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size)
{
    (void)key;
    return parse_list(value, out, is_wheel_ref,
                      "a .whl path or an https://, http:// or file:// URL ending in "
                      "#sha256=HEX (64 hex digits: the SHA-256 is mandatory for URLs)",
                      why, why_size);
}

void schema_release_list(void *value)
{
    ph_strlist_free(value);
}

void schema_release_nothing(void *value)
{
    (void)value;
}

/* [bundle] resources: stored as `adjacent`, so the zeroed default is the single file. */
int schema_parse_bundle_resources(const struct ph_key_spec *key, const char *value, void *out,
                                  char *why, size_t why_size)
{
    (void)key;
    if (strcmp(value, "embedded") != 0 && strcmp(value, "adjacent") != 0) {
        snprintf(why, why_size, "'%s' is not embedded or adjacent", value);
        return -1;
    }
    *(bool *)out = value[0] == 'a';
    return 0;
}

/* placement: auto (files code opens by path become real files) or memory (nothing on disk). */
int schema_parse_placement(const struct ph_key_spec *key, const char *value, void *out, char *why,
                           size_t why_size)
{
    (void)key;
    if (strcmp(value, "auto") != 0 && strcmp(value, "memory") != 0) {
        snprintf(why, why_size, "'%s' is not auto or memory", value);
        return -1;
    }
    *(bool *)out = value[0] == 'm';
    return 0;
}

/* ---- free text ([installer.*]) ------------------------------------------------------------- */

/* A single line of any text (a maintainer, a signing identity). */
int schema_parse_string(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size)
{
    (void)key;
    return schema_dup_into(out, value, why, why_size);
}

/* Text that may continue on indented lines, kept with its line breaks (a package
 * description); a line holding only "." is an empty line, as in Debian control files. */
int schema_parse_text(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size)
{
    (void)key;
    if (!*value) {
        snprintf(why, why_size, "the text is empty");
        return -1;
    }
    return schema_dup_into(out, value, why, why_size);
}

static bool is_nonempty(const char *s)
{
    return *s != '\0';
}

int schema_parse_strings(const struct ph_key_spec *key, const char *value, void *out, char *why,
                         size_t why_size)
{
    (void)key;
    return parse_list(value, out, is_nonempty, "a value", why, why_size);
}

/* [installer.msi] upgrade_code: 8-4-4-4-12 hex digits, braces optional, as GUIDs are written
 * on Windows. */
int schema_parse_guid(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size)
{
    (void)key;
    size_t n = strlen(value);
    bool braces = n == 38 && value[0] == '{' && value[37] == '}';
    const char *g = value + braces;
    bool ok = n == (braces ? 38u : 36u);
    for (size_t i = 0; ok && i < 36; i++)
        ok = (i == 8 || i == 13 || i == 18 || i == 23)
                 ? g[i] == '-'
                 : strchr("0123456789abcdefABCDEF", g[i]) != NULL;
    if (!ok) {
        snprintf(why, why_size, "'%s' is not a GUID", value);
        return -1;
    }
    return schema_dup_into(out, value, why, why_size);
}
