/* Extension modules packed in memory. dlopen needs a file; on Linux an anonymous memfd is one,
 * reachable as /proc/self/fd/N, so nothing is written to disk. The descriptor stays open (it is
 * close-on-exec): the dynamic loader knows a library by its path, and a closed descriptor's
 * number, reused by the next memfd, would make dlopen hand back the first library again. */
#include "finder.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A memfd holding the extension's bytes, or -1 with an OSError set. */
static int memfd_with(PhFinder *f, uint32_t index, const char *name)
{
    pyr_data data;
    ph_error err;
    if (pyr_read(f->archive, index, PYR_DATA, &data, &err) < 0) {
        PyErr_Format(PyExc_ImportError, "%s (hint: %s)", err.message, err.hint);
        return -1;
    }
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0 || write_all(fd, data.bytes, data.size) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        pyr_data_release(&data);
        PyErr_Format(PyExc_ImportError,
                     "cannot load extension module %s in memory: %s (memfd_create needs "
                     "Linux 3.17+; route it with filesystem-relative:DIR in pyhost.ini)",
                     name, strerror(e));
        return -1;
    }
    pyr_data_release(&data);
    return fd;
}

PyObject *ph_extension_create(PhFinder *f, PyObject *spec, uint32_t index)
{
    PyObject *name = PyObject_GetAttrString(spec, "name");
    const char *cname = name ? PyUnicode_AsUTF8(name) : NULL;
    int fd = cname ? memfd_with(f, index, cname) : -1;
    if (fd < 0) {
        Py_XDECREF(name);
        return NULL;
    }
    /* _imp.create_dynamic reads only .name and .origin: hand it a spec whose origin is the
     * memfd, then give the module its virtual __file__ from the real spec. */
    PyObject *types = PyImport_ImportModule("types");
    PyObject *ns = types ? PyObject_CallMethod(types, "SimpleNamespace", NULL) : NULL;
    PyObject *origin = PyUnicode_FromFormat("/proc/self/fd/%d", fd);
    PyObject *module = NULL;
    if (ns && origin && PyObject_SetAttrString(ns, "name", name) == 0 &&
        PyObject_SetAttrString(ns, "origin", origin) == 0) {
        PyObject *imp = PyImport_ImportModule("_imp");
        module = imp ? PyObject_CallMethod(imp, "create_dynamic", "O", ns) : NULL;
        Py_XDECREF(imp);
    }
    if (!module)
        close(fd);
    Py_XDECREF(origin);
    Py_XDECREF(ns);
    Py_XDECREF(types);
    Py_DECREF(name);
    PyObject *file = module ? PyObject_GetAttrString(spec, "origin") : NULL;
    if (file && PyModule_Check(module) && PyObject_SetAttrString(module, "__file__", file) < 0)
        Py_CLEAR(module);
    Py_XDECREF(file);
    return module;
}
