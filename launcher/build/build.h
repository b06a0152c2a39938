/* `pyhost build`, private to the launcher: manifest -> collect -> compile -> pack.
 *
 * build_collect.c walks sys.path-like roots and decides what every file becomes (the naming
 * rules the runtime finder depends on); build_python.c runs the embedded interpreter to compile
 * bytecode; build_cache.c keeps compiled bytecode between builds; build_pack.c drives a build
 * and hands the result to the .pyr writer. None of them prints: cmd_build.c reports. */
#ifndef PH_BUILD_H
#define PH_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pyhost/error.h"
#include "pyhost/manifest.h"
#include "pyhost/pyr.h"

/* ---- The whole build (build_pack.c) ---------------------------------------------------- */

/* Called with total 0 for each module the import analysis parses (`done` of them so far, `what`
 * its name: the total is not known in advance), then once per unit packed, with `what` its file
 * name relative to its root, then once with `what` NULL when the .pyr is being compressed and
 * written. */
typedef void (*ph_build_progress_fn)(void *ctx, size_t done, size_t total, const char *what);

typedef struct ph_build_options {
    const char *manifest_path; /* NULL: ./pyhost.ini */
    const char *output_path;   /* NULL: <manifest dir>/<app.name>.pyr */
    bool verbose;              /* collect details (skipped files, timings) into the result */
    bool explain;              /* say why each distribution and top-level module is packed */
    const char *skip_dir;      /* never walked for code (a bundle's output inside the app) */
    /* Files placed on disk ([resources] placement = auto) are written next to the output and
     * recorded filesystem-relative (a directory bundle), instead of packed for extraction at
     * run time (a .pyr, a single-file bundle). */
    bool place_beside;
    /* [resources] wheels and requirements: offline mode and download progress (fetch.h);
     * NULL: online, silent. */
    const struct ph_fetch_options *fetch;
    ph_build_progress_fn progress;
    void *progress_ctx;
} ph_build_options;

typedef struct ph_build_result {
    char *output_path; /* where the .pyr was written (malloc'd) */
    size_t entries;
    uint64_t size;
    char compression[32]; /* "none", "zstd:3", "zstd:3+dict" */
    size_t compiled;      /* bytecode compiled in this build */
    size_t cached;        /* bytecode taken from the cache */
    /* Non-empty when the bytecode cache could not be used; the build went on without it. */
    char cache_warning[768];
    char cache_dir[512];
    ph_strlist notes;   /* --verbose: stdlib files skipped and why, shadowed modules */
    ph_strlist explain; /* --explain: "module json: [python] stdlib", sorted */
    /* "app.py:3: cannot resolve import x": the app's own imports that resolve nowhere
     * (top-level ones; with verbose, delayed/conditional/optional ones too, with their kind) */
    ph_strlist warnings;
    size_t routed; /* files copied next to the .pyr (filesystem-relative routing) */
    size_t placed; /* files packed to be placed on disk at run time (.pyhost/placed) */
    double seconds_collect, seconds_compile, seconds_pack, seconds_write;
} ph_build_result;

int ph_build(const ph_build_options *options, ph_build_result *result, ph_error *err);
void ph_build_result_free(ph_build_result *result);

/* ---- Collecting (build_collect.c) ------------------------------------------------------ */

/* One thing found on disk that becomes one .pyr entry. */
typedef struct ph_unit {
    char *name;    /* entry name: "json.decoder" or "notes/data/a.txt" */
    pyr_kind kind; /* MODULE, PACKAGE, NAMESPACE_PACKAGE, EXTENSION_MODULE, PACKAGE_RESOURCE */
    char *path;    /* the file on disk; NULL for a namespace package */
    char *relname; /* path relative to its root, the compile-time filename: "json/decoder.py" */
    char *owner;   /* resources: dotted name of the package holding them (filters apply to it) */
    unsigned root; /* which root it came from, in search order */
    /* a resource named like an extension module that exports no PyInit_<stem>: a shared
     * object its package loads by path (ctypes), placed on disk under its real name */
    bool shared_object;
} ph_unit;

typedef struct ph_unit_list {
    ph_unit *items;
    size_t count, capacity;
} ph_unit_list;

/* A file or directory by identity, to recognize it whatever path leads to it. */
typedef struct ph_file_id {
    dev_t dev;
    ino_t ino;
} ph_file_id;

/* How a root is walked. */
typedef struct ph_walk_rules {
    unsigned root;                /* its position in search order, recorded on every unit */
    const ph_strlist *include;    /* NULL or empty: every module */
    const ph_strlist *exclude;    /* NULL: none */
    const char *const *skip_dirs; /* NULL-terminated top-level directory names to ignore */
    dev_t skip_dev;               /* a file never to pack (the output .pyr); 0/0: none */
    ino_t skip_ino;
    const ph_strlist *tops;     /* NULL: every top-level name; else only these ("yaml") */
    const ph_file_id *skip_ids; /* directories never walked: routed copies of a last build */
    size_t skip_id_count;
} ph_walk_rules;

/* Walks `root` (an absolute directory) and appends what it provides, unfiltered by name order
 * (directory listings are sorted, so the result is deterministic). */
int ph_collect_root(ph_unit_list *out, const char *root, const ph_walk_rules *rules, ph_error *err);
/* Drops units whose module (or owning package, for resources) the rules filter out, and
 * namespace packages with nothing kept below them. Units of other roots are left alone. */
int ph_collect_filter(ph_unit_list *list, const ph_walk_rules *rules, ph_error *err);
/* Applies sys.path shadowing across roots: a top-level name provided as a regular module or
 * package by an earlier root hides everything under that name from later roots; namespace
 * portions merge; within what remains the first unit of each name wins. Dropped units are
 * described in `notes` when it is not NULL. */
int ph_collect_resolve(ph_unit_list *list, ph_strlist *notes, ph_error *err);
/* Appends one unit (strings copied). */
int ph_unit_push(ph_unit_list *list, const char *name, pyr_kind kind, const char *path,
                 const char *relname, const char *owner, unsigned root, ph_error *err);
/* Index of the unit called `name`, or (size_t)-1. Linear: only for a handful of look-ups. */
size_t ph_unit_find(const ph_unit_list *list, const char *name);
void ph_unit_list_free(ph_unit_list *list);
/* Frees the units after the first `count`, keeping those. */
void ph_unit_list_truncate(ph_unit_list *list, size_t count);

/* [app] entry = module:function: -1 with a manifest error when the function's name appears
 * nowhere in the module's source at `source_path` (build_entry.c); 0 when it may exist. */
int ph_check_entry_function(const ph_manifest *m, const char *source_path, ph_error *err);

/* Appends the files of [resources] data as PYR_PLAIN_FILE units named "DEST/NAME"
 * (build_data.c), with "data NAME: [resources] data ITEM" lines in `explain` when not NULL. */
int ph_collect_data(const ph_manifest *m, ph_unit_list *units, ph_strlist *explain, ph_error *err);

/* Appends the shared libraries that extension modules (and those libraries) reach through
 * `$ORIGIN`-relative run paths as PYR_SHARED_LIBRARY units named by their path under the root,
 * owned by the module that needs them (routing follows it). `explain`, when not NULL, gets a
 * line for each (build_shlib.c). */
int ph_collect_shared_libraries(ph_unit_list *units, const ph_manifest *m, ph_strlist *explain,
                                ph_error *err);

/* ---- Installed distributions (build_dist.c) ------------------------------------------- */

/* One distribution to pack, found through its metadata in a site directory. */
typedef struct ph_dist {
    char *name;        /* normalized (PEP 503): "charset-normalizer" */
    char *display;     /* as its metadata directory spells it: "charset_normalizer" */
    char *meta;        /* metadata directory (or egg-info file) name: "requests-2.28.1.egg-info";
                        * NULL for a Debian package with no metadata ("debian:python3-pkg-resources") */
    bool meta_is_file; /* a single-file egg-info (PKG-INFO contents) */
    unsigned site;     /* index into the site directories */
    char *reason;      /* "[resources] distributions" or "required by requests (...)" */
    ph_strlist tops;   /* top-level modules and packages it provides, that exist */
    ph_strlist extras; /* extras whose requirements were followed (normalized) */
} ph_dist;

typedef struct ph_dist_set {
    ph_dist *items;
    size_t count;
} ph_dist_set;

/* Finds the manifest's [resources] distributions in `sites` (absolute directories, searched in
 * order) and, recursively, the distributions they require. Errors name the manifest line. */
int ph_dist_resolve(const ph_manifest *m, const ph_strlist *sites, ph_dist_set *out, ph_error *err);
/* The same with dpkg's administrative directory `dpkg_dir` (NULL: /var/lib/dpkg); sets
 * *dpkg_seconds (when not NULL) to what reading dpkg's record cost, negative if never read. */
int ph_dist_resolve_in(const ph_manifest *m, const ph_strlist *sites, const char *dpkg_dir,
                       ph_dist_set *out, double *dpkg_seconds, ph_error *err);
/* Appends every file of a distribution's metadata as PYR_DISTRIBUTION_FILE units
 * ("Pygments-2.14.0.egg-info/PKG-INFO"), with `root` recorded on them. */
int ph_dist_metadata_units(const ph_dist *d, const char *site, ph_unit_list *out, unsigned root,
                           ph_error *err);
void ph_dist_set_free(ph_dist_set *set);
/* One distribution by its metadata directory `meta` in `site` (an unpacked wheel), not
 * searched for and with no requirements followed. */
int ph_dist_from_meta(const char *site, const char *meta, unsigned site_index, const char *reason,
                      ph_dist *out, ph_error *err);
/* dpkg's record (build_debian.c), read from `dpkg_dir` (NULL: /var/lib/dpkg) on the first
 * question; not a dpkg system: nothing is owned and nothing depended on. Paths are absolute,
 * as dpkg lists them. NULL: out of memory. */
typedef struct ph_debian ph_debian;
ph_debian *ph_debian_new(const char *dpkg_dir);
void ph_debian_free(ph_debian *debian);
/* The package that installed `path` (a file or directory right inside a site directory), or
 * *package NULL. */
int ph_debian_owner(ph_debian *debian, const char *path, const char **package, ph_error *err);
/* Appends the names `package` installed right inside directory `site` ("lzo.cpython-311-x86_64-
 * linux-gnu.so", "python_lzo-1.14.egg-info"), in path order. */
int ph_debian_site_entries(ph_debian *debian, const char *package, const char *site,
                           ph_strlist *out, ph_error *err);
/* Debian's Depends as requirements: for each group of `package`'s Depends, the first
 * alternative that ships anything in a site directory, with a reason ("Debian python3-requests
 * Depends: python3-urllib3 (>= 1.21.1)"). */
int ph_debian_depends(ph_debian *debian, const char *package, ph_strlist *packages,
                      ph_strlist *reasons, ph_error *err);
/* Seconds building the index took; negative when it was never built. */
double ph_debian_index_seconds(const ph_debian *debian);

/* Is the embedded Python Debian's (its site directories are dist-packages)? Only then does a
 * hint suggest apt-get (build_hints.c). */
bool ph_build_python_is_debian(void);
/* The name in `names` a misspelt `word` most likely meant, or NULL ("did you mean"). */
const char *ph_build_closest_name(const char *word, const char *const *names, size_t n);

/* Evaluates a PEP 508 marker for the embedded Python on Linux x86_64, with `extra` (normalized;
 * NULL or "" for none). On a syntax error fills `why` and returns -1. */
int ph_marker_eval(const char *marker, const char *extra, bool *result, char *why, size_t why_size);

#define PH_STR_(x) #x
#define PH_STR(x) PH_STR_(x)

/* ---- The build-time interpreter (build_python.c) --------------------------------------- */

typedef struct ph_python_info {
    uint32_t magic;   /* importlib.util.MAGIC_NUMBER as a little-endian u32 */
    uint32_t version; /* PY_VERSION_HEX & 0xffff0000 */
} ph_python_info;

/* Extension-module file suffixes, most specific first (".cpython-311-x86_64-linux-gnu.so",
 * ".abi3.so", ".so"), as the interpreter reports them; valid after ph_python_start. */
extern const char *const *ph_extension_suffixes;

/* Starts an isolated interpreter over the system stdlib on disk. */
int ph_python_start(ph_python_info *info, ph_error *err);
void ph_python_stop(void);
/* Compiles `source` (NUL-terminated, `size` bytes) as `filename` at `optimize` and marshals
 * the code object. On a compile error the message reads "DISPLAY:LINE: SyntaxError: ...". */
int ph_python_compile(const char *source, size_t size, const char *filename, const char *display,
                      int optimize, uint8_t **out, size_t *out_size, ph_error *err);
/* Is `name` compiled into the interpreter (sys.builtin_module_names)? */
bool ph_python_is_builtin(const char *name);

/* ---- Import analysis (build_analysis.c) ----------------------------------------------- */

/* Runs pyhost's analysis module (compiled in) as `pyhost_analysis` in the started
 * interpreter, once; `pyhost pyinstaller`'s driver imports it from there too. */
int ph_analysis_load(ph_error *err);
/* Follows the imports of the entry (`script` path or `module` name, either may be NULL) and
 * of `app_modules`, searching `app_paths`, the stdlib, then `sites`. Appends tab-separated
 * lines: "missing FILE LINE NAME KIND" for the app's own imports that resolve nowhere (KIND:
 * top-level, delayed, conditional, optional) and "dist NAME FILE LINE" for each installed
 * distribution reached (FILE:LINE: the first import of it). */
int ph_analysis_app(const ph_strlist *app_paths, const ph_strlist *sites, const char *script,
                    const char *module, const ph_strlist *app_modules,
                    const ph_build_options *progress, ph_strlist *lines, ph_error *err);
/* After ph_analysis_app: follows `modules` too (everything else packed; `sites` may have
 * grown by unpacked wheels), pyhost's runtime's own imports and every encodings module, and
 * appends the names of the stdlib modules reached. Progress goes where ph_analysis_app's went
 * (its `progress` options, which must outlive this call). */
int ph_analysis_stdlib(const ph_strlist *sites, const ph_strlist *modules, ph_strlist *names,
                       ph_error *err);

/* ---- The bytecode cache (build_cache.c) ------------------------------------------------ */
/* It also keeps what the .pyr writer compressed (pyr_compress_cache) and the compressed onefile
 * runtime (bundle_runtime.c), each under keys of its own. */

typedef struct ph_cache {
    char dir[512];
    int dirfd; /* the checked directory (pyhost/cachedir.h): entries are opened relative to it */
    bool enabled;
    char warning[768]; /* set when the cache had to be turned off */
} ph_cache;

/* Finds and creates the cache directory. Never fails: when the cache is unusable it is turned
 * off and `warning` says why, so the build goes on without it. */
void ph_cache_open(ph_cache *cache);
void ph_cache_close(ph_cache *cache);
uint64_t ph_cache_key(const ph_python_info *py, int optimize, const char *relname,
                      const char *source, size_t size);
/* Returns 1 and a malloc'd copy of the bytecode on a hit, 0 on a miss. */
int ph_cache_get(ph_cache *cache, uint64_t key, uint8_t **data, size_t *size);
/* Stores bytecode; a failure turns the cache off and sets `warning`. */
void ph_cache_put(ph_cache *cache, uint64_t key, const uint8_t *data, size_t size);

#endif
