/* One bundle: manifest -> .pyr (the ordinary builder) -> dist/<name>/.
 *
 * Everything is made inside dist/.<name>.tmp-XXXXXX/ (hidden, so a later build that walks the
 * app's directory never packs it) and the directory is renamed into place at the end, so a
 * failed bundle never leaves a half-made dist/<name>, and an existing one is replaced only by a
 * complete new one. The .pyr is built inside the temporary directory because the builder writes
 * filesystem-routed files (lib/...) next to its output: they land in the bundle as they are. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "bundle.h"
#include "onefile.h"
#include "pyhost/cleanup.h"
#include "pyhost/fsutil.h"
#include "pyhost/manifest.h"
#include "pyhost/pyr.h"

/* The .pyr starts on this boundary inside the executable. The reader needs 8; 16 keeps every
 * blob (16-aligned inside the .pyr) 16-aligned in the mapping too. */
#define EMBED_ALIGN 16

typedef struct bundle {
    const ph_bundle_options *o;
    ph_bundle_result *r;
    ph_manifest m;
    ph_bundle_mode mode;
    char *out;     /* the output directory (dist) */
    char *tmp;     /* dist/.<name>.tmp-XXXXXX */
    char *stub;    /* pyhost-stub */
    char *exe;     /* tmp/<name> */
    char *runtime; /* tmp/<name>.runtime: the stub to compress ([bundle] compress_runtime) */
    char *pyr;     /* tmp/<name>.pyr */
    ph_error *err;
} bundle;

static int tmp_cleanup = -1; /* ph_cleanup_push of the bundle's temporary directory */

/* ---- Removing a directory tree (a failed or replaced bundle) ---------------------------- */

/* ---- Inputs ----------------------------------------------------------------------------- */

static int find_stub(bundle *b)
{
    if (b->o->stub_path) {
        b->stub = strdup(b->o->stub_path);
    } else {
        char *self = ph_self_path(b->err);
        if (!self)
            return -1;
        *strrchr(self, '/') = '\0';
        b->stub = ph_path_join(self, PH_STUB_NAME, "");
        free(self);
    }
    if (!b->stub)
        return ph_error_set(b->err, "out of memory");
    if (access(b->stub, X_OK) == 0)
        return 0;
    ph_error_errno(b->err, errno, "cannot use the app stub %s", b->stub);
    return ph_error_hint(b->err,
                         "%s is installed next to pyhost (a build tree has it in "
                         "launcher/); reinstall pyhost or rebuild it with ninja",
                         PH_STUB_NAME);
}

/* The command line wins over [bundle] in the manifest. */
static int choose_mode(bundle *b)
{
    b->mode = b->o->mode;
    if (b->mode == PH_BUNDLE_DEFAULT)
        b->mode = b->m.bundle.adjacent ? PH_BUNDLE_ADJACENT : PH_BUNDLE_EMBEDDED;
    b->r->embedded = b->mode == PH_BUNDLE_EMBEDDED;
    return 0;
}

static int make_dirs(bundle *b)
{
    if (b->o->output_dir || !b->m.bundle.output)
        b->out = strdup(b->o->output_dir ? b->o->output_dir : "dist");
    else if (ph_manifest_resolve_path(&b->m, b->m.bundle.output, &b->out, b->err) < 0)
        return -1;
    if (!b->out)
        return ph_error_set(b->err, "out of memory");
    if (mkdir(b->out, 0755) < 0 && errno != EEXIST)
        return ph_error_errno(b->err, errno, "cannot create the output directory %s", b->out);
    char pattern[32];
    snprintf(pattern, sizeof pattern, ".%.16s.tmp-", b->m.app.name);
    ph_sweep_stale(b->out, pattern, 3600); /* what a killed bundle left an hour ago or more */
    snprintf(pattern, sizeof pattern, ".%.16s.tmp-XXXXXX", b->m.app.name);
    b->tmp = ph_path_join(b->out, pattern, "");
    if (!b->tmp)
        return ph_error_set(b->err, "out of memory");
    if (!ph_cleanup_mkdtemp(b->tmp, &tmp_cleanup)) { /* removed if a signal ends pyhost */
        ph_error_errno(b->err, errno, "cannot create a directory in %s", b->out);
        free(b->tmp);
        b->tmp = NULL;
        return ph_error_hint(b->err, "choose another output directory with -o");
    }
    chmod(b->tmp, 0755); /* mkdtemp makes it 0700; it becomes dist/<name> */
    b->exe = ph_path_join(b->tmp, b->m.app.name, "");
    b->pyr = ph_path_join(b->tmp, b->m.app.name, ".pyr");
    return b->exe && b->pyr ? 0 : ph_error_set(b->err, "out of memory");
}

/* ---- Assembling ------------------------------------------------------------------------- */

/* `strip` drops the static symbol table and debug info the stub was linked with (the dynamic
 * symbols that extension modules resolve against stay). Best effort: no strip, no harm. */
bool ph_bundle_strip(const char *path)
{
    char *argv[] = {"strip", "--strip-all", (char *)path, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    extern char **environ;
    pid_t pid;
    int status = 0;
    bool ok = posix_spawnp(&pid, "strip", &fa, NULL, argv, environ) == 0 &&
              waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    posix_spawn_file_actions_destroy(&fa);
    return ok;
}

static void strip_stub(bundle *b, char *path)
{
    if (ph_bundle_strip(path))
        b->r->stripped = true;
}

/* pyhost-loader, installed next to pyhost-stub: a malloc'd path, or NULL with the error set. */
static char *find_loader(bundle *b)
{
    const char *slash = strrchr(b->stub, '/');
    int dir_len = slash ? (int)(slash - b->stub + 1) : 0;
    char *loader = NULL;
    if (asprintf(&loader, "%.*s%s", dir_len, b->stub, PH_LOADER_NAME) < 0) {
        ph_error_set(b->err, "out of memory");
        return NULL;
    }
    if (access(loader, X_OK) == 0)
        return loader;
    ph_error_errno(b->err, errno, "cannot use the onefile loader %s", loader);
    ph_error_hint(b->err, "%s is installed next to %s; reinstall pyhost or rebuild it with ninja",
                  PH_LOADER_NAME, PH_STUB_NAME);
    free(loader);
    return NULL;
}

/* pyhost-loader, then the stripped stub compressed (onefile.h); embed() appends the rest. */
static int compress_stub(bundle *b)
{
    char *loader = find_loader(b);
    if (!loader)
        return -1;
    if (!(b->runtime = ph_path_join(b->tmp, b->m.app.name, ".runtime"))) {
        free(loader);
        return ph_error_set(b->err, "out of memory");
    }
    int rc = ph_copy_file(loader, b->exe, 0755, b->err);
    if (rc == 0 && b->o->strip)
        strip_stub(b, b->exe);
    free(loader);
    int out = rc == 0 ? open(b->exe, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
    if (rc == 0 && out < 0)
        rc = ph_error_errno(b->err, errno, "cannot open %s", b->exe);
    int seeded = rc == 0 && b->o->strip
                     ? ph_bundle_write_seeded(out, b->exe, b->stub, EMBED_ALIGN, b->err)
                     : 0;
    if (seeded < 0)
        rc = -1;
    if (rc == 0 && !seeded) { /* the stripped stub, compressed (or its frame found) */
        rc = ph_copy_file(b->stub, b->runtime, 0755, b->err);
        if (rc == 0 && b->o->strip)
            strip_stub(b, b->runtime);
        if (rc == 0)
            rc = ph_bundle_write_runtime(out, b->exe, b->runtime, b->stub, EMBED_ALIGN, b->err);
        if (rc == 0 && unlink(b->runtime) < 0)
            rc = ph_error_errno(b->err, errno, "cannot remove %s", b->runtime);
    }
    if (out >= 0 && close(out) < 0 && rc == 0)
        rc = ph_error_errno(b->err, errno, "writing %s", b->exe);
    return rc;
}

/* The stub as it is, or (embedded with [bundle] compress_runtime) behind the loader. */
static int place_stub(bundle *b)
{
    if (b->r->embedded && b->m.bundle.compress_runtime && !b->o->plain_runtime)
        return compress_stub(b);
    if (ph_copy_file(b->stub, b->exe, 0755, b->err) < 0)
        return -1;
    if (b->o->strip)
        strip_stub(b, b->exe);
    return 0;
}

/* stub | zero padding to EMBED_ALIGN | .pyr | trailer. */
static int embed(bundle *b)
{
    int out = open(b->exe, O_WRONLY | O_APPEND | O_CLOEXEC);
    int in = open(b->pyr, O_RDONLY | O_CLOEXEC);
    struct stat st = {0};
    int rc = out < 0 || in < 0 || fstat(out, &st) < 0
                 ? ph_error_errno(b->err, errno, "cannot open %s", out < 0 ? b->exe : b->pyr)
                 : 0;
    uint64_t offset = ((uint64_t)st.st_size + EMBED_ALIGN - 1) / EMBED_ALIGN * EMBED_ALIGN;
    static const char zeros[EMBED_ALIGN];
    size_t pad = rc == 0 ? (size_t)(offset - (uint64_t)st.st_size) : 0;
    if (rc == 0 && pad && write(out, zeros, pad) != (ssize_t)pad)
        rc = ph_error_errno(b->err, errno, "writing %s", b->exe);
    if (rc == 0)
        rc = ph_copy_fd(in, out, b->pyr, b->exe, b->err);
    if (rc == 0)
        rc = pyr_write_trailer(out, offset, b->r->pyr_size, b->err);
    if (out >= 0 && close(out) < 0 && rc == 0)
        rc = ph_error_errno(b->err, errno, "writing %s", b->exe);
    if (in >= 0)
        close(in);
    if (rc == 0 && unlink(b->pyr) < 0)
        rc = ph_error_errno(b->err, errno, "cannot remove %s", b->pyr);
    return rc;
}

/* Opens what was made the way the stub will, so a bundle that cannot start is never shipped. */
static int verify(bundle *b)
{
    uint64_t offset = 0;
    const char *path = b->r->embedded ? b->exe : b->pyr;
    if (b->r->embedded && pyr_find_embedded(b->exe, &offset, b->err) != 1)
        return ph_error_set(b->err, "%s: the embedded resources cannot be found again", b->exe);
    pyr_archive *a;
    if (pyr_open_file(&a, path, offset, b->err) < 0)
        return ph_error_prefix(b->err, "checking the bundle: ");
    pyr_close(a);
    return 0;
}

/* [app] icon goes next to the executable as <name>.<ext>, where installers and desktop files
 * look for it. */
static int copy_icon(bundle *b)
{
    if (!b->m.app.icon)
        return 0;
    char *from;
    if (ph_manifest_resolve_path(&b->m, b->m.app.icon, &from, b->err) < 0)
        return -1;
    const char *base = strrchr(from, '/');
    const char *dot = strrchr(base ? base : from, '.');
    char *to = ph_path_join(b->tmp, b->m.app.name, dot ? dot : "");
    char *data = NULL;
    size_t size = 0;
    /* bounded and regular: an icon linked to /dev/zero must not fill the disk */
    int rc = !to ? ph_error_set(b->err, "out of memory")
             : ph_read_file_max(from, PH_MAX_ICON, "the icon", &data, &size, b->err) < 0
                 ? -1
                 : ph_write_file_atomic(to, data, size, 0644, b->err);
    free(data);
    if (rc < 0) {
        ph_error why = *b->err;
        ph_manifest_error(&b->m, b->err, "app", "icon", "cannot copy '%s' into the bundle: %s",
                          b->m.app.icon, why.message);
        ph_error_hint(b->err, "%s",
                      why.hint[0] ? why.hint
                                  : "[app] icon is relative to the manifest's "
                                    "directory");
    }
    free(from);
    free(to);
    return rc;
}

/* ---- Reporting and moving into place ---------------------------------------------------- */

static ph_bundle_result *counting;

static int count_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path, (void)ftw;
    if (flag == FTW_F && S_ISREG(st->st_mode)) {
        counting->files++;
        counting->size += (uint64_t)st->st_size;
    }
    return 0;
}

/* An existing dist/<name> is replaced only when it looks like a bundle of this app, so a typo
 * in -o never wipes an unrelated directory. */
static int check_replaceable(bundle *b, const char *final)
{
    struct stat st;
    char *exe = ph_path_join(final, b->m.app.name, "");
    int rc = exe && lstat(exe, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -1;
    free(exe);
    if (rc == 0)
        return 0;
    ph_error_set(b->err, "%s exists and is not a bundle of '%s'", final, b->m.app.name);
    return ph_error_hint(b->err, "remove it, or choose another output directory with -o");
}

/* The new tree takes the old one's place in one step (RENAME_EXCHANGE on Linux), then the old
 * one, now at the temporary name, is removed. */
static int swap_into_place(bundle *b, const char *final)
{
#ifdef RENAME_EXCHANGE
    if (renameat2(AT_FDCWD, b->tmp, AT_FDCWD, final, RENAME_EXCHANGE) == 0)
        return 0;
#endif
    char pattern[32];
    snprintf(pattern, sizeof pattern, ".%.16s.old-XXXXXX", b->m.app.name);
    char *old = ph_path_join(b->out, pattern, "");
    int rc = old && mkdtemp(old) && rename(final, old) == 0 && rename(b->tmp, final) == 0
                 ? 0
                 : ph_error_errno(b->err, errno, "cannot replace %s", final);
    if (rc == 0) {
        free(b->tmp);
        b->tmp = old; /* removed with the temporary directory */
    } else {
        free(old);
    }
    return rc;
}

static int move_into_place(bundle *b)
{
    char *final = ph_path_join(b->out, b->m.app.name, "");
    if (!final)
        return ph_error_set(b->err, "out of memory");
    b->r->dir = final;
    if (!(b->r->executable = ph_path_join(final, b->m.app.name, "")))
        return ph_error_set(b->err, "out of memory");
    struct stat st;
    if (lstat(final, &st) == 0)
        return check_replaceable(b, final) < 0 ? -1 : swap_into_place(b, final);
    if (rename(b->tmp, final) < 0)
        return ph_error_errno(b->err, errno, "cannot create %s", final);
    free(b->tmp); /* renamed: nothing left to remove */
    b->tmp = NULL;
    return 0;
}

/* ---- The whole bundle ------------------------------------------------------------------- */

static int build_pyr(bundle *b)
{
    ph_build_options bo = {.manifest_path = b->o->manifest_path,
                           .output_path = b->pyr,
                           .skip_dir = b->out, /* earlier bundles must not be packed again */
                           /* a directory bundle holds placed files itself; a single file
                            * carries them for extraction at run time */
                           .place_beside = !b->r->embedded,
                           .explain = b->o->explain,
                           .progress = b->o->progress,
                           .progress_ctx = b->o->progress_ctx};
    ph_build_result br;
    int rc = ph_build(&bo, &br, b->err);
    if (rc == 0) {
        b->r->pyr_size = br.size;
        memcpy(b->r->compression, br.compression, sizeof b->r->compression);
        b->r->explain = br.explain; /* taken over */
        br.explain = (ph_strlist){0};
    }
    ph_build_result_free(&br);
    return rc;
}

static int run(bundle *b)
{
    if (ph_manifest_load(&b->m, b->o->manifest_path ? b->o->manifest_path : "pyhost.ini", b->err) <
            0 ||
        choose_mode(b) < 0 || find_stub(b) < 0 || make_dirs(b) < 0 || build_pyr(b) < 0 ||
        place_stub(b) < 0)
        return -1;
    if ((b->r->embedded && embed(b) < 0) || verify(b) < 0 || copy_icon(b) < 0)
        return -1;
    counting = b->r;
    nftw(b->tmp, count_file, 16, FTW_PHYS);
    return move_into_place(b);
}

int ph_bundle(const ph_bundle_options *options, ph_bundle_result *result, ph_error *err)
{
    *result = (ph_bundle_result){0};
    bundle b = {.o = options, .r = result, .err = err};
    int rc = run(&b);
    ph_remove_tree(b.tmp);
    ph_cleanup_pop(tmp_cleanup);
    tmp_cleanup = -1;
    free(b.tmp);
    free(b.out);
    free(b.stub);
    free(b.exe);
    free(b.runtime);
    free(b.pyr);
    ph_manifest_free(&b.m);
    return rc;
}

void ph_bundle_result_free(ph_bundle_result *r)
{
    free(r->dir);
    free(r->executable);
    ph_strlist_free(&r->explain);
    *r = (ph_bundle_result){0};
}
