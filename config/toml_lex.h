/* The TOML subset's parser state and lexer (toml_lex.c): blanks, comments, strings and keys.
 * toml.c parses values and lines with them. Private to config/. */
#ifndef PH_TOML_LEX_H
#define PH_TOML_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toml.h"

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

/* Records the first error (with the line) in the parser; returns -1. */
int toml_fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void toml_free_path(char **path, size_t depth);
void toml_free_items(char **items, size_t count);
bool toml_at(const parser *p, const char *word);
void toml_skip_blanks(parser *p);
void toml_skip_space(parser *p);
int toml_end_of_line(parser *p);
bool toml_is_bare(char c);
int toml_string(parser *p, char **out);
int toml_key(parser *p, char ***path, size_t *depth);

#endif
