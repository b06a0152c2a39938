/* Private to runtime/: the C meta path finder and loader over a .pyr, and the objects it hands
 * out (path-entry finders for pkgutil, resource readers and traversables for
 * importlib.resources). One PhFinder serves one archive for the life of the interpreter. */
#ifndef PH_FINDER_H
#define PH_FINDER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "pycompat.h"

#include "pyhost/pyr.h"

typedef struct PhFinder {
    PyObject_HEAD pyr_archive *archive; /* borrowed: the app owns it and outlives the interpreter */
    PyObject *root;        /* str: the root of module paths; virtual __file__ paths live under it */
    PyObject *app_dir;     /* str: the app directory; filesystem-relative paths start there */
    int optimize;          /* which bytecode slot to use: sys.flags.optimize */
    int verbose;           /* sys.flags.verbose: say where each module came from (python -v) */
    PyObject *module_spec; /* importlib's ModuleSpec class */
    PyObject *fix_co_filename; /* _imp._fix_co_filename, called for every module loaded */
    uint8_t *libraries;        /* one byte per entry: shared library loaded (NULL: none yet) */
} PhFinder;

extern PyTypeObject PhFinder_Type; /* static type objects: immutable once readied */
extern PyTypeObject PhPathFinder_Type;
extern PyTypeObject PhResourceReader_Type;
extern PyTypeObject PhResourcePath_Type;

/* Creates the finder. `root` is the root of module paths, `app_dir` the app directory (both
 * absolute; the same in a directory bundle, CACHE/apps/HASH and the .pyr's directory under
 * pyhost run). */
PhFinder *ph_finder_new(pyr_archive *archive, const char *root, const char *app_dir, int optimize,
                        int verbose);
/* python -v's "# ..." line about one entry: what was done with it (e.g. "code object from") and
 * how (e.g. "bytecode in memory"). Prints only when verbose; raises nothing. */
void ph_finder_trace(PhFinder *f, const char *what, const pyr_entry *entry, const char *how);

/* True for the entry kinds a module can be imported from. */
bool ph_finder_importable(pyr_kind kind);
/* Finds an importable entry by module name: 1 and *entry when found, else 0; sets no
 * exception. */
int ph_finder_find_module(PhFinder *f, PyObject *fullname, pyr_entry *entry);
/* The loader's get_data(path): the bytes of a file under the root or on disk. */
PyObject *ph_finder_get_data(PhFinder *f, PyObject *path);
/* Looks up a name; returns the entry index or PYR_NOT_FOUND. Raises nothing. */
uint32_t ph_finder_lookup(PhFinder *f, const char *name, Py_ssize_t len);
/* Reads a blob as bytes; sets a Python exception (ImportError / OSError) and returns NULL on
 * failure. */
PyObject *ph_finder_read_bytes(PhFinder *f, uint32_t index, pyr_slot slot);
/* The module name behind a path under the root ("pkg/sub" -> "pkg.sub"), or NULL with no
 * exception if the path is not under the root. New reference. */
PyObject *ph_finder_relative(PhFinder *f, PyObject *path);
/* The real path (app_dir + stored relative path) of an entry whose DATA blob is routed
 * filesystem-relative; NULL with no exception when its data is in memory. */
PyObject *ph_finder_filesystem_path(PhFinder *f, uint32_t index);
/* The bytes of the packed file at '/'-path `rel` under the root: a resource, a metadata or
 * plain file (filesystem-relative ones read from disk), or a module's source ("pkg/m.py").
 * NULL with no exception when nothing is packed there. */
PyObject *ph_finder_read_path(PhFinder *f, PyObject *rel);
/* Wraps io.open so that the C traceback printer reads packed sources (finder_data.c says why). */
int ph_finder_serve_io_open(PhFinder *f);
/* Lists the direct children (modules) of the package prefix ("" or "pkg.") into a list of
 * (name, ispkg) tuples with names prefixed by `prefix_out`; namespace packages only when
 * `namespaces` (pkgutil does not list them, a directory listing does). */
PyObject *ph_finder_iter_modules(PhFinder *f, const char *package_prefix, PyObject *prefix_out,
                                 bool namespaces);

/* The pkgutil protocol's iter_modules([prefix]) for a package prefix: an iterator of
 * (name, ispkg). */
PyObject *ph_finder_iter_modules_method(PhFinder *f, const char *package_prefix, PyObject *args);

/* The path-entry finder for `path` (a virtual directory under the root), or NULL with
 * ImportError set when the path is not ours: installed first in sys.path_hooks. */
PyObject *ph_path_finder_new(PhFinder *f, PyObject *path);
/* A resource reader for package `package` (dotted name). */
PyObject *ph_resource_reader_new(PhFinder *f, PyObject *package);
/* A Traversable for '/'-separated `relpath` under the root ("" = the root). */
PyObject *ph_resource_path_new(PhFinder *f, PyObject *relpath);

/* importlib.metadata's finder hook: PathDistribution objects over packed metadata. */
PyObject *ph_finder_find_distributions(PhFinder *f, PyObject *args, PyObject *kwargs);

/* Loads an in-memory extension module through memfd_create: no file on disk. */
PyObject *ph_extension_create(PhFinder *f, PyObject *spec, uint32_t index);
/* A path dlopen can load `data` from: /proc/self/fd/N of a memfd called `name` (its
 * descriptor stored in *fd, to keep open), else the extraction cache's copy, `filename`. NULL
 * with ImportError set on failure. */
PyObject *ph_loadable_path(const char *name, const char *filename, const pyr_data *data, int *fd);
/* Loads the packed shared libraries the ELF object in `elf` needs through its $ORIGIN run
 * path, `origin` being its directory under the root; `what` names it in errors. -1 with
 * ImportError set on failure. */
int ph_shlib_load_needed(PhFinder *f, const char *origin, const pyr_data *elf, const char *what);

#endif
