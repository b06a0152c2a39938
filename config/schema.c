/* The manifest schema: one row per key, one parser per kind of value. Adding a key is one row
 * here plus its field in pyhost/manifest.h; parsing, defaults, hints and `pyhost init` follow. */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "schema_values.h"

#define FIELD(member) offsetof(ph_manifest, member)

/* ---- the schema ----------------------------------------------------------------------------- */

static const struct ph_value_type t_bool = {"true, false, yes, no, on, off, 1 or 0", sizeof(bool),
                                            false, schema_parse_bool, schema_release_nothing};
static const struct ph_value_type t_source = {
    "true (every module's source), false (none) or app (only the app's own modules: "
    "[resources] paths and a script entry)",
    sizeof(ph_source_policy), false, schema_parse_source, schema_release_nothing};
static const struct ph_value_type t_stdlib = {
    "auto (what the import analysis reaches), all (every module) or false (none)",
    sizeof(ph_stdlib_policy), false, schema_parse_stdlib, schema_release_nothing};
static const struct ph_value_type t_int = {"a number", sizeof(int), false, schema_parse_int,
                                           schema_release_nothing};
static const struct ph_value_type t_name = {"letters, digits, '.', '_' and '-' (e.g. my-app)",
                                            sizeof(char *), false, schema_parse_name,
                                            schema_release_string};
static const struct ph_value_type t_version = {"letters, digits and '.+!_-' (e.g. 1.2.0)",
                                               sizeof(char *), false, schema_parse_version,
                                               schema_release_string};
static const struct ph_value_type t_python_version = {
    "the Python this pyhost embeds, " PH_PYTHON_MINOR " (pyhostX.Y, built with meson "
    "-Dpython=/path/to/pythonX.Y -Dsuffix_version=true, packs for X.Y: docs/python-versions.md)",
    sizeof(char *), false, schema_parse_python_version, schema_release_string};
static const struct ph_value_type t_path = {"a path, relative to the manifest's directory",
                                            sizeof(char *), false, schema_parse_path,
                                            schema_release_string};
static const struct ph_value_type t_entry = {
    "pkg.module:function (call it), pkg.module (run it like python -m) or path/to/script.py "
    "(relative to the manifest's directory)",
    sizeof(ph_entry_point), false, schema_parse_entry, schema_release_entry};
static const struct ph_value_type t_compress = {
    "none, zstd (level 3) or zstd:LEVEL with LEVEL from 1 to 22", sizeof(ph_compress), false,
    schema_parse_compress, schema_release_nothing};
static const struct ph_value_type t_patterns = {
    "dotted module names with '*' globs, separated by commas or newlines; 'pkg.*' means pkg and "
    "everything under it",
    sizeof(ph_strlist), true, schema_parse_patterns, schema_release_list};
static const struct ph_value_type t_paths = {
    "directories relative to the manifest's directory, separated by commas or newlines",
    sizeof(ph_strlist), true, schema_parse_paths, schema_release_list};

static const struct ph_value_type t_requirements = {
    "installed distribution names (e.g. requests, PyYAML, requests[socks]), separated by commas "
    "or newlines",
    sizeof(ph_strlist), true, schema_parse_requirements, schema_release_list};
static const struct ph_value_type t_wheels = {
    "local .whl paths (relative to the manifest's directory) or URL#sha256=HEX, separated by "
    "commas or newlines",
    sizeof(ph_strlist), true, schema_parse_wheels, schema_release_list};
static const struct ph_value_type t_routing = {ph_schema_routing_accepted, sizeof(ph_routing),
                                               false, schema_parse_routing, schema_release_routing};
static const struct ph_value_type t_bundle_resources = {
    "embedded (appended to the executable) or adjacent (NAME.pyr next to it)", sizeof(bool), false,
    schema_parse_bundle_resources, schema_release_nothing};
static const struct ph_value_type t_placement = {
    "auto (package data and ctypes libraries become real files beside __file__) or memory "
    "(nothing on disk)",
    sizeof(bool), false, schema_parse_placement, schema_release_nothing};
static const struct ph_value_type t_guid = {
    "a GUID: 32 hex digits as 8-4-4-4-12, braces optional (e.g. from uuidgen)", sizeof(char *),
    false, schema_parse_guid, schema_release_string};
static const struct ph_value_type t_string = {"one line of text", sizeof(char *), false,
                                              schema_parse_string, schema_release_string};
static const struct ph_value_type t_text = {
    "text; it may continue on indented lines (a line holding only '.' is an empty line)",
    sizeof(char *), true, schema_parse_text, schema_release_string};
static const struct ph_value_type t_data = {
    "SRC:DEST items separated by commas or newlines: SRC a file, directory or glob relative to "
    "the manifest, DEST a directory relative to the app's top ('.' for the top itself)",
    sizeof(ph_strlist), true, schema_parse_data, schema_release_list};
static const struct ph_value_type t_strings = {"values separated by commas or newlines",
                                               sizeof(ph_strlist), true, schema_parse_strings,
                                               schema_release_list};

const struct ph_section_spec ph_schema_sections[] = {
    {"app", "The application: its name and how it starts.", false, NULL},
    {"python", "The interpreter and how Python code is packed.", false, NULL},
    {"resources", "Where the app's modules and installed distributions come from.", false, NULL},
    {"routing",
     "Per-module routing overrides: MODULE-PATTERN = in-memory | prefer-in-memory | "
     "filesystem-relative:DIR.",
     true, "numpy.* = filesystem-relative:lib"},
    {"bundle", "The standalone executable 'pyhost bundle' makes: dist/NAME/NAME.", false, NULL},
    {"installer.deb", "The Debian package 'pyhost installer deb' makes.", false, NULL},
    {"installer.dmg", "The macOS disk image 'pyhost installer dmg' makes.", false, NULL},
    {"installer.msi", "The Windows Installer package 'pyhost installer msi' makes.", false, NULL},
};
const size_t ph_schema_section_count = sizeof ph_schema_sections / sizeof ph_schema_sections[0];

/* KEY() names the key and its field; the rest is designated so rows stay readable. */
#define KEY(sec, name, value_type, member)                                                         \
    .section = (sec), .key = (name), .type = &(value_type), .offset = FIELD(member)

const struct ph_key_spec ph_schema_keys[] = {
    {KEY("app", "name", t_name, app.name), .required = true, .example = "my-app",
     .comment = "Name of the executable, the .pyr and the installers."},
    {KEY("app", "version", t_version, app.version), .def = "0.0.0", .example = "1.0.0",
     .comment = "Version shown by installers."},
    {KEY("app", "entry", t_entry, app.entry), .required = true, .example = "my_app:main",
     .comment =
         "What runs: pkg.module:function, pkg.module (like python -m) or path/to/script.py."},
    {KEY("app", "gui", t_bool, app.gui), .def = "false", .example = "true",
     .comment = "A windowed app: no console on Windows, Terminal=false in desktop entries."},
    {KEY("app", "icon", t_path, app.icon), .example = "icons/app.png",
     .comment = "Icon file for installers and desktop entries, relative to this file."},

    {KEY("python", "optimize", t_int, python.optimize), .def = "0", .example = "2", .min = 0,
     .max = 2, .accepted = "0, 1 or 2",
     .comment = "Bytecode optimization level, like python -O (1) and -OO (2)."},
    {KEY("python", "version", t_python_version, python.version), .example = PH_PYTHON_MINOR,
     .comment = "The Python X.Y the app is for; a pyhost embedding another one refuses it."},
    {KEY("python", "include_source", t_source, python.include_source), .def = "true",
     .example = "app",
     .comment = "Pack .py sources for tracebacks and inspect: true, false or app (the app's own)."},
    {KEY("python", "compress", t_compress, python.compress), .def = "zstd:3", .example = "zstd:19",
     .comment = "Compression of packed data: none, zstd or zstd:LEVEL (1-22)."},
    {KEY("python", "compress_modules", t_bool, python.compress_modules), .def = "false",
     .example = "true",
     .comment = "Compress bytecode and extension modules too: smaller, slower imports."},
    {KEY("python", "dictionary", t_bool, python.dictionary), .def = "false", .example = "true",
     .comment = "Train a zstd dictionary on the packed data (smaller for many small modules)."},
    {KEY("python", "site", t_bool, python.site), .def = "false", .example = "true",
     .comment = "Import the site module at start-up (off: isolated like python -I -S)."},
    {KEY("python", "filesystem_importer", t_bool, python.filesystem_importer), .def = "true",
     .example = "true",
     .comment = "Also import from sys.path on disk when a module is not packed."},
    {KEY("python", "fast_exit", t_bool, python.fast_exit), .def = "true", .example = "false",
     .comment = "End without tearing the heap down: threads, atexit, finalizers and files are "
                "still handled."},
    {KEY("python", "huge_pages", t_bool, python.huge_pages), .def = "true", .example = "false",
     .comment = "Python's object memory on transparent huge pages: fewer page faults, about "
                "1.4 MB more resident."},
    {KEY("python", "xoptions", t_strings, python.xoptions), .def = "", .example = "utf8, dev",
     .comment = "Options like python -X (sys._xoptions); utf8 and dev also set those modes."},
    {KEY("python", "warnoptions", t_strings, python.warnoptions), .def = "",
     .example = "ignore::DeprecationWarning",
     .comment = "Warning filters like python -W (sys.warnoptions)."},
    {KEY("python", "utf8_mode", t_bool, python.utf8_mode), .def = "false", .example = "true",
     .comment = "UTF-8 mode like python -X utf8 (off: as the locale decides, PEP 540)."},
    {KEY("python", "dev_mode", t_bool, python.dev_mode), .def = "false", .example = "true",
     .comment = "Python's development mode, like python -X dev."},
    {KEY("python", "unbuffered", t_bool, python.unbuffered), .def = "false", .example = "true",
     .comment = "Unbuffered stdout and stderr, like python -u."},
    {KEY("python", "verbose", t_int, python.verbose), .def = "0", .example = "1", .min = 0,
     .max = 3, .accepted = "0, 1, 2 or 3",
     .comment = "Trace imports on stderr like python -v (each one and where it came from)."},
    {KEY("python", "hash_seed", t_int, python.hash_seed), .def = "-1", .example = "42", .min = -1,
     .max = 2147483647, .accepted = "-1 (random) or a seed from 0 to 2147483647",
     .comment = "The str/bytes hash seed, like PYTHONHASHSEED (-1: random)."},
    {KEY("python", "stdlib", t_stdlib, python.stdlib), .def = "auto", .example = "all",
     .comment = "Standard library packed: auto (what the app's imports reach), all or false."},
    {KEY("python", "stdlib_include", t_patterns, python.stdlib_include), .def = "",
     .example = "encodings.*, json.*",
     .comment = "Stdlib modules to pack (patterns): with auto, added; with all, only these."},
    {KEY("python", "stdlib_exclude", t_patterns, python.stdlib_exclude),
     .def = "test.*, idlelib.*, tkinter.test.*, lib2to3.tests.*, ensurepip.*, distutils.tests.*, "
            "unittest.test.*, ctypes.test.*, turtledemo.*",
     .example = "test.*, tkinter.*", .comment = "Standard library modules left out (patterns)."},

    {KEY("resources", "paths", t_paths, resources.paths), .def = ".", .example = "src",
     .comment = "Directories searched for the app's modules, like sys.path entries."},
    {KEY("resources", "include", t_patterns, resources.include), .def = "", .example = "my_app.*",
     .comment = "Modules to pack from those directories (patterns); empty: all of them."},
    {KEY("resources", "exclude", t_patterns, resources.exclude), .def = "",
     .example = "my_app.tests.*", .comment = "Modules left out even if included (patterns)."},
    {KEY("resources", "analysis", t_bool, resources.analysis), .def = "true", .example = "false",
     .comment = "Follow the app's imports: warn about unresolved ones, pack distributions."},
    {KEY("resources", "distributions", t_requirements, resources.distributions), .def = "",
     .example = "requests, PyYAML",
     .comment = "Installed distributions to pack, with the distributions they require."},
    /* No default here: unset, the builder searches the embedded Python's own site directories
     * that exist on the build machine (see docs/manifest.md). */
    {KEY("resources", "site_packages", t_paths, resources.site_packages),
     .example = "venv/lib/python" PH_PYTHON_MINOR "/site-packages",
     .comment = "Where distributions are searched, in order; unset: the Python's dist-packages."},
    {KEY("resources", "data", t_data, resources.data), .def = "", .example = "assets:assets",
     .comment = "Data files to pack: SRC:DEST, like PyInstaller's --add-data."},
    {KEY("resources", "wheels", t_wheels, resources.wheels), .def = "",
     .example = "https://pkgs.example.com/six-1.16.0-py2.py3-none-any.whl#sha256="
                "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254",
     .comment = "Wheels to pack (not their dependencies): .whl paths or URL#sha256=HEX."},
    {KEY("resources", "requirements", t_path, resources.requirements),
     .example = "requirements.txt",
     .comment = "A requirements file of 'NAME @ URL --hash=sha256:HEX' lines, packed as wheels."},
    {KEY("resources", "routing", t_routing, resources.routing), .def = "in-memory",
     .example = "filesystem-relative:lib",
     .comment = "Where extension modules and data files go: in-memory, prefer-in-memory or "
                "filesystem-relative:DIR."},
    {KEY("resources", "placement", t_placement, resources.placement_memory), .def = "auto",
     .example = "memory",
     .comment = "auto: package data and ctypes libraries are real files where __file__ says; "
                "memory: nothing on disk."},

    {KEY("bundle", "resources", t_bundle_resources, bundle.adjacent), .def = "embedded",
     .example = "adjacent",
     .comment = "embedded: one executable; adjacent: the executable plus NAME.pyr next to it."},
    {KEY("bundle", "compress_runtime", t_bool, bundle.compress_runtime), .def = "false",
     .example = "true",
     .comment = "embedded only: store the interpreter zstd-compressed (about 4.5 MB smaller); it "
                "is unpacked once per user into the cache and started from there."},
    {KEY("bundle", "output", t_path, bundle.output), .example = "dist",
     .comment = "Where NAME/ is made, relative to this file; unset: ./dist (or pyhost bundle -o)."},

    {KEY("installer.deb", "maintainer", t_string, deb.maintainer),
     .example = "Ada Lovelace <ada@example.com>",
     .comment = "Who answers for the package: 'Name <email>' (required for a .deb)."},
    {KEY("installer.deb", "description", t_text, deb.description),
     .example = "Keeps notes from the command line",
     .comment = "First line: a short summary; indented lines below: the long description."},
    {KEY("installer.deb", "section", t_string, deb.section), .def = "utils", .example = "editors",
     .comment = "Debian archive section."},
    {KEY("installer.deb", "priority", t_name, deb.priority), .def = "optional",
     .example = "optional", .comment = "Debian priority."},
    {KEY("installer.deb", "homepage", t_string, deb.homepage),
     .example = "https://example.com/my-app", .comment = "Homepage field and man page link."},
    {KEY("installer.deb", "depends", t_strings, deb.depends), .def = "",
     .example = "libtk8.6, xdg-utils",
     .comment = "Packages needed besides the shared libraries dpkg-shlibdeps finds."},
    {KEY("installer.deb", "category", t_name, deb.category), .def = "Utility",
     .example = "Development", .comment = "Main category of the desktop menu entry."},
    {KEY("installer.deb", "keywords", t_strings, deb.keywords), .def = "", .example = "notes, text",
     .comment = "Search words of the menu entry; empty: the app's name."},
    {KEY("installer.deb", "copyright", t_string, deb.copyright), .example = "2024 Ada Lovelace",
     .comment = "Copyright line of the app; unset: the maintainer."},
    {KEY("installer.deb", "license", t_name, deb.license), .def = "proprietary", .example = "MIT",
     .comment = "License of the app, as a short name (e.g. MIT, GPL-3+)."},
    {KEY("installer.deb", "menu", t_bool, deb.menu), .example = "true",
     .comment = "A desktop menu entry with the icon; unset: only for a gui = true app."},

    {KEY("installer.dmg", "bundle_identifier", t_name, dmg.bundle_identifier),
     .example = "com.example.my-app", .comment = "CFBundleIdentifier; unset: org.pyhost.NAME."},
    {KEY("installer.dmg", "minimum_system_version", t_version, dmg.minimum_system_version),
     .def = "10.13", .example = "11.0", .comment = "LSMinimumSystemVersion of the .app."},
    {KEY("installer.dmg", "codesign_identity", t_string, dmg.codesign_identity),
     .example = "Developer ID Application: Ada Lovelace (TEAMID1234)",
     .comment = "macOS only: sign the .app and the image with this identity."},
    {KEY("installer.dmg", "notary_profile", t_string, dmg.notary_profile),
     .example = "my-notary-profile",
     .comment = "macOS only: notarytool keychain profile; set to notarize and staple."},

    {KEY("installer.msi", "upgrade_code", t_guid, msi.upgrade_code),
     .example = "{6F1B2E3A-0C4D-4E5F-8A9B-1C2D3E4F5A6B}",
     .comment = "The MSI UpgradeCode, the same for every version; unset: derived from the name."},
    {KEY("installer.msi", "manufacturer", t_string, msi.manufacturer),
     .example = "Ada Lovelace Ltd",
     .comment = "Publisher shown in Apps & features and the .exe's properties; unset: the name."},
};
const size_t ph_schema_key_count = sizeof ph_schema_keys / sizeof ph_schema_keys[0];

_Static_assert(sizeof ph_schema_keys / sizeof ph_schema_keys[0] <= PH_MANIFEST_MAX_KEYS,
               "raise PH_MANIFEST_MAX_KEYS in pyhost/manifest.h");
_Static_assert(sizeof ph_schema_sections / sizeof ph_schema_sections[0] <= PH_SCHEMA_MAX_SECTIONS,
               "raise PH_SCHEMA_MAX_SECTIONS in schema.h");

/* ---- lookups -------------------------------------------------------------------------------- */

const struct ph_section_spec *ph_schema_section(const char *name)
{
    for (size_t i = 0; i < ph_schema_section_count; i++)
        if (!strcmp(ph_schema_sections[i].name, name))
            return &ph_schema_sections[i];
    return NULL;
}

int ph_schema_key(const char *section, const char *key)
{
    for (size_t i = 0; i < ph_schema_key_count; i++)
        if (!strcmp(ph_schema_keys[i].section, section) && !strcmp(ph_schema_keys[i].key, key))
            return (int)i;
    return -1;
}

const char *ph_schema_accepted(const struct ph_key_spec *key)
{
    return key->accepted ? key->accepted : key->type->accepted;
}

int ph_schema_parse(const struct ph_key_spec *key, const char *value, void *out, char *why,
                    size_t why_size)
{
    if (!key->type->is_list && strchr(value, '\n')) {
        snprintf(why, why_size, "only lists may continue on indented lines");
        return -1;
    }
    if (!key->type->is_list && !*value) {
        snprintf(why, why_size, "the value is empty");
        return -1;
    }
    return key->type->parse(key, value, out, why, why_size);
}
