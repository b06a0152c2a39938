/* A path dlopen can load packed bytes from, for extension modules (extension.c) and the shared
 * libraries they need (shlib.c): a memfd, reachable as /proc/self/fd/N, else the extraction
 * cache's copy. On its own so that extension.c and shlib.c both use it without needing each
 * other's internals. */
#include "finder.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pyhost/extract.h"
#include "pyhost/fsutil.h"

/* /proc/self/fd/N of a memfd holding the bytes, or NULL (errno set) when memfd cannot be used. */
static PyObject *memfd_path(const char *name, const pyr_data *data, int *fd_out)
{
    *fd_out = -1;
    const char *disabled = getenv("PYHOST_NO_MEMFD");
    if (disabled && *disabled && strcmp(disabled, "0")) {
        errno = EPERM;
        return NULL;
    }
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (ph_write_all(fd, data->bytes, data->size) < 0 || access("/proc/self/fd", X_OK) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    *fd_out = fd;
    return PyUnicode_FromFormat("/proc/self/fd/%d", fd);
}

/* The extracted copy, loaded through the descriptor that was checked (pyhost/extract.h) and
 * kept open for the reason memfds are. */
static PyObject *extracted_path(const char *filename, const pyr_data *data, int *fd_out)
{
    ph_error err;
    if (ph_extract(data->bytes, data->size, filename, fd_out, &err) < 0) {
        PyErr_Format(PyExc_ImportError, "cannot load %s: %s (hint: %s)", filename, err.message,
                     err.hint);
        return NULL;
    }
    return PyUnicode_FromFormat("/proc/self/fd/%d", *fd_out);
}

PyObject *ph_loadable_path(const char *name, const char *filename, const pyr_data *data, int *fd)
{
    PyObject *path = memfd_path(name, data, fd);
    if (!path && !PyErr_Occurred())
        path = extracted_path(filename, data, fd);
    return path;
}
