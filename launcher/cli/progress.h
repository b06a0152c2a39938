/* The one progress line of the pyhost commands (build, bundle, fetch, installers): on stderr,
 * only when stderr is a terminal, only for work that has gone on for about a second, rewritten
 * in place and erased before anything else is printed. Nothing at all when stderr is not a
 * terminal (logs, pipes, CI) or with -q. */
#ifndef PH_PROGRESS_H
#define PH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* -q (quiet: no progress, no summary), default, -v (verbose). */
typedef enum ph_verbosity { PH_QUIET, PH_NORMAL, PH_VERBOSE } ph_verbosity;

/* Decides once per command whether a progress line may be drawn. PYHOST_PROGRESS_DELAY (in
 * seconds, default 1) is how long a step runs before its line appears. */
void ph_progress_init(ph_verbosity verbosity);
ph_verbosity ph_progress_verbosity(void);
/* Is a line to be drawn at all (a terminal, not -q)? */
bool ph_progress_enabled(void);

/* "[  12/649] compiling notes/cli.py": `done` of `total` items of one step; with total 0 (not
 * known in advance, as for the modules an analysis reaches), "[12] analyzing notes.cli". */
void ph_progress_count(const char *step, size_t done, size_t total, const char *item);
/* "running dpkg-deb... 3 s": one step with nothing to count (another program's work), redrawn
 * with the seconds it has taken for as long as it is called (every 0.1 s or so). */
void ph_progress_busy(const char *step);
/* "notes-1.0.whl [#######.......] 45% 3.1/7.0 MB" */
void ph_progress_bytes(const char *item, uint64_t done, uint64_t total);
/* Erases the line (before other output), and starts timing the next step afresh. */
void ph_progress_clear(void);

/* The builder's and the bundler's progress callback (ph_build_options.progress,
 * ph_bundle_options.progress): analyzing each module (total 0), compiling / packing each file,
 * then writing (what == NULL). */
void ph_progress_build(void *ctx, size_t done, size_t total, const char *what);

#endif
