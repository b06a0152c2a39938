/* importlib.resources over a .pyr: a resource reader per package whose files() returns a
 * Traversable (PhResourcePath) walking the packed '/'-named entries and the packages' module
 * sources. Nothing touches the disk unless an entry is routed filesystem-relative. */
#include "finder.h"

#include <string.h>

typedef struct PhResourcePath {
    PyObject_HEAD PhFinder *finder;
    PyObject *rel; /* '/'-separated path under the root; "" is the root itself */
} PhResourcePath;

typedef struct PhResourceReader {
    PyObject_HEAD PhFinder *finder;
    PyObject *dir; /* PhResourcePath of the package directory */
} PhResourceReader;

PyObject *ph_resource_path_new(PhFinder *f, PyObject *rel)
{
    PhResourcePath *p = PyObject_New(PhResourcePath, &PhResourcePath_Type);
    if (!p)
        return NULL;
    p->finder = (PhFinder *)Py_NewRef(f);
    p->rel = Py_NewRef(rel);
    return (PyObject *)p;
}

static PyObject *child_path(PhResourcePath *p, PyObject *name)
{
    PyObject *rel = PyUnicode_GET_LENGTH(p->rel) ? PyUnicode_FromFormat("%U/%U", p->rel, name)
                                                 : Py_NewRef(name);
    if (!rel)
        return NULL;
    PyObject *child = ph_resource_path_new(p->finder, rel);
    Py_DECREF(rel);
    return child;
}

/* Adds the direct children named by '/'-entries under `dir/`: name -> is_dir. */
static int collect_file_children(PhFinder *f, const char *dir, size_t dlen, PyObject *children)
{
    pyr_info info;
    pyr_get_info(f->archive, &info);
    char *prefix = PyMem_Malloc(dlen + 2);
    if (!prefix)
        return -1;
    memcpy(prefix, dir, dlen);
    size_t plen = dlen ? dlen + 1 : 0;
    prefix[dlen] = '/';
    uint32_t i = plen ? pyr_lower_bound(f->archive, prefix, plen) : 0;
    int rc = 0;
    for (; rc == 0 && i < info.entry_count; i++) {
        pyr_entry e;
        if (pyr_entry_at(f->archive, i, &e, NULL) < 0)
            break;
        if (e.name_len < plen || memcmp(e.name, prefix, plen))
            break;
        const char *rest = e.name + plen;
        const char *slash = strchr(rest, '/');
        if (!plen && !slash)
            continue; /* at the root, only directories come from '/'-names */
        if (e.kind <= PYR_EXTENSION_MODULE || rest[0] == '.')
            continue;
        PyObject *name =
            PyUnicode_FromStringAndSize(rest, slash ? slash - rest : (Py_ssize_t)strlen(rest));
        rc = name ? PyDict_SetItem(children, name, slash ? Py_True : Py_False) : -1;
        Py_XDECREF(name);
    }
    PyMem_Free(prefix);
    return rc;
}

/* Adds the modules of the package at `dir`: "mod.py" files (when their source is packed) and
 * subpackage directories. */
static int collect_module_children(PhFinder *f, PyObject *rel, PyObject *children)
{
    PyObject *dotted = PyObject_CallMethod(rel, "replace", "ss", "/", ".");
    const char *pkg = dotted ? PyUnicode_AsUTF8(dotted) : NULL;
    if (!pkg) {
        Py_XDECREF(dotted);
        return -1;
    }
    char *prefix = PyMem_Malloc(strlen(pkg) + 2);
    if (!prefix) {
        Py_DECREF(dotted);
        return -1;
    }
    strcpy(prefix, pkg);
    if (*pkg)
        strcat(prefix, ".");
    PyObject *empty = PyUnicode_FromString("");
    PyObject *mods = empty ? ph_finder_iter_modules(f, prefix, empty, true) : NULL;
    Py_XDECREF(empty);
    PyMem_Free(prefix);
    Py_DECREF(dotted);
    if (!mods)
        return -1;
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(mods); i++) {
        PyObject *name = PyTuple_GET_ITEM(PyList_GET_ITEM(mods, i), 0);
        int ispkg = PyObject_IsTrue(PyTuple_GET_ITEM(PyList_GET_ITEM(mods, i), 1));
        PyObject *key = ispkg ? Py_NewRef(name) : PyUnicode_FromFormat("%U.py", name);
        if (!ispkg) {
            PyObject *probe =
                key ? PyUnicode_FromFormat("%U%s%U", rel, PyUnicode_GET_LENGTH(rel) ? "/" : "", key)
                    : NULL;
            PyObject *data = probe ? ph_finder_read_path(f, probe) : NULL;
            Py_XDECREF(probe);
            if (!data) { /* no packed source: nothing to show as a file */
                Py_CLEAR(key);
                if (PyErr_Occurred())
                    rc = -1;
                continue;
            }
            Py_DECREF(data);
        }
        rc = key ? PyDict_SetItem(children, key, ispkg ? Py_True : Py_False) : -1;
        Py_XDECREF(key);
    }
    Py_DECREF(mods);
    return rc;
}

/* name -> is_dir for every direct child. */
static PyObject *children_of(PhResourcePath *p)
{
    Py_ssize_t len;
    const char *dir = PyUnicode_AsUTF8AndSize(p->rel, &len);
    PyObject *children = dir ? PyDict_New() : NULL;
    if (!children)
        return NULL;
    if (collect_file_children(p->finder, dir, (size_t)len, children) < 0 ||
        collect_module_children(p->finder, p->rel, children) < 0)
        Py_CLEAR(children);
    return children;
}

static PyObject *rp_iterdir(PhResourcePath *p, PyObject *unused)
{
    (void)unused;
    PyObject *children = children_of(p);
    if (!children)
        return NULL;
    PyObject *names = PyDict_Keys(children);
    Py_DECREF(children);
    if (!names || PyList_Sort(names) < 0) {
        Py_XDECREF(names);
        return NULL;
    }
    PyObject *paths = PyList_New(0);
    for (Py_ssize_t i = 0; paths && i < PyList_GET_SIZE(names); i++) {
        PyObject *child = child_path(p, PyList_GET_ITEM(names, i));
        if (!child || PyList_Append(paths, child) < 0)
            Py_CLEAR(paths);
        Py_XDECREF(child);
    }
    Py_DECREF(names);
    if (!paths)
        return NULL;
    PyObject *it = PyObject_GetIter(paths);
    Py_DECREF(paths);
    return it;
}

static PyObject *rp_read_bytes(PhResourcePath *p, PyObject *unused)
{
    (void)unused;
    PyObject *data = ph_finder_read_path(p->finder, p->rel);
    if (!data && !PyErr_Occurred())
        PyErr_Format(PyExc_FileNotFoundError, "no packed resource %R in %s", p->rel,
                     pyr_path(p->finder->archive));
    return data;
}

static int rp_is_dir_flag(PhResourcePath *p)
{
    if (PyUnicode_GET_LENGTH(p->rel) == 0)
        return 1;
    PyObject *children = children_of(p);
    if (!children)
        return -1;
    int dir = PyDict_GET_SIZE(children) > 0;
    Py_DECREF(children);
    if (dir)
        return 1;
    /* An empty package (only __init__ without source) is still a directory. */
    PyObject *dotted = PyObject_CallMethod(p->rel, "replace", "ss", "/", ".");
    Py_ssize_t len;
    const char *name = dotted ? PyUnicode_AsUTF8AndSize(dotted, &len) : NULL;
    pyr_entry e;
    uint32_t index = name ? ph_finder_lookup(p->finder, name, len) : PYR_NOT_FOUND;
    dir = index != PYR_NOT_FOUND && pyr_entry_at(p->finder->archive, index, &e, NULL) == 0 &&
          (e.kind == PYR_PACKAGE || e.kind == PYR_NAMESPACE_PACKAGE);
    Py_XDECREF(dotted);
    return PyErr_Occurred() ? -1 : dir;
}

static PyObject *rp_is_dir(PhResourcePath *p, PyObject *unused)
{
    (void)unused;
    int dir = rp_is_dir_flag(p);
    return dir < 0 ? NULL : PyBool_FromLong(dir);
}

static int rp_is_file_flag(PhResourcePath *p)
{
    PyObject *data = ph_finder_read_path(p->finder, p->rel);
    Py_XDECREF(data);
    return data ? 1 : PyErr_Occurred() ? -1 : 0;
}

static PyObject *rp_is_file(PhResourcePath *p, PyObject *unused)
{
    (void)unused;
    int file = rp_is_file_flag(p);
    return file < 0 ? NULL : PyBool_FromLong(file);
}

static PyObject *rp_exists(PhResourcePath *p, PyObject *unused)
{
    (void)unused;
    int file = rp_is_file_flag(p);
    int any = file ? file : rp_is_dir_flag(p);
    return any < 0 ? NULL : PyBool_FromLong(any);
}

/* Appends '/'-separated `part` to `rel`, resolving "." and "". ".." is refused: a resource
 * path never leaves its package tree. */
static PyObject *join_part(PyObject *rel, PyObject *part)
{
    PyObject *sep = PyUnicode_FromString("/");
    PyObject *pieces = sep ? PyUnicode_Split(part, sep, -1) : NULL;
    PyObject *list = pieces ? PyUnicode_Split(rel, sep, -1) : NULL;
    PyObject *result = NULL;
    if (!list)
        goto done;
    if (PyUnicode_GET_LENGTH(rel) == 0 && PyList_SetSlice(list, 0, 1, NULL) < 0)
        goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(pieces); i++) {
        PyObject *piece = PyList_GET_ITEM(pieces, i);
        if (PyUnicode_GET_LENGTH(piece) == 0 || PyUnicode_CompareWithASCIIString(piece, ".") == 0)
            continue;
        if (PyUnicode_CompareWithASCIIString(piece, "..") == 0) {
            PyErr_Format(PyExc_ValueError, "'..' is not allowed in a resource path: %R", part);
            goto done;
        }
        if (PyList_Append(list, piece) < 0)
            goto done;
    }
    result = PyUnicode_Join(sep, list);
done:
    Py_XDECREF(sep);
    Py_XDECREF(pieces);
    Py_XDECREF(list);
    return result;
}

static PyObject *rp_joinpath(PhResourcePath *p, PyObject *args)
{
    PyObject *rel = Py_NewRef(p->rel);
    for (Py_ssize_t i = 0; rel && i < PyTuple_GET_SIZE(args); i++) {
        PyObject *part = PyOS_FSPath(PyTuple_GET_ITEM(args, i));
        PyObject *joined = part && PyUnicode_Check(part) ? join_part(rel, part) : NULL;
        if (part && !PyUnicode_Check(part))
            PyErr_SetString(PyExc_TypeError, "resource path parts must be str");
        Py_XDECREF(part);
        Py_SETREF(rel, joined);
    }
    if (!rel)
        return NULL;
    PyObject *child = ph_resource_path_new(p->finder, rel);
    Py_DECREF(rel);
    return child;
}

static PyObject *rp_truediv(PyObject *self, PyObject *other)
{
    if (!PyObject_TypeCheck(self, &PhResourcePath_Type))
        Py_RETURN_NOTIMPLEMENTED;
    PyObject *args = PyTuple_Pack(1, other);
    PyObject *r = args ? rp_joinpath((PhResourcePath *)self, args) : NULL;
    Py_XDECREF(args);
    return r;
}

static PyObject *rp_open(PhResourcePath *p, PyObject *args, PyObject *kwargs)
{
    const char *mode = "r";
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (nargs >= 1 && !(mode = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0))))
        return NULL;
    if (strcmp(mode, "r") && strcmp(mode, "rb") && strcmp(mode, "rt"))
        return PyErr_Format(PyExc_ValueError, "packed resources are read-only (mode %s)", mode);
    PyObject *data = rp_read_bytes(p, NULL);
    PyObject *io = data ? PyImport_ImportModule("io") : NULL;
    PyObject *raw = io ? PyObject_CallMethod(io, "BytesIO", "O", data) : NULL;
    Py_XDECREF(data);
    if (!raw || !strcmp(mode, "rb")) {
        Py_XDECREF(io);
        return raw;
    }
    /* Text mode: the remaining arguments are TextIOWrapper's (encoding, errors, newline). */
    PyObject *rest = PyTuple_GetSlice(args, nargs ? 1 : 0, nargs);
    PyObject *head = rest ? PyTuple_Pack(1, raw) : NULL;
    PyObject *wrapper_args = head ? PySequence_Concat(head, rest) : NULL;
    Py_XDECREF(head);
    PyObject *cls = PyObject_GetAttrString(io, "TextIOWrapper");
    PyObject *text = cls && wrapper_args ? PyObject_Call(cls, wrapper_args, kwargs) : NULL;
    Py_XDECREF(cls);
    Py_XDECREF(wrapper_args);
    Py_XDECREF(rest);
    Py_DECREF(raw);
    Py_DECREF(io);
    return text;
}

static PyObject *rp_read_text(PhResourcePath *p, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"encoding", "errors", NULL};
    const char *encoding = "utf-8", *errors = "strict";
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zz:read_text", kwlist, &encoding, &errors))
        return NULL;
    PyObject *data = rp_read_bytes(p, NULL);
    if (!data)
        return NULL;
    PyObject *text = PyUnicode_Decode(PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data),
                                      encoding ? encoding : "utf-8", errors ? errors : "strict");
    Py_DECREF(data);
    return text;
}

static PyObject *rp_get_name(PhResourcePath *p, void *unused)
{
    (void)unused;
    Py_ssize_t len = PyUnicode_GET_LENGTH(p->rel);
    Py_ssize_t slash = PyUnicode_FindChar(p->rel, '/', 0, len, -1);
    return slash < -1 ? NULL : PyUnicode_Substring(p->rel, slash + 1, len);
}

static PyObject *rp_get_parent(PhResourcePath *p, void *unused)
{
    (void)unused;
    Py_ssize_t len = PyUnicode_GET_LENGTH(p->rel);
    Py_ssize_t slash = PyUnicode_FindChar(p->rel, '/', 0, len, -1);
    if (slash < -1)
        return NULL;
    PyObject *rel = PyUnicode_Substring(p->rel, 0, slash < 0 ? 0 : slash);
    PyObject *parent = rel ? ph_resource_path_new(p->finder, rel) : NULL;
    Py_XDECREF(rel);
    return parent;
}

static PyObject *rp_str(PhResourcePath *p)
{
    if (PyUnicode_GET_LENGTH(p->rel) == 0)
        return Py_NewRef(p->finder->root);
    return PyUnicode_FromFormat("%U/%U", p->finder->root, p->rel);
}

static PyObject *rp_repr(PhResourcePath *p)
{
    return PyUnicode_FromFormat("PackedPath(%R)", p->rel);
}

static PyObject *rp_richcompare(PyObject *a, PyObject *b, int op)
{
    if (!PyObject_TypeCheck(b, &PhResourcePath_Type) || (op != Py_EQ && op != Py_NE))
        Py_RETURN_NOTIMPLEMENTED;
    PhResourcePath *x = (PhResourcePath *)a, *y = (PhResourcePath *)b;
    int eq = x->finder == y->finder && PyUnicode_Compare(x->rel, y->rel) == 0;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t rp_hash(PhResourcePath *p)
{
    return PyObject_Hash(p->rel);
}

static void rp_dealloc(PhResourcePath *p)
{
    Py_XDECREF(p->finder);
    Py_XDECREF(p->rel);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static PyMethodDef rp_methods[] = {
    {"iterdir", (PyCFunction)rp_iterdir, METH_NOARGS, NULL},
    {"read_bytes", (PyCFunction)rp_read_bytes, METH_NOARGS, NULL},
    {"read_text", (PyCFunction)(void (*)(void))rp_read_text, METH_VARARGS | METH_KEYWORDS, NULL},
    {"is_dir", (PyCFunction)rp_is_dir, METH_NOARGS, NULL},
    {"is_file", (PyCFunction)rp_is_file, METH_NOARGS, NULL},
    {"exists", (PyCFunction)rp_exists, METH_NOARGS, NULL},
    {"joinpath", (PyCFunction)rp_joinpath, METH_VARARGS, NULL},
    {"open", (PyCFunction)(void (*)(void))rp_open, METH_VARARGS | METH_KEYWORDS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef rp_getset[] = {
    {"name", (getter)rp_get_name, NULL, NULL, NULL},
    {"parent", (getter)rp_get_parent, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyNumberMethods rp_as_number = {.nb_true_divide = rp_truediv};

PyTypeObject PhResourcePath_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyhost.PackedPath",
    .tp_basicsize = sizeof(PhResourcePath),
    .tp_dealloc = (destructor)rp_dealloc,
    .tp_repr = (reprfunc)rp_repr,
    .tp_str = (reprfunc)rp_str,
    .tp_hash = (hashfunc)rp_hash,
    .tp_richcompare = rp_richcompare,
    .tp_as_number = &rp_as_number,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A read-only importlib.resources Traversable over packed files.",
    .tp_methods = rp_methods,
    .tp_getset = rp_getset,
};

/* ---- The resource reader (importlib.resources.abc.TraversableResources protocol) -------- */

PyObject *ph_resource_reader_new(PhFinder *f, PyObject *package)
{
    PyObject *rel = PyObject_CallMethod(package, "replace", "ss", ".", "/");
    PyObject *dir = rel ? ph_resource_path_new(f, rel) : NULL;
    Py_XDECREF(rel);
    if (!dir)
        return NULL;
    PhResourceReader *r = PyObject_New(PhResourceReader, &PhResourceReader_Type);
    if (!r) {
        Py_DECREF(dir);
        return NULL;
    }
    r->finder = (PhFinder *)Py_NewRef(f);
    r->dir = dir;
    return (PyObject *)r;
}

static PyObject *reader_files(PhResourceReader *r, PyObject *unused)
{
    (void)unused;
    return Py_NewRef(r->dir);
}

static PyObject *reader_child(PhResourceReader *r, PyObject *name)
{
    PyObject *args = PyTuple_Pack(1, name);
    PyObject *child = args ? rp_joinpath((PhResourcePath *)r->dir, args) : NULL;
    Py_XDECREF(args);
    return child;
}

static PyObject *reader_open_resource(PhResourceReader *r, PyObject *name)
{
    PyObject *child = reader_child(r, name);
    PyObject *args = child ? Py_BuildValue("(s)", "rb") : NULL;
    PyObject *f = args ? rp_open((PhResourcePath *)child, args, NULL) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(child);
    return f;
}

static PyObject *reader_resource_path(PhResourceReader *r, PyObject *name)
{
    (void)r;
    /* The legacy protocol's way of saying "no real file; use open_resource". */
    return PyErr_Format(PyExc_FileNotFoundError, "%R is packed in memory, not a file", name);
}

static PyObject *reader_is_resource(PhResourceReader *r, PyObject *name)
{
    PyObject *child = reader_child(r, name);
    PyObject *result = child ? rp_is_file((PhResourcePath *)child, NULL) : NULL;
    Py_XDECREF(child);
    return result;
}

static PyObject *reader_contents(PhResourceReader *r, PyObject *unused)
{
    (void)unused;
    PyObject *children = children_of((PhResourcePath *)r->dir);
    PyObject *names = children ? PyDict_Keys(children) : NULL;
    Py_XDECREF(children);
    if (!names)
        return NULL;
    PyObject *it = PyObject_GetIter(names);
    Py_DECREF(names);
    return it;
}

static void reader_dealloc(PhResourceReader *r)
{
    Py_XDECREF(r->finder);
    Py_XDECREF(r->dir);
    Py_TYPE(r)->tp_free((PyObject *)r);
}

static PyMethodDef reader_methods[] = {
    {"files", (PyCFunction)reader_files, METH_NOARGS, NULL},
    {"open_resource", (PyCFunction)reader_open_resource, METH_O, NULL},
    {"resource_path", (PyCFunction)reader_resource_path, METH_O, NULL},
    {"is_resource", (PyCFunction)reader_is_resource, METH_O, NULL},
    {"contents", (PyCFunction)reader_contents, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

PyTypeObject PhResourceReader_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyhost.ResourceReader",
    .tp_basicsize = sizeof(PhResourceReader),
    .tp_dealloc = (destructor)reader_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "importlib.resources reader for a packed package.",
    .tp_methods = reader_methods,
};
