/* pyhost inspect --sizes (inspect_sizes.c), and the JSON string writer it shares with
 * cmd_inspect.c. */
#ifndef PH_INSPECT_SIZES_H
#define PH_INSPECT_SIZES_H

#include <stdbool.h>
#include <stdio.h>

#include "pyhost/error.h"
#include "pyhost/pyr.h"

/* Writes s as a JSON string; invalid UTF-8 becomes U+FFFD (names are bytes in the format). */
void ph_inspect_json_string(FILE *out, const char *s, size_t n);

/* The size tables: text, or with `json` one object {"packages":[...], "kinds":[...],
 * "slots":[...], "blobs_stored_size", "overhead", "filesystem_blobs"} (docs/format.md). */
int ph_inspect_sizes(FILE *out, pyr_archive *a, bool json, ph_error *err);

#endif
