/* The first pass over pyhost.ini (manifest_ini.h): inih splits the text, our own line reader
 * counts lines and notes section headers (Debian's inih passes no line numbers to the
 * handler), and nothing is checked yet. */
#include "pyhost/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyhost/project.h"
#include "schema.h"
#include "suggest.h"

#include "manifest_ini.h"

/* ---- first pass: inih ----------------------------------------------------------------------- */

static void *grow(void *array, size_t count, size_t elem)
{
    return realloc(array, (count + 1) * elem);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void add_section(struct collector *c, const char *name, size_t len)
{
    struct raw_section *grown = grow(c->sections, c->n_sections, sizeof *grown);
    char *copy = strndup(name, len);
    if (!grown || !copy) {
        free(copy);
        c->sections = grown ? grown : c->sections;
        c->oom = true;
        return;
    }
    c->sections = grown;
    c->sections[c->n_sections++] = (struct raw_section){copy, c->line};
}

/* Mirrors inih's line classification: blank and comment lines change nothing, an indented line
 * after a key continues it, otherwise '[' opens a section. */
static void classify_line(struct collector *c, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && is_space(s[i]))
        i++;
    c->continuation = false;
    if (i == len || s[i] == ';' || s[i] == '#')
        return;
    if (i > 0 && c->key_seen) {
        c->continuation = true;
        return;
    }
    if (s[i] != '[')
        return;
    const char *close = memchr(s + i, ']', len - i);
    if (close) {
        add_section(c, s + i + 1, (size_t)(close - (s + i + 1)));
        c->key_seen = false;
    }
}

/* inih's reader callback. Whole lines only: a line longer than inih's buffer is replaced by an
 * empty one and reported, because inih would otherwise parse its tail as a separate line. */
char *manifest_read_line(char *buf, int size, void *stream)
{
    struct collector *c = stream;
    if (!*c->cursor)
        return NULL;
    const char *start = c->cursor;
    size_t len = strcspn(start, "\n");
    size_t take = len + (start[len] == '\n');
    c->cursor += take;
    c->line++;
    c->longest_ok = size - 3;
    if (take > (size_t)size - 1) {
        if (!c->long_line)
            c->long_line = c->line;
        take = 0;
    }
    memcpy(buf, start, take);
    buf[take] = '\0';
    classify_line(c, start, take ? len : 0);
    return buf;
}

/* inih strips " ; comment" from a key's first line but not from continuation lines. */
static size_t continuation_length(const char *value)
{
    size_t len = strlen(value);
    for (size_t i = 1; i < len; i++)
        if (value[i] == ';' && is_space(value[i - 1]))
            len = i;
    while (len > 0 && is_space(value[len - 1]))
        len--;
    return len;
}

static int append_continuation(struct collector *c, const char *value)
{
    struct raw_pair *p = &c->pairs[c->n_pairs - 1];
    size_t old = strlen(p->value), add = continuation_length(value);
    char *joined = realloc(p->value, old + 1 + add + 1);
    if (!joined)
        return -1;
    joined[old] = '\n';
    memcpy(joined + old + 1, value, add);
    joined[old + 1 + add] = '\0';
    p->value = joined;
    return 0;
}

static int add_pair(struct collector *c, const char *section, const char *key, const char *value)
{
    struct raw_pair *grown = grow(c->pairs, c->n_pairs, sizeof *grown);
    if (!grown)
        return -1;
    c->pairs = grown;
    struct raw_pair p = {strdup(section), strdup(key), strdup(value), c->line};
    if (!p.section || !p.key || !p.value) {
        free(p.section);
        free(p.key);
        free(p.value);
        return -1;
    }
    c->pairs[c->n_pairs++] = p;
    return 0;
}

int manifest_on_pair(void *user, const char *section, const char *key, const char *value)
{
    struct collector *c = user;
    int rc = c->continuation && c->n_pairs ? append_continuation(c, value)
                                           : add_pair(c, section, key, value);
    c->key_seen = true;
    if (rc != 0)
        c->oom = true;
    return 1;
}

void manifest_collector_free(struct collector *c)
{
    for (size_t i = 0; i < c->n_pairs; i++) {
        free(c->pairs[i].section);
        free(c->pairs[i].key);
        free(c->pairs[i].value);
    }
    for (size_t i = 0; i < c->n_sections; i++)
        free(c->sections[i].name);
    free(c->pairs);
    free(c->sections);
}
