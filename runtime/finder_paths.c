/* Path-entry finders for the virtual directories of a .pyr. sys.path holds the app root and
 * packages' __path__ hold virtual directories under it; this hook (first in sys.path_hooks)
 * claims them, so pkgutil.iter_modules and PathFinder-style lookups see the packed modules and
 * never the real directory behind the same path. */
#include "finder.h"

#include <string.h>

typedef struct PhPathFinder {
    PyObject_HEAD PhFinder *finder;
    PyObject *path;
    char *package_prefix; /* "" for the root, "pkg.sub." for a package directory */
} PhPathFinder;

PyObject *ph_path_finder_new(PhFinder *f, PyObject *path)
{
    PyObject *rel = ph_finder_relative(f, path);
    if (!rel) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ImportError, "not a pyhost path");
        return NULL;
    }
    PyObject *dotted = PyObject_CallMethod(rel, "replace", "ss", "/", ".");
    Py_DECREF(rel);
    Py_ssize_t len;
    const char *name = dotted ? PyUnicode_AsUTF8AndSize(dotted, &len) : NULL;
    if (!name) {
        Py_XDECREF(dotted);
        return NULL;
    }
    pyr_entry entry;
    uint32_t index = len ? ph_finder_lookup(f, name, len) : 0;
    if (len && (index == PYR_NOT_FOUND || pyr_entry_at(f->archive, index, &entry, NULL) < 0 ||
                (entry.kind != PYR_PACKAGE && entry.kind != PYR_NAMESPACE_PACKAGE))) {
        Py_DECREF(dotted);
        PyErr_SetString(PyExc_ImportError, "not a packed package directory");
        return NULL;
    }
    PhPathFinder *pf = PyObject_New(PhPathFinder, &PhPathFinder_Type);
    char *prefix = malloc((size_t)len + 2);
    if (!pf || !prefix) {
        Py_XDECREF(pf);
        free(prefix);
        Py_DECREF(dotted);
        return PyErr_NoMemory();
    }
    memcpy(prefix, name, (size_t)len);
    strcpy(prefix + len, len ? "." : "");
    Py_DECREF(dotted);
    pf->finder = (PhFinder *)Py_NewRef(f);
    pf->path = Py_NewRef(path);
    pf->package_prefix = prefix;
    return (PyObject *)pf;
}

static PyObject *path_finder_find_spec(PhPathFinder *pf, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"fullname", "target", NULL};
    PyObject *fullname, *target = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "U|O:find_spec", kwlist, &fullname, &target))
        return NULL;
    const char *name = PyUnicode_AsUTF8(fullname);
    size_t plen = strlen(pf->package_prefix);
    if (!name || strncmp(name, pf->package_prefix, plen) || strchr(name + plen, '.'))
        Py_RETURN_NONE; /* only direct children live in this directory */
    return PyObject_CallMethod((PyObject *)pf->finder, "find_spec", "O", fullname);
}

static PyObject *path_finder_iter_modules(PhPathFinder *pf, PyObject *args)
{
    return ph_finder_iter_modules_method(pf->finder, pf->package_prefix, args);
}

static PyObject *path_finder_invalidate_caches(PhPathFinder *pf, PyObject *unused)
{
    (void)pf, (void)unused;
    Py_RETURN_NONE;
}

static void path_finder_dealloc(PhPathFinder *pf)
{
    Py_XDECREF(pf->finder);
    Py_XDECREF(pf->path);
    free(pf->package_prefix);
    Py_TYPE(pf)->tp_free((PyObject *)pf);
}

static PyObject *path_finder_repr(PhPathFinder *pf)
{
    return PyUnicode_FromFormat("<pyhost path finder for %R>", pf->path);
}

static PyMethodDef path_finder_methods[] = {
    {"find_spec", (PyCFunction)(void (*)(void))path_finder_find_spec, METH_VARARGS | METH_KEYWORDS,
     NULL},
    {"iter_modules", (PyCFunction)path_finder_iter_modules, METH_VARARGS, NULL},
    {"invalidate_caches", (PyCFunction)path_finder_invalidate_caches, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

PyTypeObject PhPathFinder_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyhost.PathFinder",
    .tp_basicsize = sizeof(PhPathFinder),
    .tp_dealloc = (destructor)path_finder_dealloc,
    .tp_repr = (reprfunc)path_finder_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Path-entry finder for a virtual directory of a pyhost .pyr.",
    .tp_methods = path_finder_methods,
};
