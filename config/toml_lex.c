/* The lexer of the TOML subset pyproject.toml needs (toml_lex.h): the parser's buffers and
 * errors, blanks and comments, basic and literal strings with escapes, dotted keys. */
#include "toml.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml_lex.h"

int toml_fail(parser *p, const char *fmt, ...)
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
            return toml_fail(p, "out of memory");
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

void toml_free_path(char **path, size_t depth)
{
    for (size_t i = 0; i < depth; i++)
        free(path[i]);
    free(path);
}

void toml_free_items(char **items, size_t count)
{
    toml_free_path(items, count);
}

/* ---- lexing ------------------------------------------------------------------------------ */

bool toml_at(const parser *p, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(p->end - p->s) >= n && !memcmp(p->s, word, n);
}

void toml_skip_blanks(parser *p)
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
void toml_skip_space(parser *p)
{
    for (;;) {
        toml_skip_blanks(p);
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
int toml_end_of_line(parser *p)
{
    toml_skip_blanks(p);
    skip_comment(p);
    if (p->s < p->end && *p->s == '\r')
        p->s++;
    if (p->s == p->end)
        return 0;
    if (*p->s != '\n')
        return toml_fail(p, "unexpected '%c' after the value (one key = value per line)", *p->s);
    p->s++;
    p->line++;
    return 0;
}

bool toml_is_bare(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static int utf8(parser *p, buf *b, uint32_t cp)
{
    char out[4];
    size_t n;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return toml_fail(p, "\\u escape U+%X is not a Unicode scalar value", (unsigned)cp);
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
        return toml_fail(p, "unterminated string");
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
                return toml_fail(p, "unterminated \\%c escape", c);
            char h = *p->s;
            int v = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (v < 0)
                return toml_fail(p, "\\%c needs %d hexadecimal digits", c, digits);
            cp = cp * 16 + (uint32_t)v;
        }
        return utf8(p, b, cp);
    }
    return toml_fail(p, "unknown escape '\\%c' in a string", c);
}

/* "...", '...', """...""" or '''...''' at p->s. */
int toml_string(parser *p, char **out)
{
    char quote = *p->s;
    bool multi = toml_at(p, quote == '"' ? "\"\"\"" : "'''");
    buf b = {0};
    p->s += multi ? 3 : 1;
    if (multi && p->s < p->end && *p->s == '\n') { /* a newline right after """ is dropped */
        p->s++;
        p->line++;
    } else if (multi && toml_at(p, "\r\n")) {
        p->s += 2;
        p->line++;
    }
    for (;;) {
        if (p->s >= p->end) {
            free(b.data);
            return toml_fail(p, "unterminated string");
        }
        char c = *p->s;
        if (c == quote && (!multi || toml_at(p, quote == '"' ? "\"\"\"" : "'''"))) {
            p->s += multi ? 3 : 1;
            /* """a"""" ends with one or two quotes that belong to the string */
            for (int extra = 0; multi && extra < 2 && p->s < p->end && *p->s == quote; extra++)
                if (put(p, &b, p->s++, 1) < 0)
                    break;
            break;
        }
        if (c == '\n' && !multi) {
            free(b.data);
            return toml_fail(p,
                             "a string in quotes ends on its line (use \"\"\" for several lines)");
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
                toml_skip_space(p);
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
int toml_key(parser *p, char ***path, size_t *depth)
{
    for (;;) {
        toml_skip_blanks(p);
        char *component = NULL;
        if (p->s < p->end && (*p->s == '"' || *p->s == '\'')) {
            if (toml_at(p, "\"\"\"") || toml_at(p, "'''"))
                return toml_fail(p, "a key cannot be a multi-line string");
            if (toml_string(p, &component) < 0)
                return -1;
        } else {
            const char *start = p->s;
            while (p->s < p->end && toml_is_bare(*p->s))
                p->s++;
            if (p->s == start && p->s < p->end)
                return toml_fail(p, "expected a toml_key, found '%c'", *p->s);
            if (p->s == start)
                return toml_fail(p, "expected a key");
            component = strndup(start, (size_t)(p->s - start));
            if (!component)
                return toml_fail(p, "out of memory");
        }
        if (*depth >= MAX_DEPTH) {
            free(component);
            return toml_fail(p, "keys nest deeper than %d levels", MAX_DEPTH);
        }
        char **grown = realloc(*path, (*depth + 1) * sizeof *grown);
        if (!grown) {
            free(component);
            return toml_fail(p, "out of memory");
        }
        *path = grown;
        (*path)[(*depth)++] = component;
        toml_skip_blanks(p);
        if (p->s < p->end && *p->s == '.') {
            p->s++;
            continue;
        }
        return 0;
    }
}
