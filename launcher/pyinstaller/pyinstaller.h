/* `pyhost pyinstaller`: PyInstaller's command line and spec files on top of `pyhost bundle`.
 *
 * The PyInstaller side (argparse, spec files, Analysis, hooks) is Python, in the compatibility
 * package pyinstaller_compat/PyInstaller, compiled into pyhost and run by the embedded
 * interpreter in a child process (pyinstaller_driver.c): it writes NAME.spec,
 * build/NAME/warn-NAME.txt, stages the app and hands back a plan. The C side (pyinstaller_layout.c)
 * bundles the staged app with ph_bundle and puts the result where PyInstaller would: dist/NAME/NAME
 * + dist/NAME/_internal/, or dist/NAME. */
#ifndef PH_PYINSTALLER_H
#define PH_PYINSTALLER_H

#include <stdbool.h>

#include "pyhost/error.h"

/* What the Python side decided, read from its plan lines ("key<TAB>value"). */
typedef struct ph_pyi_plan {
    char *name;     /* the executable's name (EXE name=) */
    char *dir;      /* onedir: the directory's name (COLLECT name=) */
    bool onefile;   /* EXE without COLLECT */
    char *manifest; /* the generated pyhost.ini */
    char *bundle;   /* where ph_bundle makes NAME/ (inside the work path) */
    char *distpath; /* absolute */
    char *contents; /* onedir: "_internal", another name, or "." */
    char *stage;    /* onedir: DISTPATH/.NAME.pyi-XXXX holding the contents directory */
    bool noconfirm;
} ph_pyi_plan;

/* Runs the Python side with `argv` (argv[0] is ignored) in a child process. Returns the child's
 * exit status; when it is 0 and the child produced a plan, *plan is filled and *have_plan set. */
int ph_pyi_run_driver(int argc, char **argv, ph_pyi_plan *plan, bool *have_plan, ph_error *err);

/* The bundler's progress callback (ph_bundle_options.progress), or NULL. */
typedef void (*ph_pyi_progress_fn)(void *ctx, size_t done, size_t total, const char *what);

/* Bundles the staged app and moves it into place. Sets *result to the final path (malloc'd). */
int ph_pyi_make(const ph_pyi_plan *plan, ph_pyi_progress_fn progress, char **result, ph_error *err);

void ph_pyi_plan_free(ph_pyi_plan *plan);

#endif
