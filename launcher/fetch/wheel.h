/* Wheels (PEP 427) as a source of distributions for `pyhost build`: the file name's tags are
 * checked against the embedded Python, and the archive is unpacked into a directory laid out
 * as an installer would lay out site-packages, which the builder then walks like any other
 * site directory (build_pack.c), so there is one set of module collection rules. */
#ifndef PH_WHEEL_H
#define PH_WHEEL_H

#include <stdbool.h>

#include "pyhost/error.h"

typedef struct ph_wheel_name {
    char dist[128], version[96], build[32];
    char py[96], abi[96], plat[256]; /* compressed tag sets: "py2.py3" */
} ph_wheel_name;

/* Splits "NAME-VER[-BUILD]-PY-ABI-PLAT.whl". */
int ph_wheel_parse_name(const char *filename, ph_wheel_name *out, ph_error *err);

/* Does one of the wheel's tag triples run on the embedded CPython on Linux x86_64? The error
 * names the wheel, its tags and the accepted ones. */
int ph_wheel_check_tags(const char *filename, const ph_wheel_name *w, ph_error *err);

/* Unpacks the wheel at `path` (named `filename`, whose tags are checked first) into `dir`, an
 * existing empty directory: purelib and platlib files at the top, `.data/purelib|platlib`
 * merged into it, `.data/scripts|headers|data` left out (nothing outside site-packages is
 * packed), the .dist-info directory as is with RECORD rewritten to the installed paths.
 * Every member name is checked before anything is written. Stores the .dist-info directory's
 * name (malloc'd) in *dist_info. */
int ph_wheel_unpack(const char *path, const char *filename, const char *dir, char **dist_info,
                    ph_error *err);

/* RECORD's SIZE bytes of TEXT rewritten to installed paths, for a wheel whose data directory is
 * DATA ("NAME-VER.data/"): rows under DATA/purelib/ or DATA/platlib/ lose that prefix, rows of
 * the other schemes (not installed) are dropped, the rest is kept as is. *result is malloc'd
 * (at most SIZE bytes). -1 when out of memory. Any bytes (tests/fuzz/fuzz_metadata.c). */
int ph_wheel_rewrite_record(const char *text, size_t size, const char *data, char **result,
                            size_t *result_size);

/* PEP 503 in place: lower case, each run of '-', '_' and '.' becomes one '-'. Wheel names, the
 * builder's requirements and markers compare distribution names this way. */
void ph_dist_normalize(char *name);

#endif
