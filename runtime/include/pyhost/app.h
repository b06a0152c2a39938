/* Running a packed application: the one call behind `pyhost run` and the bundled app stub. */
#ifndef PYHOST_APP_H
#define PYHOST_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "pyhost/error.h"

typedef struct ph_app_options {
    const char *resources; /* the .pyr, or an executable with resources embedded in it */
    uint64_t offset;       /* where the .pyr starts inside `resources` (0 for a .pyr file) */
    const char *root;      /* app directory for __file__ and sys.path; NULL: dir of resources */
    const char *executable; /* sys.executable; NULL: this process's own executable */
    int argc;               /* sys.argv, argv[0] included */
    char **argv;
    bool meipass; /* also set sys._MEIPASS = root (PyInstaller compatibility) */
} ph_app_options;

/* Opens the resources, starts an isolated interpreter with pyhost's finder installed before
 * the stdlib is imported, runs the manifest's entry point and finalizes. Sets *status to the
 * process exit status the way `python` computes it (SystemExit, uncaught exception = 1,
 * KeyboardInterrupt = re-raised SIGINT). Returns -1 with `err` set when the app could not be
 * started (missing or corrupt file, wrong Python, bad embedded manifest, no entry point). */
int ph_app_run(const ph_app_options *options, int *status, ph_error *err);

#endif
