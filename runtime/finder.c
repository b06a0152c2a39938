/* The meta path finder and loader over a .pyr (PEP 451 find_spec / create_module / exec_module
 * plus the optional loader protocols real packages use: get_code, get_source, get_data,
 * get_filename, is_package, iter_modules, get_resource_reader, find_distributions). */
#include "finder.h"
#include "pyhost/fsutil.h"

#include <sys/mman.h>
#include <unistd.h>

#include <marshal.h>
#include <string.h>

bool ph_finder_importable(pyr_kind kind)
{
    return kind == PYR_MODULE || kind == PYR_PACKAGE || kind == PYR_NAMESPACE_PACKAGE ||
           kind == PYR_EXTENSION_MODULE;
}

uint32_t ph_finder_lookup(PhFinder *f, const char *name, Py_ssize_t len)
{
    return pyr_find(f->archive, name, (size_t)len);
}

static int raise_pyr_error(const ph_error *err, PyObject *exc_type)
{
    if (err->hint[0])
        PyErr_Format(exc_type, "%s (hint: %s)", err->message, err->hint);
    else
        PyErr_SetString(exc_type, err->message);
    return -1;
}

PyObject *ph_finder_read_bytes(PhFinder *f, uint32_t index, pyr_slot slot)
{
    pyr_data data;
    ph_error err;
    if (pyr_read(f->archive, index, slot, &data, &err) < 0) {
        raise_pyr_error(&err, PyExc_OSError);
        return NULL;
    }
    PyObject *bytes = PyBytes_FromStringAndSize((const char *)data.bytes, (Py_ssize_t)data.size);
    pyr_data_release(&data);
    return bytes;
}

/* Finds an importable entry by module name; sets no exception. */
int ph_finder_find_module(PhFinder *f, PyObject *fullname, pyr_entry *entry)
{
    Py_ssize_t len;
    const char *name = PyUnicode_AsUTF8AndSize(fullname, &len);
    if (!name) {
        PyErr_Clear();
        return 0;
    }
    uint32_t index = ph_finder_lookup(f, name, len);
    if (index == PYR_NOT_FOUND || pyr_entry_at(f->archive, index, entry, NULL) < 0)
        return 0;
    return ph_finder_importable(entry->kind);
}

/* Like ph_finder_find_module, but raises ImportError naming the module when it is not there.
 * '__main__' maps to the module that runpy ran as main, so linecache finds the main module's
 * source. */
static int require_module(PhFinder *f, PyObject *fullname, pyr_entry *entry)
{
    if (ph_finder_find_module(f, fullname, entry))
        return 0;
    if (PyUnicode_Check(fullname) && PyUnicode_CompareWithASCIIString(fullname, "__main__") == 0) {
        PyObject *main = PyImport_AddModule("__main__"); /* borrowed */
        PyObject *spec = main ? PyObject_GetAttrString(main, "__spec__") : NULL;
        PyObject *name = spec && spec != Py_None ? PyObject_GetAttrString(spec, "name") : NULL;
        Py_XDECREF(spec);
        PyErr_Clear();
        int found = name && ph_finder_find_module(f, name, entry);
        Py_XDECREF(name);
        if (found)
            return 0;
    }
    PyErr_Format(PyExc_ImportError, "no module named %R in %s", fullname, pyr_path(f->archive));
    return -1;
}

/* app_dir + "/" + the path stored in a filesystem-relative DATA blob, or NULL with no exception
 * when the entry's data is in memory. */
PyObject *ph_finder_filesystem_path(PhFinder *f, uint32_t index)
{
    pyr_blob blob;
    if (pyr_blob_at(f->archive, index, PYR_DATA, &blob, NULL) != 1 ||
        blob.location != PYR_FILESYSTEM_RELATIVE)
        return NULL;
    PyObject *rel = ph_finder_read_bytes(f, index, PYR_DATA);
    if (rel && !pyr_safe_relative_path(PyBytes_AS_STRING(rel), (size_t)PyBytes_GET_SIZE(rel))) {
        pyr_entry e;
        PyErr_Format(PyExc_ImportError,
                     "%s: corrupt .pyr: the filesystem path of '%s' leaves the app directory "
                     "(%.200R); rebuild it with 'pyhost build'",
                     pyr_path(f->archive),
                     pyr_entry_at(f->archive, index, &e, NULL) == 0 ? e.name : "?", rel);
        Py_DECREF(rel);
        return NULL;
    }
    PyObject *path = rel ? PyUnicode_FromFormat("%U/%s", f->app_dir, PyBytes_AS_STRING(rel)) : NULL;
    Py_XDECREF(rel);
    return path;
}

/* root + "/" + the dotted name as a path + suffix ("json.decoder" -> ROOT/json/decoder.py),
 * built in C: it runs twice for every import. */
static PyObject *entry_path(PhFinder *f, const pyr_entry *entry, const char *suffix)
{
    char *rel = PyMem_Malloc(entry->name_len + 1);
    if (!rel)
        return PyErr_NoMemory();
    for (size_t i = 0; i < entry->name_len; i++)
        rel[i] = entry->name[i] == '.' ? '/' : entry->name[i];
    rel[entry->name_len] = '\0';
    PyObject *path = PyUnicode_FromFormat("%U/%s%s", f->root, rel, suffix);
    PyMem_Free(rel);
    return path;
}

/* The module's file: the real one for filesystem-relative extension modules, a virtual path
 * under the root otherwise. */
static PyObject *module_origin(PhFinder *f, const pyr_entry *entry)
{
    if (entry->kind == PYR_EXTENSION_MODULE) {
        PyObject *real = ph_finder_filesystem_path(f, entry->index);
        if (real || PyErr_Occurred())
            return real;
    }
    return entry_path(f, entry,
                      entry->kind == PYR_PACKAGE            ? "/__init__.py"
                      : entry->kind == PYR_EXTENSION_MODULE ? ".so"
                                                            : ".py");
}

static PyObject *package_dir(PhFinder *f, const pyr_entry *entry)
{
    return entry_path(f, entry, "");
}

static PyObject *make_spec(PhFinder *f, PyObject *fullname, const pyr_entry *entry)
{
    bool package = entry->kind == PYR_PACKAGE || entry->kind == PYR_NAMESPACE_PACKAGE;
    PyObject *origin =
        entry->kind == PYR_NAMESPACE_PACKAGE ? Py_NewRef(Py_None) : module_origin(f, entry);
    if (!origin)
        return NULL;
    PyObject *args = Py_BuildValue("(OO)", fullname, (PyObject *)f);
    PyObject *kwargs =
        Py_BuildValue("{sOsO}", "origin", origin, "is_package", package ? Py_True : Py_False);
    PyObject *spec = args && kwargs ? PyObject_Call(f->module_spec, args, kwargs) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    if (spec && origin != Py_None && PyObject_SetAttrString(spec, "has_location", Py_True) < 0)
        Py_CLEAR(spec);
    Py_DECREF(origin);
    if (spec && package) {
        PyObject *dir = package_dir(f, entry);
        PyObject *locations =
            dir ? PyObject_GetAttrString(spec, "submodule_search_locations") : NULL;
        int rc = locations ? PyList_Append(locations, dir) : -1;
        Py_XDECREF(locations);
        Py_XDECREF(dir);
        if (rc < 0)
            Py_CLEAR(spec);
    }
    return spec;
}

static PyObject *finder_find_spec(PhFinder *f, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"fullname", "path", "target", NULL};
    PyObject *fullname, *path = NULL, *target = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "U|OO:find_spec", kwlist, &fullname, &path,
                                     &target))
        return NULL;
    pyr_entry entry;
    if (!ph_finder_find_module(f, fullname, &entry))
        Py_RETURN_NONE;
    return make_spec(f, fullname, &entry);
}

static PyObject *compile_source(PhFinder *f, uint32_t index, PyObject *origin)
{
    PyObject *source = ph_finder_read_bytes(f, index, PYR_SOURCE);
    if (!source)
        return NULL;
    /* Bytes, not str: the compiler honours the PEP 263 coding cookie itself. */
    PyObject *code =
        Py_CompileStringObject(PyBytes_AS_STRING(source), origin, Py_file_input, NULL, f->optimize);
    Py_DECREF(source);
    return code;
}

static PyObject *unmarshal_code(PhFinder *f, uint32_t index, pyr_slot slot)
{
    pyr_data data;
    ph_error err;
    if (pyr_read(f->archive, index, slot, &data, &err) < 0) {
        raise_pyr_error(&err, PyExc_ImportError);
        return NULL;
    }
    /* Read straight from the mapping when the blob is stored uncompressed. */
    PyObject *code =
        PyMarshal_ReadObjectFromString((const char *)data.bytes, (Py_ssize_t)data.size);
    pyr_data_release(&data);
    if (code && !PyCode_Check(code)) {
        Py_DECREF(code);
        PyErr_Format(PyExc_ImportError, "%s: bytecode of entry %u is not a code object",
                     pyr_path(f->archive), index);
        return NULL;
    }
    return code;
}

/* CPython's loaders say under -v where a module's code came from ("# code object from PATH")
 * before importlib's "import 'NAME' # LOADER" line; this says it for the archive's entries. */
void ph_finder_trace(PhFinder *f, const char *what, const pyr_entry *entry, const char *how)
{
    if (f->verbose <= 0)
        return;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *name = PyUnicode_FromStringAndSize(entry->name, (Py_ssize_t)entry->name_len);
    if (name)
        PySys_FormatStderr("# %s %s entry %R (%s)\n", what, pyr_path(f->archive), name, how);
    Py_XDECREF(name);
    PyErr_Restore(type, value, tb);
}

/* The module's code object, with co_filename pointing at its virtual path. None for namespace
 * packages and extension modules. */
static PyObject *code_for(PhFinder *f, const pyr_entry *entry)
{
    if (entry->kind == PYR_NAMESPACE_PACKAGE || entry->kind == PYR_EXTENSION_MODULE)
        Py_RETURN_NONE;
    PyObject *origin = module_origin(f, entry);
    if (!origin)
        return NULL;
    pyr_slot slot = (pyr_slot)(PYR_BYTECODE_OPT0 + f->optimize);
    PyObject *code = NULL;
    if (entry->slot_mask & (1u << slot)) {
        code = unmarshal_code(f, entry->index, slot);
        if (code) {
            ph_finder_trace(f, "code object from", entry, "bytecode in memory");
            /* the builder compiled with a relative filename; tracebacks want the real one */
            PyObject *r = PyObject_CallFunctionObjArgs(f->fix_co_filename, code, origin, NULL);
            if (!r)
                Py_CLEAR(code);
            Py_XDECREF(r);
        }
    } else if (entry->slot_mask & (1u << PYR_SOURCE)) {
        code = compile_source(f, entry->index, origin);
        if (code)
            ph_finder_trace(f, "code object from", entry, "compiled from its source in memory");
    } else {
        PyErr_Format(PyExc_ImportError, "%s: %s has no bytecode for optimize=%d and no source",
                     pyr_path(f->archive), entry->name, f->optimize);
    }
    Py_DECREF(origin);
    return code;
}

static PyObject *finder_get_code(PhFinder *f, PyObject *fullname)
{
    pyr_entry entry;
    if (require_module(f, fullname, &entry) < 0)
        return NULL;
    return code_for(f, &entry);
}

static PyObject *finder_create_module(PhFinder *f, PyObject *spec)
{
    PyObject *name = PyObject_GetAttrString(spec, "name");
    if (!name)
        return NULL;
    pyr_entry entry;
    int rc = require_module(f, name, &entry);
    Py_DECREF(name);
    if (rc < 0)
        return NULL;
    if (entry.kind == PYR_EXTENSION_MODULE)
        return ph_extension_create(f, spec, entry.index);
    Py_RETURN_NONE; /* the default module object */
}

#if PH_PY_RESOURCES_FILES_ASKS_NO_READER
/* CPython 3.9's importlib.resources.files() asks no loader: it returns the directory of the
 * package's __file__ on disk (importlib/_common.py, from_package), where a packed package has
 * nothing. 3.10 asks the loader's resource reader first; this gives 3.9 the same, once, when
 * importlib._common is executed from the archive. */
static int fix_resources_files(PyObject *globals)
{
    PyObject *name = PyDict_GetItemString(globals, "__name__"); /* borrowed */
    if (!name || !PyUnicode_Check(name) ||
        PyUnicode_CompareWithASCIIString(name, "importlib._common") != 0)
        return 0;
    PyObject *r =
        PyRun_String("def _ph_from_package(package, _fallback=from_package):\n"
                     "    spec = package.__spec__\n"
                     "    get = getattr(spec.loader, 'get_resource_reader', None)\n"
                     "    files = getattr(get(spec.name) if get else None, 'files', None)\n"
                     "    return files() if files else _fallback(package)\n"
                     "from_package = _ph_from_package\n"
                     "del _ph_from_package\n",
                     Py_file_input, globals, globals);
    Py_XDECREF(r);
    return r ? 0 : -1;
}
#endif

static PyObject *finder_exec_module(PhFinder *f, PyObject *module)
{
    PyObject *name = PyObject_GetAttrString(module, "__name__");
    PyObject *spec = PyObject_GetAttrString(module, "__spec__");
    PyObject *spec_name = spec && spec != Py_None ? PyObject_GetAttrString(spec, "name") : NULL;
    Py_XDECREF(spec);
    PyErr_Clear();
    pyr_entry entry;
    int rc = require_module(f, spec_name ? spec_name : name, &entry);
    Py_XDECREF(spec_name);
    Py_XDECREF(name);
    if (rc < 0)
        return NULL;
    if (entry.kind == PYR_EXTENSION_MODULE) {
        PyObject *imp = PyImport_ImportModule("_imp");
        PyObject *r = imp ? PyObject_CallMethod(imp, "exec_dynamic", "O", module) : NULL;
        Py_XDECREF(imp);
        Py_XDECREF(r);
        return r ? Py_NewRef(Py_None) : NULL;
    }
    PyObject *code = code_for(f, &entry);
    if (!code || code == Py_None)
        return code;
    PyObject *globals = PyModule_GetDict(module); /* borrowed */
    /* As exec() does: C code that imports (PyImport_Import) looks builtins up in the calling
     * frame's globals and fails without them. */
    if (!PyDict_GetItemString(globals, "__builtins__") &&
        PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0) {
        Py_DECREF(code);
        return NULL;
    }
    PyObject *result = PyEval_EvalCode(code, globals, globals);
    Py_DECREF(code);
    if (!result)
        return NULL;
    Py_DECREF(result);
#if PH_PY_RESOURCES_FILES_ASKS_NO_READER
    if (fix_resources_files(globals) < 0)
        return NULL;
#endif
    Py_RETURN_NONE;
}

static PyObject *finder_get_source(PhFinder *f, PyObject *fullname)
{
    pyr_entry entry;
    if (require_module(f, fullname, &entry) < 0)
        return NULL;
    if (!(entry.slot_mask & (1u << PYR_SOURCE)))
        Py_RETURN_NONE; /* the loader protocol's answer for "no source available" */
    PyObject *bytes = ph_finder_read_bytes(f, entry.index, PYR_SOURCE);
    if (!bytes)
        return NULL;
    PyObject *external = PyImport_ImportModule("importlib._bootstrap_external");
    PyObject *text = external ? PyObject_CallMethod(external, "decode_source", "O", bytes) : NULL;
    Py_XDECREF(external);
    Py_DECREF(bytes);
    return text;
}

static PyObject *finder_get_filename(PhFinder *f, PyObject *fullname)
{
    pyr_entry entry;
    if (require_module(f, fullname, &entry) < 0)
        return NULL;
    if (entry.kind == PYR_NAMESPACE_PACKAGE) {
        PyErr_Format(PyExc_ImportError, "namespace package %R has no file", fullname);
        return NULL;
    }
    return module_origin(f, &entry);
}

static PyObject *finder_is_package(PhFinder *f, PyObject *fullname)
{
    pyr_entry entry;
    if (require_module(f, fullname, &entry) < 0)
        return NULL;
    return PyBool_FromLong(entry.kind == PYR_PACKAGE || entry.kind == PYR_NAMESPACE_PACKAGE);
}

static PyObject *finder_iter_modules(PhFinder *f, PyObject *args)
{
    return ph_finder_iter_modules_method(f, "", args);
}

static PyObject *finder_get_resource_reader(PhFinder *f, PyObject *fullname)
{
    pyr_entry entry;
    if (require_module(f, fullname, &entry) < 0)
        return NULL;
    if (entry.kind != PYR_PACKAGE && entry.kind != PYR_NAMESPACE_PACKAGE)
        Py_RETURN_NONE;
    return ph_resource_reader_new(f, fullname);
}

static PyObject *finder_path_hook(PhFinder *f, PyObject *path)
{
    return ph_path_finder_new(f, path);
}

static PyObject *finder_invalidate_caches(PhFinder *f, PyObject *unused)
{
    (void)f, (void)unused;
    Py_RETURN_NONE; /* the archive never changes under a running app */
}

/* _set_root(path): module paths from now on live under PATH. The PyInstaller onefile start-up
 * (_pyhost_pyi_boot) moves them into sys._MEIPASS once the data files and binaries are written
 * there, so that a package finds its files through __file__ as through _MEIPASS (one root, as
 * in PyInstaller's). Modules imported before keep their paths. */
static PyObject *finder_set_root(PhFinder *f, PyObject *path)
{
    PyObject *fspath = PyOS_FSPath(path);
    if (!fspath)
        return NULL;
    if (!PyUnicode_Check(fspath) || PyUnicode_GET_LENGTH(fspath) == 0) {
        Py_DECREF(fspath);
        PyErr_SetString(PyExc_ValueError, "the root is a non-empty str path");
        return NULL;
    }
    Py_SETREF(f->root, fspath);
    Py_RETURN_NONE;
}

static PyMethodDef finder_methods[] = {
    {"find_spec", (PyCFunction)(void (*)(void))finder_find_spec, METH_VARARGS | METH_KEYWORDS,
     NULL},
    {"create_module", (PyCFunction)finder_create_module, METH_O, NULL},
    {"exec_module", (PyCFunction)finder_exec_module, METH_O, NULL},
    {"get_code", (PyCFunction)finder_get_code, METH_O, NULL},
    {"get_source", (PyCFunction)finder_get_source, METH_O, NULL},
    {"get_data", (PyCFunction)ph_finder_get_data, METH_O, NULL},
    {"get_filename", (PyCFunction)finder_get_filename, METH_O, NULL},
    {"is_package", (PyCFunction)finder_is_package, METH_O, NULL},
    {"iter_modules", (PyCFunction)finder_iter_modules, METH_VARARGS, NULL},
    {"get_resource_reader", (PyCFunction)finder_get_resource_reader, METH_O, NULL},
    {"path_hook", (PyCFunction)finder_path_hook, METH_O, NULL},
    {"find_distributions", (PyCFunction)(void (*)(void))ph_finder_find_distributions,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {"invalidate_caches", (PyCFunction)finder_invalidate_caches, METH_NOARGS, NULL},
    {"_set_root", (PyCFunction)finder_set_root, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static void finder_dealloc(PhFinder *f)
{
    Py_XDECREF(f->root);
    Py_XDECREF(f->app_dir);
    Py_XDECREF(f->module_spec);
    Py_XDECREF(f->fix_co_filename);
    free(f->libraries);
    Py_TYPE(f)->tp_free((PyObject *)f);
}

static PyObject *finder_repr(PhFinder *f)
{
    return PyUnicode_FromFormat("<pyhost finder for %s>", pyr_path(f->archive));
}

PyTypeObject PhFinder_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyhost.Finder",
    .tp_basicsize = sizeof(PhFinder),
    .tp_dealloc = (destructor)finder_dealloc,
    .tp_repr = (reprfunc)finder_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Meta path finder and loader over a pyhost .pyr file.",
    .tp_methods = finder_methods,
};

PhFinder *ph_finder_new(pyr_archive *archive, const char *root, const char *app_dir, int optimize,
                        int verbose)
{
    PyTypeObject *types[] = {&PhFinder_Type, &PhPathFinder_Type, &PhResourceReader_Type,
                             &PhResourcePath_Type};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (PyType_Ready(types[i]) < 0)
            return NULL;
    PhFinder *f = PyObject_New(PhFinder, &PhFinder_Type);
    if (!f)
        return NULL;
    f->archive = archive;
    f->optimize = optimize;
    f->verbose = verbose;
    f->libraries = NULL;
    f->app_dir = NULL;
    f->root = PyUnicode_DecodeFSDefault(root);
    f->app_dir = f->root ? PyUnicode_DecodeFSDefault(app_dir) : NULL;
    PyObject *bootstrap = PyImport_ImportModule("_frozen_importlib");
    f->module_spec = bootstrap ? PyObject_GetAttrString(bootstrap, "ModuleSpec") : NULL;
    Py_XDECREF(bootstrap);
    PyObject *imp = PyImport_ImportModule("_imp");
    f->fix_co_filename = imp ? PyObject_GetAttrString(imp, "_fix_co_filename") : NULL;
    Py_XDECREF(imp);
    if (!f->root || !f->app_dir || !f->module_spec || !f->fix_co_filename) {
        Py_DECREF(f);
        return NULL;
    }
    return f;
}
