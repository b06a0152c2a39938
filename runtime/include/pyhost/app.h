/* Running a packed application: the one call behind `pyhost run` and the bundled app stub. */
#ifndef PYHOST_APP_H
#define PYHOST_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "pyhost/error.h"

typedef struct ph_app_options {
    const char *resources;  /* the .pyr, or an executable with resources embedded in it */
    uint64_t offset;        /* where the .pyr starts inside `resources` (0 for a .pyr file) */
    const char *root;       /* app directory for __file__ and sys.path; NULL: dir of resources */
    const char *executable; /* sys.executable; NULL: this process's own executable */
    int argc;               /* sys.argv, argv[0] included */
    char **argv;
    bool meipass;     /* also set sys._MEIPASS = root (PyInstaller compatibility) */
    const char *code; /* run this source as __main__ instead of the entry point (python -c) */
} ph_app_options;

/* Opens the resources, starts an isolated interpreter with pyhost's finder installed before
 * the stdlib is imported, runs the manifest's entry point and finalizes. Sets *status to the
 * process exit status the way `python` computes it (SystemExit, uncaught exception = 1,
 * KeyboardInterrupt = re-raised SIGINT). Returns -1 with `err` set when the app could not be
 * started (missing or corrupt file, wrong Python, bad embedded manifest, no entry point). */
int ph_app_run(const ph_app_options *options, int *status, ph_error *err);

/* Where a spawned child finds the app that started it (set by ph_app_run). */
#define PH_ENV_RESOURCES "PYHOST_RESOURCES"
#define PH_ENV_RESOURCES_OFFSET "PYHOST_RESOURCES_OFFSET"
#define PH_SPAWN_CHILD_ARG "--multiprocessing-fork"
/* Fills resources/offset from the environment a parent app left; -1 when there is none. */
/* multiprocessing's forkserver and resource tracker start `sys.executable [FLAGS] -c CODE`:
 * returns the index of CODE in argv when argv has that shape, else 0. */
int ph_app_python_c_index(int argc, char **argv);
int ph_app_resources_from_env(ph_app_options *options);

#endif
