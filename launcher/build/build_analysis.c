/* The import analysis, run in the build-time interpreter. Its Python (analysis/
 * pyhost_analysis.py) is compiled into pyhost as a C array of its code object
 * (analysis_source.c, made by meson) and executed as the module `pyhost_analysis`; nothing is read
 * from disk but the app's own sources and the directories it is asked to search. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>

#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "ph_build_config.h"

extern const unsigned char ph_analysis_source_code[];
extern const size_t ph_analysis_source_code_size;

/* The pending exception as an error ("pyhost_analysis: KeyError: ..."). */
static int py_error(const char *what, ph_error *err)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *s = value ? PyObject_Str(value) : NULL;
    const char *text = s ? PyUnicode_AsUTF8(s) : NULL;
    ph_error_set(err, "import analysis: %s: %s: %s", what,
                 type ? PyExceptionClass_Name(type) : "error", text ? text : "(no message)");
    PyErr_Clear();
    Py_XDECREF(s);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return ph_error_hint(err, "this is a bug in pyhost; '[resources] analysis = false' builds "
                              "without the analysis");
}

int ph_analysis_load(ph_error *err)
{
    PyObject *mods = PyImport_GetModuleDict(); /* borrowed */
    if (PyDict_GetItemString(mods, "pyhost_analysis"))
        return 0;
    /* compiled when pyhost was built, by the same Python (embed_source.py) */
    PyObject *code = PyMarshal_ReadObjectFromString((const char *)ph_analysis_source_code,
                                                    (Py_ssize_t)ph_analysis_source_code_size);
    PyObject *m = code ? PyImport_ExecCodeModule("pyhost_analysis", code) : NULL;
    Py_XDECREF(code);
    if (!m)
        return py_error("loading", err);
    Py_DECREF(m);
    return 0;
}

static PyObject *to_list(const ph_strlist *l)
{
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list && l && i < l->count; i++) {
        PyObject *s = PyUnicode_DecodeFSDefault(l->items[i]);
        if (!s || PyList_Append(list, s) < 0)
            Py_CLEAR(list);
        Py_XDECREF(s);
    }
    return list;
}

static PyObject *to_str(const char *s)
{
    if (!s)
        Py_RETURN_NONE;
    return PyUnicode_DecodeFSDefault(s);
}

/* Calls pyhost_analysis.FN(*args) and appends the strings of the list it returns to `out`. */
static int call(const char *fn, PyObject *args, ph_strlist *out, ph_error *err)
{
    if (!args)
        return py_error(fn, err);
    PyObject *mod = PyImport_ImportModule("pyhost_analysis");
    PyObject *f = mod ? PyObject_GetAttrString(mod, fn) : NULL;
    PyObject *r = f ? PyObject_CallObject(f, args) : NULL;
    Py_XDECREF(mod);
    Py_XDECREF(f);
    Py_DECREF(args);
    if (!r)
        return py_error(fn, err);
    int rc = 0;
    Py_ssize_t n = PyList_Check(r) ? PyList_Size(r) : -1;
    for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
        PyObject *b = PyUnicode_EncodeFSDefault(PyList_GetItem(r, i));
        const char *s = b ? PyBytes_AsString(b) : NULL;
        rc = s && ph_strlist_append(out, s) == 0 ? 0 : -1;
        Py_XDECREF(b);
    }
    Py_DECREF(r);
    if (n < 0 || rc < 0) {
        PyErr_Clear();
        return ph_error_set(err, "import analysis: %s: unexpected result", fn);
    }
    return 0;
}

static PyObject *stdlib_dirs(void)
{
    return Py_BuildValue("[ss]", PH_PYTHON_STDLIB, PH_PYTHON_DYNLOAD);
}

/* The analysis's progress hook (Analysis.progress): (modules parsed, name) to the build's
 * progress callback, with total 0. Its self is a capsule of the build options. */
static PyObject *report_progress(PyObject *self, PyObject *args)
{
    const ph_build_options *o = PyCapsule_GetPointer(self, "pyhost.build_options");
    Py_ssize_t done;
    const char *name;
    if (!o || !PyArg_ParseTuple(args, "ns:progress", &done, &name))
        return NULL;
    o->progress(o->progress_ctx, (size_t)done, 0, name);
    Py_RETURN_NONE;
}

static PyMethodDef progress_def = {"progress", report_progress, METH_VARARGS, NULL};

/* A callable for Analysis.progress, or None when the build shows no progress. */
static PyObject *progress_callable(const ph_build_options *o)
{
    if (!o || !o->progress)
        Py_RETURN_NONE;
    PyObject *capsule = PyCapsule_New((void *)o, "pyhost.build_options", NULL);
    PyObject *f = capsule ? PyCFunction_New(&progress_def, capsule) : NULL;
    Py_XDECREF(capsule);
    return f;
}

int ph_analysis_app(const ph_strlist *app_paths, const ph_strlist *sites, const char *script,
                    const char *module, const ph_strlist *app_modules,
                    const ph_build_options *progress, ph_strlist *lines, ph_error *err)
{
    if (ph_analysis_load(err) < 0)
        return -1;
    PyObject *args = Py_BuildValue("(NNNNNNN)", to_list(app_paths), to_list(sites), stdlib_dirs(),
                                   to_str(script), to_str(module), to_list(app_modules),
                                   progress_callable(progress));
    return call("build_analyze", args, lines, err);
}

int ph_analysis_stdlib(const ph_strlist *sites, const ph_strlist *modules, ph_strlist *names,
                       ph_error *err)
{
    PyObject *args = Py_BuildValue("(NN)", to_list(modules), to_list(sites));
    return call("build_stdlib", args, names, err);
}
