/* zipimport, imported when a zip file is first met on sys.path rather than at every start.
 *
 * CPython's main phase imports zipimport to put zipimporter in sys.path_hooks: 0.67 M
 * instructions of a hello's 16 M (callgrind), for a hook that only a zip file on sys.path
 * uses, which a packed app seldom has. Initialization treats a zipimport that cannot be
 * imported as "no zip import" and goes on, so pyhost holds it back for that phase (None in
 * sys.modules), then puts in zipimporter's place a hook that imports zipimport on the first
 * path entry that is not a directory and hands that entry, and every later one, to the real
 * zipimporter, which then takes its own place in sys.path_hooks. A directory is FileFinder's
 * either way: zipimporter refuses it after the same stat. */
#include "interp.h"

#include <sys/stat.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static const char ZIPIMPORT[] = "zipimport";

int ph_zip_hook_defer(void)
{
    PyObject *modules = PyImport_GetModuleDict(); /* borrowed */
    PyObject *name = PyUnicode_FromString(ZIPIMPORT);
    int rc = name && modules ? PyDict_Contains(modules, name) : -1;
    if (rc == 0)
        rc = PyDict_SetItem(modules, name, Py_None);
    Py_XDECREF(name);
    return rc < 0 ? -1 : 0;
}

static PyObject *zip_hook(PyObject *self, PyObject *path);

/* zipimport.zipimporter, put in the place of this file's hook in sys.path_hooks; a new
 * reference. */
static PyObject *real_zipimporter(void)
{
    PyObject *module = PyImport_ImportModule(ZIPIMPORT);
    PyObject *zipimporter = module ? PyObject_GetAttrString(module, "zipimporter") : NULL;
    Py_XDECREF(module);
    PyObject *hooks = PySys_GetObject("path_hooks"); /* borrowed */
    for (Py_ssize_t i = 0;
         zipimporter && hooks && PyList_Check(hooks) && i < PyList_GET_SIZE(hooks); i++) {
        PyObject *h = PyList_GET_ITEM(hooks, i);
        if (PyCFunction_Check(h) && PyCFunction_GET_FUNCTION(h) == zip_hook) {
            Py_INCREF(zipimporter);
            PyList_SetItem(hooks, i, zipimporter); /* steals; drops the list's hook */
            break;
        }
    }
    return zipimporter;
}

static PyObject *zip_hook(PyObject *self, PyObject *path)
{
    (void)self;
    PyObject *bytes = NULL;
    struct stat st;
    if (PyUnicode_Check(path) && PyUnicode_FSConverter(path, &bytes)) {
        int is_dir = stat(PyBytes_AS_STRING(bytes), &st) == 0 && S_ISDIR(st.st_mode);
        int empty = PyBytes_GET_SIZE(bytes) == 0;
        Py_DECREF(bytes);
        if (is_dir || empty) {
            PyErr_SetString(PyExc_ImportError, "not a zip file");
            return NULL;
        }
    }
    PyErr_Clear(); /* a path zipimporter must judge itself (bytes, undecodable) */
    PyObject *zipimporter = real_zipimporter();
    PyObject *importer = zipimporter ? PyObject_CallOneArg(zipimporter, path) : NULL;
    Py_XDECREF(zipimporter);
    return importer;
}

static PyMethodDef zip_hook_def = {"zipimporter_on_first_use", zip_hook, METH_O,
                                   "Imports zipimport and asks its zipimporter for PATH."};

int ph_zip_hook_install(void)
{
    PyObject *modules = PyImport_GetModuleDict();                               /* borrowed */
    PyObject *held = modules ? PyDict_GetItemString(modules, ZIPIMPORT) : NULL; /* borrowed */
    if (held != Py_None)
        return 0; /* imported after all (an embedding host's interpreter): nothing to do */
    if (PyDict_DelItemString(modules, ZIPIMPORT) < 0)
        return -1;
    PyObject *hooks = PySys_GetObject("path_hooks"); /* borrowed */
    PyObject *hook = PyCFunction_New(&zip_hook_def, NULL);
    int rc = hook && hooks && PyList_Check(hooks) ? PyList_Insert(hooks, 0, hook) : -1;
    Py_XDECREF(hook);
    return rc;
}
