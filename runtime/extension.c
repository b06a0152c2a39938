/* Extension modules. dlopen needs a file:
 * - filesystem-relative ones are real files next to the app: load them where they are;
 * - in-memory ones go into an anonymous memfd, reachable as /proc/self/fd/N, so nothing is
 *   written to disk. The descriptor stays open (close-on-exec): the dynamic loader knows a
 *   library by its path, and a closed descriptor's number, reused by the next memfd, would make
 *   dlopen hand back the first library again;
 * - where memfd is unavailable (old kernels, vm.memfd_noexec, no /proc) or PYHOST_NO_MEMFD is
 *   set, they are extracted once to the content-addressed cache (pyhost/extract.h).
 * The shared libraries an in-memory extension carries with it are loaded first (shlib.c); both
 * get their loadable path from loadable.c. */
#include "finder.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A path dlopen can load the in-memory extension from, once the libraries it needs are. */
static PyObject *loadable_path(PhFinder *f, uint32_t index, const char *name, int *fd)
{
    pyr_data data;
    ph_error err;
    if (pyr_read(f->archive, index, PYR_DATA, &data, &err) < 0) {
        PyErr_Format(PyExc_ImportError, "%s (hint: %s)", err.message, err.hint);
        return NULL;
    }
    /* $ORIGIN of "pkg.sub._x" is the package's directory, "pkg/sub" */
    char origin[1024], filename[256];
    const char *dot = strrchr(name, '.');
    snprintf(origin, sizeof origin, "%.*s", dot ? (int)(dot - name) : 0, name);
    for (char *p = origin; *p; p++)
        *p = *p == '.' ? '/' : *p;
    snprintf(filename, sizeof filename, "%s.so", name);
    PyObject *path = ph_shlib_load_needed(f, origin, &data, name) < 0
                         ? NULL
                         : ph_loadable_path(name, filename, &data, fd);
    pyr_data_release(&data);
    return path;
}

static PyObject *create_dynamic(PyObject *name, PyObject *origin)
{
    /* _imp.create_dynamic reads only .name and .origin. */
    PyObject *types = PyImport_ImportModule("types");
    PyObject *ns = types ? PyObject_CallMethod(types, "SimpleNamespace", NULL) : NULL;
    PyObject *module = NULL;
    if (ns && PyObject_SetAttrString(ns, "name", name) == 0 &&
        PyObject_SetAttrString(ns, "origin", origin) == 0) {
        PyObject *imp = PyImport_ImportModule("_imp");
        module = imp ? PyObject_CallMethod(imp, "create_dynamic", "O", ns) : NULL;
        Py_XDECREF(imp);
    }
    Py_XDECREF(ns);
    Py_XDECREF(types);
    return module;
}

/* python -v's line for an extension module: where dlopen found it. A descriptor's link says
 * whether it is a memfd ("/memfd:NAME (deleted)") or the extraction cache's copy. */
static void trace_extension(PhFinder *f, uint32_t index, PyObject *origin, bool in_archive)
{
    pyr_entry entry;
    const char *path = PyUnicode_AsUTF8(origin);
    if (f->verbose <= 0 || !path || pyr_entry_at(f->archive, index, &entry, NULL) < 0) {
        PyErr_Clear();
        return;
    }
    char link[PATH_MAX], how[PATH_MAX + 32];
    ssize_t n = in_archive ? readlink(path, link, sizeof link - 1) : -1;
    link[n > 0 ? n : 0] = '\0';
    if (!in_archive)
        snprintf(how, sizeof how, "file %s", path);
    else if (!strncmp(link, "/memfd:", 7))
        snprintf(how, sizeof how, "in memory, through a memfd");
    else
        snprintf(how, sizeof how, "extracted to %s", link);
    ph_finder_trace(f, "extension module from", &entry, how);
}

PyObject *ph_extension_create(PhFinder *f, PyObject *spec, uint32_t index)
{
    PyObject *name = PyObject_GetAttrString(spec, "name");
    const char *cname = name ? PyUnicode_AsUTF8(name) : NULL;
    if (!cname) {
        Py_XDECREF(name);
        return NULL;
    }
    int fd = -1;
    PyObject *origin = ph_finder_filesystem_path(f, index);
    if (!origin && !PyErr_Occurred())
        origin = loadable_path(f, index, cname, &fd);
    PyObject *module = origin ? create_dynamic(name, origin) : NULL;
    if (module)
        trace_extension(f, index, origin, fd >= 0);
    if (!module && fd >= 0)
        close(fd);
    Py_XDECREF(origin);
    Py_DECREF(name);
    /* The module's __file__ is its spec's origin: the virtual path (or the real file). */
    PyObject *file = module ? PyObject_GetAttrString(spec, "origin") : NULL;
    if (file && PyModule_Check(module) && PyObject_SetAttrString(module, "__file__", file) < 0)
        Py_CLEAR(module);
    Py_XDECREF(file);
    return module;
}
