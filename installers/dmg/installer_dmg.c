/* pyhost installer dmg: a macOS disk image holding NAME.app.
 *
 * Staged in OUT/.NAME-dmg.XXXXXX/stage (hidden, so a later build never packs it):
 *   NAME.app/Contents/Info.plist, PkgInfo
 *   NAME.app/Contents/MacOS/NAME            the stub (adjacent mode: the same for every app)
 *   NAME.app/Contents/MacOS/NAME.pyr -> ../Resources/NAME.pyr   (and lib -> ../Resources/lib)
 *   NAME.app/Contents/Resources/NAME.pyr, NAME.icns, lib/
 *   Applications -> /Applications           so the user drags the app onto it
 * The stub looks for NAME.pyr and lib/ next to itself; the links keep the resources where
 * Apple wants them (Resources/) and the stub unchanged.
 *
 * On Linux, xorriso makes an ISO 9660 + HFS+ hybrid with an Apple partition map (what macOS
 * mounts), and udif.c wraps it into a compressed UDIF .dmg. The stub inside is the one this
 * pyhost was built with: a Linux executable unless pyhost itself was built on macOS. On macOS,
 * hdiutil makes the image, and codesign/notarytool/stapler run when [installer.dmg] asks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "installer.h"
#include "installer_util.h"
#include "pyhost/fsutil.h"
#include "udif.h"

typedef struct dmg {
    ph_inst_args a;
    bool want_hybrid; /* --hybrid */
    bool keep;        /* --keep-stage */
    ph_manifest m;
    int64_t epoch;
    ph_inst_work wd; /* OUT/.NAME-dmg.XXXXXX */
    char *work;      /* wd.path */
    char *stage;     /* work/stage: the image's root */
    char *contents;  /* stage/NAME.app/Contents */
    char *dmg;       /* the result */
    char *hybrid;    /* the raw image, when kept */
    ph_error *err;
} dmg;

static const char help[] =
    "usage: pyhost installer dmg [-c pyhost.ini] [-o DIR] [--hybrid]\n"
    "\n"
    "Bundles the app as NAME.app and makes DIR/NAME-VERSION.dmg, a compressed disk image\n"
    "(UDIF) with the app and a link to /Applications. On Linux the image is made with xorriso\n"
    "(HFS+) and the app's executable is this pyhost's stub: a Linux program, so a .dmg for\n"
    "real Macs is made with a pyhost built on macOS. [installer.dmg] sets the bundle id.\n"
    "\n"
    "  -c, --config FILE  the manifest (default: pyhost.ini or pyproject.toml, here or\n"
    "                     in the nearest parent directory that has one)\n"
    "  -o, --output DIR   where the .dmg is written (default: ./dist)\n"
    "  --hybrid           also keep the uncompressed image, DIR/NAME-VERSION.hybrid.dmg\n"
    "  --keep-stage       also keep the image's tree, DIR/NAME-VERSION.stage/ (for checks)\n";

static char *path2(const char *a, const char *b, const char *c)
{
    char *ab = ph_inst_join(a, b), *abc = ab && c ? ph_inst_join(ab, c) : NULL;
    if (!c)
        return ab;
    free(ab);
    return abc;
}

/* ---- The .app --------------------------------------------------------------------------- */

/* CFBundleShortVersionString is up to three integers: the leading "1.2.3" of "1.2.3rc1". */
static void short_version(const char *v, char *out, size_t size)
{
    size_t n = 0;
    int dots = 0;
    while (v[n] && n + 1 < size && ((v[n] >= '0' && v[n] <= '9') || (v[n] == '.' && dots < 2))) {
        dots += v[n] == '.';
        n++;
    }
    while (n && v[n - 1] == '.')
        n--;
    snprintf(out, size, "%.*s", (int)(n ? n : 1), n ? v : "0");
}

static int write_info(dmg *d)
{
    char version[32], id[192], *text = NULL;
    short_version(d->m.app.version, version, sizeof version);
    if (d->m.dmg.bundle_identifier)
        snprintf(id, sizeof id, "%s", d->m.dmg.bundle_identifier);
    else
        snprintf(id, sizeof id, "org.pyhost.%s", d->m.app.name);
    for (char *p = id; *p; p++)
        *p = *p == '_' ? '-' : *p; /* bundle ids allow letters, digits, '-' and '.' */
    ph_inst_var vars[] = {{"NAME", d->m.app.name},
                          {"BUNDLE_ID", id},
                          {"SHORT_VERSION", version},
                          {"VERSION", d->m.app.version},
                          {"MIN_SYSTEM", d->m.dmg.minimum_system_version},
                          {NULL, NULL}};
    char *plist = ph_inst_join(d->contents, "Info.plist");
    char *pkginfo = ph_inst_join(d->contents, "PkgInfo");
    int rc = plist && pkginfo ? ph_inst_render("dmg/Info.plist", vars, &text, d->err)
                              : ph_error_set(d->err, "out of memory");
    if (rc == 0)
        rc = ph_inst_write(plist, text, strlen(text), 0644, d->err);
    free(text);
    text = NULL;
    if (rc == 0)
        rc = ph_inst_render("dmg/PkgInfo", vars, &text, d->err);
    if (rc == 0)
        rc = ph_inst_write(pkginfo, text, strlen(text), 0644, d->err);
    free(text);
    free(plist);
    free(pkginfo);
    return rc;
}

/* png2icns (icnsutils) takes the sizes the .icns format has. */
static int write_icns(dmg *d)
{
    char *fallback = ph_inst_join(d->work, "icon.png"), *icon = NULL;
    char *icns = path2(d->contents, "Resources", NULL), *file = NULL;
    unsigned w = 0, h = 0;
    int rc = fallback && icns ? ph_inst_icon(&d->m, fallback, &icon, &w, &h, d->err)
                              : ph_error_set(d->err, "out of memory");
    if (rc == 0 && w != 16 && w != 32 && w != 48 && w != 128 && w != 256 && w != 512 && w != 1024) {
        rc = ph_manifest_error(&d->m, d->err, "app", "icon",
                               "%ux%u pixels cannot make a macOS .icns icon", w, h);
        ph_error_hint(d->err, "use a square PNG of 16, 32, 48, 128, 256, 512 or 1024 pixels");
    }
    if (rc == 0 && asprintf(&file, "%s/%s.icns", icns, d->m.app.name) < 0)
        rc = ph_error_set(d->err, "out of memory");
    const char *argv[] = {"png2icns", file, icon, NULL};
    if (rc == 0)
        rc = ph_inst_run(argv, NULL, NULL, "icnsutils", d->err);
    free(fallback);
    free(icon);
    free(icns);
    free(file);
    return rc;
}

/* Moves bundle/NAME/WHAT to Resources/WHAT and links MacOS/WHAT to it, when it exists. */
static int move_resource(dmg *d, const char *bundle, const char *what)
{
    char *from = ph_inst_join(bundle, what), *to = path2(d->contents, "Resources", what);
    char *link = path2(d->contents, "MacOS", what), *target = ph_inst_join("../Resources", what);
    int rc = from && to && link && target ? 0 : ph_error_set(d->err, "out of memory");
    struct stat st;
    if (rc == 0 && lstat(from, &st) == 0 && (rename(from, to) < 0 || symlink(target, link) < 0))
        rc = ph_error_errno(d->err, errno, "cannot move %s into the .app", from);
    free(from);
    free(to);
    free(link);
    free(target);
    return rc;
}

static int stage_app(dmg *d)
{
    char *bundles = ph_inst_join(d->work, "bundle"), *bundle = NULL;
    char *macos = path2(d->contents, "MacOS", NULL), *res = path2(d->contents, "Resources", NULL);
    char *exe_from = NULL, *exe_to = NULL;
    int rc = bundles && macos && res ? 0 : ph_error_set(d->err, "out of memory");
    if (rc == 0)
        rc = ph_inst_bundle(d->a.manifest, bundles, true, d->err);
    if (rc == 0 && (ph_mkdirs(macos, 0755, d->err) < 0 || ph_mkdirs(res, 0755, d->err) < 0))
        rc = -1;
    if (rc == 0 && (!(bundle = ph_inst_join(bundles, d->m.app.name)) ||
                    !(exe_from = ph_inst_join(bundle, d->m.app.name)) ||
                    !(exe_to = ph_inst_join(macos, d->m.app.name))))
        rc = ph_error_set(d->err, "out of memory");
    if (rc == 0 && rename(exe_from, exe_to) < 0)
        rc = ph_error_errno(d->err, errno, "cannot move %s into the .app", exe_from);
    char pyr[256];
    snprintf(pyr, sizeof pyr, "%s.pyr", d->m.app.name);
    if (rc == 0 && (move_resource(d, bundle, pyr) < 0 || move_resource(d, bundle, "lib") < 0))
        rc = -1;
    free(bundles);
    free(bundle);
    free(macos);
    free(res);
    free(exe_from);
    free(exe_to);
    return rc;
}

/* ---- The image -------------------------------------------------------------------------- */

#ifdef __APPLE__
/* macOS: sign the app (hardened runtime, as notarization requires), make a UDZO image with
 * hdiutil, sign and notarize it, staple the ticket. Not run by the tests (no Mac here). */
static int make_image(dmg *d, const char *volume)
{
    char *app = NULL;
    if (asprintf(&app, "%s/%s.app", d->stage, d->m.app.name) < 0)
        return ph_error_set(d->err, "out of memory");
    const char *id = d->m.dmg.codesign_identity, *profile = d->m.dmg.notary_profile;
    const char *sign_app[] = {"codesign",    "--force", "--deep", "--options", "runtime",
                              "--timestamp", "-s",      id,       app,         NULL};
    const char *image[] = {"hdiutil", "create", "-volname", volume, "-srcfolder", d->stage, "-ov",
                           "-format", "UDZO",   "-fs",      "HFS+", d->dmg,       NULL};
    const char *sign_dmg[] = {"codesign", "--timestamp", "-s", id, d->dmg, NULL};
    const char *notarize[] = {"xcrun", "notarytool", "submit", d->dmg, "--keychain-profile",
                              profile, "--wait",     NULL};
    const char *staple[] = {"xcrun", "stapler", "staple", d->dmg, NULL};
    int rc = id ? ph_inst_run(sign_app, NULL, NULL, "Xcode", d->err) : 0;
    if (rc == 0)
        rc = ph_inst_run(image, NULL, NULL, "macOS", d->err);
    if (rc == 0 && id)
        rc = ph_inst_run(sign_dmg, NULL, NULL, "Xcode", d->err);
    if (rc == 0 && id && profile)
        rc = ph_inst_run(notarize, NULL, NULL, "Xcode", d->err);
    if (rc == 0 && id && profile)
        rc = ph_inst_run(staple, NULL, NULL, "Xcode", d->err);
    free(app);
    return rc;
}
#else
/* Linux: an ISO 9660 + HFS+ hybrid with an Apple partition map (xorriso; it takes its dates
 * from SOURCE_DATE_EPOCH), wrapped into a zlib UDIF. Signing needs a Mac. */
static int make_image(dmg *d, const char *volume)
{
    char *raw = ph_inst_join(d->work, "hybrid.dmg");
    const char *argv[] = {
        "xorriso",         "-as",  "mkisofs", "-V", volume, "-R",     "-J", "-hfsplus",
        "-apm-block-size", "2048", "-no-pad", "-o", raw,    d->stage, NULL};
    int rc = raw ? ph_inst_run(argv, NULL, NULL, "xorriso", d->err)
                 : ph_error_set(d->err, "out of memory");
    if (rc == 0)
        rc = ph_udif_write(raw, d->dmg, d->err);
    if (rc == 0 && d->hybrid && rename(raw, d->hybrid) < 0)
        rc = ph_error_errno(d->err, errno, "cannot create %s", d->hybrid);
    free(raw);
    return rc;
}
#endif

/* ---- The whole image -------------------------------------------------------------------- */

static int prepare(dmg *d)
{
    if (ph_manifest_load(&d->m, d->a.manifest, d->err) < 0 ||
        ph_inst_epoch(d->a.manifest, &d->epoch, d->err) < 0)
        return -1;
    char stem[160], app[192];
    snprintf(stem, sizeof stem, "%s-dmg", d->m.app.name);
    snprintf(app, sizeof app, "%s.app/Contents", d->m.app.name);
    if (ph_inst_work_dir(d->a.output, stem, &d->wd, d->err) < 0)
        return -1;
    d->work = d->wd.path;
    chmod(d->work, 0755);
    if (!(d->stage = ph_inst_join(d->work, "stage")) ||
        !(d->contents = ph_inst_join(d->stage, app)) ||
        asprintf(&d->dmg, "%s/%s-%s.dmg", d->a.output, d->m.app.name, d->m.app.version) < 0 ||
        (d->want_hybrid && asprintf(&d->hybrid, "%s/%s-%s.hybrid.dmg", d->a.output, d->m.app.name,
                                    d->m.app.version) < 0))
        return ph_error_set(d->err, "out of memory");
    return ph_mkdirs(d->contents, 0755, d->err);
}

/* Moves the staged tree to DIR/NAME-VERSION.stage, replacing an earlier one, so tests can
 * compare what the image holds with what went in. */
static int keep_stage(dmg *d)
{
    char *kept = NULL;
    if (asprintf(&kept, "%s/%s-%s.stage", d->a.output, d->m.app.name, d->m.app.version) < 0)
        return ph_error_set(d->err, "out of memory");
    ph_remove_tree(kept);
    int rc =
        rename(d->stage, kept) < 0 ? ph_error_errno(d->err, errno, "cannot create %s", kept) : 0;
    free(kept);
    return rc;
}

static int run(dmg *d)
{
    if (prepare(d) < 0 || stage_app(d) < 0 || write_info(d) < 0 || write_icns(d) < 0)
        return -1;
    char *apps = ph_inst_join(d->stage, "Applications");
    int rc = apps && symlink("/Applications", apps) == 0
                 ? 0
                 : ph_error_errno(d->err, errno, "cannot create the Applications link");
    free(apps);
    /* ISO 9660 volume ids have at most 32 characters. */
    char volume[33];
    snprintf(volume, sizeof volume, "%s", d->m.app.name);
    if (rc == 0)
        rc = ph_inst_normalize_tree(d->stage, d->epoch, d->err);
    if (rc == 0)
        rc = make_image(d, volume);
    return rc == 0 && d->keep ? keep_stage(d) : rc;
}

int ph_installer_dmg(int argc, char **argv)
{
    ph_error err = {{0}, {0}};
    dmg d = {.err = &err};
    const ph_option flags[] = {
        PH_OPT_FLAG("--hybrid", NULL, &d.want_hybrid),
        PH_OPT_FLAG("--keep-stage", NULL, &d.keep),
        PH_OPT_END,
    };
    int rc = ph_inst_parse_args("installer dmg", help, flags, argc, argv, &d.a);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    rc = run(&d);
    if (rc == 0) {
        struct stat st = {0};
        stat(d.dmg, &st);
        printf("built %s: %.1f MB%s%s\n", d.dmg, (double)st.st_size / 1e6, d.hybrid ? ", and " : "",
               d.hybrid ? d.hybrid : "");
#ifdef __linux__
        /* The image is real; the app in it is not yet (issue 18): never a plain success. */
        printf("not runnable on macOS yet: the app inside runs only on Linux until pyhost has a "
               "macOS runtime (MacOS/%s is a Linux ELF, the .pyr holds Linux extension "
               "modules); the .app layout, signing steps and the UDIF image are real\n",
               d.m.app.name);
#endif
    }
    ph_inst_work_done(&d.wd);
    free(d.stage);
    free(d.contents);
    free(d.dmg);
    free(d.hybrid);
    ph_manifest_free(&d.m);
    return rc == 0 ? 0 : ph_report(&err);
}
