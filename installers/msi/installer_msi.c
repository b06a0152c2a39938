/* pyhost installer msi: DIR/NAME-VERSION-x64.msi, a per-machine Windows Installer package.
 *
 * Everything is made in DIR/.NAME-msi.XXXXXX/ (hidden, so a build that walks the app's
 * directory never packs it):
 *   payload/NAME.exe   the Windows stub (installer_msi_exe.c)
 *   payload/NAME.pyr   the app, built by the ordinary builder (adjacent: the .exe stays the
 *                      same for every version of the app)
 *   payload/lib/...    what the manifest routes to the filesystem
 *   NAME.ico, NAME.wxs, version.rc, ...
 * wixl builds the MSI from NAME.wxs, msibuild then sets the package code wixl cannot take,
 * msi_time.c replaces the times wixl stamps with SOURCE_DATE_EPOCH, and the MSI is renamed into
 * DIR only when complete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "report.h"
#include "installer.h"
#include "installer_msi.h"
#include "pyhost/cleanup.h"
#include "pyhost/fsutil.h"
#include "installer_util.h"
#include "msi_time.h"

static const char help[] =
    "usage: pyhost installer msi [-c pyhost.ini] [-o DIR] [--keep]\n"
    "\n"
    "Builds DIR/NAME-VERSION-x64.msi: NAME.exe (the Windows stub, cross-compiled with\n"
    "mingw-w64), NAME.pyr and lib/ under Program Files\\NAME, a Start-menu shortcut, and an\n"
    "uninstall entry; a newer version upgrades an older one. Needs wixl and msitools,\n"
    "mingw-w64 and icoutils. The MSI does not carry CPython: see docs/installers.md.\n"
    "Two builds with the same SOURCE_DATE_EPOCH (default: the manifest's time) are identical.\n"
    "\n"
    "  -c, --config FILE  the manifest (default: pyhost.ini or pyproject.toml, here or\n"
    "                     in the nearest parent directory that has one)\n"
    "  -o, --output DIR   where the .msi goes (default: ./dist)\n"
    "  --keep             keep the staging directory (payload/, NAME.wxs) and print its path\n";

typedef struct msi_build {
    ph_inst_args a;
    bool keep; /* --keep */
    ph_manifest m;
    ph_msi msi;
    ph_inst_work wd; /* DIR/.NAME-msi.XXXXXX */
    char *work;      /* wd.path */
    char *payload, *png, *ico, *wxs, *out;
    int64_t epoch; /* SOURCE_DATE_EPOCH, else the manifest's time */
    ph_error *err;
} msi_build;

static int make_work_dir(msi_build *b)
{
    char stem[64];
    snprintf(stem, sizeof stem, "%.32s-msi", b->m.app.name);
    if (ph_inst_work_dir(b->a.output, stem, &b->wd, b->err) < 0)
        return -1;
    b->work = b->wd.path;
    const char *name = b->m.app.name;
    b->payload = ph_inst_join(b->work, "payload");
    b->png = ph_inst_join(b->work, "icon.png");
    b->ico = ph_path_join(b->work, name, ".ico");
    b->wxs = ph_path_join(b->work, name, ".wxs");
    if (!b->payload || !b->png || !b->ico || !b->wxs)
        return ph_error_set(b->err, "out of memory");
    return ph_mkdirs(b->payload, 0755, b->err);
}

/* The ordinary builder writes NAME.pyr, and lib/ next to it for filesystem-routed files. */
static int build_pyr(msi_build *b)
{
    char *pyr = ph_path_join(b->payload, b->m.app.name, ".pyr");
    ph_build_options bo = {.manifest_path = b->a.manifest,
                           .output_path = pyr,
                           .skip_dir = b->a.output}; /* earlier outputs are not app code */
    ph_build_result br;
    int rc = pyr ? ph_build(&bo, &br, b->err) : ph_error_set(b->err, "out of memory");
    if (pyr)
        ph_build_result_free(&br);
    free(pyr);
    return rc;
}

static int make_exe(msi_build *b)
{
    char *png = NULL, *exe = ph_path_join(b->payload, b->msi.exe, "");
    unsigned w, h;
    int rc = exe ? ph_inst_icon(&b->m, b->png, &png, &w, &h, b->err)
                 : ph_error_set(b->err, "out of memory");
    if (rc == 0)
        rc = ph_msi_exe(&b->msi, b->work, png, b->ico, exe, b->err);
    free(png);
    free(exe);
    return rc;
}

/* Same times on every file, so the cabinet inside the MSI depends on the content only. */
static int normalize(msi_build *b)
{
    if (ph_inst_epoch(b->a.manifest, &b->epoch, b->err) < 0)
        return -1;
    return ph_inst_normalize_tree(b->payload, b->epoch, b->err);
}

static int write_wxs(msi_build *b)
{
    char *text = NULL;
    int rc = ph_msi_wxs(&b->msi, b->payload, b->ico, &text, b->err);
    if (rc == 0)
        rc = ph_inst_write(b->wxs, text, strlen(text), 0644, b->err);
    free(text);
    return rc;
}

/* wixl draws a random package code (it ignores Package/@Id); msibuild -s rewrites the summary
 * information with ours, but neither can set its times (nor reads SOURCE_DATE_EPOCH), so they
 * are patched in last. Both tools run in the staging directory: wixl cannot resolve an absolute
 * SourceDir, and relative paths keep the .wxs usable with WiX on Windows as it is. */
static int run_wixl(msi_build *b, const char *msi_name)
{
    const char *wxs = strrchr(b->wxs, '/') + 1;
    const char *wixl[] = {"wixl", "-a",     "x64", "-D", "SourceDir=payload",
                          "-o",   msi_name, wxs,   NULL};
    const char *msibuild[] = {
        "msibuild",          msi_name, "-s", b->m.app.name, b->msi.manufacturer, "x64;1033",
        b->msi.package_code, NULL};
    if (ph_inst_run(wixl, b->work, NULL, "wixl", b->err) < 0)
        return ph_error_prefix(b->err, "building the MSI from %s: ", b->wxs);
    return ph_inst_run(msibuild, b->work, NULL, "msitools", b->err);
}

static int build_msi(msi_build *b)
{
    char name[512];
    snprintf(name, sizeof name, "%s-%s-x64.msi", b->m.app.name, b->m.app.version);
    char *tmp = ph_path_join(b->work, name, "");
    b->out = ph_path_join(b->a.output, name, "");
    int rc = tmp && b->out ? run_wixl(b, name) : ph_error_set(b->err, "out of memory");
    if (rc == 0)
        rc = ph_msi_set_time(tmp, b->epoch, b->err);
    if (rc == 0 && rename(tmp, b->out) < 0)
        rc = ph_error_errno(b->err, errno, "cannot create %s", b->out);
    free(tmp);
    return rc;
}

static int run(msi_build *b)
{
    if (ph_manifest_load(&b->m, b->a.manifest, b->err) < 0 ||
        ph_msi_identify(&b->msi, &b->m, b->err) < 0 || make_work_dir(b) < 0 || build_pyr(b) < 0 ||
        make_exe(b) < 0 || normalize(b) < 0 || write_wxs(b) < 0)
        return -1;
    return build_msi(b);
}

static void report_summary(const msi_build *b)
{
    struct stat st = {0};
    stat(b->out, &st);
    printf("built %s: %.1f MB, product version %s, upgrade code %s%s\n", b->out,
           (double)st.st_size / 1e6, b->msi.product_version, b->msi.upgrade_code,
           b->m.msi.upgrade_code ? "" : " (derived from the name)");
#ifdef __linux__
    /* The package is real; the app in it is not yet (issue 18): never a plain success. */
    printf("not runnable on Windows yet: the app inside runs only on Linux until pyhost has a "
           "Windows runtime (the Windows stub stops before the interpreter, and the .pyr holds "
           "Linux extension modules); the MSI's layout, signing steps and upgrade logic are "
           "real\n");
#endif
}

/* --keep: the work directory renamed to .NAME-msi-kept.XXXXXX, which no later run sweeps as a
 * killed run's leftover; ph_inst_work_done then finds nothing to remove. */
static void keep_work(msi_build *b)
{
    size_t n = strlen(b->work), suffix = 6; /* XXXXXX */
    char *kept = NULL;
    if (asprintf(&kept, "%.*s-kept.%s", (int)(n - suffix - 1), b->work, b->work + n - suffix) < 0)
        kept = NULL;
    bool renamed = kept && rename(b->work, kept) == 0;
    printf("kept %s\n", renamed ? kept : b->work);
    if (!renamed) { /* kept where it is: forgotten, not removed */
        ph_cleanup_pop(b->wd.handle);
        b->wd.handle = -1;
        b->wd.path[0] = '\0';
    }
    free(kept);
}

int ph_installer_msi(int argc, char **argv)
{
    ph_error err = {{0}, {0}};
    msi_build b = {.err = &err};
    const ph_option flags[] = {PH_OPT_FLAG("--keep", NULL, &b.keep), PH_OPT_END};
    int rc = ph_inst_parse_args("installer msi", help, flags, argc, argv, &b.a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    rc = run(&b);
    if (rc == 0)
        report_summary(&b);
    if (b.work && b.keep)
        keep_work(&b);
    ph_inst_work_done(&b.wd);
    free(b.payload);
    free(b.png);
    free(b.ico);
    free(b.wxs);
    free(b.out);
    ph_manifest_free(&b.m);
    return rc == 0 ? 0 : ph_report(&err);
}
