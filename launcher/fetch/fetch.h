/* Remote and local inputs of a build ([resources] wheels and requirements) and the download
 * cache they are fetched into.
 *
 * Cache layout, under ph_cache_root() (see docs/wheels.md):
 *   downloads/<sha256>/<file name>   a complete, verified file; the name is kept because a
 *                                    wheel's tags live in it
 *   downloads/<sha256>.part          a download in progress or interrupted; flock()ed by the
 *                                    process writing it, resumed by the next attempt
 * A file only reaches its final name by rename(2) after its SHA-256 matched. */
#ifndef PH_FETCH_H
#define PH_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "pyhost/error.h"
#include "pyhost/manifest.h"

typedef struct ph_input {
    char *source;    /* a URL as written (without the #sha256 fragment), or an absolute path */
    bool is_url;     /* http://, https:// or file:// */
    char sha256[65]; /* lower-case hex; "" for a local path given without one */
    char *filename;  /* the file's name: the URL's last path segment, percent-decoded */
    char *origin;    /* where it was written, for messages: "pyhost.ini:12" or "reqs.txt:3" */
} ph_input;

typedef struct ph_input_list {
    ph_input *items;
    size_t count;
} ph_input_list;

/* [resources] wheels, then the lines of [resources] requirements, in order. Errors name the
 * manifest or requirements file and line. */
int ph_inputs_from_manifest(const ph_manifest *m, ph_input_list *out, ph_error *err);
void ph_input_list_free(ph_input_list *list);

/* Parses one "URL#sha256=HEX" or "PATH[#sha256=HEX]" item (as the schema accepts it). */
int ph_input_parse(const char *item, const char *base_dir, const char *origin, ph_input *out,
                   ph_error *err);

typedef enum ph_fetch_status {
    PH_FETCH_LOCAL,      /* a local path, used where it is */
    PH_FETCH_CACHED,     /* already in the cache */
    PH_FETCH_DOWNLOADED, /* downloaded now (or finished from a partial download) */
} ph_fetch_status;

/* Called while bytes arrive; `total` is 0 when the size is unknown. Optional. */
typedef void (*ph_fetch_progress_fn)(void *ctx, const ph_input *in, uint64_t done, uint64_t total);

typedef struct ph_fetch_options {
    bool offline; /* never touch the network: a URL must already be in the cache */
    ph_fetch_progress_fn progress;
    void *progress_ctx;
} ph_fetch_options;

typedef struct ph_fetch_result {
    char *path; /* the local file to read (malloc'd) */
    ph_fetch_status status;
    uint64_t bytes;   /* bytes transferred in this run (downloads) or the file's size */
    uint64_t resumed; /* bytes taken from an earlier partial download */
} ph_fetch_result;

/* Makes an input available as a local file whose SHA-256 (when pinned) has been checked. */
int ph_fetch(const ph_input *in, const ph_fetch_options *o, ph_fetch_result *r, ph_error *err);

/* A progress bar on stderr, for the commands to pass as `progress` when stderr is a
 * terminal (cmd_fetch.c); ph_fetch_progress_end clears its line. */
void ph_fetch_progress_bar(void *ctx, const ph_input *in, uint64_t done, uint64_t total);
void ph_fetch_progress_end(void);

#endif
