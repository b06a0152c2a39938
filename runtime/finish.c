/* The end of a program: Py_FinalizeEx, or with [python] fast_exit, only what programs rely on.
 *
 * A normal exit tears the whole heap down: every module dict cleared, every object freed, the
 * interned strings, types and arenas released. For a CLI that imported hundreds of modules that
 * is a large share of its run (94 of 345 ms of an import-all), and nothing outside the process
 * sees it. What programs do rely on is kept, in the order Py_FinalizeEx does it:
 *   1. non-daemon threads joined (threading._shutdown);
 *   2. atexit callbacks, which include weakref.finalize(..., atexit=True);
 *   3. the finalizers of every object still alive: __del__ methods (NamedTemporaryFile removes
 *      its file), io objects (an unclosed buffered file is flushed and closed), generators
 *      (their finally blocks), as the dealloc of each would have run them; the standard streams
 *      last, and only flushed;
 *   4. stdout and stderr flushed (a failure gives python's status 120).
 * Then the process exits with the heap as it is; the C library's own atexit handlers still run.
 * Python does not promise __del__ for objects alive at exit at all; this runs more of them than
 * a normal exit does (objects in reference cycles a normal exit leaves uncollected included). */
#include "interp.h"

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static void call_method_of(const char *module, const char *method)
{
    PyObject *name = PyUnicode_FromString(module);
    PyObject *mod = name ? PyImport_GetModule(name) : NULL; /* only if the app imported it */
    Py_XDECREF(name);
    PyObject *r = mod ? PyObject_CallMethod(mod, method, NULL) : NULL;
    if (!r && PyErr_Occurred())
        PyErr_WriteUnraisable(mod);
    Py_XDECREF(r);
    Py_XDECREF(mod);
}

/* Is O one of the standard streams or a layer under one? Those are flushed, never closed. */
static int is_std_stream(PyObject *o, PyObject *streams)
{
    return PySequence_Contains(streams, o) == 1;
}

static PyObject *std_stream_layers(void)
{
    PyObject *list = PyList_New(0);
    static const char *const names[] = {"stdin",     "stdout",     "stderr",
                                        "__stdin__", "__stdout__", "__stderr__"};
    for (size_t i = 0; list && i < sizeof names / sizeof names[0]; i++) {
        PyObject *s = PySys_GetObject(names[i]); /* borrowed */
        for (int depth = 0; s && s != Py_None && depth < 3; depth++) {
            PyList_Append(list, s);
            PyObject *under = PyObject_GetAttrString(s, depth == 0 ? "buffer" : "raw");
            if (!under) {
                PyErr_Clear();
                break;
            }
            Py_DECREF(under); /* kept alive by s */
            s = under;
        }
    }
    return list;
}

static void close_io(PyObject *o)
{
    PyObject *closed = PyObject_GetAttrString(o, "closed");
    int is_closed = closed ? PyObject_IsTrue(closed) : 1;
    Py_XDECREF(closed);
    PyErr_Clear();
    if (is_closed)
        return;
    PyObject *r = PyObject_CallMethod(o, "close", NULL);
    Py_XDECREF(r);
}

/* The objects the collector tracks that have a finalizer (tp_finalize), in its order: most
 * objects (dicts, tuples, functions) have none, so the passes below walk a short list. */
static PyObject *objects_with_finalizers(void)
{
    PyObject *gc = PyImport_ImportModule("gc");
    PyObject *all = gc ? PyObject_CallMethod(gc, "get_objects", NULL) : NULL;
    Py_XDECREF(gc);
    PyObject *some = all ? PyList_New(0) : NULL;
    for (Py_ssize_t i = 0; some && i < PyList_GET_SIZE(all); i++) {
        PyObject *o = PyList_GET_ITEM(all, i);
        if (Py_TYPE(o)->tp_finalize && PyList_Append(some, o) < 0)
            Py_CLEAR(some);
    }
    Py_XDECREF(all);
    return some;
}

/* Runs the finalizer (tp_finalize: __del__, io's close, generators' close) of every object the
 * collector tracks, io objects after the others so that a __del__ may still write to a file. */
static void finalize_live_objects(void)
{
    PyObject *objects = objects_with_finalizers();
    PyObject *io = PyImport_ImportModule("_io");
    PyObject *iobase = io ? PyObject_GetAttrString(io, "_IOBase") : NULL;
    PyObject *text = io ? PyObject_GetAttrString(io, "_TextIOBase") : NULL;
    PyObject *buffered = io ? PyObject_GetAttrString(io, "_BufferedIOBase") : NULL;
    PyObject *streams = std_stream_layers();
    /* pass 0: everything but files; then files from the outermost layer in: text, buffered,
     * raw, so that each layer's buffer reaches the one below before that one closes */
    for (int pass = 0; objects && iobase && text && buffered && streams && pass < 4; pass++) {
        Py_ssize_t n = PyList_GET_SIZE(objects);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *o = PyList_GET_ITEM(objects, i);
            /* io objects inherit _IOBase's finalizer */
            int is_io = PyObject_IsInstance(o, iobase) == 1;
            int layer = !is_io                                  ? 0
                        : PyObject_IsInstance(o, text) == 1     ? 1
                        : PyObject_IsInstance(o, buffered) == 1 ? 2
                                                                : 3;
            if (layer != pass || (is_io && is_std_stream(o, streams)))
                continue;
            if (is_io) /* what their dealloc does (_PyIOBase_finalize): close, which flushes */
                close_io(o);
            else if (Py_TYPE(o)->tp_finalize)
                PyObject_CallFinalizer(o);
            if (PyErr_Occurred())
                PyErr_WriteUnraisable(o);
        }
    }
    PyErr_Clear();
    Py_XDECREF(streams);
    Py_XDECREF(buffered);
    Py_XDECREF(text);
    Py_XDECREF(iobase);
    Py_XDECREF(io);
    Py_XDECREF(objects);
}

static int flush_std(const char *name)
{
    PyObject *f = PySys_GetObject(name); /* borrowed */
    if (!f || f == Py_None)
        return 0;
    PyObject *r = PyObject_CallMethod(f, "flush", NULL);
    Py_XDECREF(r);
    if (r)
        return 0;
    PyErr_Clear();
    return -1;
}

int ph_interp_finish(bool fast)
{
    if (!fast)
        return Py_FinalizeEx();
    call_method_of("threading", "_shutdown");
    PyObject *atexit = PyImport_ImportModule("atexit");
    PyObject *r = atexit ? PyObject_CallMethod(atexit, "_run_exitfuncs", NULL) : NULL;
    if (!r)
        PyErr_Clear(); /* _run_exitfuncs reports its callbacks' errors itself */
    Py_XDECREF(r);
    Py_XDECREF(atexit);
    finalize_live_objects();
    int rc = flush_std("stdout");
    flush_std("stderr");
    return rc;
}
