/* Shared libraries packed beside extension modules (launcher/build/build_shlib.c packs them, named
 * by their path under the root: "pkg.libs/libx-1a2b.so.1").
 *
 * Loaded from memory, an extension's $ORIGIN run path points nowhere, so the dynamic loader
 * could not find the libraries it needs. They are loaded first, the same way as the extension
 * (a memfd, or the extraction cache): when the loader then reads the extension's DT_NEEDED
 * "libx-1a2b.so.1" it finds an object already loaded under that DT_SONAME and uses it. They
 * are never unloaded, as CPython never unloads extension modules. */
#include "finder.h"

#include <dlfcn.h>
#include <unistd.h>

#include "pyhost/elf.h"

enum { MAX_DEPTH = 16 }; /* library -> library chains; deeper is a cycle */

static int load_library(PhFinder *f, uint32_t index, const char *name, const char *needed_by,
                        const ph_elf_loaders *loaders, int depth);

/* ph_elf_search's candidates: a library packed under that name. */
static int packed_library(void *ctx, const char *name)
{
    PhFinder *f = ctx;
    uint32_t index = ph_finder_lookup(f, name, (Py_ssize_t)strlen(name));
    pyr_entry entry;
    return index != PYR_NOT_FOUND && pyr_entry_at(f->archive, index, &entry, NULL) == 0 &&
           entry.kind == PYR_SHARED_LIBRARY;
}

static int load_from(PhFinder *f, PyObject *path, const char *name, const char *needed_by)
{
    const char *cpath = PyUnicode_AsUTF8(path);
    if (!cpath)
        return -1;
    if (!dlopen(cpath, RTLD_NOW | RTLD_LOCAL)) {
        const char *why = dlerror();
        PyErr_Format(PyExc_ImportError, "cannot load shared library %s (needed by %s) from %s: %s",
                     name, needed_by, pyr_path(f->archive), why ? why : "unknown error");
        return -1;
    }
    return 0;
}

/* Loads what `elf` needs, then nothing else: the caller loads the object itself. `loaders`:
 * the objects that needed it (NULL for an extension module), whose DT_RPATHs count too. */
static int load_needed(PhFinder *f, const char *origin, const pyr_data *elf, const char *what,
                       const ph_elf_loaders *loaders, int depth)
{
    ph_elf_dynamic dyn;
    ph_error err;
    if (ph_elf_read_dynamic(elf->bytes, elf->size, what, &dyn, &err) < 0) {
        PyErr_Format(PyExc_ImportError, "%s in %s", err.message, pyr_path(f->archive));
        return -1;
    }
    ph_elf_loaders self = ph_elf_as_loader(&dyn, origin, loaders);
    for (size_t n = 0; n < dyn.needed_count; n++) {
        char name[1024];
        if (ph_elf_search(&dyn, origin, loaders, dyn.needed[n], packed_library, f, name,
                          sizeof name) &&
            load_library(f, ph_finder_lookup(f, name, (Py_ssize_t)strlen(name)), name, what, &self,
                         depth + 1) < 0)
            return -1;
    }
    return 0;
}

static int load_packed(PhFinder *f, uint32_t index, const char *name, const char *needed_by,
                       const ph_elf_loaders *loaders, int depth)
{
    pyr_data data;
    ph_error err;
    if (pyr_read(f->archive, index, PYR_DATA, &data, &err) < 0) {
        PyErr_Format(PyExc_ImportError, "%s (hint: %s)", err.message, err.hint);
        return -1;
    }
    const char *base = strrchr(name, '/');
    char origin[1024];
    snprintf(origin, sizeof origin, "%.*s", base ? (int)(base - name) : 0, name);
    int fd = -1, rc = -1;
    PyObject *path = NULL;
    if (load_needed(f, origin, &data, name, loaders, depth) == 0)
        path = ph_loadable_path(base ? base + 1 : name, base ? base + 1 : name, &data, &fd);
    if (path)
        rc = load_from(f, path, name, needed_by);
    if (rc < 0 && fd >= 0)
        close(fd); /* loaded, the descriptor stays open: see extension.c */
    Py_XDECREF(path);
    pyr_data_release(&data);
    return rc;
}

static int load_library(PhFinder *f, uint32_t index, const char *name, const char *needed_by,
                        const ph_elf_loaders *loaders, int depth)
{
    if (depth > MAX_DEPTH) {
        PyErr_Format(PyExc_ImportError,
                     "shared library %s: libraries needing each other in a "
                     "cycle, or a chain deeper than %d",
                     name, MAX_DEPTH);
        return -1;
    }
    if (!f->libraries) {
        pyr_info info;
        pyr_get_info(f->archive, &info);
        if (!(f->libraries = calloc(info.entry_count, 1))) {
            PyErr_NoMemory();
            return -1;
        }
    }
    if (f->libraries[index])
        return 0;
    /* Routed filesystem-relative, the library sits where its run paths expect its own needs. */
    PyObject *real = ph_finder_filesystem_path(f, index);
    int rc = real               ? load_from(f, real, name, needed_by)
             : PyErr_Occurred() ? -1
                                : load_packed(f, index, name, needed_by, loaders, depth);
    Py_XDECREF(real);
    if (rc == 0)
        f->libraries[index] = 1;
    return rc;
}

int ph_shlib_load_needed(PhFinder *f, const char *origin, const pyr_data *elf, const char *what)
{
    return load_needed(f, origin, elf, what, NULL, 0);
}
