/* Shared by the build tests: fixture site directories and dpkg databases in a fresh temporary
 * directory per test (each Criterion test runs in its own process). */
#ifndef PH_TEST_BUILD_HELPERS_H
#define PH_TEST_BUILD_HELPERS_H

#include "build.h"

/* A new empty directory under $TMPDIR, resolved (dpkg lists resolved paths), removed when the
 * test ends. */
const char *fixture_dir(void);

/* Writes `text` to DIR/NAME, creating the directories NAME needs. */
void put(const char *dir, const char *name, const char *text);

/* The extension suffixes build_python.c would take from the interpreter. */
void use_extension_suffixes(void);

/* Resolves `distributions` (the manifest's [resources] line) over the one site directory `site`
 * with dpkg's database in `dpkg` (NULL: none). Returns ph_dist_resolve_in's result. */
int resolve(const char *distributions, const char *site, const char *dpkg, ph_dist_set *out,
            ph_error *err);

/* The distribution called `name` (normalized) in `set`, asserting it is there. */
const ph_dist *dist_named(const ph_dist_set *set, const char *name);

/* "a,b,c": the tops, for comparing in one assertion. */
const char *joined(const ph_strlist *tops);

#endif
