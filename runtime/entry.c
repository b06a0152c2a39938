/* The entry point and what `python` does at the end of a program: SystemExit(code) becomes the
 * status, an uncaught exception prints its traceback (through the traceback module, which asks
 * the loader for source lines: the packed sources are not files) and gives 1, and an uncaught
 * KeyboardInterrupt ends the process by SIGINT. */
#include "entry.h"

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "pycompat.h"

#include <stdio.h>
#include <string.h>

/* The status for SystemExit's code, printing a non-integer code to stderr as python does. */
static int system_exit_status(PyObject *exc)
{
    PyObject *code = PyObject_GetAttrString(exc, "code");
    if (!code) {
        PyErr_Clear();
        return 1;
    }
    int status = 0;
    if (code == Py_None)
        status = 0;
    else if (PyLong_Check(code))
        status = (int)PyLong_AsLong(code);
    else {
        PyObject *err = PySys_GetObject("stderr");
        if (err && err != Py_None && PyFile_WriteObject(code, err, Py_PRINT_RAW) == 0)
            PyFile_WriteString("\n", err);
        status = 1;
    }
    Py_DECREF(code);
    PyErr_Clear();
    return status;
}

static void print_traceback(PyObject *type, PyObject *value, PyObject *tb)
{
    PyObject *hook = PySys_GetObject("excepthook");
    PyObject *default_hook = PySys_GetObject("__excepthook__");
    if (hook && hook != default_hook) { /* the app installed its own: respect it */
        PyObject *r = PyObject_CallFunctionObjArgs(hook, type, value, tb ? tb : Py_None, NULL);
        if (r) {
            Py_DECREF(r);
            return;
        }
        PyErr_Clear();
    }
    PyObject *traceback = PyImport_ImportModule("traceback");
    PyObject *r = traceback ? PyObject_CallMethod(traceback, "print_exception", "OOO", type, value,
                                                  tb ? tb : Py_None)
                            : NULL;
    Py_XDECREF(traceback);
    if (r) {
        Py_DECREF(r);
        return;
    }
    PyErr_Clear();
    PyErr_Display(type, value, tb); /* last resort: no source lines, but the error shows */
}

static ph_entry_result finish_with_exception(void)
{
    ph_entry_result result = {.status = 1};
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb && value)
        PyException_SetTraceback(value, tb);
    if (PyErr_GivenExceptionMatches(type, PyExc_SystemExit)) {
        result.status = system_exit_status(value);
    } else {
        result.keyboard_interrupt = PyErr_GivenExceptionMatches(type, PyExc_KeyboardInterrupt);
        print_traceback(type, value, tb);
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return result;
}

/* importlib's spec for `name`, importing its parent package first as `import` would. */
static PyObject *find_spec(const char *name)
{
    PyObject *path = Py_NewRef(Py_None);
    const char *dot = strrchr(name, '.');
    if (dot) {
        PyObject *parent_name = PyUnicode_FromStringAndSize(name, dot - name);
        PyObject *parent = parent_name ? PyImport_Import(parent_name) : NULL;
        Py_XDECREF(parent_name);
        Py_SETREF(path, parent ? PyObject_GetAttrString(parent, "__path__") : NULL);
        Py_XDECREF(parent);
        if (!path)
            return NULL;
    }
    PyObject *bootstrap = PyImport_ImportModule("_frozen_importlib");
    PyObject *spec =
        bootstrap ? PyObject_CallMethod(bootstrap, "_find_spec", "sO", name, path) : NULL;
    Py_XDECREF(bootstrap);
    Py_DECREF(path);
    if (spec == Py_None) {
        Py_CLEAR(spec);
        PyErr_Format(PyExc_ModuleNotFoundError, "No module named '%s'", name);
    }
    return spec;
}

static int set_main_globals(PyObject *globals, PyObject *spec, PyObject *loader)
{
    PyObject *origin = PyObject_GetAttrString(spec, "origin");
    PyObject *parent = origin ? PyObject_GetAttrString(spec, "parent") : NULL;
    PyObject *name = PyUnicode_FromString("__main__");
    int rc = parent && name ? 0 : -1;
    rc = rc ? rc : PyDict_SetItemString(globals, "__name__", name);
    rc = rc ? rc : PyDict_SetItemString(globals, "__file__", origin);
    rc = rc ? rc : PyDict_SetItemString(globals, "__cached__", Py_None);
    rc = rc ? rc : PyDict_SetItemString(globals, "__doc__", Py_None);
    rc = rc ? rc : PyDict_SetItemString(globals, "__loader__", loader);
    rc = rc ? rc : PyDict_SetItemString(globals, "__package__", parent);
    rc = rc ? rc : PyDict_SetItemString(globals, "__spec__", spec);
    Py_XDECREF(name);
    Py_XDECREF(origin);
    Py_XDECREF(parent);
    return rc;
}

/* What `python -m module` does, without importing runpy and the dozen modules it needs: the
 * module's code runs in __main__'s namespace; a package runs its __main__ submodule. */
static PyObject *run_as_main(const char *module)
{
    PyObject *spec = find_spec(module);
    PyObject *locations = spec ? PyObject_GetAttrString(spec, "submodule_search_locations") : NULL;
    if (locations && locations != Py_None) {
        Py_DECREF(locations);
        Py_DECREF(spec);
        PyObject *sub = PyUnicode_FromFormat("%s.__main__", module);
        PyObject *r = sub ? run_as_main(PyUnicode_AsUTF8(sub)) : NULL;
        Py_XDECREF(sub);
        return r;
    }
    Py_XDECREF(locations);
    PyObject *loader = spec ? PyObject_GetAttrString(spec, "loader") : NULL;
    PyObject *code = loader ? PyObject_CallMethod(loader, "get_code", "s", module) : NULL;
    PyObject *main = code ? PyImport_AddModule("__main__") : NULL; /* borrowed */
    PyObject *globals = main ? PyModule_GetDict(main) : NULL;
    PyObject *r = NULL;
    if (globals && set_main_globals(globals, spec, loader) == 0)
        r = PyEval_EvalCode(code, globals, globals);
    Py_XDECREF(code);
    Py_XDECREF(loader);
    Py_XDECREF(spec);
    return r;
}

/* The message of the AttributeError being raised, into `out`, clearing it. */
static void take_attribute_error(char *out, size_t size)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *utf8 = text ? PyUnicode_AsUTF8(text) : NULL;
    snprintf(out, size, "%s", utf8 ? utf8 : "no such attribute");
    PyErr_Clear();
    Py_XDECREF(text);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* module.function() where function may be dotted ("App.main"). An AttributeError while looking
 * the function up (not while importing or running it) goes to `unresolved`, with NULL returned
 * and no exception set. */
static PyObject *call_function(const char *module, const char *function, char *unresolved,
                               size_t size)
{
    PyObject *target = PyImport_ImportModule(module);
    PyObject *path = PyUnicode_FromString(function);
    PyObject *dot = PyUnicode_FromString(".");
    PyObject *names = target && path && dot ? PyUnicode_Split(path, dot, -1) : NULL;
    Py_XDECREF(path);
    Py_XDECREF(dot);
    for (Py_ssize_t i = 0; target && names && i < PyList_GET_SIZE(names); i++)
        Py_SETREF(target, PyObject_GetAttr(target, PyList_GET_ITEM(names, i)));
    if (!target && names && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        take_attribute_error(unresolved, size);
        Py_DECREF(names);
        return NULL;
    }
    PyObject *r = target && names ? PyObject_CallNoArgs(target) : NULL;
    Py_XDECREF(names);
    Py_XDECREF(target);
    return r;
}

ph_entry_result ph_entry_run(const char *module, const char *function)
{
    char unresolved[sizeof((ph_entry_result *)0)->unresolved] = "";
    PyObject *r = function ? call_function(module, function, unresolved, sizeof unresolved)
                           : run_as_main(module);
    if (!r && unresolved[0]) {
        ph_entry_result result = {.status = 1};
        memcpy(result.unresolved, unresolved, sizeof unresolved);
        return result;
    }
    if (!r)
        return finish_with_exception();
    ph_entry_result result = {.status = 0};
    if (function && r != Py_None) { /* sys.exit(main()) semantics */
        PyObject *exit = PyObject_CallOneArg(PyExc_SystemExit, r);
        if (exit) {
            PyErr_SetObject(PyExc_SystemExit, exit);
            Py_DECREF(exit);
        }
        result = finish_with_exception();
    }
    Py_DECREF(r);
    return result;
}

/* A multiprocessing "spawn" child. multiprocessing starts frozen programs as
 * `EXECUTABLE --multiprocessing-fork name=value...` (sys.frozen is set), and expects the program
 * to hand those arguments to spawn_main instead of running the app: what PyInstaller's
 * freeze_support hook does, here done before the entry point is even looked at. */
ph_entry_result ph_entry_spawn_child(int argc, char **argv)
{
    PyObject *kwargs = PyDict_New();
    for (int i = 2; kwargs && i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq)
            continue;
        PyObject *key = PyUnicode_FromStringAndSize(argv[i], eq - argv[i]);
        PyObject *value = PyLong_FromString(eq + 1, NULL, 10);
        if (!value) {
            PyErr_Clear();
            value = PyUnicode_FromString(eq + 1);
        }
        if (!key || !value || PyDict_SetItem(kwargs, key, value) < 0)
            Py_CLEAR(kwargs);
        Py_XDECREF(key);
        Py_XDECREF(value);
    }
    PyObject *spawn = kwargs ? PyImport_ImportModule("multiprocessing.spawn") : NULL;
    PyObject *main = spawn ? PyObject_GetAttrString(spawn, "spawn_main") : NULL;
    PyObject *args = main ? PyTuple_New(0) : NULL;
    PyObject *r = args ? PyObject_Call(main, args, kwargs) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(main);
    Py_XDECREF(spawn);
    Py_XDECREF(kwargs);
    if (!r)
        return finish_with_exception();
    Py_DECREF(r);
    return (ph_entry_result){.status = 0};
}

ph_entry_result ph_entry_run_code(const char *code)
{
    PyObject *main = PyImport_AddModule("__main__"); /* borrowed */
    PyObject *globals = main ? PyModule_GetDict(main) : NULL;
    PyObject *r = globals ? PyRun_String(code, Py_file_input, globals, globals) : NULL;
    if (!r)
        return finish_with_exception();
    Py_DECREF(r);
    return (ph_entry_result){.status = 0};
}
