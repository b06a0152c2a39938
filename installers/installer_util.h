/* What the deb and dmg drivers share: the command line, templates, running tools, and staging
 * trees. Private to the launcher. Functions follow the ph_error convention; none prints. */
#ifndef PH_INSTALLER_UTIL_H
#define PH_INSTALLER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "pyhost/error.h"
#include "pyhost/manifest.h"

/* ---- Templates (installers/ compiled in by installers/embed.py) ------------------------- */

struct ph_inst_template {
    const char *name; /* relative to installers/: "deb/control" */
    const char *text;
    size_t size;
};
extern const struct ph_inst_template ph_inst_templates[]; /* ends with a NULL name */

/* One substitution: "@KEY@" becomes value. A line naming a key whose value is NULL is left
 * out, which is how optional fields (Homepage:, Source:) disappear. */
typedef struct ph_inst_var {
    const char *key;
    const char *value;
} ph_inst_var;

/* Renders template `name` with `vars` (NULL-key terminated) into a malloc'd string. */
int ph_inst_render(const char *name, const ph_inst_var *vars, char **out, ph_error *err);

/* ---- The command line ------------------------------------------------------------------- */

typedef struct ph_inst_args {
    const char *manifest; /* -c, default: the one ph_arg_manifest finds */
    const char *output;   /* -o, default dist */
} ph_inst_args;

/* Parses a driver's command line with the CLI's parser (cli/args.h): -c/--config, -o/--output
 * and the driver's own `flags` (a table ending with PH_OPT_END, or NULL). Then fills in the
 * defaults. Returns 0 to go on, 1 after --help (printed from `help`), or 2 after a usage
 * error naming `command` ("installer deb"). */
int ph_inst_parse_args(const char *command, const char *help, const ph_option *flags, int argc,
                       char **argv, ph_inst_args *a);

/* ---- Running tools ---------------------------------------------------------------------- */

/* Runs argv[0] (searched on PATH) in `cwd` (NULL: here) and waits. Its stdout goes to *out
 * (malloc'd, NUL-terminated) when out is not NULL, else to /dev/null; its stderr ends up in the
 * error message when it fails. `package` names the Debian package that has the tool, for the
 * hint when it is missing. */
int ph_inst_run(const char *const *argv, const char *cwd, char **out, const char *package,
                ph_error *err);

/* ---- Files and trees -------------------------------------------------------------------- */

/* A driver's work directory, OUTPUT/.STEM.XXXXXX (hidden: a build walking the app's directory
 * never packs it), mode 0700. It is registered for removal if a signal ends pyhost, and what a
 * run killed by SIGKILL left there an hour ago or more is swept first. */
typedef struct ph_inst_work {
    char *path;
    int handle; /* ph_cleanup_push's */
} ph_inst_work;
int ph_inst_work_dir(const char *output, const char *stem, ph_inst_work *w, ph_error *err);
/* Removes the directory (unless path was emptied, to keep it) and forgets it. */
void ph_inst_work_done(ph_inst_work *w);

char *ph_inst_join(const char *a, const char *b); /* "a/b", malloc'd; NULL when out of memory */
int ph_inst_write(const char *path, const void *data, size_t size, unsigned mode, ph_error *err);

/* Gives every directory 0755 and every file 0644, or 0755 if any execute bit was set, then
 * sets the times of everything (symlinks too) to `epoch`, so archives of the tree depend on
 * its content only. */
int ph_inst_normalize_tree(const char *root, int64_t epoch, ph_error *err);

typedef struct ph_inst_list {
    char **items;
    size_t count;
} ph_inst_list;
void ph_inst_list_free(ph_inst_list *list);

/* Regular files under `root` (symlinks not followed), relative, sorted bytewise. */
int ph_inst_list_files(const char *root, ph_inst_list *out, ph_error *err);

/* Sum over everything under `root` except `skip` (a top-level name, or NULL) of the size of
 * each regular file rounded up to KiB, and 1 KiB for each directory and symlink: what
 * dpkg-gencontrol computes for Installed-Size, independent of the filesystem (unlike du). */
int ph_inst_installed_kib(const char *root, const char *skip, uint64_t *kib, ph_error *err);

/* gzip -9n in memory: no name, no time stamp, so the bytes depend on the data only. */
int ph_inst_gzip(const char *data, size_t size, char **out, size_t *out_size, ph_error *err);

/* SOURCE_DATE_EPOCH when set (and valid), else the manifest file's modification time; exported
 * as SOURCE_DATE_EPOCH so the tools run later (dpkg-deb, xorriso) use the same value. */
int ph_inst_epoch(const char *manifest_path, int64_t *epoch, ph_error *err);

/* ---- The app ---------------------------------------------------------------------------- */

/* pyhost bundle into OUT_DIR/<name>/ (OUT_DIR is created). `adjacent` forces NAME.pyr next to
 * the executable; otherwise the manifest decides. */
int ph_inst_bundle(const char *manifest, const char *out_dir, bool adjacent, ph_error *err);

/* The app's PNG icon: [app] icon when set (must be a PNG), else a generated one (256x256, a
 * colour from the name) written to `fallback`. Stores the path to use (malloc'd) and the size. */
int ph_inst_icon(const ph_manifest *m, const char *fallback, char **path, unsigned *width,
                 unsigned *height, ph_error *err);

#endif
