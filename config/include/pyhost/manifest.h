/* The app manifest, pyhost.ini: what to pack and how the app starts.
 *
 * The manifest is parsed with inih and validated against one schema table (config/schema.c), so
 * every key has one definition for parsing, defaults, `pyhost init` and error hints. Errors name
 * the file and line: "pyhost.ini:12: [python] optimize: '3' is not 0, 1 or 2", with a hint that
 * lists the accepted values or suggests the key that was probably meant.
 *
 * The same parser reads the manifest from disk (`pyhost build`) and from memory (the copy
 * embedded in a .pyr, read at run time), hence ph_manifest_parse_string. */
#ifndef PYHOST_MANIFEST_H
#define PYHOST_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "pyhost/error.h"

/* An owned list of owned strings. */
typedef struct ph_strlist {
    char **items;
    size_t count;
} ph_strlist;

/* Appends a copy of S; -1 when out of memory (the list is unchanged). */
int ph_strlist_append(ph_strlist *list, const char *s);
/* Frees the items and empties the list. */
void ph_strlist_free(ph_strlist *list);

/* [python] stdlib: none of it, all of it, or what the import analysis reaches. */
typedef enum ph_stdlib_policy {
    PH_STDLIB_NONE = 0, /* false */
    PH_STDLIB_ALL,      /* all (or true) */
    PH_STDLIB_AUTO,     /* auto */
} ph_stdlib_policy;

typedef enum ph_entry_kind {
    PH_ENTRY_FUNCTION, /* "pkg.module:function": import pkg.module, call function() */
    PH_ENTRY_MODULE,   /* "pkg.module": run as __main__, like `python -m pkg.module` */
    PH_ENTRY_SCRIPT,   /* "path/to/script.py": run as __main__, like `python script.py` */
} ph_entry_kind;

typedef struct ph_entry_point {
    ph_entry_kind kind;
    char *module;   /* FUNCTION and MODULE; NULL for SCRIPT */
    char *function; /* FUNCTION only; may be dotted ("App.main") */
    char *script;   /* SCRIPT only; as written, relative to the manifest's directory */
} ph_entry_point;

typedef enum ph_compression {
    PH_COMPRESSION_NONE,
    PH_COMPRESSION_ZSTD,
} ph_compression;

/* Which modules' .py source is packed next to their bytecode ([python] include_source). */
typedef enum ph_source_policy {
    PH_SOURCE_NONE, /* false: bytecode only */
    PH_SOURCE_APP,  /* app: the app's own modules ([resources] paths, a script entry) only */
    PH_SOURCE_ALL,  /* true: every module, the stdlib's and distributions' too */
} ph_source_policy;

typedef struct ph_compress {
    ph_compression method;
    int level; /* zstd level 1..22; 0 for none */
} ph_compress;

/* Where extension modules, shared libraries and package data go ([resources] routing and the
 * [routing] section). Pure-Python modules are always in memory. */
typedef enum ph_route_kind {
    PH_ROUTE_IN_MEMORY,        /* "in-memory": loaded from the mapping (memfd on Linux) */
    PH_ROUTE_FILESYSTEM,       /* "filesystem-relative:DIR": a real file under the app's dir */
    PH_ROUTE_PREFER_IN_MEMORY, /* "prefer-in-memory": in memory, extraction cache as fallback */
} ph_route_kind;

typedef struct ph_routing {
    ph_route_kind kind;
    char *dir; /* PH_ROUTE_FILESYSTEM: relative, '/'-separated, no "..", no trailing '/' */
} ph_routing;

/* One line of the [routing] section: "numpy.* = filesystem-relative:lib". */
typedef struct ph_route {
    char *pattern; /* a module pattern, as in [resources] include */
    ph_routing policy;
    int line;
} ph_route;

/* Room for the line of every schema key; schema.c checks at compile time that it fits. */
#define PH_MANIFEST_MAX_KEYS 64

typedef struct ph_manifest {
    char *path;     /* as given to load/parse, used in messages */
    char *base_dir; /* absolute; relative paths in the manifest are relative to it */
    /* The INI text that was parsed when it is not the file at `path` as is (a pyproject.toml,
     * converted): what a .pyr must carry for the runtime. NULL for a pyhost.ini. */
    char *text;

    struct {
        char *name;    /* [A-Za-z0-9._-]+ */
        char *version; /* default "0.0.0" */
        ph_entry_point entry;
        bool gui;   /* no console window (Windows), Terminal=false (desktop files) */
        char *icon; /* as written, or NULL when not set */
    } app;

    struct {
        int optimize;  /* 0, 1 or 2, like python -O / -OO */
        char *version; /* "3.12", always the embedded Python's when set; NULL when not set */
        ph_source_policy include_source; /* whose .py source is packed (tracebacks, inspect) */
        ph_compress compress;
        bool compress_modules;    /* bytecode and extension modules compressed too (else
                                   * stored as they are: imports read them in place) */
        bool dictionary;          /* train a zstd dictionary at pack time */
        bool site;                /* import site at start-up */
        bool fast_exit;           /* end without tearing the heap down (runtime/finish.c) */
        bool huge_pages;          /* pymalloc's arenas on transparent huge pages (arena.c) */
        bool filesystem_importer; /* keep the standard PathFinder after pyhost's finder */
        ph_stdlib_policy stdlib;  /* which of the standard library is packed */
        /* module patterns: under 'all', only these (empty: the whole stdlib); under 'auto',
         * these too (what the analysis cannot see) */
        ph_strlist stdlib_include;
        ph_strlist stdlib_exclude; /* module patterns removed after stdlib_include */
        /* run-time options, as python's command line sets them (PyInstaller's OPTION entries) */
        ph_strlist xoptions;    /* -X NAME[=VALUE]: sys._xoptions */
        ph_strlist warnoptions; /* -W FILTER: sys.warnoptions */
        bool utf8_mode;         /* -X utf8: on; off leaves it to the locale (PEP 540) */
        bool dev_mode;          /* -X dev */
        bool unbuffered;        /* -u */
        int hash_seed;          /* PYTHONHASHSEED: -1 random (the default), else the seed */
        int verbose;            /* -v count: imports traced on stderr (PYHOST_VERBOSE raises it) */
    } python;

    struct {
        ph_strlist paths;   /* directories searched like sys.path entries, as written */
        ph_strlist include; /* module patterns; empty: everything found under paths */
        ph_strlist exclude; /* module patterns removed after include */
        /* Installed distributions to pack with their dependencies, as written: "requests" or
         * "requests[socks]" (extras inside brackets, separated by commas). */
        ph_strlist distributions;
        ph_strlist site_packages; /* where distributions are searched, in order */
        bool analysis;            /* follow the app's imports: warnings, distributions it imports */
        /* Wheels to unpack and pack, as written: "dist/x-1.0-py3-none-any.whl" (relative to
         * base_dir) or "https://host/x-1.0-py3-none-any.whl#sha256=HEX" (docs/wheels.md). */
        ph_strlist wheels;
        /* Data files, as written: "SRC:DEST" (SRC a file, directory or glob relative to
         * base_dir; DEST relative to the app's top), packed as plain files "DEST/NAME". */
        ph_strlist data;
        char *requirements; /* a pip requirements file of "NAME @ URL --hash=sha256:HEX" */
        ph_routing routing; /* default policy for extension modules and data */
        /* placement = memory: nothing on disk (else auto: package data files of non-stdlib
         * packages and shared objects that are not extension modules become real files where
         * __file__ and __path__ point; see docs/runtime.md) */
        bool placement_memory;
    } resources;

    struct {
        ph_route *items; /* in file order */
        size_t count;
    } routing; /* [routing]: per-module overrides of [resources] routing */

    struct {
        bool adjacent; /* resources = adjacent: NAME.pyr next to the executable (else embedded) */
        char *output;  /* as written, relative to base_dir; NULL: ./dist (pyhost bundle -o) */
        bool compress_runtime; /* embedded only: the interpreter zstd-compressed behind a loader */
    } bundle;

    struct {                 /* [installer.deb]: pyhost installer deb (docs/installers.md) */
        char *maintainer;    /* "Name <email>"; the installer requires it */
        char *description;   /* first line: the synopsis; further lines: the long description */
        char *section;       /* Debian archive section, default "utils" */
        char *priority;      /* default "optional" */
        char *homepage;      /* NULL: no Homepage field */
        ph_strlist depends;  /* added to what dpkg-shlibdeps finds, e.g. "libtk8.6" */
        char *category;      /* freedesktop main category of the .desktop entry, "Utility" */
        ph_strlist keywords; /* .desktop Keywords; empty: the app's name */
        char *copyright;     /* "2024 Ada Lovelace"; NULL: the maintainer */
        char *license;       /* a short license name for the copyright file */
        bool menu; /* a .desktop entry and icon; when not set: [app] gui (ph_manifest_line) */
    } deb;

    struct {                          /* [installer.dmg]: pyhost installer dmg */
        char *bundle_identifier;      /* NULL: org.pyhost.<name> */
        char *minimum_system_version; /* LSMinimumSystemVersion, default "10.13" */
        char *codesign_identity;      /* macOS only: codesign -s; NULL: unsigned */
        char *notary_profile;         /* macOS only: notarytool --keychain-profile; NULL: none */
    } dmg;

    struct {                /* [installer.msi]: pyhost installer msi */
        char *upgrade_code; /* a GUID as written; NULL: derived from [app] name */
        char *manufacturer; /* NULL: [app] name */
    } msi;

    int lines[PH_MANIFEST_MAX_KEYS]; /* private: line each key was set on, 0 = default */
} ph_manifest;

/* Reads and validates the manifest at `path` (a pyhost.ini, or a pyproject.toml: see
 * pyhost/project.h); relative paths in it are resolved against the directory that holds it. On
 * failure *m is left empty (ph_manifest_free is still safe). */
int ph_manifest_load(ph_manifest *m, const char *path, ph_error *err);

/* Parses manifest text held in memory. `display_path` names it in messages ("app.pyr:pyhost.ini"
 * for an embedded copy); `base_dir` is the directory relative paths are resolved against (NULL:
 * the current directory; a relative one is made absolute now). On failure *m is left empty. */
int ph_manifest_parse_string(ph_manifest *m, const char *text, const char *display_path,
                             const char *base_dir, ph_error *err);

void ph_manifest_free(ph_manifest *m);

/* The line `section`/`key` was set on, or 0 when it kept its default (or is not a known key). */
int ph_manifest_line(const ph_manifest *m, const char *section, const char *key);

/* Sets an error about a key in the shape the parser uses: "PATH:LINE: [section] key: MESSAGE"
 * (without ":LINE" when the key kept its default), so later stages such as `pyhost build`
 * ("directory 'src' does not exist") point at the manifest line. Returns -1. */
int ph_manifest_error(const ph_manifest *m, ph_error *err, const char *section, const char *key,
                      const char *fmt, ...) PH_PRINTF(5, 6);

/* Resolves a path from the manifest against its directory: absolute paths are copied, relative
 * ones are joined to base_dir. Stores a malloc'd string in *out. */
int ph_manifest_resolve_path(const ph_manifest *m, const char *path, char **out, ph_error *err);

/* Does `module` (a dotted name) match `pattern`? '*' matches any run of characters, dots
 * included; a trailing ".*" also matches the package itself: "pkg.*" matches "pkg",
 * "pkg.sub" and "pkg.sub.mod" but not "pkgx". Anything else must match exactly. */
bool ph_manifest_module_matches(const char *pattern, const char *module);

/* Does `module` match any pattern in the list? */
bool ph_manifest_matches_any(const ph_strlist *patterns, const char *module);

/* The routing policy for `module` (a dotted name; for a data file, the top-level package that
 * holds it): the [routing] line with the longest matching pattern (a later line wins a tie),
 * else [resources] routing. Stores the [routing] line in *line (0: the default) if not NULL. */
const ph_routing *ph_manifest_route(const ph_manifest *m, const char *module, int *line);

/* Checks one value as if it were written in a manifest, e.g. `pyhost init --entry`; the error
 * reads "[app] entry: ..." with the usual hint. */
int ph_manifest_check_value(const char *section, const char *key, const char *value, ph_error *err);

/* Renders the commented starter manifest `pyhost init` writes: every section and key with its
 * default and a one-line comment, and the given name and entry (validated first). Stores a
 * malloc'd string in *out. */
int ph_manifest_template(const char *name, const char *entry, char **out, ph_error *err);

/* The same, with the other keys `from` sets (the INI text of a manifest made from a
 * pyproject.toml, ph_manifest.text) in place of their defaults: `pyhost init` in a project. */
int ph_manifest_template_from(const char *name, const char *entry, const char *from, char **out,
                              ph_error *err);

#endif
