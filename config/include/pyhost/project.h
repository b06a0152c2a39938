/* Where a project's manifest is: pyhost.ini, or pyproject.toml with [tool.pyhost] and [project].
 *
 * Like git with its repository, the commands look in the current directory and then in each
 * parent: the first directory with a pyhost.ini or a pyproject.toml that has a [project] or
 * [tool.pyhost] table holds the manifest (pyhost.ini when it has both). The search stops after
 * a directory holding .git, the top of the project. ph_manifest_load reads either kind
 * (docs/manifest.md, "pyproject.toml"). */
#ifndef PYHOST_PROJECT_H
#define PYHOST_PROJECT_H

#include <stdbool.h>

#include "pyhost/error.h"

/* Stores the manifest's path in *out (malloc'd; relative to the current directory, e.g.
 * "../pyhost.ini", or absolute above it) and returns 1; returns 0 with *out NULL when there is
 * none, -1 when out of memory. */
int ph_manifest_find(char **out);

/* Is `path` named pyproject.toml (read as TOML, not INI)? */
bool ph_manifest_is_pyproject(const char *path);

/* Converts pyproject.toml text into the equivalent pyhost.ini text (docs/manifest.md) with
 * lines[i] the pyproject.toml line that INI line i + 1 came from (0: none), so errors point
 * into the file the user wrote. `dir` is the project directory (for the src/ layout).
 * Everything is malloc'd. */
int ph_pyproject_to_ini(const char *text, size_t len, const char *path, const char *dir, char **ini,
                        int **lines, int *n_lines, ph_error *err);

#endif
