/* Private to runtime/: interpreter start-up with the finder in place before the stdlib loads. */
#ifndef PH_INTERP_H
#define PH_INTERP_H

#include <stdbool.h>

#include "pyhost/error.h"
#include "pyhost/pyr.h"
#include "pyhost/manifest.h"

typedef struct ph_interp_config {
    pyr_archive *archive;
    const char *root;       /* absolute root of module paths (sys.path, __file__, sys.prefix) */
    const char *app_dir;    /* absolute app directory: filesystem-relative files, _MEIPASS */
    const char *executable; /* absolute path for sys.executable */
    int argc;
    char **argv;
    int optimize;
    bool site;
    bool filesystem_importer;
    bool meipass;
    /* run-time options, as python's command line sets them ([python] xoptions and the rest) */
    const ph_strlist *xoptions;
    const ph_strlist *warnoptions;
    bool utf8_mode;
    bool dev_mode;
    bool unbuffered;
    int hash_seed;    /* -1: random */
    int verbose;      /* python -v: imports traced on stderr, the finder's included */
    bool import_time; /* python -X importtime: the import-time report on stderr */
    bool huge_pages;  /* pymalloc's arenas on transparent huge pages (arena.c) */
} ph_interp_config;

/* Initializes CPython isolated, with pyhost's finder on sys.meta_path before `encodings` and
 * the rest of the stdlib are imported. On failure nothing is left initialized. */
int ph_interp_start(const ph_interp_config *config, ph_error *err);

/* Ends the program's Python: Py_FinalizeEx, or with FAST only what programs rely on (finish.c).
 * Returns what Py_FinalizeEx returns: -1 when flushing stdout failed. */
int ph_interp_finish(bool fast);

/* zipimport deferred to the first zip file on sys.path (zip_hook.c): _defer before the main
 * phase of initialization, _install after it. Return -1 with a Python error set. */
int ph_zip_hook_defer(void);
int ph_zip_hook_install(void);

/* Before Python starts: pymalloc's arenas from a region of transparent huge pages (arena.c),
 * and the executable's writable data copied in one call, not one fault per page (prefault.c). */
void ph_arena_install(void);
void ph_prefault_data(void);

#endif
