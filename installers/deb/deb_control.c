/* DEBIAN/ of the package (installer_deb.h): Depends from dpkg-shlibdeps and the bundle's
 * glibc floor, md5sums, and the control file. */
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

#include "installer_deb.h"

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
int deb_compute_depends(deb *d)
{
    char *printed = NULL;
    if (shlib_depends(d, &printed) < 0)
        return ph_error_prefix(d->err, "computing Depends: ");
    char *shlibs = shlibs_field(printed, "Depends");
    char *floored = shlibs ? with_glibc_floor(shlibs, d->needs.glibc_minor) : NULL;
    d->recommends = shlibs_field(printed, "Recommends");
    char *extra = deb_join_list(&d->m.deb.depends, NULL, ", ", "");
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
int deb_write_md5sums(deb *d)
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
    char *sums = NULL, *path = deb_staged(d, "DEBIAN/md5sums%s%s", "", "");
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

int deb_write_control(deb *d)
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
    return deb_write_rendered(d, "deb/control", vars, deb_staged(d, "DEBIAN/control%s%s", "", ""),
                              false);
}
