/* What a bundle needs from the system it runs on (issue 18): the glibc floor, from the symbol
 * versions its ELF files really reference (DT_VERNEED), and the system libraries that the
 * extension modules it packs need (DT_NEEDED that neither the C library nor the bundle provide).
 * `pyhost inspect` prints both; `pyhost installer deb` turns them into Depends. */
#ifndef PH_BUNDLE_NEEDS_H
#define PH_BUNDLE_NEEDS_H

#include <stdbool.h>
#include <stddef.h>

#include "pyhost/error.h"

/* The highest glibc symbol version an ELF file references, as 2.minor: GLIBC_2.35 gives 35,
 * GLIBC_2.3.4 gives 3, GLIBC_ABI_DT_RELR (a DT_RELR program) counts as 36, the first glibc
 * that resolves it. 0 when it references none (a static program). Only program headers are
 * read, as ld.so reads them: a stripped file works. Every offset is checked against `size`. */
int ph_elf_glibc_floor(const void *bytes, size_t size, const char *what, unsigned *minor,
                       ph_error *err);

typedef struct ph_system_lib {
    char *name;   /* "libsqlite3.so.0" */
    char *module; /* the first packed module that needs it: "_sqlite3" */
} ph_system_lib;

typedef struct ph_bundle_needs {
    unsigned glibc_minor; /* glibc 2.N; 0 if nothing references a versioned glibc symbol */
    char *floor_from;     /* the file that sets it ("notes", "_decimal") */
    ph_system_lib *libs;
    size_t lib_count;
    char **extracted;        /* with an extract directory: the in-memory ELF blobs written there */
    char **extracted_module; /* the entry each one is ("_sqlite3", "pkg.libs/libx.so.1") */
    size_t extracted_count;
} ph_bundle_needs;

/* Reads the bundle executable `exe` (with its .pyr embedded, or `exe`.pyr next to it) and the
 * extension modules and libraries its .pyr holds. A onefile loader is static: then the stub it
 * carries compressed is read from `stub` (pyhost-stub, the same bytes unstripped), when given.
 * With `extract_dir`, every ELF blob held in memory is also written there (for dpkg-shlibdeps). */
int ph_bundle_needs_read(const char *exe, const char *stub, const char *extract_dir,
                         ph_bundle_needs *out, ph_error *err);
void ph_bundle_needs_free(ph_bundle_needs *needs);

#endif
