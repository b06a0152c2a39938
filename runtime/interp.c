/* Interpreter start-up. This is the one file that knows how CPython's initialization is hooked.
 *
 * CPython imports `encodings` (and with it much of the stdlib) from the filesystem during
 * the "main" phase of initialization. pyhost splits initialization in two with
 * PyConfig._init_main = 0: after the core phase, importlib's bootstrap is there but nothing has
 * been imported from disk; pyhost appends its finder to sys.meta_path (after the builtin and
 * frozen importers, so deep-frozen modules keep their zero-cost start), then runs the main phase
 * with _Py_InitializeMain(). This is PyOxidizer's approach too. The alternative (serving the
 * start-up modules through PyImport_FrozenModules) needs a table built before init and still a
 * finder afterwards; the split is simpler and keeps every module on one code path. */
#include "interp.h"
#include "pyhost/serve.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "finder.h"
#include "pycompat.h"

static int status_error(PyStatus status, const char *what, ph_error *err)
{
    ph_error_set(err, "%s: %s%s%s", what, status.func ? status.func : "", status.func ? ": " : "",
                 status.err_msg ? status.err_msg : "failed");
    return ph_error_hint(err, "this is a pyhost bug or an unusable environment; please report "
                              "it with this message and 'pyhost --version'");
}

static int set_string(PyConfig *c, wchar_t **field, const char *value, ph_error *err)
{
    PyStatus s = PyConfig_SetBytesString(c, field, value);
    return PyStatus_Exception(s) ? status_error(s, "configuring Python", err) : 0;
}

static bool has_option(const ph_strlist *list, const char *name)
{
    for (size_t i = 0; list && i < list->count; i++)
        if (!strcmp(list->items[i], name))
            return true;
    return false;
}

static int append_option(PyConfig *c, PyWideStringList *list, const char *value, ph_error *err)
{
    wchar_t *w = Py_DecodeLocale(value, NULL);
    if (!w)
        return ph_error_set(err, "cannot decode the Python option '%s'", value);
    PyStatus s = PyWideStringList_Append(list, w);
    PyMem_RawFree(w);
    (void)c;
    return PyStatus_Exception(s) ? status_error(s, "setting Python options", err) : 0;
}

/* [python] xoptions, warnoptions, dev_mode, unbuffered, hash_seed, verbose: what python's -X, -W,
 * -X dev, -u, PYTHONHASHSEED and -v set (utf8_mode is a pre-configuration: ph_interp_start). */
static int set_options(PyConfig *c, const ph_interp_config *ic, ph_error *err)
{
    for (size_t i = 0; ic->xoptions && i < ic->xoptions->count; i++)
        if (append_option(c, &c->xoptions, ic->xoptions->items[i], err) < 0)
            return -1;
    for (size_t i = 0; ic->warnoptions && i < ic->warnoptions->count; i++)
        if (append_option(c, &c->warnoptions, ic->warnoptions->items[i], err) < 0)
            return -1;
    if (ic->dev_mode || has_option(ic->xoptions, "dev"))
        c->dev_mode = 1;
    if (ic->unbuffered)
        c->buffered_stdio = 0;
    c->verbose = ic->verbose;
    if (ic->import_time) /* -X importtime in the xoptions sets it too, when the config is read */
        c->import_time = 1;
    if (ic->hash_seed >= 0) {
        c->use_hash_seed = 1;
        c->hash_seed = (unsigned long)ic->hash_seed;
    }
    return 0;
}

static int fill_config(PyConfig *c, const ph_interp_config *ic, ph_error *err)
{
    PyConfig_InitIsolatedConfig(c);
    c->_init_main = 0;
    c->install_signal_handlers = 1; /* Ctrl-C raises KeyboardInterrupt, as in python */
    c->site_import = ic->site;
    c->write_bytecode = 0;
    c->optimization_level = ic->optimize;
    c->pathconfig_warnings = 0;
    c->parse_argv = 0; /* the app's arguments are its own, never python's options */
#if PH_PY_HAS_USE_FROZEN_MODULES
    c->use_frozen_modules = 1;
#endif
    c->module_search_paths_set = 1;
    PyStatus s = PyConfig_SetBytesArgv(c, ic->argc, ic->argv);
    if (PyStatus_Exception(s))
        return status_error(s, "setting sys.argv", err);
    if (set_string(c, &c->program_name, ic->executable, err) < 0 ||
        set_string(c, &c->executable, ic->executable, err) < 0 ||
        set_string(c, &c->base_executable, ic->executable, err) < 0)
        return -1;
    /* Fixed prefixes: no search for landmarks on disk, and sys.prefix points at the app. */
    wchar_t **prefixes[] = {&c->prefix, &c->base_prefix, &c->exec_prefix, &c->base_exec_prefix,
                            &c->home};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (set_string(c, prefixes[i], ic->root, err) < 0)
            return -1;
    if (set_options(c, ic, err) < 0)
        return -1;
    wchar_t *root = Py_DecodeLocale(ic->root, NULL);
    if (!root)
        return ph_error_set(err, "cannot decode the app directory %s", ic->root);
    s = PyWideStringList_Append(&c->module_search_paths, root);
    PyMem_RawFree(root);
    return PyStatus_Exception(s) ? status_error(s, "setting sys.path", err) : 0;
}

static int append_meta_path(PyObject *finder)
{
    PyObject *meta_path = PySys_GetObject("meta_path"); /* borrowed */
    return meta_path ? PyList_Append(meta_path, finder) : -1;
}

/* importlib's PathFinder (the filesystem importer), a new reference; NULL on failure. */
static PyObject *path_finder_class(void)
{
    PyObject *external = PyImport_ImportModule("_frozen_importlib_external");
    PyObject *path_finder = external ? PyObject_GetAttrString(external, "PathFinder") : NULL;
    Py_XDECREF(external);
    return path_finder;
}

/* The finder's path hook first in sys.path_hooks, so that pkgutil and __path__ lookups see the
 * archive; the importer cache is cleared so that no entry made before stays. */
static int add_path_hook(PyObject *finder)
{
    PyObject *hooks = PySys_GetObject("path_hooks");
    PyObject *hook = PyObject_GetAttrString(finder, "path_hook");
    int rc = hooks && hook ? PyList_Insert(hooks, 0, hook) : -1;
    Py_XDECREF(hook);
    PyObject *cache = PySys_GetObject("path_importer_cache");
    if (rc == 0 && cache)
        PyDict_Clear(cache);
    return rc;
}

/* After the main phase: our path hook first, and PathFinder gone unless the manifest keeps
 * the filesystem importer. */
static int finish_import_system(PyObject *finder, bool filesystem_importer)
{
    int rc = add_path_hook(finder);
    if (rc < 0 || filesystem_importer)
        return rc;
    PyObject *path_finder = path_finder_class();
    PyObject *meta_path = PySys_GetObject("meta_path");
    if (!path_finder || !meta_path) {
        Py_XDECREF(path_finder);
        return -1;
    }
    for (Py_ssize_t i = PyList_GET_SIZE(meta_path) - 1; i >= 0; i--)
        if (PyList_GET_ITEM(meta_path, i) == path_finder)
            PySequence_DelItem(meta_path, i);
    Py_DECREF(path_finder);
    return 0;
}

static int python_error(const char *what, ph_error *err)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *msg = text ? PyUnicode_AsUTF8(text) : NULL;
    ph_error_set(err, "%s: %s", what, msg ? msg : "unknown Python error");
    Py_XDECREF(text);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
    return -1;
}

#if PH_PY_HAS_USE_FROZEN_MODULES
/* sys._stdlib_dir is where the stdlib's modules say they are: the app root, which serves them.
 * Python's path computation leaves it None (no os.py lies there on disk), so it is set once the
 * main phase is done; the frozen modules imported before that get the __file__ (and package
 * __path__) python's own start-up gives them, and later ones get it from FrozenImporter. */
/* One frozen module imported before sys._stdlib_dir was set: its file name and package
 * directory from FrozenImporter._resolve_filename, as python's start-up gives them. */
static int fix_up_frozen(PyObject *importer, PyObject *name, PyObject *module)
{
    PyObject *spec = PyObject_GetAttrString(module, "__spec__");
    PyObject *loader = spec && spec != Py_None ? PyObject_GetAttrString(spec, "loader") : NULL;
    PyObject *state = loader == importer ? PyObject_GetAttrString(spec, "loader_state") : NULL;
    PyObject *filename =
        state && state != Py_None ? PyObject_GetAttrString(state, "filename") : NULL;
    PyObject *origname = filename == Py_None ? PyObject_GetAttrString(state, "origname") : NULL;
    int pkg = origname ? PyObject_HasAttrString(module, "__path__") : 0;
    PyObject *r =
        origname ? PyObject_CallMethod(importer, "_resolve_filename", "OOi", origname, name, pkg)
                 : NULL;
    int rc = 0;
    if (r && PyTuple_Check(r) && PyTuple_GET_SIZE(r) == 2) {
        PyObject *file = PyTuple_GET_ITEM(r, 0), *dir = PyTuple_GET_ITEM(r, 1);
        rc = PyObject_SetAttrString(state, "filename", file);
        if (rc == 0 && file != Py_None && !PyObject_HasAttrString(module, "__file__"))
            rc = PyObject_SetAttrString(module, "__file__", file);
        PyObject *locations = rc == 0 && pkg && dir != Py_None
                                  ? PyObject_GetAttrString(spec, "submodule_search_locations")
                                  : NULL;
        if (locations && PyList_Check(locations))
            rc = PyList_Insert(locations, 0, dir);
        Py_XDECREF(locations);
    }
    PyErr_Clear(); /* a module that is not as expected keeps what it has */
    Py_XDECREF(r);
    Py_XDECREF(origname);
    Py_XDECREF(filename);
    Py_XDECREF(state);
    Py_XDECREF(loader);
    Py_XDECREF(spec);
    return rc;
}

static int set_stdlib_dir(const char *root)
{
    PyObject *dir = PyUnicode_DecodeFSDefault(root);
    int rc = dir ? PySys_SetObject("_stdlib_dir", dir) : -1;
    Py_XDECREF(dir);
    PyObject *bootstrap = rc == 0 ? PyImport_ImportModule("_frozen_importlib") : NULL;
    PyObject *importer = bootstrap ? PyObject_GetAttrString(bootstrap, "FrozenImporter") : NULL;
    PyObject *modules = importer ? PyDict_Copy(PyImport_GetModuleDict()) : NULL;
    Py_ssize_t pos = 0;
    PyObject *name, *module;
    while (modules && PyDict_Next(modules, &pos, &name, &module))
        fix_up_frozen(importer, name, module);
    rc = modules ? 0 : -1;
    Py_XDECREF(modules);
    Py_XDECREF(importer);
    Py_XDECREF(bootstrap);
    return rc;
}
#else
static int set_stdlib_dir(const char *root)
{
    (void)root; /* 3.9 and 3.10 have no sys._stdlib_dir */
    return 0;
}
#endif

static int install_finder(const ph_interp_config *ic, PyObject **finder, ph_error *err)
{
    *finder =
        (PyObject *)ph_finder_new(ic->archive, ic->root, ic->app_dir, ic->optimize, ic->verbose);
    if (!*finder || append_meta_path(*finder) < 0)
        return python_error("installing the pyhost finder", err);
    if (PySys_SetObject("frozen", Py_True) < 0)
        return python_error("setting sys.frozen", err);

    if (ic->meipass) {
        PyObject *root = PyUnicode_DecodeFSDefault(ic->app_dir);
        int rc = root ? PySys_SetObject("_MEIPASS", root) : -1;
        Py_XDECREF(root);
        if (rc < 0)
            return python_error("setting sys._MEIPASS", err);
    }
    return 0;
}

/* The objects made while Python starts (types, the codec registry, encodings, the finder) live
 * as long as the program: collecting among them finds nothing, yet allocating them ran several
 * young-generation collections (0.86 M of a hello's 15.7 M instructions). The collector is
 * paused for the main phase; the objects are then moved to the oldest generation, as if they
 * had survived those collections: gc.freeze() and gc.unfreeze(), which also start the count of
 * the young generation again (enabling alone leaves the count, and collects at once). */
/* Returns the gc module with *PAUSED set when the collector was paused, which it is only when
 * nothing is frozen yet: unfreeze() could not tell CPython's own frozen objects (3.12 freezes
 * some while it starts) from those of the main phase. */
static PyObject *gc_pause(bool *paused)
{
    *paused = false;
    PyObject *gc = PyImport_ImportModule("gc");
    PyObject *frozen = gc ? PyObject_CallMethod(gc, "get_freeze_count", NULL) : NULL;
    long count = frozen ? PyLong_AsLong(frozen) : -1;
    Py_XDECREF(frozen);
    PyObject *r = count == 0 ? PyObject_CallMethod(gc, "disable", NULL) : NULL;
    if (count < 0 || (count == 0 && !r)) {
        Py_XDECREF(gc);
        return NULL;
    }
    *paused = r != NULL;
    Py_XDECREF(r);
    return gc;
}

static int gc_resume(PyObject *gc, bool paused)
{
    static const char *const steps[] = {"freeze", "unfreeze", "enable"};
    for (size_t i = 0; gc && paused && i < sizeof steps / sizeof steps[0]; i++) {
        PyObject *r = PyObject_CallMethod(gc, steps[i], NULL);
        if (!r)
            return -1;
        Py_DECREF(r);
    }
    return gc ? 0 : -1;
}

/* The packed modules CPython imports while it initializes, before any Python code could report
 * a failure: `encodings` and what it needs for the file system and stdio codecs (and, where
 * they are not frozen, what io and os need). A damaged blob there ends in CPython's "Fatal
 * Python error: init_fs_encoding" and a dump of its path configuration, which names neither
 * the file nor the module; checked here first, it is one line saying both. The bytecode the
 * finder will run is read whole (checksum, and zstd's content checksum, which also catches a
 * damaged dictionary); the source, which only a traceback reads, has its stored bytes checked
 * (decompressing it too was a sixteenth of a hello's start-up). Absent ones are not this
 * check's business. */
static int check_startup_modules(pyr_archive *archive, ph_error *err)
{
    static const char *const names[] = {
        "encodings",
        "encodings.aliases",
        "encodings.utf_8",
        "encodings.latin_1",
        "encodings.ascii",
#if !PH_PY_HAS_USE_FROZEN_MODULES
        "codecs",
        "io",
        "abc",
        "os",
        "stat",
        "posixpath",
        "genericpath",
        "_collections_abc",
#endif
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint32_t index;
        pyr_entry entry;
        if (pyr_find_checked(archive, names[i], strlen(names[i]), &index, err) < 0 ||
            (index != PYR_NOT_FOUND && pyr_entry_at(archive, index, &entry, err) < 0))
            return -1;
        for (unsigned slot = 0; index != PYR_NOT_FOUND && slot < PYR_SLOTS; slot++) {
            pyr_data data = {0};
            if (!(entry.slot_mask & (1u << slot)))
                continue;
            if ((slot == PYR_SOURCE ? pyr_verify(archive, index, PYR_SOURCE, err)
                                    : pyr_read(archive, index, (pyr_slot)slot, &data, err)) < 0) {
                ph_error why = *err; /* ph_error_set writes over what it formats from */
                ph_error_set(err, "%.900s (a module Python needs to start)", why.message);
                return ph_error_hint(err, "%s", why.hint);
            }
            pyr_data_release(&data);
        }
    }
    return 0;
}

/* Does CPython start with a codec check_startup_modules checks? It does in UTF-8 mode (which a
 * C or POSIX locale turns on, PEP 538/540) and with a UTF-8, ASCII or Latin-1 locale. Another
 * locale's codec is a module of its own under encodings (and, for the East Asian ones, the
 * _codecs_* and _multibytecodec extension modules). The locale is read as CPython will read it
 * (LC_CTYPE from the environment), then put back. */
static bool starts_with_checked_codec(const ph_interp_config *ic)
{
    if (ic->utf8_mode || has_option(ic->xoptions, "utf8") || has_option(ic->xoptions, "utf8=1"))
        return true;
    const char *current = setlocale(LC_CTYPE, NULL);
    char *saved = current ? strdup(current) : NULL;
    if (!saved)
        return true; /* nothing to compare against: the fixed list is all that can be said */
    const char *name = setlocale(LC_CTYPE, "");
    bool c_locale = !name || !strcmp(name, "C") || !strcmp(name, "POSIX");
    const char *codeset = nl_langinfo(CODESET);
    static const char *const checked[] = {"UTF-8",      "utf8",      "ANSI_X3.4-1968", "ASCII",
                                          "ISO-8859-1", "ISO8859-1", "latin1"};
    bool known = c_locale && !has_option(ic->xoptions, "utf8=0");
    for (size_t i = 0; !known && codeset && i < sizeof checked / sizeof checked[0]; i++)
        known = !strcasecmp(codeset, checked[i]);
    setlocale(LC_CTYPE, saved);
    free(saved);
    return known;
}

/* Every entry whose name starts with PREFIX, every blob's stored bytes checked. */
static int check_entries_under(pyr_archive *archive, const char *prefix, ph_error *err)
{
    pyr_info info;
    pyr_get_info(archive, &info);
    size_t len = strlen(prefix);
    for (uint32_t i = pyr_lower_bound(archive, prefix, len); i < info.entry_count; i++) {
        pyr_entry entry;
        if (pyr_entry_at(archive, i, &entry, err) < 0)
            return -1;
        if (strncmp(entry.name, prefix, len))
            break;
        for (unsigned slot = 0; slot < PYR_SLOTS; slot++)
            if ((entry.slot_mask & (1u << slot)) &&
                pyr_verify(archive, i, (pyr_slot)slot, err) < 0) {
                ph_error why = *err;
                ph_error_set(err, "%.900s (a module Python needs to start with this locale)",
                             why.message);
                return ph_error_hint(err, "%s", why.hint);
            }
    }
    return 0;
}

/* Under a locale whose codec is not one of check_startup_modules', that codec's modules: all of
 * encodings' (which one the codeset names is encodings' own alias table's business) and the
 * East Asian codecs' extension modules. */
static int check_locale_codec(const ph_interp_config *ic, ph_error *err)
{
    if (starts_with_checked_codec(ic))
        return 0;
    static const char *const prefixes[] = {"encodings.", "_codecs_", "_multibytecodec"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (check_entries_under(ic->archive, prefixes[i], err) < 0)
            return -1;
    return 0;
}

int ph_interp_start(const ph_interp_config *ic, ph_error *err)
{
    if (check_startup_modules(ic->archive, err) < 0 || check_locale_codec(ic, err) < 0)
        return -1;
    ph_prefault_data();
    if (ic->huge_pages)
        ph_arena_install();
    /* python -I's pre-configuration: environment ignored, but a C/POSIX locale still turns on
     * UTF-8 mode as PEP 538/540 specify, so the app decodes text as it would under python. */
    PyPreConfig pre;
    PyPreConfig_InitPythonConfig(&pre);
    pre.isolated = 1;
    pre.use_environment = 0;
    if (ic->utf8_mode || has_option(ic->xoptions, "utf8") || has_option(ic->xoptions, "utf8=1"))
        pre.utf8_mode = 1;
    else if (has_option(ic->xoptions, "utf8=0"))
        pre.utf8_mode = 0;
    if (ic->dev_mode || has_option(ic->xoptions, "dev"))
        pre.dev_mode = 1;
    PyStatus s = Py_PreInitialize(&pre);
    if (PyStatus_Exception(s))
        return status_error(s, "pre-initializing Python", err);
    PyConfig config;
    if (fill_config(&config, ic, err) < 0) {
        PyConfig_Clear(&config);
        return -1;
    }
    s = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(s))
        return status_error(s, "initializing Python", err);
    PyObject *finder = NULL;
    if (install_finder(ic, &finder, err) < 0) {
        Py_XDECREF(finder);
        Py_FinalizeEx();
        return -1;
    }
    bool gc_paused;
    PyObject *gc = gc_pause(&gc_paused);
    /* python -v shows zipimport's hook installed, so a traced start keeps it */
    if (!gc || (!ic->verbose && ph_zip_hook_defer() < 0)) {
        Py_XDECREF(gc);
        Py_DECREF(finder);
        python_error("preparing the main phase of initialization", err);
        Py_FinalizeEx();
        return -1;
    }
    s = _Py_InitializeMain();
    if (PyStatus_Exception(s)) {
        Py_DECREF(gc);
        Py_DECREF(finder);
        Py_FinalizeEx();
        return status_error(s, "initializing Python (main phase)", err);
    }
    int rc = ph_zip_hook_install();
    if (rc == 0)
        rc = finish_import_system(finder, ic->filesystem_importer);
    if (rc == 0)
        rc = ph_finder_serve_io_open((PhFinder *)finder);
    if (rc == 0) /* after the main phase, which sets it from the config (None) */
        rc = set_stdlib_dir(ic->root);
    if (rc == 0)
        rc = gc_resume(gc, gc_paused);
    Py_DECREF(gc);
    Py_DECREF(finder);
    if (rc < 0) {
        python_error("finishing the import system", err);
        Py_FinalizeEx();
        return -1;
    }
    return 0;
}

/* In an interpreter started by someone else: before PathFinder, so that the archive's modules
 * are found first, with the builtin and frozen importers still ahead of it. */
int ph_serve_archive(pyr_archive *archive, const char *root, ph_error *err)
{
    PyObject *flags = PySys_GetObject("flags"); /* borrowed */
    PyObject *opt = flags ? PyObject_GetAttrString(flags, "optimize") : NULL;
    long optimize = opt ? PyLong_AsLong(opt) : -1;
    Py_XDECREF(opt);
    PyObject *finder =
        optimize >= 0 ? (PyObject *)ph_finder_new(archive, root, root, (int)optimize, 0) : NULL;
    PyObject *path_finder = finder ? path_finder_class() : NULL;
    PyObject *meta_path = PySys_GetObject("meta_path");
    int rc = path_finder && meta_path && PyList_Check(meta_path) ? 0 : -1;
    Py_ssize_t at = rc == 0 ? PyList_GET_SIZE(meta_path) : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(meta_path); i++)
        if (PyList_GET_ITEM(meta_path, i) == path_finder && i < at)
            at = i;
    if (rc == 0)
        rc = PyList_Insert(meta_path, at, finder);
    if (rc == 0)
        rc = add_path_hook(finder);
    Py_XDECREF(path_finder);
    Py_XDECREF(finder);
    return rc < 0 ? python_error("serving the packed modules", err) : 0;
}
