/* pyhost installer msi, private to the launcher. installer_msi.c drives a build (command line,
 * staging, wixl, msibuild); installer_msi_wxs.c writes the WiX source and derives the MSI's
 * identity; installer_msi_exe.c makes the Windows stub NAME.exe with mingw-w64. None prints. */
#ifndef PH_INSTALLER_MSI_H
#define PH_INSTALLER_MSI_H

#include "pyhost/error.h"
#include "pyhost/manifest.h"

#define PH_MSI_GUID_SIZE 39 /* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" and a NUL */

typedef struct ph_msi {
    const ph_manifest *m;
    const char *manufacturer; /* [installer.msi] manufacturer, else [app] name */
    char exe[300];            /* "NAME.exe" */
    char product_version[24]; /* "1.2.3": the part of [app] version MSI compares */
    char upgrade_code[PH_MSI_GUID_SIZE];
    char product_code[PH_MSI_GUID_SIZE];
    char package_code[PH_MSI_GUID_SIZE];
} ph_msi;

/* ---- Identity (installer_msi_wxs.c) ----------------------------------------------------- */

/* Fills in the codes and the product version. The upgrade code is [installer.msi]
 * upgrade_code, else derived from the app's name; the product code from the upgrade code and
 * the product version (so each version is a major upgrade of the one before). */
int ph_msi_identify(ph_msi *msi, const ph_manifest *m, ph_error *err);

/* A GUID that depends on its inputs only: SHA-256 of "pyhost-msi", `kind`, `a` and `b` (each
 * NUL-terminated), as an RFC 9562 version 8 UUID in MSI's form, upper case in braces. */
void ph_msi_guid(char out[PH_MSI_GUID_SIZE], const char *kind, const char *a, const char *b);

/* ---- WiX source (installer_msi_wxs.c) --------------------------------------------------- */

/* The product's .wxs for the files under `payload` (NAME.exe, NAME.pyr, lib/...); `icon` is the
 * .ico next to `payload`. Sets msi->package_code from everything that goes into the package.
 * Stores a malloc'd string in *out. */
int ph_msi_wxs(ph_msi *msi, const char *payload, const char *icon, char **out, ph_error *err);

/* ---- The Windows stub (installer_msi_exe.c) --------------------------------------------- */

/* Converts the app's PNG icon to `ico` (icotool), then links the cross-compiled stub object with
 * a resource of that icon and the version information into `exe`, a console or (with [app]
 * gui) a GUI program. `work` holds the intermediate files. */
int ph_msi_exe(const ph_msi *msi, const char *work, const char *png, const char *ico,
               const char *exe, ph_error *err);

#endif
