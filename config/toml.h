/* A reader for the part of TOML that pyproject.toml files use, private to config/.
 *
 * Debian 12 ships no C TOML library (only C++'s cpptoml), so this is a small reader of its own:
 * tables, dotted and quoted keys, the four string forms with their escapes, booleans, numbers
 * and dates (kept as their text), arrays over several lines and inline tables. Everything is
 * flattened into (key path, value) rows in file order, which is all the manifest needs; arrays
 * of tables ([[x]]) are read and kept under a path that no manifest key matches. It never
 * allocates beyond the input's size times a small factor and stops at the first error, with its
 * line: tests/fuzz/fuzz_toml.c runs it on arbitrary bytes. */
#ifndef PH_CONFIG_TOML_H
#define PH_CONFIG_TOML_H

#include <stddef.h>

typedef enum ph_toml_type {
    PH_TOML_STRING,
    PH_TOML_BOOL,   /* text "true" or "false" */
    PH_TOML_NUMBER, /* integers, floats and dates: their text as written */
    PH_TOML_ARRAY,  /* items: the array's scalars as text; nested arrays and tables dropped */
} ph_toml_type;

typedef struct ph_toml_row {
    char **path; /* key components: [tool.pyhost.app] entry = ... -> tool, pyhost, app, entry */
    size_t depth;
    ph_toml_type type;
    char *text;   /* scalars */
    char **items; /* arrays */
    size_t count;
    int line;
} ph_toml_row;

typedef struct ph_toml {
    ph_toml_row *rows;
    size_t count;
} ph_toml;

/* Parses `len` bytes of `text` (NUL bytes are an error). On failure returns -1 with *line and a
 * message in `why`, and *out empty. */
int ph_toml_parse(const char *text, size_t len, ph_toml *out, int *line, char *why,
                  size_t why_size);

void ph_toml_free(ph_toml *t);

/* The first row whose path is exactly the `depth` components given, or NULL. */
const ph_toml_row *ph_toml_get(const ph_toml *t, const char *const *path, size_t depth);

#endif
