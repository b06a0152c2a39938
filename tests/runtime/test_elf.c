/* The ELF dynamic-section reader decides which libraries get packed and loaded from memory:
 * it must read real objects as the dynamic loader does and never read outside damaged ones. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/elf.h"
#include "pyhost/fsutil.h"

static char *read_all(const char *path, size_t *size)
{
    char *data;
    ph_error err;
    cr_assert_eq(ph_read_file(path, &data, size, &err), 0, "%s", err.message);
    return data;
}

static bool has_needed(const ph_elf_dynamic *d, const char *name)
{
    for (size_t i = 0; i < d->needed_count; i++)
        if (!strcmp(d->needed[i], name))
            return true;
    return false;
}

Test(elf, reads_what_this_test_program_needs)
{
    size_t size;
    char *exe = read_all("/proc/self/exe", &size);
    ph_elf_dynamic d;
    ph_error err;
    cr_assert_eq(ph_elf_read_dynamic(exe, size, "test_runtime", &d, &err), 0, "%s", err.message);
    cr_assert(has_needed(&d, "libc.so.6"));
    cr_assert(has_needed(&d, "libcriterion.so.3"));
    free(exe);
}

/* A function of libc's that sanitizers do not intercept: dladdr names libc itself. */
static const char *libc_path(void)
{
    Dl_info info;
    cr_assert(dladdr((void *)gnu_get_libc_version, &info) && info.dli_fname);
    return info.dli_fname;
}

Test(elf, reads_the_soname_of_libc)
{
    const char *path = libc_path();
    size_t size;
    char *lib = read_all(path, &size);
    ph_elf_dynamic d;
    ph_error err;
    cr_assert_eq(ph_elf_read_dynamic(lib, size, path, &d, &err), 0, "%s", err.message);
    cr_assert_str_eq(d.soname, "libc.so.6");
    free(lib);
}

/* The deb recipe overrides lintian's hardening-no-pie only for an executable linked at a
 * fixed address (ET_EXEC), as the default libpython makes it; a library or PIE is ET_DYN. */
Test(elf, tells_position_dependent_executables)
{
    size_t size;
    unsigned char *lib = (unsigned char *)read_all(libc_path(), &size);
    cr_assert_eq(ph_elf_is_position_dependent(lib, size), 0, "libc is ET_DYN");
    unsigned char head[64];
    memcpy(head, lib, sizeof head);
    free(lib);
    head[16] = 2; /* e_type = ET_EXEC, little-endian */
    head[17] = 0;
    cr_assert_eq(ph_elf_is_position_dependent(head, sizeof head), 1);
    cr_assert_eq(ph_elf_is_position_dependent(head, 17), 0, "e_type cut off");
    head[5] = 2; /* big-endian: the same bytes read 0x0200 */
    cr_assert_eq(ph_elf_is_position_dependent(head, sizeof head), 0);
    head[17] = 2;
    head[16] = 0;
    cr_assert_eq(ph_elf_is_position_dependent(head, sizeof head), 1);
    cr_assert_eq(ph_elf_is_position_dependent("#!/bin/sh\n", 10), 0);
}

Test(elf, rejects_what_is_not_elf)
{
    ph_elf_dynamic d;
    ph_error err;
    cr_assert_eq(ph_elf_read_dynamic("#!/bin/sh\n", 10, "script", &d, &err), -1);
    cr_assert(strstr(err.message, "script: not an ELF file"), "%s", err.message);
}

/* Every prefix of a real library in a buffer of exactly that size: either read or refused,
 * and whatever is returned lies inside the buffer (ASan checks the reads in CI). */
Test(elf, truncated_copies_are_read_or_refused, .timeout = 60)
{
    size_t size;
    char *lib = read_all(libc_path(), &size);
    size_t limit = size < 65536 ? size : 65536; /* headers and the dynamic section live early */
    for (size_t n = 0; n <= limit; n += (n < 4096 ? 1 : 61)) {
        char *copy = malloc(n ? n : 1);
        memcpy(copy, lib, n);
        ph_elf_dynamic d;
        ph_error err;
        if (ph_elf_read_dynamic(copy, n, "libc", &d, &err) == 0)
            for (size_t i = 0; i < d.needed_count; i++)
                cr_assert(d.needed[i] >= copy && d.needed[i] < copy + n);
        free(copy);
    }
    free(lib);
}

static const char *origin_path(const char *origin, const char *entry, const char *needed)
{
    static char out[256];
    return ph_elf_origin_path(origin, entry, strlen(entry), needed, out, sizeof out) ? out : NULL;
}

Test(elf, origin_paths_resolve_like_the_loader)
{
    cr_assert_str_eq(origin_path("pkg", "$ORIGIN/../pkg.libs", "libx.so.1"), "pkg.libs/libx.so.1");
    cr_assert_str_eq(origin_path("numpy/core", "$ORIGIN/../../numpy.libs", "libopenblas.so"),
                     "numpy.libs/libopenblas.so");
    cr_assert_str_eq(origin_path("pkg", "${ORIGIN}/./lib/", "a.so"), "pkg/lib/a.so");
    cr_assert_str_eq(origin_path("", "$ORIGIN", "a.so"), "a.so");
}

Test(elf, origin_paths_that_are_not_packed_ones)
{
    cr_assert_null(origin_path("pkg", "/usr/lib/x86_64-linux-gnu", "a.so"), "absolute");
    cr_assert_null(origin_path("", "$ORIGIN/..", "a.so"), "above the top");
    cr_assert_null(origin_path("pkg", "$ORIGINAL/x", "a.so"), "another variable");
    cr_assert_null(origin_path("pkg", "$ORIGIN", "sub/a.so"), "a path, not a name");
    char small[8];
    cr_assert_eq(ph_elf_origin_path("pkg", "$ORIGIN", 7, "libtoolong.so", small, sizeof small), 0);
}

static int exports(const char *path, const char *name)
{
    size_t size;
    char *bytes = read_all(path, &size);
    ph_error err;
    int rc = ph_elf_exports(bytes, size, name, path, &err);
    cr_assert_neq(rc, -1, "%s", err.message);
    free(bytes);
    return rc;
}

/* The files ph_elf_search may find: a NULL-terminated list. */
static int listed(void *ctx, const char *rel)
{
    for (const char *const *f = ctx; *f; f++)
        if (!strcmp(*f, rel))
            return 1;
    return 0;
}

Test(elf, search_follows_the_loaders_rpaths_as_the_loader_does)
{
    const char *files[] = {"z.libs/libzmq.so.5", "z.libs/libsodium.so.26", NULL};
    char rel[256];
    /* the extension z/backend/_zmq: DT_RPATH $ORIGIN/../../z.libs; libzmq: DT_RPATH "z.libs" */
    ph_elf_dynamic ext = {.runpath = "$ORIGIN/../../z.libs", .inherits = 1};
    ph_elf_dynamic lib = {.runpath = "z.libs", .inherits = 1};
    cr_assert_eq(
        ph_elf_search(&ext, "z/backend", NULL, "libzmq.so.5", listed, files, rel, sizeof rel), 1);
    cr_assert_str_eq(rel, "z.libs/libzmq.so.5");
    ph_elf_loaders by_ext = ph_elf_as_loader(&ext, "z/backend", NULL);
    cr_assert_eq(
        ph_elf_search(&lib, "z.libs", &by_ext, "libsodium.so.26", listed, files, rel, sizeof rel),
        1, "libsodium through the extension's DT_RPATH");
    cr_assert_str_eq(rel, "z.libs/libsodium.so.26");
    cr_assert_eq(
        ph_elf_search(&lib, "z.libs", NULL, "libsodium.so.26", listed, files, rel, sizeof rel), 0,
        "its own run path finds nothing");
    cr_assert_eq(
        ph_elf_search(&lib, "z.libs", &by_ext, "libc.so.6", listed, files, rel, sizeof rel), 0,
        "the system's libraries are left to the system");
    /* DT_RUNPATH: the object's own run path only, never its loaders' */
    ph_elf_dynamic new_lib = {.runpath = "z.libs", .inherits = 0};
    cr_assert_eq(ph_elf_search(&new_lib, "z.libs", &by_ext, "libsodium.so.26", listed, files, rel,
                               sizeof rel),
                 0);
    /* a loader with DT_RUNPATH passes nothing on, but the walk goes on above it */
    ph_elf_dynamic runpath_ext = {.runpath = "$ORIGIN/../../z.libs", .inherits = 0};
    ph_elf_loaders top = ph_elf_as_loader(&ext, "z/backend", NULL);
    ph_elf_loaders middle = ph_elf_as_loader(&runpath_ext, "z/backend", &top);
    cr_assert_null(middle.rpath);
    cr_assert_eq(
        ph_elf_search(&lib, "z.libs", &middle, "libsodium.so.26", listed, files, rel, sizeof rel),
        1);
}

/* The build tells an extension module (PyInit_<stem> exported) from a shared object that code
 * loads with ctypes by this lookup. _bz2 has DT_HASH (and DT_GNU_HASH), libc DT_GNU_HASH only:
 * both ways of counting the symbols are used. */
Test(elf, finds_exported_symbols)
{
    const char *ext = "/usr/lib/python3.11/lib-dynload/_bz2.cpython-311-x86_64-linux-gnu.so";
    cr_assert_eq(exports(ext, "PyInit__bz2"), 1);
    cr_assert_eq(exports(ext, "PyInit__bz3"), 0);
    cr_assert_eq(exports(ext, "BZ2_bzCompress"), 0, "imported (undefined), not exported");
    cr_assert_eq(exports(libc_path(), "malloc"), 1);
    cr_assert_eq(exports(libc_path(), "PyInit_libc"), 0);
    cr_assert_eq(exports("/proc/self/exe", "PyInit_x"), 0);
}

Test(elf, exports_refuse_what_is_not_elf)
{
    ph_error err;
    cr_assert_eq(ph_elf_exports("#!/bin/sh\n", 10, "PyInit_x", "script", &err), -1);
}

Test(elf, truncated_copies_are_searched_or_refused, .timeout = 60)
{
    const char *ext = "/usr/lib/python3.11/lib-dynload/_bz2.cpython-311-x86_64-linux-gnu.so";
    size_t size;
    char *lib = read_all(ext, &size);
    for (size_t n = 0; n <= size; n += (n < 4096 ? 1 : 13)) {
        char *copy = malloc(n ? n : 1);
        memcpy(copy, lib, n);
        ph_error err;
        int rc = ph_elf_exports(copy, n, "PyInit__bz2", "_bz2", &err);
        cr_assert(rc == -1 || rc == 0 || n == size || rc == 1);
        free(copy);
    }
    free(lib);
}
