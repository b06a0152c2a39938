/* The TOML subset reader: see toml.h for what it reads and why it exists. */
#include "toml.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deep nesting is never a real pyproject.toml, and recursion must stay bounded for the fuzzer. */
#define MAX_DEPTH 32

typedef struct parser {
    const char *s, *end;
    int line;
    ph_toml *out;
    char **table; /* the current [table] header's components */
    size_t table_depth;
    char *why;
    size_t why_size;
    bool failed;
} parser;

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *p, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->why, p->why_size, fmt, ap);
        va_end(ap);
        p->failed = true;
    }
    return -1;
}

static int put(parser *p, buf *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return fail(p, "out of memory");
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static char *take(parser *p, buf *b)
{
    if (!b->data && put(p, b, "", 0) < 0)
        return NULL;
    char *s = b->data;
    *b = (buf){0};
    return s;
}

static void free_path(char **path, size_t depth)
{
    for (size_t i = 0; i < depth; i++)
        free(path[i]);
    free(path);
}

static void free_items(char **items, size_t count)
{
    free_path(items, count);
}

/* ---- lexing ------------------------------------------------------------------------------ */

static bool at(const parser *p, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(p->end - p->s) >= n && !memcmp(p->s, word, n);
}

static void skip_blanks(parser *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t'))
        p->s++;
}

static void skip_comment(parser *p)
{
    if (p->s < p->end && *p->s == '#')
        while (p->s < p->end && *p->s != '\n')
            p->s++;
}

/* Blanks, comments and newlines: between array items. */
static void skip_space(parser *p)
{
    for (;;) {
        skip_blanks(p);
        skip_comment(p);
        if (p->s < p->end && *p->s == '\r' && p->s + 1 < p->end && p->s[1] == '\n')
            p->s++;
        if (p->s < p->end && *p->s == '\n') {
            p->s++;
            p->line++;
            continue;
        }
        return;
    }
}

/* After a value or a header: only a comment may follow on the line. */
static int end_of_line(parser *p)
{
    skip_blanks(p);
    skip_comment(p);
    if (p->s < p->end && *p->s == '\r')
        p->s++;
    if (p->s == p->end)
        return 0;
    if (*p->s != '\n')
        return fail(p, "unexpected '%c' after the value (one key = value per line)", *p->s);
    p->s++;
    p->line++;
    return 0;
}

static bool is_bare(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static int utf8(parser *p, buf *b, uint32_t cp)
{
    char out[4];
    size_t n;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail(p, "\\u escape U+%X is not a Unicode scalar value", (unsigned)cp);
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | cp >> 18);
        out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return put(p, b, out, n);
}

static int escape(parser *p, buf *b)
{
    if (p->s >= p->end)
        return fail(p, "unterminated string");
    char c = *p->s++;
    const char *simple = strchr("btnfr\"\\", c);
    if (simple && c) {
        static const char with[] = "\b\t\n\f\r\"\\";
        return put(p, b, &with[simple - "btnfr\"\\"], 1);
    }
    if (c == 'u' || c == 'U') {
        int digits = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < digits; i++, p->s++) {
            if (p->s >= p->end)
                return fail(p, "unterminated \\%c escape", c);
            char h = *p->s;
            int v = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (v < 0)
                return fail(p, "\\%c needs %d hexadecimal digits", c, digits);
            cp = cp * 16 + (uint32_t)v;
        }
        return utf8(p, b, cp);
    }
    return fail(p, "unknown escape '\\%c' in a string", c);
}

/* "...", '...', """...""" or '''...''' at p->s. */
static int string(parser *p, char **out)
{
    char quote = *p->s;
    bool multi = at(p, quote == '"' ? "\"\"\"" : "'''");
    buf b = {0};
    p->s += multi ? 3 : 1;
    if (multi && p->s < p->end && *p->s == '\n') { /* a newline right after """ is dropped */
        p->s++;
        p->line++;
    } else if (multi && at(p, "\r\n")) {
        p->s += 2;
        p->line++;
    }
    for (;;) {
        if (p->s >= p->end) {
            free(b.data);
            return fail(p, "unterminated string");
        }
        char c = *p->s;
        if (c == quote && (!multi || at(p, quote == '"' ? "\"\"\"" : "'''"))) {
            p->s += multi ? 3 : 1;
            /* """a"""" ends with one or two quotes that belong to the string */
            for (int extra = 0; multi && extra < 2 && p->s < p->end && *p->s == quote; extra++)
                if (put(p, &b, p->s++, 1) < 0)
                    break;
            break;
        }
        if (c == '\n' && !multi) {
            free(b.data);
            return fail(p, "a string in quotes ends on its line (use \"\"\" for several lines)");
        }
        if (c == '\n')
            p->line++;
        p->s++;
        int rc;
        if (c == '\\' && quote == '"' && multi && p->s < p->end &&
            (*p->s == '\n' || *p->s == ' ' || *p->s == '\t' || *p->s == '\r')) {
            /* a line-ending backslash: the newline and the blanks after it go */
            const char *q = p->s;
            while (q < p->end && (*q == ' ' || *q == '\t' || *q == '\r'))
                q++;
            if (q < p->end && *q == '\n') {
                p->s = q;
                skip_space(p);
                continue;
            }
            rc = escape(p, &b);
        } else if (c == '\\' && quote == '"') {
            rc = escape(p, &b);
        } else {
            rc = put(p, &b, &c, 1);
        }
        if (rc < 0) {
            free(b.data);
            return -1;
        }
    }
    if (p->failed) {
        free(b.data);
        return -1;
    }
    *out = take(p, &b);
    return *out ? 0 : -1;
}

/* a.b."c.d" -> components appended to *path. */
static int key(parser *p, char ***path, size_t *depth)
{
    for (;;) {
        skip_blanks(p);
        char *component = NULL;
        if (p->s < p->end && (*p->s == '"' || *p->s == '\'')) {
            if (at(p, "\"\"\"") || at(p, "'''"))
                return fail(p, "a key cannot be a multi-line string");
            if (string(p, &component) < 0)
                return -1;
        } else {
            const char *start = p->s;
            while (p->s < p->end && is_bare(*p->s))
                p->s++;
            if (p->s == start && p->s < p->end)
                return fail(p, "expected a key, found '%c'", *p->s);
            if (p->s == start)
                return fail(p, "expected a key");
            component = strndup(start, (size_t)(p->s - start));
            if (!component)
                return fail(p, "out of memory");
        }
        if (*depth >= MAX_DEPTH) {
            free(component);
            return fail(p, "keys nest deeper than %d levels", MAX_DEPTH);
        }
        char **grown = realloc(*path, (*depth + 1) * sizeof *grown);
        if (!grown) {
            free(component);
            return fail(p, "out of memory");
        }
        *path = grown;
        (*path)[(*depth)++] = component;
        skip_blanks(p);
        if (p->s < p->end && *p->s == '.') {
            p->s++;
            continue;
        }
        return 0;
    }
}

/* ---- values ------------------------------------------------------------------------------ */

static int add_row(parser *p, char **path, size_t depth, ph_toml_row row)
{
    ph_toml_row *grown = realloc(p->out->rows, (p->out->count + 1) * sizeof *grown);
    char **copy = calloc(depth ? depth : 1, sizeof *copy);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            p->out->rows = grown;
        return fail(p, "out of memory");
    }
    p->out->rows = grown;
    for (size_t i = 0; i < depth; i++)
        if (!(copy[i] = strdup(path[i]))) {
            free_path(copy, i);
            return fail(p, "out of memory");
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
    skip_blanks(p);
    if (p->s < p->end && *p->s == '}') {
        p->s++;
        return 0;
    }
    for (;;) {
        char **full = calloc(depth ? depth : 1, sizeof *full);
        size_t full_depth = 0;
        if (!full)
            return fail(p, "out of memory");
        for (; full_depth < depth; full_depth++)
            if (!(full[full_depth] = strdup(path[full_depth]))) {
                free_path(full, full_depth);
                return fail(p, "out of memory");
            }
        int rc = key(p, &full, &full_depth);
        if (rc == 0 && (p->s >= p->end || *p->s != '='))
            rc = fail(p, "expected '=' after the key in an inline table");
        if (rc == 0) {
            p->s++;
            skip_blanks(p);
            rc = value(p, full, full_depth, keep, nesting + 1);
        }
        free_path(full, full_depth);
        if (rc < 0)
            return -1;
        skip_blanks(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == '}') {
            p->s++;
            return 0;
        }
        return fail(p, "expected ',' or '}' in an inline table");
    }
}

/* true, false, numbers and dates: a run of the characters they are made of. */
static int scalar(parser *p, char **text, ph_toml_type *type)
{
    const char *start = p->s;
    while (p->s < p->end && (is_bare(*p->s) || strchr("+.:", *p->s)))
        p->s++;
    /* a date and a time may be separated by one space: 1979-05-27 07:32:00 */
    if (p->s - start == 10 && p->s + 1 < p->end && *p->s == ' ' && p->s[1] >= '0' &&
        p->s[1] <= '9') {
        p->s++;
        while (p->s < p->end && (is_bare(*p->s) || strchr("+.:", *p->s)))
            p->s++;
    }
    size_t n = (size_t)(p->s - start);
    if (n == 0)
        return p->s < p->end ? fail(p, "expected a value, found '%c'", *p->s)
                             : fail(p, "expected a value");
    bool boolean = (n == 4 && !memcmp(start, "true", 4)) || (n == 5 && !memcmp(start, "false", 5));
    if (!boolean && !((*start >= '0' && *start <= '9') || *start == '+' || *start == '-' ||
                      (n == 3 && (!memcmp(start, "inf", 3) || !memcmp(start, "nan", 3)))))
        return fail(p, "'%.*s' is not a value (strings need quotes)", (int)(n > 40 ? 40 : n),
                    start);
    *type = boolean ? PH_TOML_BOOL : PH_TOML_NUMBER;
    if (!(*text = strndup(start, n)))
        return fail(p, "out of memory");
    return 0;
}

static int array(parser *p, char **path, size_t depth, bool keep, int nesting)
{
    int line = p->line;
    char **items = NULL;
    size_t count = 0;
    p->s++; /* [ */
    for (;;) {
        skip_space(p);
        if (p->s >= p->end) {
            free_items(items, count);
            return fail(p, "unterminated array (opened on line %d)", line);
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
            rc = string(p, &text);
        else
            rc = scalar(p, &text, &type);
        if (rc == 0 && text) {
            char **grown = realloc(items, (count + 1) * sizeof *grown);
            if (!grown)
                rc = fail(p, "out of memory");
            else {
                items = grown;
                items[count++] = text;
                text = NULL;
            }
        }
        free(text);
        if (rc < 0) {
            free_items(items, count);
            return -1;
        }
        skip_space(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == ']') {
            p->s++;
            break;
        }
        free_items(items, count);
        return fail(p, "expected ',' or ']' in the array opened on line %d", line);
    }
    if (!keep) {
        free_items(items, count);
        return 0;
    }
    ph_toml_row row = {.type = PH_TOML_ARRAY, .items = items, .count = count, .line = line};
    if (add_row(p, path, depth, row) < 0) {
        free_items(items, count);
        return -1;
    }
    return 0;
}

static int value(parser *p, char **path, size_t depth, bool keep, int nesting)
{
    if (nesting > MAX_DEPTH)
        return fail(p, "values nest deeper than %d levels", MAX_DEPTH);
    if (p->s >= p->end)
        return fail(p, "expected a value after '='");
    if (*p->s == '[')
        return array(p, path, depth, keep, nesting);
    if (*p->s == '{')
        return inline_table(p, path, depth, keep, nesting);
    int line = p->line;
    char *text = NULL;
    ph_toml_type type = PH_TOML_STRING;
    int rc = *p->s == '"' || *p->s == '\'' ? string(p, &text) : scalar(p, &text, &type);
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
    bool array_of_tables = at(p, "[[");
    p->s += array_of_tables ? 2 : 1;
    char **path = NULL;
    size_t depth = 0;
    if (key(p, &path, &depth) < 0) {
        free_path(path, depth);
        return -1;
    }
    if (!at(p, array_of_tables ? "]]" : "]")) {
        free_path(path, depth);
        return fail(p, "expected '%s' to close the table header", array_of_tables ? "]]" : "]");
    }
    p->s += array_of_tables ? 2 : 1;
    if (array_of_tables) {
        char **grown = realloc(path, (depth + 1) * sizeof *grown);
        if (!grown || !(grown[depth] = strdup("[]"))) {
            free_path(grown ? grown : path, depth);
            return fail(p, "out of memory");
        }
        path = grown;
        depth++;
    }
    free_path(p->table, p->table_depth);
    p->table = path;
    p->table_depth = depth;
    return end_of_line(p);
}

static int pair(parser *p)
{
    char **path = calloc(p->table_depth + 1, sizeof *path);
    size_t depth = 0;
    if (!path)
        return fail(p, "out of memory");
    for (; depth < p->table_depth; depth++)
        if (!(path[depth] = strdup(p->table[depth]))) {
            free_path(path, depth);
            return fail(p, "out of memory");
        }
    int rc = key(p, &path, &depth);
    if (rc == 0 && (p->s >= p->end || *p->s != '='))
        rc = fail(p, "expected '=' after the key");
    if (rc == 0) {
        p->s++;
        skip_blanks(p);
        rc = value(p, path, depth, true, 0);
    }
    free_path(path, depth);
    return rc < 0 ? -1 : end_of_line(p);
}

void ph_toml_free(ph_toml *t)
{
    for (size_t i = 0; t && i < t->count; i++) {
        free_path(t->rows[i].path, t->rows[i].depth);
        free(t->rows[i].text);
        free_items(t->rows[i].items, t->rows[i].count);
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
        skip_space(&p);
        if (p.s >= p.end)
            break;
        rc = *p.s == '[' ? header(&p) : pair(&p);
    }
    free_path(p.table, p.table_depth);
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
