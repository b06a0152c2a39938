/* Private to runtime/: where modules' __file__ and packages' __path__ point (place.c). */
#ifndef PH_PLACE_H
#define PH_PLACE_H

#include <stdbool.h>

#include "pyhost/pyr.h"

/* The root of the app's module paths, malloc'd (NULL: out of memory):
 * - a directory bundle (.pyhost/root, not under `run`): APP_DIR/lib, where pyhost bundle wrote
 *   the placed files;
 * - the app places files (.pyhost/placed): CACHE/apps/HASH/, extracted there once;
 * - else `run` (pyhost run): the same path for an app that places nothing, not created, so no
 *   path ever leads into the project's sources next to the .pyr;
 * - else (a bundle) `app_dir`.
 * When the extraction fails, one warning line on stderr and `app_dir`: the files stay in
 * memory, as with [resources] placement = memory. */
char *ph_place_root(pyr_archive *archive, const char *app_dir, bool run);

#endif
