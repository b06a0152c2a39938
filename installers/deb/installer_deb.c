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
#include "pyhost/elf.h"
#include "pyhost/fsutil.h"
#include "report.h"
#include "installer_deb.h"

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
char *deb_join_list(const ph_strlist *l, const char *fallback, const char *sep, const char *end)
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
char *deb_staged(deb *d, const char *fmt, const char *a, const char *b)
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

int deb_write_rendered(deb *d, const char *template, const ph_inst_var *vars, char *path, bool gzip)
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
    char *to = rc == 0
                   ? deb_staged(d, "usr/share/icons/hicolor/%s/apps/%s.png", size, d->m.app.name)
                   : NULL;
    rc = to ? ph_copy_file(icon, to, 0644, d->err) : -1;
    free(fallback);
    free(icon);
    free(to);
    return rc;
}

static int stage_desktop(deb *d)
{
    char *keywords = deb_join_list(&d->m.deb.keywords, d->m.app.name, ";", ";");
    char categories[128];
    snprintf(categories, sizeof categories, "%s;", d->m.deb.category);
    ph_inst_var vars[] = {{"NAME", d->m.app.name},
                          {"SUMMARY", d->summary},
                          {"TERMINAL", d->m.app.gui ? "false" : "true"},
                          {"CATEGORIES", categories},
                          {"KEYWORDS", keywords},
                          {NULL, NULL}};
    int rc = keywords ? deb_write_rendered(
                            d, "deb/app.desktop", vars,
                            deb_staged(d, "usr/share/applications/%s%s.desktop", d->m.app.name, ""),
                            false)
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

/* @NO_PIE@ of the lintian overrides: "" keeps the hardening-no-pie lines, for an executable
 * linked without PIE (the default libpython, Debian's profile-guided libpython3.X.a, is not
 * position-independent: docs/security.md); NULL drops them. */
static const char *no_pie_lines(deb *d)
{
    unsigned char head[64];
    char path[4096];
    snprintf(path, sizeof path, "%s/usr/lib/%s/%s", d->root, d->m.app.name, d->m.app.name);
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    return ph_elf_is_position_dependent(head, n) ? "" : NULL;
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
        {"NO_PIE", no_pie_lines(d)},
        {NULL, NULL},
    };
    int rc = lic ? 0 : ph_error_set(d->err, "out of memory");
    if (rc == 0)
        rc = deb_write_rendered(d, "deb/copyright", vars,
                                deb_staged(d, "usr/share/doc/%s/copyright%s", d->package, ""),
                                false);
    if (rc == 0)
        rc = deb_write_rendered(d, "deb/lintian-overrides", vars,
                                deb_staged(d, "usr/share/lintian/overrides/%s%s", d->package, ""),
                                false);
    if (rc == 0)
        rc = deb_write_rendered(d, "deb/changelog", vars,
                                deb_staged(d, "usr/share/doc/%s/changelog.gz%s", d->package, ""),
                                true);
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
    int rc = name && summary && text
                 ? deb_write_rendered(
                       d, "deb/app.1", vars,
                       deb_staged(d, "usr/share/man/man1/%s.1.gz%s", d->m.app.name, ""), true)
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
    char *link = deb_staged(d, "usr/bin/%s%s", d->m.app.name, "");
    int rc = link && symlink(target, link) < 0
                 ? ph_error_errno(d->err, errno, "cannot create the link %s", link)
             : link ? 0
                    : -1;
    free(link);
    return rc;
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
    char stem[160];
    snprintf(stem, sizeof stem, "%s-deb", d->package);
    if (ph_inst_work_dir(d->a.output, stem, &d->wd, d->err) < 0)
        return -1;
    d->work = d->wd.path;
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
        stage_docs(d) < 0 || stage_man(d) < 0 || deb_compute_depends(d) < 0 ||
        deb_write_md5sums(d) < 0 || deb_write_control(d) < 0 ||
        ph_inst_normalize_tree(d->root, d->epoch, d->err) < 0)
        return -1;
    return build(d);
}

int ph_installer_deb(int argc, char **argv)
{
    ph_error err = {{0}, {0}};
    deb d = {.err = &err};
    int rc = ph_inst_parse_args("installer deb", help, NULL, argc, argv, &d.a);
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
    ph_inst_work_done(&d.wd);
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
