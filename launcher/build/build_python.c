/* The build-time interpreter: the same CPython the runtime embeds, so the bytecode it compiles
 * is exactly what the runtime will unmarshal. It runs isolated over the system stdlib on disk,
 * which is fine at build time (the app never sees it). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>

#include <stdbool.h>
#include <string.h>

#include "build.h"
#include "ph_build_config.h"

#define WIDEN_(s) L##s
#define WIDEN(s) WIDEN_(s)

#define MAX_SUFFIXES 8

static bool started;
static char *suffixes[MAX_SUFFIXES + 1];
const char *const *ph_extension_suffixes;

static int status_error(PyStatus st, ph_error *err)
{
    ph_error_set(err, "cannot start the build-time Python interpreter: %s%s%s",
                 st.func ? st.func : "", st.func ? ": " : "",
                 st.err_msg ? st.err_msg : "unknown error");
    return ph_error_hint(err,
                         "pyhost compiles bytecode with the Python it was built against; check "
                         "that its standard library is installed in %s",
                         PH_PYTHON_STDLIB);
}

/* Isolated (no PYTHON* variables, no user site, no cwd on sys.path); no signal handlers, or
 * Ctrl-C would only set a flag that the compile loop never checks; warnings off, because
 * library code must not print (stdlib test files are full of SyntaxWarnings). */
static PyStatus configure(PyConfig *c)
{
    PyConfig_InitIsolatedConfig(c);
    c->site_import = 0;
    c->install_signal_handlers = 0;
    c->write_bytecode = 0;
    c->pathconfig_warnings = 0;
    c->module_search_paths_set = 1;
    PyStatus st = PyWideStringList_Append(&c->module_search_paths, WIDEN(PH_PYTHON_STDLIB));
    if (!PyStatus_Exception(st))
        st = PyWideStringList_Append(&c->module_search_paths, WIDEN(PH_PYTHON_DYNLOAD));
    if (!PyStatus_Exception(st))
        st = PyWideStringList_Append(&c->warnoptions, L"ignore");
    return st;
}

static void free_suffixes(void)
{
    for (int i = 0; suffixes[i]; i++) {
        free(suffixes[i]);
        suffixes[i] = NULL;
    }
    ph_extension_suffixes = NULL;
}

/* importlib.machinery.EXTENSION_SUFFIXES comes from _imp.extension_suffixes(). */
static int load_suffixes(ph_error *err)
{
    PyObject *imp = PyImport_ImportModule("_imp");
    PyObject *list = imp ? PyObject_CallMethod(imp, "extension_suffixes", NULL) : NULL;
    Py_XDECREF(imp);
    Py_ssize_t n = list && PyList_Check(list) ? PyList_Size(list) : -1;
    for (Py_ssize_t i = 0; i < n && i < MAX_SUFFIXES; i++) {
        const char *s = PyUnicode_AsUTF8(PyList_GetItem(list, i));
        if (!s || !(suffixes[i] = strdup(s))) {
            n = -1;
            break;
        }
    }
    Py_XDECREF(list);
    if (n < 0) {
        PyErr_Clear();
        free_suffixes();
        return ph_error_set(err, "cannot ask the interpreter for its extension-module suffixes");
    }
    ph_extension_suffixes = (const char *const *)suffixes;
    return 0;
}

int ph_python_start(ph_python_info *info, ph_error *err)
{
    PyConfig c;
    PyStatus st = configure(&c);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&c);
    PyConfig_Clear(&c);
    if (PyStatus_Exception(st))
        return status_error(st, err);
    started = true;
    long magic = PyImport_GetMagicNumber();
    if (magic == -1) {
        PyErr_Clear();
        ph_python_stop();
        return ph_error_set(err, "cannot read the interpreter's bytecode magic number");
    }
    info->magic = (uint32_t)magic;
    info->version = PY_VERSION_HEX & 0xffff0000u;
    if (load_suffixes(err) < 0) {
        ph_python_stop();
        return -1;
    }
    return 0;
}

void ph_python_stop(void)
{
    free_suffixes();
    if (started)
        Py_FinalizeEx();
    started = false;
}

static void describe(PyObject *obj, char *buf, size_t size)
{
    PyObject *s = obj ? PyObject_Str(obj) : NULL;
    const char *text = s ? PyUnicode_AsUTF8(s) : NULL;
    snprintf(buf, size, "%s", text ? text : "(no message)");
    Py_XDECREF(s);
    PyErr_Clear();
}

/* "src/app.py:12: SyntaxError: invalid syntax", from the pending exception. */
static int compile_error(const char *display, ph_error *err)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    char msg[600];
    long line = 0;
    PyObject *m = NULL;
    if (value && PyErr_GivenExceptionMatches(type, PyExc_SyntaxError)) {
        PyObject *l = PyObject_GetAttrString(value, "lineno");
        line = l && PyLong_Check(l) ? PyLong_AsLong(l) : 0;
        Py_XDECREF(l);
        m = PyObject_GetAttrString(value, "msg");
    }
    PyErr_Clear();
    describe(m ? m : value, msg, sizeof msg);
    const char *name = type ? PyExceptionClass_Name(type) : "error";
    const char *dot = strrchr(name, '.');
    if (line > 0)
        ph_error_set(err, "%s:%ld: %s: %s", display, line, dot ? dot + 1 : name, msg);
    else
        ph_error_set(err, "%s: %s: %s", display, dot ? dot + 1 : name, msg);
    Py_XDECREF(m);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return -1;
}

int ph_python_compile(const char *source, size_t size, const char *filename, const char *display,
                      int optimize, uint8_t **out, size_t *out_size, ph_error *err)
{
    *out = NULL;
    *out_size = 0;
    if (memchr(source, '\0', size))
        return ph_error_set(err, "%s: source code cannot contain null bytes", display);
    /* The flags compile(bytes, ...) uses, which is how importlib compiles a .py file. */
    PyCompilerFlags flags = {.cf_flags = PyCF_SOURCE_IS_UTF8,
                             .cf_feature_version = PY_MINOR_VERSION};
    PyObject *code = Py_CompileStringExFlags(source, filename, Py_file_input, &flags, optimize);
    if (!code)
        return compile_error(display, err);
    PyObject *bytes = PyMarshal_WriteObjectToString(code, Py_MARSHAL_VERSION);
    Py_DECREF(code);
    if (!bytes)
        return compile_error(display, err);
    size_t n = (size_t)PyBytes_GET_SIZE(bytes);
    *out = malloc(n ? n : 1);
    if (*out) {
        memcpy(*out, PyBytes_AS_STRING(bytes), n);
        *out_size = n;
    }
    Py_DECREF(bytes);
    return *out ? 0 : ph_error_set(err, "out of memory");
}

bool ph_python_is_builtin(const char *name)
{
    for (const struct _inittab *t = PyImport_Inittab; t && t->name; t++)
        if (!strcmp(t->name, name))
            return true;
    return false;
}
