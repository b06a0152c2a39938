/* What the dynamic loader reads from an ELF shared object before loading it: the libraries it
 * needs (DT_NEEDED), where it looks for them (DT_RUNPATH, or the older DT_RPATH) and the name
 * it answers to (DT_SONAME).
 *
 * The build uses it to find the shared libraries that extension modules carry with them (a
 * wheel's `pkg.libs/`, reached through `$ORIGIN` run paths) and pack them; the runtime uses it
 * to load those from the .pyr before the extension that needs them. The bytes come from files
 * of unknown origin, so every offset is checked against `size`: a damaged or hostile file is an
 * error, never a read outside it. 64- and 32-bit, little- and big-endian. */
#ifndef PYHOST_ELF_H
#define PYHOST_ELF_H

#include <stddef.h>

#include "pyhost/error.h"

#define PH_ELF_MAX_NEEDED 256

typedef struct ph_elf_dynamic {
    /* Pointers into the bytes given, NUL-terminated; valid while those bytes are. */
    const char *needed[PH_ELF_MAX_NEEDED];
    size_t needed_count;
    const char *soname;  /* NULL: none */
    const char *runpath; /* DT_RUNPATH, else DT_RPATH (the loader ignores RPATH when both
                          * are present); NULL: none. Colon-separated. */
    int inherits;        /* no DT_RUNPATH: the loader also searches, for this object's needs,
                          * the DT_RPATHs of the objects that loaded it (ph_elf_loaders) */
} ph_elf_dynamic;

/* The objects that loaded one, nearest first, as the dynamic loader walks them for the needs
 * of an object without DT_RUNPATH: each one's DT_RPATH, then its loader's. Old auditwheel
 * wheels rely on it: pyzmq's cp39 extension has DT_RPATH $ORIGIN/../../../pyzmq.libs and its
 * libzmq a useless DT_RPATH "pyzmq.libs", so libzmq's libsodium is found through the
 * extension's run path. */
typedef struct ph_elf_loaders {
    const char *origin; /* its directory relative to the top ("pkg.libs") */
    const char *rpath;  /* its DT_RPATH when it has no DT_RUNPATH; NULL: nothing to search */
    const struct ph_elf_loaders *up; /* what loaded it; NULL for an extension module */
} ph_elf_loaders;

/* ph_elf_search's test of a candidate ("pkg.libs/libx.so.1"): 1 when it is there. */
typedef int (*ph_elf_exists)(void *ctx, const char *rel);

/* Where the loader finds `needed` of the object `dyn` (in directory `origin`, loaded by
 * `loaders`) among the files `exists` says are there: its own run path, then (`inherits`)
 * each loader's DT_RPATH, `$ORIGIN`-relative entries only, first match. Writes it into `rel`
 * and returns 1; 0 when none is there (the system's libraries: left to the system). */
int ph_elf_search(const ph_elf_dynamic *dyn, const char *origin, const ph_elf_loaders *loaders,
                  const char *needed, ph_elf_exists exists, void *ctx, char *rel, size_t rel_size);

/* This object as the nearest loader of the libraries it needs. */
ph_elf_loaders ph_elf_as_loader(const ph_elf_dynamic *dyn, const char *origin,
                                const ph_elf_loaders *up);

/* Reads the dynamic section of an ELF file held in memory. A file without one (a static
 * executable) yields no entries. Errors say what is wrong, prefixed with `what` (the file's
 * name). */
int ph_elf_read_dynamic(const void *bytes, size_t size, const char *what, ph_elf_dynamic *out,
                        ph_error *err);

/* Does the file export `name` from its dynamic symbol table (defined, global or weak)? 1 yes,
 * 0 no (also for a file without a dynamic section), -1 with `err` set for a damaged file. The
 * build tells extension modules (PyInit_<stem>) from shared objects loaded with ctypes. */
int ph_elf_exports(const void *bytes, size_t size, const char *name, const char *what,
                   ph_error *err);

/* Where the loader would look for `needed` through run path entry `entry` (its first `len`
 * bytes) when only `$ORIGIN` counts: the object's directory `origin` ("pkg", "" for the top),
 * the entry after `$ORIGIN` or `${ORIGIN}`, and `needed`, with "." and ".." resolved. Writes
 * "pkg.libs/libx.so.1" into `out` and returns 1; returns 0 for an entry that is not
 * `$ORIGIN`-relative, a path that climbs above the top, or one that does not fit. */
int ph_elf_origin_path(const char *origin, const char *entry, size_t len, const char *needed,
                       char *out, size_t out_size);

/* Is this the start of an ELF file? */
int ph_elf_is_elf(const void *bytes, size_t size);

/* Is it an executable linked at a fixed address (ET_EXEC, not PIE)? 0 for anything else. */
int ph_elf_is_position_dependent(const void *bytes, size_t size);

#endif
