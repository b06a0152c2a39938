/* The TOML subset reader: see toml.h for what it reads and why it exists. */
#include "toml.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "toml_lex.h"

/* ---- values ------------------------------------------------------------------------------ */

static int add_row(parser *p, char **path, size_t depth, ph_toml_row row)
{
    ph_toml_row *grown = realloc(p->out->rows, (p->out->count + 1) * sizeof *grown);
    char **copy = calloc(depth ? depth : 1, sizeof *copy);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            p->out->rows = grown;
        return toml_fail(p, "out of memory");
    }
    p->out->rows = grown;
    for (size_t i = 0; i < depth; i++)
        if (!(copy[i] = strdup(path[i]))) {
            toml_free_path(copy, i);
            return toml_fail(p, "out of memory");
        }
    row.path = copy;
    row.depth = depth;
    p->out->rows[p->out->count++] = row;
    return 0;
}

static int value(parser *p, char **path, size_t depth, bool keep, int nesting);

/* { a = 1, b.c = "x" }: each pair a row under `path` (when `keep`). */
static int inline_table(parser *p, char **path, size_t depth, bool keep, int nesting)
{
    p->s++; /* { */
    toml_skip_blanks(p);
    if (p->s < p->end && *p->s == '}') {
        p->s++;
        return 0;
    }
    for (;;) {
        char **full = calloc(depth ? depth : 1, sizeof *full);
        size_t full_depth = 0;
        if (!full)
            return toml_fail(p, "out of memory");
        for (; full_depth < depth; full_depth++)
            if (!(full[full_depth] = strdup(path[full_depth]))) {
                toml_free_path(full, full_depth);
                return toml_fail(p, "out of memory");
            }
        int rc = toml_key(p, &full, &full_depth);
        if (rc == 0 && (p->s >= p->end || *p->s != '='))
            rc = toml_fail(p, "expected '=' after the key in an inline table");
        if (rc == 0) {
            p->s++;
            toml_skip_blanks(p);
            rc = value(p, full, full_depth, keep, nesting + 1);
        }
        toml_free_path(full, full_depth);
        if (rc < 0)
            return -1;
        toml_skip_blanks(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == '}') {
            p->s++;
            return 0;
        }
        return toml_fail(p, "expected ',' or '}' in an inline table");
    }
}

/* true, false, numbers and dates: a run of the characters they are made of. */
static int scalar(parser *p, char **text, ph_toml_type *type)
{
    const char *start = p->s;
    while (p->s < p->end && (toml_is_bare(*p->s) || strchr("+.:", *p->s)))
        p->s++;
    /* a date and a time may be separated by one space: 1979-05-27 07:32:00 */
    if (p->s - start == 10 && p->s + 1 < p->end && *p->s == ' ' && p->s[1] >= '0' &&
        p->s[1] <= '9') {
        p->s++;
        while (p->s < p->end && (toml_is_bare(*p->s) || strchr("+.:", *p->s)))
            p->s++;
    }
    size_t n = (size_t)(p->s - start);
    if (n == 0)
        return p->s < p->end ? toml_fail(p, "expected a value, found '%c'", *p->s)
                             : toml_fail(p, "expected a value");
    bool boolean = (n == 4 && !memcmp(start, "true", 4)) || (n == 5 && !memcmp(start, "false", 5));
    if (!boolean && !((*start >= '0' && *start <= '9') || *start == '+' || *start == '-' ||
                      (n == 3 && (!memcmp(start, "inf", 3) || !memcmp(start, "nan", 3)))))
        return toml_fail(p, "'%.*s' is not a value (strings need quotes)", (int)(n > 40 ? 40 : n),
                         start);
    *type = boolean ? PH_TOML_BOOL : PH_TOML_NUMBER;
    if (!(*text = strndup(start, n)))
        return toml_fail(p, "out of memory");
    return 0;
}

static int array(parser *p, char **path, size_t depth, bool keep, int nesting)
{
    int line = p->line;
    char **items = NULL;
    size_t count = 0;
    p->s++; /* [ */
    for (;;) {
        toml_skip_space(p);
        if (p->s >= p->end) {
            toml_free_items(items, count);
            return toml_fail(p, "unterminated array (opened on line %d)", line);
        }
        if (*p->s == ']') {
            p->s++;
            break;
        }
        char *text = NULL;
        ph_toml_type type;
        int rc;
        if (*p->s == '[' || *p->s == '{') /* nested: read, not kept */
            rc = value(p, path, depth, false, nesting + 1);
        else if (*p->s == '"' || *p->s == '\'')
            rc = toml_string(p, &text);
        else
            rc = scalar(p, &text, &type);
        if (rc == 0 && text) {
            char **grown = realloc(items, (count + 1) * sizeof *grown);
            if (!grown)
                rc = toml_fail(p, "out of memory");
            else {
                items = grown;
                items[count++] = text;
                text = NULL;
            }
        }
        free(text);
        if (rc < 0) {
            toml_free_items(items, count);
            return -1;
        }
        toml_skip_space(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == ']') {
            p->s++;
            break;
        }
        toml_free_items(items, count);
        return toml_fail(p, "expected ',' or ']' in the array opened on line %d", line);
    }
    if (!keep) {
        toml_free_items(items, count);
        return 0;
    }
    ph_toml_row row = {.type = PH_TOML_ARRAY, .items = items, .count = count, .line = line};
    if (add_row(p, path, depth, row) < 0) {
        toml_free_items(items, count);
        return -1;
    }
    return 0;
}

static int value(parser *p, char **path, size_t depth, bool keep, int nesting)
{
    if (nesting > MAX_DEPTH)
        return toml_fail(p, "values nest deeper than %d levels", MAX_DEPTH);
    if (p->s >= p->end)
        return toml_fail(p, "expected a value after '='");
    if (*p->s == '[')
        return array(p, path, depth, keep, nesting);
    if (*p->s == '{')
        return inline_table(p, path, depth, keep, nesting);
    int line = p->line;
    char *text = NULL;
    ph_toml_type type = PH_TOML_STRING;
    int rc = *p->s == '"' || *p->s == '\'' ? toml_string(p, &text) : scalar(p, &text, &type);
    if (rc < 0)
        return -1;
    if (!keep) {
        free(text);
        return 0;
    }
    if (add_row(p, path, depth, (ph_toml_row){.type = type, .text = text, .line = line}) < 0) {
        free(text);
        return -1;
    }
    return 0;
}

/* ---- lines ------------------------------------------------------------------------------- */

/* [a.b] or [[a.b]]: the table later keys go under. Keys of an array of tables are kept under
 * the component "[]" after its name, which no manifest key has. */
static int header(parser *p)
{
    bool array_of_tables = toml_at(p, "[[");
    p->s += array_of_tables ? 2 : 1;
    char **path = NULL;
    size_t depth = 0;
    if (toml_key(p, &path, &depth) < 0) {
        toml_free_path(path, depth);
        return -1;
    }
    if (!toml_at(p, array_of_tables ? "]]" : "]")) {
        toml_free_path(path, depth);
        return toml_fail(p, "expected '%s' to close the table header",
                         array_of_tables ? "]]" : "]");
    }
    p->s += array_of_tables ? 2 : 1;
    if (array_of_tables) {
        char **grown = realloc(path, (depth + 1) * sizeof *grown);
        if (!grown || !(grown[depth] = strdup("[]"))) {
            toml_free_path(grown ? grown : path, depth);
            return toml_fail(p, "out of memory");
        }
        path = grown;
        depth++;
    }
    toml_free_path(p->table, p->table_depth);
    p->table = path;
    p->table_depth = depth;
    return toml_end_of_line(p);
}

static int pair(parser *p)
{
    char **path = calloc(p->table_depth + 1, sizeof *path);
    size_t depth = 0;
    if (!path)
        return toml_fail(p, "out of memory");
    for (; depth < p->table_depth; depth++)
        if (!(path[depth] = strdup(p->table[depth]))) {
            toml_free_path(path, depth);
            return toml_fail(p, "out of memory");
        }
    int rc = toml_key(p, &path, &depth);
    if (rc == 0 && (p->s >= p->end || *p->s != '='))
        rc = toml_fail(p, "expected '=' after the key");
    if (rc == 0) {
        p->s++;
        toml_skip_blanks(p);
        rc = value(p, path, depth, true, 0);
    }
    toml_free_path(path, depth);
    return rc < 0 ? -1 : toml_end_of_line(p);
}

void ph_toml_free(ph_toml *t)
{
    for (size_t i = 0; t && i < t->count; i++) {
        toml_free_path(t->rows[i].path, t->rows[i].depth);
        free(t->rows[i].text);
        toml_free_items(t->rows[i].items, t->rows[i].count);
    }
    if (t) {
        free(t->rows);
        *t = (ph_toml){0};
    }
}

int ph_toml_parse(const char *text, size_t len, ph_toml *out, int *line, char *why, size_t why_size)
{
    *out = (ph_toml){0};
    parser p = {
        .s = text, .end = text + len, .line = 1, .out = out, .why = why, .why_size = why_size};
    if (memchr(text, '\0', len)) {
        *line = 1;
        snprintf(why, why_size, "contains a NUL byte; TOML is text");
        return -1;
    }
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        p.s += 3;
    int rc = 0;
    while (rc == 0) {
        toml_skip_space(&p);
        if (p.s >= p.end)
            break;
        rc = *p.s == '[' ? header(&p) : pair(&p);
    }
    toml_free_path(p.table, p.table_depth);
    if (rc < 0) {
        *line = p.line;
        ph_toml_free(out);
        return -1;
    }
    return 0;
}

const ph_toml_row *ph_toml_get(const ph_toml *t, const char *const *path, size_t depth)
{
    for (size_t i = 0; i < t->count; i++) {
        const ph_toml_row *r = &t->rows[i];
        if (r->depth != depth)
            continue;
        size_t k = 0;
        while (k < depth && !strcmp(r->path[k], path[k]))
            k++;
        if (k == depth)
            return r;
    }
    return NULL;
}
