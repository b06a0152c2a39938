/* NAME.exe, the Windows stub an MSI installs (installer_msi.h).
 *
 * meson cross-compiles launcher/winstub/ once into pyhost-winstub.o (when mingw-w64 is
 * installed); each app's executable is that object linked with a resource holding the app's
 * icon and version information, so the link is the only per-app step and needs no sources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "installer_msi.h"
#include "installer_util.h"
#include "ph_winstub_config.h" /* PH_WINSTUB_DIR: where meson installs the object */

#define WINSTUB_OBJECT "pyhost-winstub.o"
#define MINGW_PACKAGE "gcc-mingw-w64-x86-64"

/* Next to pyhost (a build tree), else where meson installs it. */
static char *find_winstub(ph_error *err)
{
    char *self = ph_self_path(err);
    if (!self)
        return NULL;
    *strrchr(self, '/') = '\0';
    char *path = ph_inst_join(self, WINSTUB_OBJECT);
    free(self);
    if (path && access(path, R_OK) == 0)
        return path;
    free(path);
    path = ph_inst_join(PH_WINSTUB_DIR, WINSTUB_OBJECT);
    if (path && access(path, R_OK) == 0)
        return path;
    free(path);
    ph_error_set(err, "this pyhost was built without the Windows stub (%s)", WINSTUB_OBJECT);
    ph_error_hint(err,
                  "install mingw-w64 (apt-get install %s) and rebuild pyhost: meson finds "
                  "it at setup time (meson setup --reconfigure BUILD_DIR)",
                  MINGW_PACKAGE);
    return NULL;
}

/* Version resources hold four numbers: 1.2.3 -> 1,2,3,0. */
static void version_commas(const char *version, char out[32])
{
    snprintf(out, 32, "%s,0", version);
    for (char *p = out; *p; p++)
        if (*p == '.')
            *p = ',';
}

/* Text inside an .rc string: a quote is written twice. */
static char *rc_escaped(const char *s)
{
    char *out = malloc(strlen(s) * 2 + 1), *o = out;
    for (; out && *s; s++) {
        if (*s == '"')
            *o++ = '"';
        *o++ = *s;
    }
    if (out)
        *o = '\0';
    return out;
}

static int write_rc(const ph_msi *msi, const char *rc_path, const char *ico, ph_error *err)
{
    char commas[32];
    version_commas(msi->product_version, commas);
    const char *base = strrchr(ico, '/');
    char *manufacturer = rc_escaped(msi->manufacturer), *text = NULL;
    ph_inst_var vars[] = {{"ICON", base ? base + 1 : ico}, /* found through windres -I */
                          {"VERSION_COMMAS", commas},
                          {"MANUFACTURER", manufacturer},
                          {"NAME", msi->m->app.name},
                          {"VERSION", msi->m->app.version},
                          {"EXE", msi->exe},
                          {NULL, NULL}};
    int rc = manufacturer ? ph_inst_render("msi/version.rc", vars, &text, err)
                          : ph_error_set(err, "out of memory");
    if (rc == 0)
        rc = ph_inst_write(rc_path, text, strlen(text), 0644, err);
    free(manufacturer);
    free(text);
    return rc;
}

static int compile_resources(const ph_msi *msi, const char *work, const char *ico, const char *res,
                             ph_error *err)
{
    char *rc_path = ph_inst_join(work, "version.rc");
    int rc = rc_path ? write_rc(msi, rc_path, ico, err) : ph_error_set(err, "out of memory");
    const char *argv[] = {
        "x86_64-w64-mingw32-windres", "-I", work, "-i", rc_path, "-O", "coff", "-o", res, NULL};
    if (rc == 0)
        rc = ph_inst_run(argv, NULL, NULL, "binutils-mingw-w64-x86-64", err);
    free(rc_path);
    return rc;
}

/* --no-insert-timestamp: the PE header would otherwise carry the link time, and the same app
 * would give a different .exe (and package code) on every build. */
static int link_exe(const ph_msi *msi, const char *object, const char *res, const char *exe,
                    ph_error *err)
{
    const char *argv[] = {"x86_64-w64-mingw32-gcc",
                          "-municode",
                          msi->m->app.gui ? "-mwindows" : "-mconsole",
                          "-static-libgcc",
                          "-s",
                          "-Wl,--no-insert-timestamp",
                          "-o",
                          exe,
                          object,
                          res,
                          NULL};
    return ph_inst_run(argv, NULL, NULL, MINGW_PACKAGE, err);
}

int ph_msi_exe(const ph_msi *msi, const char *work, const char *png, const char *ico,
               const char *exe, ph_error *err)
{
    const char *icotool[] = {"icotool", "-c", "-o", ico, png, NULL};
    char *object = find_winstub(err), *res = ph_inst_join(work, "version.res.o");
    int rc = !object ? -1 : !res ? ph_error_set(err, "out of memory") : 0;
    if (rc == 0 && ph_inst_run(icotool, NULL, NULL, "icoutils", err) < 0)
        rc = ph_error_prefix(err, "converting the icon %s: ", png);
    if (rc == 0)
        rc = compile_resources(msi, work, ico, res, err);
    if (rc == 0)
        rc = link_exe(msi, object, res, exe, err);
    free(object);
    free(res);
    return rc;
}
