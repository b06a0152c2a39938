/* Serving the modules of a .pyr in an interpreter the caller started itself. `pyhost
 * pyinstaller` runs its PyInstaller compatibility package this way: the package is a .pyr
 * compiled into pyhost, so an installed pyhost needs no source tree and no file beside it. */
#ifndef PYHOST_SERVE_H
#define PYHOST_SERVE_H

#include "pyhost/error.h"
#include "pyhost/pyr.h"

/* Puts a pyhost finder over `archive` on sys.meta_path of the running interpreter, before the
 * filesystem's PathFinder (so the archive's modules win over same-named ones on sys.path), and
 * its path hook first in sys.path_hooks (pkgutil and importlib.resources see the packages).
 * Module files are virtual paths under `root`. The archive must outlive the interpreter.
 * Needs the GIL; -1 with `err` set on failure. */
int ph_serve_archive(pyr_archive *archive, const char *root, ph_error *err);

#endif
