/* What a finder serves by path rather than by module name (finder.h): files under the app
 * root (the loader's get_data, ph_finder_read_path), listing a package's modules for pkgutil, and
 * io.open wrapped so that CPython's C traceback printer reads packed sources. */
#include "finder.h"
#include "pyhost/fsutil.h"

#include <sys/mman.h>
#include <unistd.h>

#include <marshal.h>
#include <string.h>

PyObject *ph_finder_relative(PhFinder *f, PyObject *path)
{
    PyObject *fspath = PyOS_FSPath(path);
    if (!fspath)
        return NULL;
    if (!PyUnicode_Check(fspath)) {
        Py_DECREF(fspath);
        return NULL;
    }
    Py_ssize_t root_len = PyUnicode_GET_LENGTH(f->root);
    Py_ssize_t len = PyUnicode_GET_LENGTH(fspath);
    PyObject *rel = NULL;
    if (len > root_len + 1 && PyUnicode_Tailmatch(fspath, f->root, 0, root_len, -1) == 1 &&
        PyUnicode_READ_CHAR(fspath, root_len) == '/')
        rel = PyUnicode_Substring(fspath, root_len + 1, len);
    else if (len == root_len && PyUnicode_Compare(fspath, f->root) == 0)
        rel = PyUnicode_FromString("");
    Py_DECREF(fspath);
    return rel;
}

/* Reads a file-like entry ('/'-named resource, metadata or plain file) by its relative path;
 * NULL with no exception when there is none. Filesystem-relative entries are real files. */
static PyObject *read_file_entry(PhFinder *f, const char *rel, Py_ssize_t len)
{
    uint32_t index = ph_finder_lookup(f, rel, len);
    pyr_entry entry;
    pyr_blob blob;
    if (index == PYR_NOT_FOUND || pyr_entry_at(f->archive, index, &entry, NULL) < 0 ||
        ph_finder_importable(entry.kind) ||
        pyr_blob_at(f->archive, index, PYR_DATA, &blob, NULL) != 1)
        return NULL;
    if (blob.location == PYR_IN_MEMORY)
        return ph_finder_read_bytes(f, index, PYR_DATA);
    PyObject *path = ph_finder_filesystem_path(f, index);
    PyObject *io = path ? PyImport_ImportModule("_io") : NULL;
    PyObject *file = io ? PyObject_CallMethod(io, "FileIO", "Os", path, "r") : NULL;
    PyObject *data = file ? PyObject_CallMethod(file, "readall", NULL) : NULL;
    if (file)
        Py_XDECREF(PyObject_CallMethod(file, "close", NULL));
    Py_XDECREF(file);
    Py_XDECREF(io);
    Py_XDECREF(path);
    return data;
}

/* The source of the module whose virtual file is `rel` ("pkg/__init__.py", "pkg/mod.py"). */
static PyObject *read_module_source(PhFinder *f, const char *rel, size_t len)
{
    size_t stem = len;
    if (len > 12 && !strcmp(rel + len - 12, "/__init__.py"))
        stem = len - 12;
    else if (len > 3 && !strcmp(rel + len - 3, ".py"))
        stem = len - 3;
    if (stem == len)
        return NULL;
    PyObject *dotted = PyUnicode_FromStringAndSize(rel, (Py_ssize_t)stem);
    PyObject *name = dotted ? PyObject_CallMethod(dotted, "replace", "ss", "/", ".") : NULL;
    Py_XDECREF(dotted);
    pyr_entry entry;
    PyObject *data = NULL;
    if (name && ph_finder_find_module(f, name, &entry) && (entry.slot_mask & (1u << PYR_SOURCE)))
        data = ph_finder_read_bytes(f, entry.index, PYR_SOURCE);
    Py_XDECREF(name);
    return data;
}

PyObject *ph_finder_read_path(PhFinder *f, PyObject *rel)
{
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(rel, &len);
    if (!s)
        return NULL;
    PyObject *data = read_file_entry(f, s, len);
    if (!data && !PyErr_Occurred())
        data = read_module_source(f, s, (size_t)len);
    return data;
}

PyObject *ph_finder_get_data(PhFinder *f, PyObject *path)
{
    PyObject *rel = ph_finder_relative(f, path);
    if (!rel && PyErr_Occurred())
        return NULL;
    if (rel) {
        PyObject *data = ph_finder_read_path(f, rel);
        Py_DECREF(rel);
        if (data || PyErr_Occurred())
            return data;
    }
    /* Not packed: behave like FileLoader.get_data for real files (filesystem fallbacks). */
    PyObject *io = PyImport_ImportModule("_io");
    PyObject *file = io ? PyObject_CallMethod(io, "open_code", "O", path) : NULL;
    PyObject *data = file ? PyObject_CallMethod(file, "read", NULL) : NULL;
    if (file)
        Py_XDECREF(PyObject_CallMethod(file, "close", NULL));
    Py_XDECREF(file);
    Py_XDECREF(io);
    return data;
}

PyObject *ph_finder_iter_modules(PhFinder *f, const char *package_prefix, PyObject *prefix_out,
                                 bool namespaces)
{
    size_t plen = strlen(package_prefix);
    pyr_info info;
    pyr_get_info(f->archive, &info);
    PyObject *list = PyList_New(0);
    uint32_t i = plen ? pyr_lower_bound(f->archive, package_prefix, plen) : 0;
    for (; list && i < info.entry_count; i++) {
        pyr_entry e;
        if (pyr_entry_at(f->archive, i, &e, NULL) < 0)
            break;
        if (e.name_len < plen || memcmp(e.name, package_prefix, plen) != 0)
            break; /* sorted by name: the package's range has ended */
        const char *rest = e.name + plen;
        if (!ph_finder_importable(e.kind) || (!namespaces && e.kind == PYR_NAMESPACE_PACKAGE) ||
            !*rest || strchr(rest, '.'))
            continue;
        bool ispkg = e.kind == PYR_PACKAGE || e.kind == PYR_NAMESPACE_PACKAGE;
        PyObject *item = Py_BuildValue("(NO)", PyUnicode_FromFormat("%U%s", prefix_out, rest),
                                       ispkg ? Py_True : Py_False);
        if (!item || PyList_Append(list, item) < 0)
            Py_CLEAR(list);
        Py_XDECREF(item);
    }
    return list;
}

PyObject *ph_finder_iter_modules_method(PhFinder *f, const char *package_prefix, PyObject *args)
{
    PyObject *prefix = NULL;
    if (!PyArg_ParseTuple(args, "|U:iter_modules", &prefix))
        return NULL;
    PyObject *empty = prefix ? NULL : PyUnicode_FromString("");
    /* like pkgutil over the filesystem: a directory without __init__ is not listed */
    PyObject *list = ph_finder_iter_modules(f, package_prefix, prefix ? prefix : empty, false);
    Py_XDECREF(empty);
    if (!list)
        return NULL;
    PyObject *it = PyObject_GetIter(list);
    Py_DECREF(list);
    return it;
}

/* ---- io.open for the C traceback printer ------------------------------------------------ */

/* CPython 3.11's C traceback printer (sys.__excepthook__, threading's excepthook, a traceback
 * printed by PyErr_Display) reads a frame's source line with io.open(filename, "rb"), not
 * through linecache and the module's loader, so frames of modules served from the .pyr showed
 * no source line. io.open (the module attribute it looks up, and builtins.open, which is the
 * same object) is wrapped: a binary read of a path under the app root that does not exist on disk
 * reads what the finder serves at that path, the packed source or data file, through a memfd (the
 * printer needs a descriptor to find the encoding cookie), as if the file were there. */
static PyObject *io_open_or_packed(PyObject *open, PhFinder *f, PyObject *args, PyObject *kwargs);

/* SELF is a module holding the original open and the finder: a builtin function whose
 * __self__ is a module pickles by name (io.open), as the original does. */
static PyObject *io_open_packed(PyObject *self, PyObject *args, PyObject *kwargs)
{
    PyObject *open = PyObject_GetAttrString(self, "open"); /* the original */
    PyObject *finder = open ? PyObject_GetAttrString(self, "finder") : NULL;
    PyObject *file = finder ? io_open_or_packed(open, (PhFinder *)finder, args, kwargs) : NULL;
    Py_XDECREF(finder);
    Py_XDECREF(open);
    return file;
}

static PyObject *io_open_or_packed(PyObject *open, PhFinder *f, PyObject *args, PyObject *kwargs)
{
    PyObject *file = PyObject_Call(open, args, kwargs);
    if (file || kwargs || PyTuple_GET_SIZE(args) != 2 ||
        !PyErr_ExceptionMatches(PyExc_FileNotFoundError))
        return file;
    PyObject *path = PyTuple_GET_ITEM(args, 0), *mode = PyTuple_GET_ITEM(args, 1);
    if (!PyUnicode_Check(path) || !PyUnicode_Check(mode) ||
        PyUnicode_CompareWithASCIIString(mode, "rb") != 0)
        return NULL;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *rel = ph_finder_relative(f, path);
    PyObject *data = rel ? ph_finder_read_path(f, rel) : NULL;
    Py_XDECREF(rel);
    /* A real descriptor, not a BytesIO: the printer reads the encoding cookie through it. */
    int fd = data ? memfd_create("pyhost-source", MFD_CLOEXEC) : -1;
    PyObject *opened = NULL;
    if (fd >= 0 && ph_write_all(fd, PyBytes_AS_STRING(data), (size_t)PyBytes_GET_SIZE(data)) == 0 &&
        lseek(fd, 0, SEEK_SET) == 0) {
        opened = PyObject_CallFunction(open, "is", fd, "rb");
        if (opened)
            fd = -1; /* the file object owns it now */
    }
    if (fd >= 0)
        close(fd);
    Py_XDECREF(data);
    if (opened) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(tb);
        return opened;
    }
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return NULL;
}

static PyMethodDef io_open_def = {"open", (PyCFunction)(void (*)(void))io_open_packed,
                                  METH_VARARGS | METH_KEYWORDS, NULL};

int ph_finder_serve_io_open(PhFinder *f)
{
    PyObject *io = PyImport_ImportModule("io");
    PyObject *open = io ? PyObject_GetAttrString(io, "open") : NULL;
    PyObject *self = open ? PyModule_New("pyhost.io_open") : NULL;
    PyObject *module = self ? PyUnicode_FromString("io") : NULL;
    PyObject *wrapper = module && PyObject_SetAttrString(self, "open", open) == 0 &&
                                PyObject_SetAttrString(self, "finder", (PyObject *)f) == 0
                            ? PyCFunction_NewEx(&io_open_def, self, module)
                            : NULL;
    Py_XDECREF(module);
    /* builtins.open is io.open under python: they stay one object, or pickle refuses both */
    PyObject *builtins = wrapper ? PyImport_ImportModule("builtins") : NULL;
    int rc = builtins && PyObject_SetAttrString(io, "open", wrapper) == 0 &&
                     PyObject_SetAttrString(builtins, "open", wrapper) == 0
                 ? 0
                 : -1;
    Py_XDECREF(builtins);
    Py_XDECREF(wrapper);
    Py_XDECREF(self);
    Py_XDECREF(open);
    Py_XDECREF(io);
    return rc;
}
