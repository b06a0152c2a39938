/* The first pass over pyhost.ini (manifest_ini.c): inih splits the text into sections and
 * key = value pairs, collected with their line numbers and checked by manifest.c. Private to
 * config/. */
#ifndef PH_MANIFEST_INI_H
#define PH_MANIFEST_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "pyhost/error.h"

struct raw_pair {
    char *section;
    char *key;
    char *value; /* continuation lines joined with '\n' */
    int line;
};

struct raw_section {
    char *name;
    int line;
};

/* What the first pass collects; nothing here is checked yet. */
struct collector {
    const char *cursor;
    int line;
    int long_line;     /* first line too long for inih's buffer, or 0 */
    int longest_ok;    /* the limit, for the message */
    bool key_seen;     /* a key since the last section header (inih's "prev_name") */
    bool continuation; /* the line being handled continues the previous value */
    bool oom;
    struct raw_pair *pairs;
    size_t n_pairs;
    struct raw_section *sections;
    size_t n_sections;
};

/* inih's reader (ini_parse_stream): one line of the text a collector's cursor points into,
 * counting lines and noting section headers. */
char *manifest_read_line(char *buf, int size, void *stream);
/* inih's handler: adds one pair (or a continuation line) to the collector `user`. */
int manifest_on_pair(void *user, const char *section, const char *key, const char *value);
void manifest_collector_free(struct collector *c);

#endif
