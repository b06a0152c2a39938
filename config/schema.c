/* The manifest schema: one row per key, one parser per kind of value. Adding a key is one row
 * here plus its field in pyhost/manifest.h; parsing, defaults, hints and `pyhost init` follow. */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD(member) offsetof(ph_manifest, member)

/* ---- lists ---------------------------------------------------------------------------------- */

void ph_strlist_free(ph_strlist *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

static int strlist_push(ph_strlist *list, const char *item, size_t len)
{
    char **grown = realloc(list->items, (list->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    list->items = grown;
    if (!(list->items[list->count] = strndup(item, len)))
        return -1;
    list->count++;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int ph_schema_split(const char *value, ph_strlist *out)
{
    const char *p = value;
    while (*p) {
        size_t len = strcspn(p, ",\n");
        const char *start = p, *end = p + len;
        while (start < end && is_blank(*start))
            start++;
        while (end > start && is_blank(end[-1]))
            end--;
        if (end > start && strlist_push(out, start, (size_t)(end - start)) != 0) {
            ph_strlist_free(out);
            return -1;
        }
        p += len + (p[len] != '\0');
    }
    return 0;
}

/* ---- names ---------------------------------------------------------------------------------- */

/* Non-ASCII bytes are allowed because Python identifiers may be Unicode. */
static bool is_ident_char(unsigned char c, bool first)
{
    if (c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return !first && c >= '0' && c <= '9';
}

/* A dotted name of `len` bytes; `glob` also allows '*' inside components. */
static bool is_dotted(const char *s, size_t len, bool glob)
{
    bool component_start = true;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (component_start)
                return false;
            component_start = true;
            continue;
        }
        if (!(glob && c == '*') && !is_ident_char(c, component_start))
            return false;
        component_start = false;
    }
    return !component_start;
}

static bool all_chars_in(const char *s, const char *extra)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !strchr(extra, c))
            return false;
    }
    return true;
}

static int dup_into(void *out, const char *value, char *why, size_t why_size)
{
    if (!(*(char **)out = strdup(value))) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    return 0;
}

static void release_string(void *value)
{
    free(*(char **)value);
    *(char **)value = NULL;
}

static int parse_name(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size)
{
    (void)key;
    if (!*value || !all_chars_in(value, "._-")) {
        snprintf(why, why_size, "'%s' is not a valid name", value);
        return -1;
    }
    return dup_into(out, value, why, why_size);
}

static int parse_version(const struct ph_key_spec *key, const char *value, void *out, char *why,
                         size_t why_size)
{
    (void)key;
    if (!*value || !all_chars_in(value, ".+!_-")) {
        snprintf(why, why_size, "'%s' is not a valid version", value);
        return -1;
    }
    return dup_into(out, value, why, why_size);
}

/* [python] version: "3.12". One pyhost embeds one Python (PH_PYTHON_MINOR, from meson.build), so
 * any other version is an error that names the pyhost to use (meson -Dsuffix_version=true). */
static int parse_python_version(const struct ph_key_spec *key, const char *value, void *out,
                                char *why, size_t why_size)
{
    (void)key;
    unsigned major, minor;
    int end = 0;
    if (sscanf(value, "%u.%u%n", &major, &minor, &end) != 2 || value[end] ||
        !all_chars_in(value, ".")) {
        snprintf(why, why_size, "'%s' is not a Python version like %s", value, PH_PYTHON_MINOR);
        return -1;
    }
    char wanted[32];
    snprintf(wanted, sizeof wanted, "%u.%u", major, minor);
    if (strcmp(wanted, PH_PYTHON_MINOR)) {
        snprintf(why, why_size,
                 "the app is for Python %s, but this pyhost embeds Python %s: use pyhost%s", wanted,
                 PH_PYTHON_MINOR, wanted);
        return -1;
    }
    return dup_into(out, wanted, why, why_size);
}

static int parse_path(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size)
{
    (void)key;
    if (!*value) {
        snprintf(why, why_size, "the path is empty");
        return -1;
    }
    return dup_into(out, value, why, why_size);
}

/* ---- scalars -------------------------------------------------------------------------------- */

static int parse_bool(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size)
{
    static const char *const truthy[] = {"true", "yes", "on", "1"};
    static const char *const falsy[] = {"false", "no", "off", "0"};
    (void)key;
    for (size_t i = 0; i < sizeof truthy / sizeof truthy[0]; i++) {
        if (!strcasecmp(value, truthy[i]) || !strcasecmp(value, falsy[i])) {
            *(bool *)out = !strcasecmp(value, truthy[i]);
            return 0;
        }
    }
    snprintf(why, why_size, "'%s' is not a boolean", value);
    return -1;
}

/* include_source: a boolean (every module's source, or none) or 'app'. */
static int parse_source(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size)
{
    bool all;
    if (!strcasecmp(value, "app")) {
        *(ph_source_policy *)out = PH_SOURCE_APP;
        return 0;
    }
    if (parse_bool(key, value, &all, why, why_size) < 0) {
        snprintf(why, why_size, "'%s' is not a boolean or 'app'", value);
        return -1;
    }
    *(ph_source_policy *)out = all ? PH_SOURCE_ALL : PH_SOURCE_NONE;
    return 0;
}

/* stdlib: 'auto', 'all', or a boolean (true: all, false: none). */
static int parse_stdlib(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size)
{
    bool all;
    if (!strcasecmp(value, "auto") || !strcasecmp(value, "all")) {
        *(ph_stdlib_policy *)out = !strcasecmp(value, "auto") ? PH_STDLIB_AUTO : PH_STDLIB_ALL;
        return 0;
    }
    if (parse_bool(key, value, &all, why, why_size) < 0) {
        snprintf(why, why_size, "'%s' is not auto, all or false", value);
        return -1;
    }
    *(ph_stdlib_policy *)out = all ? PH_STDLIB_ALL : PH_STDLIB_NONE;
    return 0;
}

static int parse_int(const struct ph_key_spec *key, const char *value, void *out, char *why,
                     size_t why_size)
{
    char *end;
    long n = strtol(value, &end, 10);
    if (!*value || *end || n < key->min || n > key->max) {
        snprintf(why, why_size, "'%s' is not %s", value, ph_schema_accepted(key));
        return -1;
    }
    *(int *)out = (int)n;
    return 0;
}

static int parse_compress(const struct ph_key_spec *key, const char *value, void *out, char *why,
                          size_t why_size)
{
    ph_compress *c = out;
    (void)key;
    if (!strcmp(value, "none")) {
        *c = (ph_compress){PH_COMPRESSION_NONE, 0};
        return 0;
    }
    if (!strcmp(value, "zstd")) {
        *c = (ph_compress){PH_COMPRESSION_ZSTD, 3};
        return 0;
    }
    if (!strncmp(value, "zstd:", 5)) {
        char *end;
        long level = strtol(value + 5, &end, 10);
        if (value[5] >= '0' && value[5] <= '9' && !*end && level >= 1 && level <= 22) {
            *c = (ph_compress){PH_COMPRESSION_ZSTD, (int)level};
            return 0;
        }
        snprintf(why, why_size, "'%s': the zstd level must be a number from 1 to 22", value);
        return -1;
    }
    snprintf(why, why_size, "'%s' is not a compression method", value);
    return -1;
}

/* ---- entry point ---------------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && !strcmp(s + n - k, suffix);
}

static int parse_script_entry(const char *value, ph_entry_point *e, char *why, size_t why_size)
{
    if (value[0] == '/' || value[0] == '\\' || (value[0] && value[1] == ':')) {
        snprintf(why, why_size, "'%s': the script path must be relative to the manifest", value);
        return -1;
    }
    const char *colon = strrchr(value, ':');
    if (colon && colon > value + 1) { /* "src/x.py:main": a path and a function in one */
        const char *slash = colon;
        while (slash > value && slash[-1] != '/' && slash[-1] != '\\')
            slash--;
        int stem = (int)strcspn(slash, ".:");
        snprintf(why, why_size,
                 "'%s' is a script path and a function at once: write module:function "
                 "('%.*s:%s', its directory in [resources] paths) or a script path ('%.*s'), "
                 "not both",
                 value, stem, slash, colon + 1, (int)(colon - value), value);
        return -1;
    }
    e->kind = PH_ENTRY_SCRIPT;
    return dup_into(&e->script, value, why, why_size);
}

static int parse_function_entry(const char *value, ph_entry_point *e, char *why, size_t why_size)
{
    const char *colon = strchr(value, ':');
    size_t module_len = (size_t)(colon - value);
    if (!is_dotted(value, module_len, false) || !is_dotted(colon + 1, strlen(colon + 1), false)) {
        snprintf(why, why_size, "'%s' is not module:function", value);
        return -1;
    }
    e->kind = PH_ENTRY_FUNCTION;
    if (!(e->module = strndup(value, module_len)) || !(e->function = strdup(colon + 1))) {
        free(e->module);
        e->module = NULL;
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    return 0;
}

static int parse_entry(const struct ph_key_spec *key, const char *value, void *out, char *why,
                       size_t why_size)
{
    ph_entry_point *e = out;
    (void)key;
    if (strchr(value, '/') || strchr(value, '\\') || ends_with(value, ".py") ||
        ends_with(value, ".pyw"))
        return parse_script_entry(value, e, why, why_size);
    if (strchr(value, ':'))
        return parse_function_entry(value, e, why, why_size);
    if (!is_dotted(value, strlen(value), false)) {
        snprintf(why, why_size, "'%s' is not a module name, module:function or a .py script",
                 value);
        return -1;
    }
    e->kind = PH_ENTRY_MODULE;
    return dup_into(&e->module, value, why, why_size);
}

static void release_entry(void *value)
{
    ph_entry_point *e = value;
    free(e->module);
    free(e->function);
    free(e->script);
    *e = (ph_entry_point){0};
}

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
    return is_dotted(s, strlen(s), true);
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
        while (a < b && is_blank(*a))
            a++;
        while (b > a && is_blank(b[-1]))
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

static int parse_requirements(const struct ph_key_spec *key, const char *value, void *out,
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

static int parse_routing(const struct ph_key_spec *key, const char *value, void *out, char *why,
                         size_t why_size)
{
    (void)key;
    return ph_schema_parse_routing(value, out, why, why_size);
}

static void release_routing(void *value)
{
    ph_schema_release_routing(value);
}

static int parse_patterns(const struct ph_key_spec *key, const char *value, void *out, char *why,
                          size_t why_size)
{
    (void)key;
    return parse_list(value, out, is_pattern, "a module name pattern", why, why_size);
}

static int parse_paths(const struct ph_key_spec *key, const char *value, void *out, char *why,
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

static int parse_data(const struct ph_key_spec *key, const char *value, void *out, char *why,
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

static int parse_wheels(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size)
{
    (void)key;
    return parse_list(value, out, is_wheel_ref,
                      "a .whl path or an https://, http:// or file:// URL ending in "
                      "#sha256=HEX (64 hex digits: the SHA-256 is mandatory for URLs)",
                      why, why_size);
}

static void release_list(void *value)
{
    ph_strlist_free(value);
}

static void release_nothing(void *value)
{
    (void)value;
}

/* [bundle] resources: stored as `adjacent`, so the zeroed default is the single file. */
static int parse_bundle_resources(const struct ph_key_spec *key, const char *value, void *out,
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
static int parse_placement(const struct ph_key_spec *key, const char *value, void *out, char *why,
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
static int parse_string(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size)
{
    (void)key;
    return dup_into(out, value, why, why_size);
}

/* Text that may continue on indented lines, kept with its line breaks (a package
 * description); a line holding only "." is an empty line, as in Debian control files. */
static int parse_text(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size)
{
    (void)key;
    if (!*value) {
        snprintf(why, why_size, "the text is empty");
        return -1;
    }
    return dup_into(out, value, why, why_size);
}

static bool is_nonempty(const char *s)
{
    return *s != '\0';
}

static int parse_strings(const struct ph_key_spec *key, const char *value, void *out, char *why,
                         size_t why_size)
{
    (void)key;
    return parse_list(value, out, is_nonempty, "a value", why, why_size);
}

/* [installer.msi] upgrade_code: 8-4-4-4-12 hex digits, braces optional, as GUIDs are written
 * on Windows. */
static int parse_guid(const struct ph_key_spec *key, const char *value, void *out, char *why,
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
    return dup_into(out, value, why, why_size);
}

/* ---- the schema ----------------------------------------------------------------------------- */

static const struct ph_value_type t_bool = {"true, false, yes, no, on, off, 1 or 0", sizeof(bool),
                                            false, parse_bool, release_nothing};
static const struct ph_value_type t_source = {
    "true (every module's source), false (none) or app (only the app's own modules: "
    "[resources] paths and a script entry)",
    sizeof(ph_source_policy), false, parse_source, release_nothing};
static const struct ph_value_type t_stdlib = {
    "auto (what the import analysis reaches), all (every module) or false (none)",
    sizeof(ph_stdlib_policy), false, parse_stdlib, release_nothing};
static const struct ph_value_type t_int = {"a number", sizeof(int), false, parse_int,
                                           release_nothing};
static const struct ph_value_type t_name = {"letters, digits, '.', '_' and '-' (e.g. my-app)",
                                            sizeof(char *), false, parse_name, release_string};
static const struct ph_value_type t_version = {"letters, digits and '.+!_-' (e.g. 1.2.0)",
                                               sizeof(char *), false, parse_version,
                                               release_string};
static const struct ph_value_type t_python_version = {
    "the Python this pyhost embeds, " PH_PYTHON_MINOR " (pyhostX.Y, built with meson "
    "-Dpython=/path/to/pythonX.Y -Dsuffix_version=true, packs for X.Y: docs/python-versions.md)",
    sizeof(char *), false, parse_python_version, release_string};
static const struct ph_value_type t_path = {"a path, relative to the manifest's directory",
                                            sizeof(char *), false, parse_path, release_string};
static const struct ph_value_type t_entry = {
    "pkg.module:function (call it), pkg.module (run it like python -m) or path/to/script.py "
    "(relative to the manifest's directory)",
    sizeof(ph_entry_point), false, parse_entry, release_entry};
static const struct ph_value_type t_compress = {
    "none, zstd (level 3) or zstd:LEVEL with LEVEL from 1 to 22", sizeof(ph_compress), false,
    parse_compress, release_nothing};
static const struct ph_value_type t_patterns = {
    "dotted module names with '*' globs, separated by commas or newlines; 'pkg.*' means pkg and "
    "everything under it",
    sizeof(ph_strlist), true, parse_patterns, release_list};
static const struct ph_value_type t_paths = {
    "directories relative to the manifest's directory, separated by commas or newlines",
    sizeof(ph_strlist), true, parse_paths, release_list};

static const struct ph_value_type t_requirements = {
    "installed distribution names (e.g. requests, PyYAML, requests[socks]), separated by commas "
    "or newlines",
    sizeof(ph_strlist), true, parse_requirements, release_list};
static const struct ph_value_type t_wheels = {
    "local .whl paths (relative to the manifest's directory) or URL#sha256=HEX, separated by "
    "commas or newlines",
    sizeof(ph_strlist), true, parse_wheels, release_list};
static const struct ph_value_type t_routing = {ph_schema_routing_accepted, sizeof(ph_routing),
                                               false, parse_routing, release_routing};
static const struct ph_value_type t_bundle_resources = {
    "embedded (appended to the executable) or adjacent (NAME.pyr next to it)", sizeof(bool), false,
    parse_bundle_resources, release_nothing};
static const struct ph_value_type t_placement = {
    "auto (package data and ctypes libraries become real files beside __file__) or memory "
    "(nothing on disk)",
    sizeof(bool), false, parse_placement, release_nothing};
static const struct ph_value_type t_guid = {
    "a GUID: 32 hex digits as 8-4-4-4-12, braces optional (e.g. from uuidgen)", sizeof(char *),
    false, parse_guid, release_string};
static const struct ph_value_type t_string = {"one line of text", sizeof(char *), false,
                                              parse_string, release_string};
static const struct ph_value_type t_text = {
    "text; it may continue on indented lines (a line holding only '.' is an empty line)",
    sizeof(char *), true, parse_text, release_string};
static const struct ph_value_type t_data = {
    "SRC:DEST items separated by commas or newlines: SRC a file, directory or glob relative to "
    "the manifest, DEST a directory relative to the app's top ('.' for the top itself)",
    sizeof(ph_strlist), true, parse_data, release_list};
static const struct ph_value_type t_strings = {"values separated by commas or newlines",
                                               sizeof(ph_strlist), true, parse_strings,
                                               release_list};

const struct ph_section_spec ph_schema_sections[] = {
    {"app", "The application: its name and how it starts.", false, NULL},
    {"python", "The interpreter and how Python code is packed.", false, NULL},
    {"resources", "Where the app's modules and installed distributions come from.", false, NULL},
    {"routing",
     "Per-module routing overrides: MODULE-PATTERN = in-memory | prefer-in-memory | "
     "filesystem-relative:DIR.",
     true, "numpy.* = filesystem-relative:lib"},
    {"bundle", "The standalone executable 'pyhost bundle' makes: dist/NAME/NAME.", false, NULL},
    {"installer.deb", "The Debian package 'pyhost installer deb' makes.", false, NULL},
    {"installer.dmg", "The macOS disk image 'pyhost installer dmg' makes.", false, NULL},
    {"installer.msi", "The Windows Installer package 'pyhost installer msi' makes.", false, NULL},
};
const size_t ph_schema_section_count = sizeof ph_schema_sections / sizeof ph_schema_sections[0];

/* KEY() names the key and its field; the rest is designated so rows stay readable. */
#define KEY(sec, name, value_type, member)                                                         \
    .section = (sec), .key = (name), .type = &(value_type), .offset = FIELD(member)

const struct ph_key_spec ph_schema_keys[] = {
    {KEY("app", "name", t_name, app.name), .required = true, .example = "my-app",
     .comment = "Name of the executable, the .pyr and the installers."},
    {KEY("app", "version", t_version, app.version), .def = "0.0.0", .example = "1.0.0",
     .comment = "Version shown by installers."},
    {KEY("app", "entry", t_entry, app.entry), .required = true, .example = "my_app:main",
     .comment =
         "What runs: pkg.module:function, pkg.module (like python -m) or path/to/script.py."},
    {KEY("app", "gui", t_bool, app.gui), .def = "false", .example = "true",
     .comment = "A windowed app: no console on Windows, Terminal=false in desktop entries."},
    {KEY("app", "icon", t_path, app.icon), .example = "icons/app.png",
     .comment = "Icon file for installers and desktop entries, relative to this file."},

    {KEY("python", "optimize", t_int, python.optimize), .def = "0", .example = "2", .min = 0,
     .max = 2, .accepted = "0, 1 or 2",
     .comment = "Bytecode optimization level, like python -O (1) and -OO (2)."},
    {KEY("python", "version", t_python_version, python.version), .example = PH_PYTHON_MINOR,
     .comment = "The Python X.Y the app is for; a pyhost embedding another one refuses it."},
    {KEY("python", "include_source", t_source, python.include_source), .def = "true",
     .example = "app",
     .comment = "Pack .py sources for tracebacks and inspect: true, false or app (the app's own)."},
    {KEY("python", "compress", t_compress, python.compress), .def = "zstd:3", .example = "zstd:19",
     .comment = "Compression of packed data: none, zstd or zstd:LEVEL (1-22)."},
    {KEY("python", "dictionary", t_bool, python.dictionary), .def = "false", .example = "true",
     .comment = "Train a zstd dictionary on the packed data (smaller for many small modules)."},
    {KEY("python", "site", t_bool, python.site), .def = "false", .example = "true",
     .comment = "Import the site module at start-up (off: isolated like python -I -S)."},
    {KEY("python", "filesystem_importer", t_bool, python.filesystem_importer), .def = "true",
     .example = "true",
     .comment = "Also import from sys.path on disk when a module is not packed."},
    {KEY("python", "fast_exit", t_bool, python.fast_exit), .def = "false", .example = "true",
     .comment = "End without tearing the heap down: threads, atexit, finalizers and files are "
                "still handled."},
    {KEY("python", "xoptions", t_strings, python.xoptions), .def = "", .example = "utf8, dev",
     .comment = "Options like python -X (sys._xoptions); utf8 and dev also set those modes."},
    {KEY("python", "warnoptions", t_strings, python.warnoptions), .def = "",
     .example = "ignore::DeprecationWarning",
     .comment = "Warning filters like python -W (sys.warnoptions)."},
    {KEY("python", "utf8_mode", t_bool, python.utf8_mode), .def = "false", .example = "true",
     .comment = "UTF-8 mode like python -X utf8 (off: as the locale decides, PEP 540)."},
    {KEY("python", "dev_mode", t_bool, python.dev_mode), .def = "false", .example = "true",
     .comment = "Python's development mode, like python -X dev."},
    {KEY("python", "unbuffered", t_bool, python.unbuffered), .def = "false", .example = "true",
     .comment = "Unbuffered stdout and stderr, like python -u."},
    {KEY("python", "hash_seed", t_int, python.hash_seed), .def = "-1", .example = "42", .min = -1,
     .max = 2147483647, .accepted = "-1 (random) or a seed from 0 to 2147483647",
     .comment = "The str/bytes hash seed, like PYTHONHASHSEED (-1: random)."},
    {KEY("python", "stdlib", t_stdlib, python.stdlib), .def = "auto", .example = "all",
     .comment = "Standard library packed: auto (what the app's imports reach), all or false."},
    {KEY("python", "stdlib_include", t_patterns, python.stdlib_include), .def = "",
     .example = "encodings.*, json.*",
     .comment = "Stdlib modules to pack (patterns): with auto, added; with all, only these."},
    {KEY("python", "stdlib_exclude", t_patterns, python.stdlib_exclude),
     .def = "test.*, idlelib.*, tkinter.test.*, lib2to3.tests.*, ensurepip.*, distutils.tests.*, "
            "unittest.test.*, ctypes.test.*, turtledemo.*",
     .example = "test.*, tkinter.*", .comment = "Standard library modules left out (patterns)."},

    {KEY("resources", "paths", t_paths, resources.paths), .def = ".", .example = "src",
     .comment = "Directories searched for the app's modules, like sys.path entries."},
    {KEY("resources", "include", t_patterns, resources.include), .def = "", .example = "my_app.*",
     .comment = "Modules to pack from those directories (patterns); empty: all of them."},
    {KEY("resources", "exclude", t_patterns, resources.exclude), .def = "",
     .example = "my_app.tests.*", .comment = "Modules left out even if included (patterns)."},
    {KEY("resources", "analysis", t_bool, resources.analysis), .def = "true", .example = "false",
     .comment = "Follow the app's imports: warn about unresolved ones, pack distributions."},
    {KEY("resources", "distributions", t_requirements, resources.distributions), .def = "",
     .example = "requests, PyYAML",
     .comment = "Installed distributions to pack, with the distributions they require."},
    /* No default here: unset, the builder searches the embedded Python's own site directories
     * that exist on the build machine (see docs/manifest.md). */
    {KEY("resources", "site_packages", t_paths, resources.site_packages),
     .example = "venv/lib/python" PH_PYTHON_MINOR "/site-packages",
     .comment = "Where distributions are searched, in order; unset: the Python's dist-packages."},
    {KEY("resources", "data", t_data, resources.data), .def = "", .example = "assets:assets",
     .comment = "Data files to pack: SRC:DEST, like PyInstaller's --add-data."},
    {KEY("resources", "wheels", t_wheels, resources.wheels), .def = "",
     .example = "https://pkgs.example.com/six-1.16.0-py2.py3-none-any.whl#sha256="
                "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254",
     .comment = "Wheels to pack (not their dependencies): .whl paths or URL#sha256=HEX."},
    {KEY("resources", "requirements", t_path, resources.requirements),
     .example = "requirements.txt",
     .comment = "A requirements file of 'NAME @ URL --hash=sha256:HEX' lines, packed as wheels."},
    {KEY("resources", "routing", t_routing, resources.routing), .def = "in-memory",
     .example = "filesystem-relative:lib",
     .comment = "Where extension modules and data files go: in-memory, prefer-in-memory or "
                "filesystem-relative:DIR."},
    {KEY("resources", "placement", t_placement, resources.placement_memory), .def = "auto",
     .example = "memory",
     .comment = "auto: package data and ctypes libraries are real files where __file__ says; "
                "memory: nothing on disk."},

    {KEY("bundle", "resources", t_bundle_resources, bundle.adjacent), .def = "embedded",
     .example = "adjacent",
     .comment = "embedded: one executable; adjacent: the executable plus NAME.pyr next to it."},
    {KEY("bundle", "compress_runtime", t_bool, bundle.compress_runtime), .def = "true",
     .example = "true",
     .comment = "embedded only: store the interpreter zstd-compressed (about 4.5 MB smaller); it "
                "is unpacked once per user into the cache and started from there."},
    {KEY("bundle", "output", t_path, bundle.output), .example = "dist",
     .comment = "Where NAME/ is made, relative to this file; unset: ./dist (or pyhost bundle -o)."},

    {KEY("installer.deb", "maintainer", t_string, deb.maintainer),
     .example = "Ada Lovelace <ada@example.com>",
     .comment = "Who answers for the package: 'Name <email>' (required for a .deb)."},
    {KEY("installer.deb", "description", t_text, deb.description),
     .example = "Keeps notes from the command line",
     .comment = "First line: a short summary; indented lines below: the long description."},
    {KEY("installer.deb", "section", t_string, deb.section), .def = "utils", .example = "editors",
     .comment = "Debian archive section."},
    {KEY("installer.deb", "priority", t_name, deb.priority), .def = "optional",
     .example = "optional", .comment = "Debian priority."},
    {KEY("installer.deb", "homepage", t_string, deb.homepage),
     .example = "https://example.com/my-app", .comment = "Homepage field and man page link."},
    {KEY("installer.deb", "depends", t_strings, deb.depends), .def = "",
     .example = "libtk8.6, xdg-utils",
     .comment = "Packages needed besides the shared libraries dpkg-shlibdeps finds."},
    {KEY("installer.deb", "category", t_name, deb.category), .def = "Utility",
     .example = "Development", .comment = "Main category of the desktop menu entry."},
    {KEY("installer.deb", "keywords", t_strings, deb.keywords), .def = "", .example = "notes, text",
     .comment = "Search words of the menu entry; empty: the app's name."},
    {KEY("installer.deb", "copyright", t_string, deb.copyright), .example = "2024 Ada Lovelace",
     .comment = "Copyright line of the app; unset: the maintainer."},
    {KEY("installer.deb", "license", t_name, deb.license), .def = "proprietary", .example = "MIT",
     .comment = "License of the app, as a short name (e.g. MIT, GPL-3+)."},
    {KEY("installer.deb", "menu", t_bool, deb.menu), .example = "true",
     .comment = "A desktop menu entry with the icon; unset: only for a gui = true app."},

    {KEY("installer.dmg", "bundle_identifier", t_name, dmg.bundle_identifier),
     .example = "com.example.my-app", .comment = "CFBundleIdentifier; unset: org.pyhost.NAME."},
    {KEY("installer.dmg", "minimum_system_version", t_version, dmg.minimum_system_version),
     .def = "10.13", .example = "11.0", .comment = "LSMinimumSystemVersion of the .app."},
    {KEY("installer.dmg", "codesign_identity", t_string, dmg.codesign_identity),
     .example = "Developer ID Application: Ada Lovelace (TEAMID1234)",
     .comment = "macOS only: sign the .app and the image with this identity."},
    {KEY("installer.dmg", "notary_profile", t_string, dmg.notary_profile),
     .example = "my-notary-profile",
     .comment = "macOS only: notarytool keychain profile; set to notarize and staple."},

    {KEY("installer.msi", "upgrade_code", t_guid, msi.upgrade_code),
     .example = "{6F1B2E3A-0C4D-4E5F-8A9B-1C2D3E4F5A6B}",
     .comment = "The MSI UpgradeCode, the same for every version; unset: derived from the name."},
    {KEY("installer.msi", "manufacturer", t_string, msi.manufacturer),
     .example = "Ada Lovelace Ltd",
     .comment = "Publisher shown in Apps & features and the .exe's properties; unset: the name."},
};
const size_t ph_schema_key_count = sizeof ph_schema_keys / sizeof ph_schema_keys[0];

_Static_assert(sizeof ph_schema_keys / sizeof ph_schema_keys[0] <= PH_MANIFEST_MAX_KEYS,
               "raise PH_MANIFEST_MAX_KEYS in pyhost/manifest.h");
_Static_assert(sizeof ph_schema_sections / sizeof ph_schema_sections[0] <= PH_SCHEMA_MAX_SECTIONS,
               "raise PH_SCHEMA_MAX_SECTIONS in schema.h");

/* ---- lookups -------------------------------------------------------------------------------- */

const struct ph_section_spec *ph_schema_section(const char *name)
{
    for (size_t i = 0; i < ph_schema_section_count; i++)
        if (!strcmp(ph_schema_sections[i].name, name))
            return &ph_schema_sections[i];
    return NULL;
}

int ph_schema_key(const char *section, const char *key)
{
    for (size_t i = 0; i < ph_schema_key_count; i++)
        if (!strcmp(ph_schema_keys[i].section, section) && !strcmp(ph_schema_keys[i].key, key))
            return (int)i;
    return -1;
}

const char *ph_schema_accepted(const struct ph_key_spec *key)
{
    return key->accepted ? key->accepted : key->type->accepted;
}

int ph_schema_parse(const struct ph_key_spec *key, const char *value, void *out, char *why,
                    size_t why_size)
{
    if (!key->type->is_list && strchr(value, '\n')) {
        snprintf(why, why_size, "only lists may continue on indented lines");
        return -1;
    }
    if (!key->type->is_list && !*value) {
        snprintf(why, why_size, "the value is empty");
        return -1;
    }
    return key->type->parse(key, value, out, why, why_size);
}
