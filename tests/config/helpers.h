/* Shared by the config tests: real files in a fresh temporary directory per test. */
#ifndef PH_TEST_CONFIG_HELPERS_H
#define PH_TEST_CONFIG_HELPERS_H

#include <stddef.h>

#include "pyhost/manifest.h"

#define MINIMAL "[app]\nname = t\nentry = t:main\n"

/* Asserts that `list` holds exactly `items`, in order. */
void assert_list(const ph_strlist *list, size_t count, const char *const *items);

/* A new empty directory under $TMPDIR (each Criterion test runs in its own process). */
const char *tmpdir(void);

/* Writes `text` to DIR/NAME and returns the path (malloc'd). */
char *write_file(const char *dir, const char *name, const char *text);

/* Writes `text` to a new DIR/pyhost.ini and loads it; the path is kept for expect_error. */
int load_text(const char *text, ph_manifest *m, ph_error *err);
const char *loaded_path(void);

/* Asserts that `text` fails to load with message "<path>:<rest>" and a hint containing
 * `hint_part` (if not NULL). */
void expect_error(const char *text, const char *rest, const char *hint_part);

/* Loads a manifest that is [app] name = t, entry = t:main plus `extra`, asserting success. */
void load_ok(const char *extra, ph_manifest *m);

#endif
