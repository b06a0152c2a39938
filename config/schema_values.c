/* Value parsers of the manifest schema (schema_values.h): lists, names, versions, paths,
 * scalars and the [app] entry point. The table that names them is schema.c. */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema_values.h"
#include "pyhost/strutil.h"

/* ---- lists ---------------------------------------------------------------------------------- */

void ph_strlist_free(ph_strlist *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

int ph_strlist_append(ph_strlist *list, const char *s)
{
    char **grown = realloc(list->items, (list->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    list->items = grown;
    if (!(list->items[list->count] = strdup(s)))
        return -1;
    list->count++;
    return 0;
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

bool schema_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int ph_schema_split(const char *value, ph_strlist *out)
{
    const char *p = value;
    while (*p) {
        size_t len = strcspn(p, ",\n");
        const char *start = p, *end = p + len;
        while (start < end && schema_is_blank(*start))
            start++;
        while (end > start && schema_is_blank(end[-1]))
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
bool schema_is_dotted(const char *s, size_t len, bool glob)
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

int schema_dup_into(void *out, const char *value, char *why, size_t why_size)
{
    if (!(*(char **)out = strdup(value))) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    return 0;
}

void schema_release_string(void *value)
{
    free(*(char **)value);
    *(char **)value = NULL;
}

int schema_parse_name(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size)
{
    (void)key;
    if (!*value || !all_chars_in(value, "._-")) {
        snprintf(why, why_size, "'%s' is not a valid name", value);
        return -1;
    }
    return schema_dup_into(out, value, why, why_size);
}

int schema_parse_version(const struct ph_key_spec *key, const char *value, void *out, char *why,
                         size_t why_size)
{
    (void)key;
    if (!*value || !all_chars_in(value, ".+!_-")) {
        snprintf(why, why_size, "'%s' is not a valid version", value);
        return -1;
    }
    return schema_dup_into(out, value, why, why_size);
}

/* [python] version: "3.12". One pyhost embeds one Python (PH_PYTHON_MINOR, from meson.build), so
 * any other version is an error that names the pyhost to use (meson -Dsuffix_version=true). */
int schema_parse_python_version(const struct ph_key_spec *key, const char *value, void *out,
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
    return schema_dup_into(out, wanted, why, why_size);
}

int schema_parse_path(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size)
{
    (void)key;
    if (!*value) {
        snprintf(why, why_size, "the path is empty");
        return -1;
    }
    return schema_dup_into(out, value, why, why_size);
}

/* ---- scalars -------------------------------------------------------------------------------- */

int schema_parse_bool(const struct ph_key_spec *key, const char *value, void *out, char *why,
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
int schema_parse_source(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size)
{
    bool all;
    if (!strcasecmp(value, "app")) {
        *(ph_source_policy *)out = PH_SOURCE_APP;
        return 0;
    }
    if (schema_parse_bool(key, value, &all, why, why_size) < 0) {
        snprintf(why, why_size, "'%s' is not a boolean or 'app'", value);
        return -1;
    }
    *(ph_source_policy *)out = all ? PH_SOURCE_ALL : PH_SOURCE_NONE;
    return 0;
}

/* stdlib: 'auto', 'all', or a boolean (true: all, false: none). */
int schema_parse_stdlib(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size)
{
    bool all;
    if (!strcasecmp(value, "auto") || !strcasecmp(value, "all")) {
        *(ph_stdlib_policy *)out = !strcasecmp(value, "auto") ? PH_STDLIB_AUTO : PH_STDLIB_ALL;
        return 0;
    }
    if (schema_parse_bool(key, value, &all, why, why_size) < 0) {
        snprintf(why, why_size, "'%s' is not auto, all or false", value);
        return -1;
    }
    *(ph_stdlib_policy *)out = all ? PH_STDLIB_ALL : PH_STDLIB_NONE;
    return 0;
}

int schema_parse_int(const struct ph_key_spec *key, const char *value, void *out, char *why,
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

int schema_parse_compress(const struct ph_key_spec *key, const char *value, void *out, char *why,
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
    return schema_dup_into(&e->script, value, why, why_size);
}

static int parse_function_entry(const char *value, ph_entry_point *e, char *why, size_t why_size)
{
    const char *colon = strchr(value, ':');
    size_t module_len = (size_t)(colon - value);
    if (!schema_is_dotted(value, module_len, false) ||
        !schema_is_dotted(colon + 1, strlen(colon + 1), false)) {
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

int schema_parse_entry(const struct ph_key_spec *key, const char *value, void *out, char *why,
                       size_t why_size)
{
    ph_entry_point *e = out;
    (void)key;
    if (strchr(value, '/') || strchr(value, '\\') || ph_str_ends_with(value, ".py") ||
        ph_str_ends_with(value, ".pyw"))
        return parse_script_entry(value, e, why, why_size);
    if (strchr(value, ':'))
        return parse_function_entry(value, e, why, why_size);
    if (!schema_is_dotted(value, strlen(value), false)) {
        snprintf(why, why_size, "'%s' is not a module name, module:function or a .py script",
                 value);
        return -1;
    }
    e->kind = PH_ENTRY_MODULE;
    return schema_dup_into(&e->module, value, why, why_size);
}

void schema_release_entry(void *value)
{
    ph_entry_point *e = value;
    free(e->module);
    free(e->function);
    free(e->script);
    *e = (ph_entry_point){0};
}
