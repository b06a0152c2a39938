/* `pyhost bundle` and the app stub, private to the launcher.
 *
 * bundle_self.c answers "where is this executable?" for both the stub (which finds its resources
 * from there) and `pyhost bundle` (which finds pyhost-stub next to itself). bundle_make.c turns
 * a manifest into dist/<name>/; it never prints: cmd_bundle.c reports. */
#ifndef PH_BUNDLE_H
#define PH_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyhost/error.h"
#include "pyhost/manifest.h"

#ifndef PH_EXE_SUFFIX
#define PH_EXE_SUFFIX "" /* "3.12" with meson -Dsuffix_version=true */
#endif
#define PH_STUB_NAME "pyhost-stub" PH_EXE_SUFFIX

/* ---- This executable (bundle_self.c) ---------------------------------------------------- */

/* The absolute, symlink-free path of the running executable, from the operating system (never
 * from argv[0] or the working directory). Returns a malloc'd string, or NULL with `err` set. */
char *ph_self_path(ph_error *err);

/* ---- Making a bundle (bundle_make.c) ---------------------------------------------------- */

typedef enum ph_bundle_mode {
    PH_BUNDLE_DEFAULT,  /* what the manifest says ([bundle] resources), else embedded */
    PH_BUNDLE_EMBEDDED, /* one executable: the stub with the .pyr appended and a trailer */
    PH_BUNDLE_ADJACENT, /* the stub plus <name>.pyr next to it */
} ph_bundle_mode;

typedef struct ph_bundle_options {
    const char *manifest_path; /* NULL: ./pyhost.ini */
    const char *output_dir;    /* NULL: the manifest's [bundle] output, else ./dist */
    ph_bundle_mode mode;
    const char *stub_path; /* NULL: pyhost-stub next to this executable */
    bool strip;            /* strip the stub's copy when a `strip` program is on PATH */
    /* Ignore [bundle] compress_runtime: installers, whose package is compressed already and
     * whose installed app should not write into each user's cache. */
    bool plain_runtime;
    bool explain; /* the builder's --explain lines in the result */
    /* Passed to the builder as ph_build_options.progress / progress_ctx. */
    void (*progress)(void *ctx, size_t done, size_t total, const char *what);
    void *progress_ctx;
} ph_bundle_options;

typedef struct ph_bundle_result {
    char *dir;        /* dist/<name> (malloc'd) */
    char *executable; /* dist/<name>/<name> (malloc'd) */
    bool embedded;
    bool stripped;  /* `strip` ran on the stub's copy */
    uint64_t size;  /* bytes of every file in the bundle */
    unsigned files; /* regular files in the bundle, lib/ included */
    uint64_t pyr_size;
    char compression[32];
    ph_strlist explain; /* with options.explain: why each module is packed (as build --explain) */
} ph_bundle_result;

int ph_bundle(const ph_bundle_options *options, ph_bundle_result *result, ph_error *err);
void ph_bundle_result_free(ph_bundle_result *result);

/* ---- A compressed runtime (bundle_runtime.c) -------------------------------------------- */

/* Appends RUNTIME_PATH (the stripped stub) to OUT as one zstd frame, then zero padding and the
 * onefile record, so that the file ends on a multiple of ALIGN: where the .pyr goes. The frame
 * is taken from STUB_PATH.zst (made with pyhost, ph_bundle_runtime_seed) or from the build cache
 * when either holds exactly these bytes, else compressed (seconds) and cached. */
int ph_bundle_write_runtime(int out, const char *out_path, const char *runtime_path,
                            const char *stub_path, uint64_t align, ph_error *err);
/* The runtime of a stripped STUB_PATH without stripping it: the seed and the record an earlier
 * bundle of this pyhost checked (see bundle_runtime.c). 1 written, 0 not known (nothing
 * written: strip and call ph_bundle_write_runtime), -1 error. */
int ph_bundle_write_seeded(int out, const char *out_path, const char *stub_path, uint64_t align,
                           ph_error *err);
/* Writes OUT: the frame a onefile of STUB (stripped, as `pyhost bundle` strips it) carries, so
 * that no bundle has to compress the same stub again. Run when pyhost is built. */
int ph_bundle_runtime_seed(const char *stub, const char *out, ph_error *err);
/* `strip --strip-all PATH`; false when there is no strip or it failed (the file is then as it
 * was). */
bool ph_bundle_strip(const char *path);

#endif
