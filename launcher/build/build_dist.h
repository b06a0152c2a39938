/* Private to build_dist.c, build_requires.c and build_record.c: installed distributions. */
#ifndef PH_BUILD_DIST_H
#define PH_BUILD_DIST_H

#include "build.h"
#include "pyhost/fsutil.h"
#include "pyhost/strutil.h"

/* A distribution's metadata found in a site directory. */
typedef struct candidate {
    char *name; /* normalized */
    char *display;
    char *meta;
    bool is_file;
    unsigned site;
} candidate;

typedef struct candidates {
    candidate *items;
    size_t count;
} candidates;

typedef struct requirement {
    char *name;    /* normalized */
    char *written; /* as the metadata spells it, for messages */
    ph_strlist extras;
    char *marker;  /* NULL: always */
    char *section; /* requires.txt "[extra]" (normalized), or NULL */
    char *text;    /* for messages: "Requires-Dist: urllib3<3,>=1.21.1" */
} requirement;

typedef struct requirements {
    requirement *items;
    size_t count;
} requirements;

/* Small helpers (build_dist.c). */
char *dist_next_line(char **cursor);
bool dist_list_has(const ph_strlist *l, const char *s);
int dist_list_add(ph_strlist *l, const char *s, size_t len);
void dist_list_free(ph_strlist *l);
size_t dist_name_len(const char *s);
char *dist_trimmed(const char *s, size_t len);

/* Requirements (build_requires.c). */
int dist_parse_extras(const char *p, ph_strlist *extras);
void dist_requirements_free(requirements *r);
int dist_load_requirements(const char *site, const candidate *c, requirements *out, ph_error *err);

/* Metadata files and top-level names (build_record.c). */
int dist_read_meta(const char *site, const candidate *c, const char *file, char **text,
                   ph_error *err);
/* The top-level modules and packages `c` provides that exist in `site`, from its listings,
 * else dpkg's record (`debian` may be NULL), else the site directory; none is an error, unless
 * a complete listing shows it has none. Sorted. */
int dist_find_tops(const char *site, const candidate *c, ph_debian *debian, ph_strlist *tops,
                   ph_error *err);
/* The modules Debian `package` installed in `site` (`real`: the same, resolved as dpkg lists
 * paths), that exist. */
int dist_package_tops(const char *site, const char *real, ph_debian *debian, const char *package,
                      ph_strlist *tops, ph_error *err);
/* The "Name:" of the distribution's metadata, malloc'd, or NULL. */
char *dist_meta_name(const char *site, const char *meta, bool is_file);

/* Parsers of metadata text, on any bytes (tests/fuzz/fuzz_metadata.c). `text` is NUL-terminated
 * and cut into lines in place. Each returns -1 only when out of memory. */
typedef struct dist_listing {
    size_t rows;    /* non-blank rows */
    size_t bad;     /* rows that are not "path,hash,size" (RECORD only) */
    size_t modules; /* rows naming a top-level module or package */
} dist_listing;
/* RECORD ("path,hash,size", paths relative to the site directory) or, `relative_to_meta`,
 * installed-files.txt: the top-level names it lists, added to `tops`. */
int dist_tops_from_listing(char *text, bool relative_to_meta, ph_strlist *tops, dist_listing *l);
int dist_tops_from_top_level(char *text, ph_strlist *tops);
/* METADATA's Requires-Dist headers or, `requires_txt`, an egg-info requires.txt. */
int dist_requires_from_text(char *text, bool requires_txt, requirements *out);
/* The "Name:" header of METADATA text, malloc'd, or NULL. */
char *dist_meta_name_of(const char *text);

#endif
