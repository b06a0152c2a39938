/* pyhost installer deb: a Debian package of the bundle.
 *
 * The tree is staged in OUT/.PACKAGE-deb.XXXXXX/root (hidden, so a later build never packs it):
 *   usr/lib/NAME/NAME...              the bundle (Debian's place for an app's private files; /opt
 *                                     would need a lintian override)
 *   usr/bin/NAME -> ../lib/NAME/NAME  what users and the .desktop entry run
 *   usr/share/applications/NAME.desktop, usr/share/icons/hicolor/WxH/apps/NAME.png
 *   usr/share/doc/PACKAGE/{copyright,changelog.gz}, usr/share/man/man1/NAME.1.gz
 *   DEBIAN/{control,md5sums}
 * then every file gets fixed permissions and SOURCE_DATE_EPOCH as its time, and dpkg-deb
 * --root-owner-group builds it, so the same input gives the same bytes. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "bundle_needs.h"
#include "installer.h"
#include "installer_util.h"
#include "ph_build_config.h"
#include "pyhost/fsutil.h"
#include "report.h"

typedef struct deb {
    ph_inst_args a;
    ph_manifest m;
    int64_t epoch;
    char package[128]; /* the Debian package name */
    char *arch;        /* dpkg --print-architecture */
    char *work;        /* OUT/.PACKAGE-deb.XXXXXX */
    char *root;        /* work/root */
    char *summary;     /* first line of the description */
    char *long_desc;   /* the control file's continuation lines */
    char *depends;
    char *recommends;
    ph_bundle_needs needs; /* the glibc floor, the system libraries of packed extension modules */
    char *deb;             /* the result */
    ph_error *err;
} deb;

static const char help[] =
    "usage: pyhost installer deb [-c pyhost.ini] [-o DIR]\n"
    "\n"
    "Bundles the app and makes DIR/PACKAGE_VERSION_ARCH.deb: the bundle in /usr/lib/NAME,\n"
    "/usr/bin/NAME, a menu entry with an icon, a man page, and Depends computed by\n"
    "dpkg-shlibdeps. [installer.deb] in the manifest sets the maintainer and description.\n"
    "Two builds with the same SOURCE_DATE_EPOCH (default: the manifest's time) are identical.\n"
    "\n"
    "  -c, --config FILE  the manifest (default: pyhost.ini or pyproject.toml, here or\n"
    "                     in the nearest parent directory that has one)\n"
    "  -o, --output DIR   where the .deb is written (default: ./dist)\n";

/* ---- Names and text --------------------------------------------------------------------- */

/* Debian package names are lower case [a-z0-9+.-], starting with a letter or digit. */
static int package_name(deb *d)
{
    const char *name = d->m.app.name;
    size_t n = strlen(name);
    if (n >= sizeof d->package)
        n = sizeof d->package - 1;
    for (size_t i = 0; i < n; i++)
        d->package[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
    d->package[n] = '\0';
    if (n >= 2 && isalnum((unsigned char)d->package[0]))
        return 0;
    ph_manifest_error(&d->m, d->err, "app", "name", "'%s' cannot name a Debian package", name);
    return ph_error_hint(d->err, "Debian package names have at least two characters and start "
                                 "with a letter or digit");
}

/* A native package's version: a digit first, then [A-Za-z0-9.+~] (no '-', which would make it
 * a Debian revision). */
static int check_version(deb *d)
{
    const char *v = d->m.app.version;
    bool ok = isdigit((unsigned char)v[0]);
    for (const char *p = v; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || strchr(".+~", *p);
    if (ok)
        return 0;
    ph_manifest_error(&d->m, d->err, "app", "version", "'%s' is not a Debian version", v);
    return ph_error_hint(d->err, "a .deb version starts with a digit and holds letters, digits "
                                 "and '.+~' (1.2.0, 1.2.0~rc1 for a pre-release)");
}

static int require_maintainer(deb *d)
{
    if (d->m.deb.maintainer && strchr(d->m.deb.maintainer, '<'))
        return 0;
    ph_manifest_error(&d->m, d->err, "installer.deb", "maintainer",
                      d->m.deb.maintainer ? "'%s' has no email address" : "required for a .deb",
                      d->m.deb.maintainer);
    return ph_error_hint(d->err, "add 'maintainer = Your Name <you@example.com>' under "
                                 "[installer.deb]");
}

/* Splits [installer.deb] description into the synopsis and the long description, indented by
 * one space as control files want, "." standing for an empty line. */
static int describe(deb *d)
{
    char fallback[512];
    const char *text = d->m.deb.description;
    if (!text) {
        /* the synopsis must not start with the package name (lintian:
         * description-starts-with-package-name): the package name is shown next to it */
        snprintf(fallback, sizeof fallback,
                 "Python application packaged with pyhost\n%s %s: the application and the "
                 "Python\ninterpreter it runs on, in one executable in /usr/lib/%s.",
                 d->m.app.name, d->m.app.version, d->m.app.name);
        text = fallback;
    }
    size_t first = strcspn(text, "\n");
    d->summary = strndup(text, first);
    size_t size = 0;
    FILE *f = open_memstream(&d->long_desc, &size);
    if (!f || !d->summary)
        return ph_error_set(d->err, "out of memory");
    for (const char *p = text + first; *p;) {
        p += *p == '\n';
        size_t len = strcspn(p, "\n");
        fprintf(f, "%s %.*s", ftell(f) ? "\n" : "", (int)len, len ? p : ".");
        p += len;
    }
    fclose(f);
    if (size)
        return 0;
    free(d->long_desc); /* one line only: control files need a long description anyway */
    d->long_desc = NULL;
    return asprintf(&d->long_desc, " %s", d->summary) < 0 ? ph_error_set(d->err, "out of memory")
                                                          : 0;
}

/* The control file's long description without its indentation and "." lines, for the man
 * page; lines starting with '.' or '\'' are escaped so roff does not read them as requests. */
static char *man_text(const char *text, bool one_line)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    if (!f)
        return NULL;
    for (const char *p = text; *p; p++) {
        bool line_start = p == text || p[-1] == '\n';
        if (line_start && *p == ' ')
            continue;
        if (line_start && !strncmp(p, ".\n", 2)) {
            fputs(".PP", f);
            p++;
        } else if (line_start && !strcmp(p, ".")) {
            break;
        }
        if (line_start && (*p == '.' || *p == '\''))
            fputs("\\&", f);
        if (*p == '\\' || *p == '-')
            fputc('\\', f);
        fputc(one_line && *p == '\n' ? ' ' : *p, f);
    }
    fclose(f);
    return out;
}

/* "a, b, c" from a list, joined by `sep` and ended by `end`. */
static char *join_list(const ph_strlist *l, const char *fallback, const char *sep, const char *end)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    if (!f)
        return NULL;
    for (size_t i = 0; i < l->count; i++)
        fprintf(f, "%s%s", i ? sep : "", l->items[i]);
    if (!l->count && fallback)
        fputs(fallback, f);
    fputs(end, f);
    fclose(f);
    return out;
}

/* ---- Writing the staged files ----------------------------------------------------------- */

/* root/REL, with its directory made. */
static char *staged(deb *d, const char *fmt, const char *a, const char *b)
{
    char rel[512], *path = NULL;
    snprintf(rel, sizeof rel, fmt, a, b);
    path = ph_inst_join(d->root, rel);
    if (!path) {
        ph_error_set(d->err, "out of memory");
        return NULL;
    }
    char *slash = strrchr(path, '/');
    *slash = '\0';
    int rc = ph_mkdirs(path, 0755, d->err);
    *slash = '/';
    if (rc == 0)
        return path;
    free(path);
    return NULL;
}

static int write_rendered(deb *d, const char *template, const ph_inst_var *vars, char *path,
                          bool gzip)
{
    char *text = NULL, *packed = NULL;
    size_t size = 0;
    int rc = path ? ph_inst_render(template, vars, &text, d->err) : -1;
    if (rc == 0 && gzip)
        rc = ph_inst_gzip(text, strlen(text), &packed, &size, d->err);
    if (rc == 0)
        rc = gzip ? ph_inst_write(path, packed, size, 0644, d->err)
                  : ph_inst_write(path, text, strlen(text), 0644, d->err);
    free(text);
    free(packed);
    free(path);
    return rc;
}

static int stage_icon(deb *d)
{
    char *fallback = ph_inst_join(d->work, "icon.png"), *icon = NULL, size[32];
    unsigned w = 0, h = 0;
    int rc = fallback ? ph_inst_icon(&d->m, fallback, &icon, &w, &h, d->err)
                      : ph_error_set(d->err, "out of memory");
    snprintf(size, sizeof size, "%ux%u", w, h);
    char *to =
        rc == 0 ? staged(d, "usr/share/icons/hicolor/%s/apps/%s.png", size, d->m.app.name) : NULL;
    rc = to ? ph_inst_copy(icon, to, 0644, d->err) : -1;
    free(fallback);
    free(icon);
    free(to);
    return rc;
}

static int stage_desktop(deb *d)
{
    char *keywords = join_list(&d->m.deb.keywords, d->m.app.name, ";", ";");
    char categories[128];
    snprintf(categories, sizeof categories, "%s;", d->m.deb.category);
    ph_inst_var vars[] = {{"NAME", d->m.app.name},
                          {"SUMMARY", d->summary},
                          {"TERMINAL", d->m.app.gui ? "false" : "true"},
                          {"CATEGORIES", categories},
                          {"KEYWORDS", keywords},
                          {NULL, NULL}};
    int rc = keywords
                 ? write_rendered(
                       d, "deb/app.desktop", vars,
                       staged(d, "usr/share/applications/%s%s.desktop", d->m.app.name, ""), false)
                 : ph_error_set(d->err, "out of memory");
    free(keywords);
    return rc;
}

/* Licenses whose text Debian ships in /usr/share/common-licenses are referred to there. */
static char *license_text(deb *d)
{
    char path[256], *text = NULL;
    snprintf(path, sizeof path, "/usr/share/common-licenses/%s", d->m.deb.license);
    if (access(path, R_OK) == 0 && asprintf(&text,
                                            " On Debian systems, the full text of this "
                                            "license is in\n %s.",
                                            path) >= 0)
        return text;
    if (asprintf(&text, " The license of %s: see its documentation%s%s.", d->m.app.name,
                 d->m.deb.homepage ? " or " : "", d->m.deb.homepage ? d->m.deb.homepage : "") < 0)
        return NULL;
    return text;
}

static int stage_docs(deb *d)
{
    char date[64], *lic = license_text(d);
    time_t t = (time_t)d->epoch;
    struct tm tm;
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", gmtime_r(&t, &tm));
    ph_inst_var vars[] = {
        {"NAME", d->m.app.name},
        {"PACKAGE", d->package},
        {"VERSION", d->m.app.version},
        {"MAINTAINER", d->m.deb.maintainer},
        {"HOMEPAGE", d->m.deb.homepage},
        {"COPYRIGHT", d->m.deb.copyright ? d->m.deb.copyright : d->m.deb.maintainer},
        {"LICENSE", d->m.deb.license},
        {"LICENSE_TEXT", lic},
        {"DATE", date},
        {NULL, NULL},
    };
    int rc = lic ? 0 : ph_error_set(d->err, "out of memory");
    if (rc == 0)
        rc = write_rendered(d, "deb/copyright", vars,
                            staged(d, "usr/share/doc/%s/copyright%s", d->package, ""), false);
    if (rc == 0)
        rc = write_rendered(d, "deb/lintian-overrides", vars,
                            staged(d, "usr/share/lintian/overrides/%s%s", d->package, ""), false);
    if (rc == 0)
        rc = write_rendered(d, "deb/changelog", vars,
                            staged(d, "usr/share/doc/%s/changelog.gz%s", d->package, ""), true);
    free(lic);
    return rc;
}

static int stage_man(deb *d)
{
    char date[32], *see_also = NULL;
    time_t t = (time_t)d->epoch;
    struct tm tm;
    strftime(date, sizeof date, "%Y-%m-%d", gmtime_r(&t, &tm));
    char *name = man_text(d->m.app.name, true), *summary = man_text(d->summary, true);
    char *text = man_text(d->long_desc, false);
    if (d->m.deb.homepage && asprintf(&see_also, ".SH SEE ALSO\n%s", d->m.deb.homepage) < 0)
        see_also = NULL;
    ph_inst_var vars[] = {{"MAN_NAME", name},         {"MAN_DATE", date},
                          {"NAME", d->m.app.name},    {"VERSION", d->m.app.version},
                          {"MAN_SUMMARY", summary},   {"MAN_DESCRIPTION", text},
                          {"MAN_SEE_ALSO", see_also}, {NULL, NULL}};
    int rc =
        name && summary && text
            ? write_rendered(d, "deb/app.1", vars,
                             staged(d, "usr/share/man/man1/%s.1.gz%s", d->m.app.name, ""), true)
            : ph_error_set(d->err, "out of memory");
    free(name);
    free(summary);
    free(text);
    free(see_also);
    return rc;
}

static int stage_link(deb *d)
{
    char target[512];
    snprintf(target, sizeof target, "../lib/%s/%s", d->m.app.name, d->m.app.name);
    char *link = staged(d, "usr/bin/%s%s", d->m.app.name, "");
    int rc = link && symlink(target, link) < 0
                 ? ph_error_errno(d->err, errno, "cannot create the link %s", link)
             : link ? 0
                    : -1;
    free(link);
    return rc;
}

/* ---- DEBIAN/ ---------------------------------------------------------------------------- */

static bool is_elf(const char *path)
{
    char magic[4] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(magic, 1, 4, f) : 0;
    if (f)
        fclose(f);
    return n == 4 && !memcmp(magic,
                             "\x7f"
                             "ELF",
                             4);
}

/* A stdlib extension module (lib-dynload/NAME.cpython-311-...so) packed only because the whole
 * stdlib is ([python] stdlib_include empty): the app may never import it. */
static bool default_stdlib_module(const deb *d, const char *module)
{
    char path[1024];
    struct stat st;
    return d->m.python.stdlib_include.count == 0 && !strchr(module, '/') &&
           (size_t)snprintf(path, sizeof path, "%s/%s%s", PH_PYTHON_DYNLOAD, module,
                            PH_PYTHON_EXT_SUFFIX) < sizeof path &&
           stat(path, &st) == 0;
}

/* dpkg-shlibdeps finds the packages of the shared libraries every ELF file in the bundle needs:
 * the stub, extension modules routed to the filesystem, and those packed in the .pyr (written
 * to work/packed/ for it, bundle_needs.c). The system libraries of the stdlib's extension
 * modules that come with the default whole stdlib go to Recommends: apt installs them, and
 * without one only that module's import fails; everything else is Depends. It insists on a
 * debian/control next to the tree, so a minimal one is written. */
static int shlib_depends(deb *d, char **out)
{
    char *dir = ph_inst_join(d->work, "debian"), *control = dir ? ph_inst_join(dir, "control") : 0;
    char text[512];
    snprintf(text, sizeof text, "Source: %s\n\nPackage: %s\nArchitecture: any\n", d->package,
             d->package);
    int rc = control && mkdir(dir, 0755) == 0
                 ? ph_inst_write(control, text, strlen(text), 0644, d->err)
                 : ph_error_errno(d->err, errno, "cannot create %s", dir ? dir : "debian/");
    char lib[512], exe[1024];
    snprintf(lib, sizeof lib, "root/usr/lib/%s", d->m.app.name);
    snprintf(exe, sizeof exe, "%s/%s/%s", d->work, lib, d->m.app.name);
    char *packed = ph_inst_join(d->work, "packed"), *self = NULL, *stub = NULL;
    if (rc == 0 && (!packed || mkdir(packed, 0755) < 0))
        rc = ph_error_errno(d->err, errno, "cannot create %s", packed ? packed : "packed/");
    if (rc == 0 && (self = ph_self_path(d->err)) && strrchr(self, '/') &&
        asprintf(&stub, "%.*s/%s", (int)(strrchr(self, '/') - self), self, PH_STUB_NAME) < 0)
        stub = NULL;
    if (rc == 0)
        rc = ph_bundle_needs_read(exe, stub, packed, &d->needs, d->err);
    ph_inst_list files = {0};
    char *libdir = ph_inst_join(d->work, lib);
    if (rc == 0)
        rc = libdir ? ph_inst_list_files(libdir, &files, d->err) : ph_error_set(d->err, "oom");
    size_t slots = files.count + d->needs.extracted_count + 7;
    const char **argv = rc == 0 ? calloc(slots, sizeof *argv) : NULL;
    char **paths =
        rc == 0 ? calloc(files.count + d->needs.extracted_count + 1, sizeof *paths) : NULL;
    size_t n = 0, np = 0;
    if (rc == 0 && argv && paths) {
        argv[n++] = "dpkg-shlibdeps";
        argv[n++] = "-O";
        argv[n++] = "--ignore-missing-info";
        argv[n++] = "-dDepends";
        for (size_t i = 0; i < files.count; i++) {
            paths[np] = ph_inst_join(lib, files.items[i]);
            char *abs = paths[np] ? ph_inst_join(d->work, paths[np]) : NULL;
            if (abs && is_elf(abs))
                argv[n++] = paths[np];
            np++;
            free(abs);
        }
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1)
                argv[n++] = "-dRecommends";
            for (size_t i = 0; i < d->needs.extracted_count; i++)
                if (default_stdlib_module(d, d->needs.extracted_module[i]) == (pass == 1))
                    argv[n++] = d->needs.extracted[i] + strlen(d->work) + 1;
        }
        rc = ph_inst_run(argv, d->work, out, "dpkg-dev", d->err);
    } else if (rc == 0) {
        rc = ph_error_set(d->err, "out of memory");
    }
    for (size_t i = 0; paths && i < np; i++)
        free(paths[i]);
    free(paths);
    free(argv);
    ph_inst_list_free(&files);
    free(libdir);
    free(packed);
    free(self);
    free(stub);
    free(control);
    free(dir);
    return rc;
}

/* The value of "shlibs:FIELD=" in what dpkg-shlibdeps printed, malloc'd ("" when absent). */
static char *shlibs_field(const char *printed, const char *field)
{
    char key[64];
    snprintf(key, sizeof key, "shlibs:%s=", field);
    const char *found = strstr(printed, key);
    found = found ? found + strlen(key) : "";
    return strndup(found, strcspn(found, "\n"));
}

/* dpkg-shlibdeps knows libc6's symbols, not what the linker asked for beyond them: a DT_RELR
 * stub needs glibc 2.36 (GLIBC_ABI_DT_RELR) where its symbols say 2.35. The floor read from the
 * version needs of the stub and every packed ELF file (bundle_needs.c) is the one stated:
 * "libc6 (>= 2.X)" is raised to it, or added. */
static char *with_glibc_floor(const char *depends, unsigned minor)
{
    char *out = NULL;
    if (!minor)
        return strdup(depends);
    const char *at = strstr(depends, "libc6 (>= ");
    unsigned major = 0, have = 0;
    if (at && sscanf(at, "libc6 (>= %u.%u", &major, &have) == 2 && major == 2) {
        const char *end = strchr(at, ')');
        if (have >= minor || !end)
            return strdup(depends);
        if (asprintf(&out, "%.*slibc6 (>= 2.%u)%s", (int)(at - depends), depends, minor, end + 1) <
            0)
            out = NULL;
        return out;
    }
    if (asprintf(&out, "libc6 (>= 2.%u)%s%s", minor, *depends ? ", " : "", depends) < 0)
        out = NULL;
    return out;
}

/* Depends: what dpkg-shlibdeps printed ("shlibs:Depends=libc6 (>= 2.34), ...") with the glibc
 * floor checked, plus [installer.deb] depends; Recommends: the libraries of the default
 * stdlib's extension modules. */
static int compute_depends(deb *d)
{
    char *printed = NULL;
    if (shlib_depends(d, &printed) < 0)
        return ph_error_prefix(d->err, "computing Depends: ");
    char *shlibs = shlibs_field(printed, "Depends");
    char *floored = shlibs ? with_glibc_floor(shlibs, d->needs.glibc_minor) : NULL;
    d->recommends = shlibs_field(printed, "Recommends");
    char *extra = join_list(&d->m.deb.depends, NULL, ", ", "");
    int rc =
        extra && floored && d->recommends &&
                asprintf(&d->depends, "%s%s%s", floored, *floored && *extra ? ", " : "", extra) >= 0
            ? 0
            : ph_error_set(d->err, "out of memory");
    free(extra);
    free(floored);
    free(shlibs);
    free(printed);
    if (rc == 0 && !*d->depends) {
        free(d->depends);
        d->depends = NULL; /* no Depends field at all */
    }
    if (rc == 0 && !*d->recommends) {
        free(d->recommends);
        d->recommends = NULL;
    }
    return rc;
}

/* md5sums lists every regular file outside DEBIAN/, as dpkg --verify and debsums read it. */
static int write_md5sums(deb *d)
{
    ph_inst_list files = {0};
    if (ph_inst_list_files(d->root, &files, d->err) < 0)
        return -1;
    const char **argv = calloc(files.count + 2, sizeof *argv);
    size_t n = 0;
    if (argv) {
        argv[n++] = "md5sum";
        for (size_t i = 0; i < files.count; i++)
            if (strncmp(files.items[i], "DEBIAN/", 7) != 0)
                argv[n++] = files.items[i];
    }
    char *sums = NULL, *path = staged(d, "DEBIAN/md5sums%s%s", "", "");
    int rc = argv && path ? ph_inst_run(argv, d->root, &sums, "coreutils", d->err)
                          : ph_error_set(d->err, "out of memory");
    if (rc == 0)
        rc = ph_inst_write(path, sums, strlen(sums), 0644, d->err);
    free(sums);
    free(path);
    free(argv);
    ph_inst_list_free(&files);
    return rc;
}

static int write_control(deb *d)
{
    uint64_t kib = 0;
    char size[32];
    if (ph_inst_installed_kib(d->root, "DEBIAN", &kib, d->err) < 0)
        return -1;
    snprintf(size, sizeof size, "%" PRIu64, kib);
    ph_inst_var vars[] = {{"PACKAGE", d->package},
                          {"VERSION", d->m.app.version},
                          {"ARCH", d->arch},
                          {"MAINTAINER", d->m.deb.maintainer},
                          {"INSTALLED_SIZE", size},
                          {"DEPENDS", d->depends},
                          {"RECOMMENDS", d->recommends},
                          {"SECTION", d->m.deb.section},
                          {"PRIORITY", d->m.deb.priority},
                          {"HOMEPAGE", d->m.deb.homepage},
                          {"SUMMARY", d->summary},
                          {"LONG_DESCRIPTION", d->long_desc},
                          {NULL, NULL}};
    return write_rendered(d, "deb/control", vars, staged(d, "DEBIAN/control%s%s", "", ""), false);
}

/* ---- The whole package ------------------------------------------------------------------ */

static int prepare(deb *d)
{
    const char *arch_argv[] = {"dpkg", "--print-architecture", NULL};
    if (ph_manifest_load(&d->m, d->a.manifest, d->err) < 0 || package_name(d) < 0 ||
        check_version(d) < 0 || require_maintainer(d) < 0 || describe(d) < 0 ||
        ph_inst_epoch(d->a.manifest, &d->epoch, d->err) < 0 ||
        ph_inst_run(arch_argv, NULL, &d->arch, "dpkg", d->err) < 0)
        return -1;
    d->arch[strcspn(d->arch, "\n")] = '\0';
    if (ph_mkdirs(d->a.output, 0755, d->err) < 0)
        return -1;
    char pattern[192];
    snprintf(pattern, sizeof pattern, ".%s-deb.XXXXXX", d->package);
    if (!(d->work = ph_inst_join(d->a.output, pattern)) || !mkdtemp(d->work)) {
        free(d->work);
        d->work = NULL;
        return ph_error_errno(d->err, errno, "cannot create a directory in %s", d->a.output);
    }
    return (d->root = ph_inst_join(d->work, "root")) ? 0 : ph_error_set(d->err, "out of memory");
}

static int build(deb *d)
{
    char name[384], *tmp = ph_inst_join(d->work, "out.deb");
    snprintf(name, sizeof name, "%s_%s_%s.deb", d->package, d->m.app.version, d->arch);
    d->deb = ph_inst_join(d->a.output, name);
    /* gzip: the payload is mostly the zstd-compressed .pyr, on which xz (even -1) spends ~6 s of
     * a ~8 s build to save under 4% of the size. One thread keeps the output machine-independent.
     */
    const char *argv[] = {"dpkg-deb",
                          "--root-owner-group",
                          "-Zgzip",
                          "-z9",
                          "--threads-max=1",
                          "--build",
                          d->root,
                          tmp,
                          NULL};
    int rc = tmp && d->deb ? ph_inst_run(argv, NULL, NULL, "dpkg", d->err)
                           : ph_error_set(d->err, "out of memory");
    if (rc == 0 && rename(tmp, d->deb) < 0)
        rc = ph_error_errno(d->err, errno, "cannot create %s", d->deb);
    free(tmp);
    return rc;
}

static int run(deb *d)
{
    char *lib = NULL;
    int rc = prepare(d);
    if (rc == 0)
        rc = (lib = ph_inst_join(d->root, "usr/lib"))
                 ? ph_inst_bundle(d->a.manifest, lib, false, d->err)
                 : ph_error_set(d->err, "out of memory");
    free(lib);
    /* a menu entry is for windowed apps unless [installer.deb] menu says otherwise: a
     * command-line tool in the menu opens a terminal that closes at once */
    bool menu = ph_manifest_line(&d->m, "installer.deb", "menu") ? d->m.deb.menu : d->m.app.gui;
    if (rc < 0 || stage_link(d) < 0 || (menu && (stage_icon(d) < 0 || stage_desktop(d) < 0)) ||
        stage_docs(d) < 0 || stage_man(d) < 0 || compute_depends(d) < 0 || write_md5sums(d) < 0 ||
        write_control(d) < 0 || ph_inst_normalize_tree(d->root, d->epoch, d->err) < 0)
        return -1;
    return build(d);
}

int ph_installer_deb(int argc, char **argv)
{
    ph_error err = {{0}, {0}};
    deb d = {.err = &err};
    int rc = ph_inst_parse_args("installer deb", help, argc, argv, &d.a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    rc = run(&d);
    if (rc == 0) {
        struct stat st = {0};
        stat(d.deb, &st);
        printf("built %s: %.1f MB, Depends: %s\n", d.deb, (double)st.st_size / 1e6,
               d.depends ? d.depends : "(none)");
        if (d.needs.glibc_minor)
            printf("runs on glibc >= 2.%u (the highest symbol version %s needs)\n",
                   d.needs.glibc_minor, d.needs.floor_from);
        if (d.recommends)
            printf("Recommends: %s (what the stdlib's extension modules load; only their "
                   "import fails without it)\n",
                   d.recommends);
    }
    ph_remove_tree(d.work);
    free(d.work);
    free(d.root);
    free(d.arch);
    free(d.summary);
    free(d.long_desc);
    free(d.depends);
    free(d.recommends);
    ph_bundle_needs_free(&d.needs);
    free(d.deb);
    ph_manifest_free(&d.m);
    return rc == 0 ? 0 : ph_report(&err);
}
