/* Turning the staged PyInstaller build into PyInstaller's layout.
 *
 * ph_bundle makes BUNDLE/NAME/NAME (onefile: the .pyr embedded; onedir: NAME.pyr adjacent).
 * onedir: the executable goes to the staged DISTPATH/.DIR.pyi-XXXX/NAME and the .pyr into its
 * contents directory (_internal/NAME.pyr, where the stub looks for it), and the staged tree is
 * renamed to DISTPATH/DIR; onefile: the executable becomes DISTPATH/NAME. An earlier DIST/NAME
 * is removed first, as PyInstaller does (it asks first without -y, on a terminal). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "pyhost/fsutil.h"
#include "pyinstaller.h"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int remove_path(const char *path, ph_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : ph_error_errno(err, errno, "cannot remove %s", path);
    int rc =
        S_ISDIR(st.st_mode) ? nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) : unlink(path);
    return rc < 0 ? ph_error_errno(err, errno, "cannot remove %s", path) : 0;
}

/* rename(2), or copy and unlink when the work path and DISTPATH are on different filesystems. */
static int move_file(const char *from, const char *to, ph_error *err)
{
    if (rename(from, to) == 0)
        return 0;
    if (errno != EXDEV)
        return ph_error_errno(err, errno, "cannot move %s to %s", from, to);
    struct stat st;
    if (stat(from, &st) < 0)
        return ph_error_errno(err, errno, "cannot move %s to %s", from, to);
    if (ph_copy_file(from, to, st.st_mode & 07777, err) < 0)
        return -1;
    unlink(from);
    return 0;
}

/* PyInstaller asks before removing an existing output; only a person at a terminal is asked,
 * release scripts (no terminal) go on as with -y. */
static int confirm_replace(const ph_pyi_plan *p, const char *final, ph_error *err)
{
    struct stat st;
    if (p->noconfirm || lstat(final, &st) < 0 || !isatty(STDIN_FILENO))
        return 0;
    fprintf(stderr,
            "WARNING: The output directory \"%s\" and ALL ITS CONTENTS will be REMOVED! "
            "Continue? (y/N)",
            final);
    char answer[16] = "";
    if (!fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
        ph_error_set(err, "aborted by user request");
        return ph_error_hint(err, "pass -y (--noconfirm) to replace it without asking");
    }
    return 0;
}

static char *path_join(const char *a, const char *b, const char *c)
{
    char *s = NULL;
    if (asprintf(&s, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "") < 0)
        return NULL;
    return s;
}

static int place_onedir(const ph_pyi_plan *p, const ph_bundle_result *br, char **result,
                        ph_error *err)
{
    char *exe = path_join(p->stage, p->name, NULL);
    char *pyr_from = NULL, *pyr_to = NULL, *pyr_name = NULL;
    int rc = exe && asprintf(&pyr_name, "%s.pyr", p->name) >= 0 &&
                     (pyr_from = path_join(br->dir, pyr_name, NULL)) &&
                     (pyr_to = path_join(p->stage, p->contents, pyr_name)) &&
                     (*result = path_join(p->distpath, p->dir, NULL))
                 ? 0
                 : ph_error_set(err, "out of memory");
    if (rc == 0 && !strcmp(p->contents, ".")) { /* the flat layout: NAME.pyr next to NAME */
        free(pyr_to);
        pyr_to = path_join(p->stage, pyr_name, NULL);
    }
    if (rc == 0)
        rc = move_file(br->executable, exe, err);
    if (rc == 0)
        rc = move_file(pyr_from, pyr_to, err);
    if (rc == 0)
        rc = confirm_replace(p, *result, err);
    if (rc == 0)
        rc = remove_path(*result, err);
    if (rc == 0 && rename(p->stage, *result) < 0)
        rc = ph_error_errno(err, errno, "cannot create %s", *result);
    free(exe);
    free(pyr_from);
    free(pyr_to);
    free(pyr_name);
    return rc;
}

static int place_onefile(const ph_pyi_plan *p, const ph_bundle_result *br, char **result,
                         ph_error *err)
{
    if (!(*result = path_join(p->distpath, p->name, NULL)))
        return ph_error_set(err, "out of memory");
    if (confirm_replace(p, *result, err) < 0 || remove_path(*result, err) < 0)
        return -1;
    return move_file(br->executable, *result, err);
}

int ph_pyi_make(const ph_pyi_plan *p, ph_pyi_progress_fn progress, char **result, ph_error *err)
{
    *result = NULL;
    ph_bundle_options bo = {.manifest_path = p->manifest,
                            .output_dir = p->bundle,
                            .mode = p->onefile ? PH_BUNDLE_EMBEDDED : PH_BUNDLE_ADJACENT,
                            .strip = true,
                            .progress = progress};
    ph_bundle_result br;
    int rc = ph_bundle(&bo, &br, err);
    if (rc == 0)
        rc = p->onefile ? place_onefile(p, &br, result, err) : place_onedir(p, &br, result, err);
    ph_bundle_result_free(&br);
    if (p->stage) {
        ph_error ignored = {{0}, {0}};
        remove_path(p->stage, &ignored); /* left only when something failed */
    }
    return rc;
}
