/* One `pyhost installer deb` run (installer_deb.c stages the tree, deb_control.c writes
 * DEBIAN/: dependencies, md5sums, control). Private to installers/deb/. */
#ifndef PH_INSTALLER_DEB_H
#define PH_INSTALLER_DEB_H

#include <stdbool.h>
#include <stdint.h>

#include "bundle_needs.h"
#include "installer_util.h"
#include "pyhost/manifest.h"

typedef struct deb {
    ph_inst_args a;
    ph_manifest m;
    int64_t epoch;
    char package[128]; /* the Debian package name */
    char *arch;        /* dpkg --print-architecture */
    ph_inst_work wd;   /* OUT/.PACKAGE-deb.XXXXXX */
    char *work;        /* wd.path */
    char *root;        /* work/root */
    char *summary;     /* first line of the description */
    char *long_desc;   /* the control file's continuation lines */
    char *depends;
    char *recommends;
    ph_bundle_needs needs; /* the glibc floor, the system libraries of packed extension modules */
    char *deb;             /* the result */
    ph_error *err;
} deb;

char *deb_join_list(const ph_strlist *l, const char *fallback, const char *sep, const char *end);
char *deb_staged(deb *d, const char *fmt, const char *a, const char *b);
int deb_write_rendered(deb *d, const char *template, const ph_inst_var *vars, char *path,
                       bool gzip);
int deb_compute_depends(deb *d);
int deb_write_md5sums(deb *d);
int deb_write_control(deb *d);

#endif
