/* Helpers the deb and dmg drivers share (installer_util.h). */
#include "args.h"
#include "installer_util.h"

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
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bundle.h"
#include "progress.h"
#include "report.h"
#include "pyhost/cleanup.h"
#include "pyhost/fsutil.h"

/* ---- Templates -------------------------------------------------------------------------- */

static const struct ph_inst_template *find_template(const char *name)
{
    for (const struct ph_inst_template *t = ph_inst_templates; t->name; t++)
        if (!strcmp(t->name, name))
            return t;
    return NULL;
}

static const ph_inst_var *find_var(const ph_inst_var *vars, const char *key, size_t len)
{
    for (; vars->key; vars++)
        if (strlen(vars->key) == len && !strncmp(vars->key, key, len))
            return vars;
    return NULL;
}

/* Renders one line into `out`. Returns 0, 1 when the line names an unset key (drop it), or -1
 * for a key the driver does not know (a template bug, reported rather than written). */
static int render_line(FILE *out, const char *line, size_t len, const ph_inst_var *vars, char *bad,
                       size_t bad_size)
{
    for (const char *p = line, *end = line + len; p < end;) {
        const char *at = memchr(p, '@', (size_t)(end - p));
        const char *close = at ? memchr(at + 1, '@', (size_t)(end - at - 1)) : NULL;
        if (!close) {
            fwrite(p, 1, (size_t)(end - p), out);
            break;
        }
        fwrite(p, 1, (size_t)(at - p), out);
        const ph_inst_var *v = find_var(vars, at + 1, (size_t)(close - at - 1));
        if (!v) {
            snprintf(bad, bad_size, "%.*s", (int)(close - at - 1), at + 1);
            return -1;
        }
        if (!v->value)
            return 1;
        fputs(v->value, out);
        p = close + 1;
    }
    return 0;
}

int ph_inst_render(const char *name, const ph_inst_var *vars, char **out, ph_error *err)
{
    const struct ph_inst_template *t = find_template(name);
    if (!t)
        return ph_error_set(err, "no installer template '%s' in this pyhost", name);
    size_t size = 0;
    FILE *f = open_memstream(out, &size);
    if (!f)
        return ph_error_set(err, "out of memory");
    char bad[64] = "";
    int rc = 0;
    for (const char *p = t->text; *p && rc >= 0;) {
        size_t len = strcspn(p, "\n");
        size_t take = len + (p[len] == '\n');
        char *mark = NULL;
        size_t mark_size = 0;
        FILE *line = open_memstream(&mark, &mark_size);
        rc = line ? render_line(line, p, take, vars, bad, sizeof bad) : -1;
        if (line)
            fclose(line);
        if (rc == 0)
            fwrite(mark, 1, mark_size, f);
        free(mark);
        p += take;
    }
    if (fclose(f) != 0 || rc < 0) {
        free(*out);
        *out = NULL;
        return ph_error_set(err, "template %s: unknown key @%s@", name, bad);
    }
    return 0;
}

/* ---- The command line ------------------------------------------------------------------- */

int ph_inst_parse_args(const char *command, const char *help, const ph_option *flags, int argc,
                       char **argv, ph_inst_args *a)
{
    const ph_option common[] = {PH_OPT_CONFIG(&a->manifest), PH_OPT_OUTPUT(&a->output), PH_OPT_END};
    const ph_command_line cl = {
        .command = command, .help = help, .options = flags, .common = common};
    int rc = ph_args_parse(&cl, argc, argv, NULL);
    if (rc != 0)
        return rc;
    ph_progress_init(PH_NORMAL);
    if (!a->manifest)
        a->manifest = ph_arg_manifest(NULL);
    if (!a->output)
        a->output = "dist";
    return 0;
}

/* ---- Running tools ---------------------------------------------------------------------- */

/* Reads what a child wrote into a temporary file, from the start. */
static char *slurp(FILE *f)
{
    if (!f || fseek(f, 0, SEEK_END) < 0)
        return NULL;
    long n = ftell(f);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s)
        return NULL;
    rewind(f);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    return s;
}

/* The end of a tool's stderr, on one line, for the error message. */
static const char *tail(char *text)
{
    if (!text)
        return "";
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    for (char *p = text; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return n > 400 ? text + n - 400 : text;
}

/* Waits for the tool; on a terminal, its run is the progress line ("running dpkg-deb... 3 s"):
 * dpkg-deb's compression, wixl or xorriso are seconds of silence otherwise. */
static int wait_drawing(pid_t pid, const char *tool, int *status)
{
    const char *base = strrchr(tool, '/');
    char step[96];
    snprintf(step, sizeof step, "running %s", base ? base + 1 : tool);
    const struct timespec tick = {0, 20 * 1000 * 1000}; /* short tools stay short */
    for (;;) {
        pid_t r = waitpid(pid, status, ph_progress_enabled() ? WNOHANG : 0);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return errno;
        if (r == 0) {
            ph_progress_busy(step);
            nanosleep(&tick, NULL);
        }
    }
    ph_progress_clear();
    return 0;
}

static int spawn_wait(const char *const *argv, const char *cwd, FILE *out, FILE *errf, int *status)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (out)
        posix_spawn_file_actions_adddup2(&fa, fileno(out), STDOUT_FILENO);
    else
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fileno(errf), STDERR_FILENO);
    if (cwd)
        posix_spawn_file_actions_addchdir_np(&fa, cwd);
    pid_t pid;
    int child; /* a signal ending pyhost ends the tool first: it writes into the work directory */
    int rc = ph_cleanup_spawnp(&pid, argv[0], &fa, (char *const *)argv, &child);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == 0)
        rc = wait_drawing(pid, argv[0], status);
    ph_cleanup_pop_child(child);
    return rc;
}

int ph_inst_run(const char *const *argv, const char *cwd, char **out, const char *package,
                ph_error *err)
{
    FILE *o = out ? tmpfile() : NULL, *e = tmpfile();
    int status = 0, rc = e && (o || !out) ? spawn_wait(argv, cwd, o, e, &status) : errno;
    char *msg = e ? slurp(e) : NULL;
    if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = out && !(*out = slurp(o)) ? ph_error_set(err, "out of memory") : 0;
    } else if (rc == ENOENT) {
        rc = ph_error_set(err, "cannot run %s: it is not installed", argv[0]);
        ph_error_hint(err, "it is in Debian's %s package: apt-get install %s", package, package);
    } else if (rc != 0) {
        rc = ph_error_errno(err, rc, "cannot run %s", argv[0]);
    } else {
        rc = ph_error_set(err, "%s failed (%s %d): %s", argv[0],
                          WIFEXITED(status) ? "exit status" : "signal",
                          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), tail(msg));
    }
    free(msg);
    if (o)
        fclose(o);
    if (e)
        fclose(e);
    return rc;
}

/* ---- Files and trees -------------------------------------------------------------------- */

int ph_inst_work_dir(const char *output, const char *stem, ph_inst_work *w, ph_error *err)
{
    char prefix[256];
    snprintf(prefix, sizeof prefix, ".%.200s.", stem);
    *w = (ph_inst_work){.handle = -1};
    if (ph_mkdirs(output, 0755, err) < 0)
        return -1;
    ph_sweep_stale(output, prefix, 3600); /* what a run killed an hour ago or more left */
    if (asprintf(&w->path, "%s/%sXXXXXX", output, prefix) < 0) {
        w->path = NULL;
        return ph_error_set(err, "out of memory");
    }
    if (!ph_cleanup_mkdtemp(w->path, &w->handle)) { /* removed if a signal ends pyhost */
        ph_error_errno(err, errno, "cannot create a directory in %s", output);
        free(w->path);
        w->path = NULL;
        return ph_error_hint(err, "choose another output directory with -o");
    }
    return 0;
}

void ph_inst_work_done(ph_inst_work *w)
{
    if (w->path && w->path[0])
        ph_remove_tree(w->path);
    ph_cleanup_pop(w->handle);
    free(w->path);
    *w = (ph_inst_work){.handle = -1};
}

char *ph_inst_join(const char *a, const char *b)
{
    return ph_path_join(a, b, "");
}

int ph_inst_write(const char *path, const void *data, size_t size, unsigned mode, ph_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return ph_error_errno(err, errno, "cannot create %s", path);
    int rc = ph_write_all(fd, data, size) < 0 || fchmod(fd, mode) < 0 ? -1 : 0;
    if (close(fd) < 0 || rc < 0)
        return ph_error_errno(err, errno, "writing %s", path);
    return 0;
}

/* nftw passes no context: the walks below are not reentrant, which a CLI never needs. */
static struct {
    int64_t epoch;
    size_t root_len;
    const char *skip;
    uint64_t kib;
    ph_inst_list *list;
} walk;

static int normalize_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_D || flag == FTW_DP)
        chmod(path, 0755);
    else if (S_ISREG(st->st_mode))
        chmod(path, st->st_mode & 0111 ? 0755 : 0644);
    struct timespec t[2] = {{.tv_sec = (time_t)walk.epoch}, {.tv_sec = (time_t)walk.epoch}};
    return utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW) < 0 ? -1 : 0;
}

int ph_inst_normalize_tree(const char *root, int64_t epoch, ph_error *err)
{
    walk.epoch = epoch;
    /* Depth first, so setting a directory's time comes after changes to its entries. */
    if (nftw(root, normalize_entry, 16, FTW_PHYS | FTW_DEPTH) != 0)
        return ph_error_errno(err, errno, "cannot set the times of the files under %s", root);
    return 0;
}

void ph_inst_list_free(ph_inst_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    *list = (ph_inst_list){0};
}

static int list_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    char **grown = realloc(walk.list->items, (walk.list->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    walk.list->items = grown;
    if (!(grown[walk.list->count] = strdup(path + walk.root_len + 1)))
        return -1;
    walk.list->count++;
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ph_inst_list_files(const char *root, ph_inst_list *out, ph_error *err)
{
    *out = (ph_inst_list){0};
    walk.list = out;
    walk.root_len = strlen(root);
    if (nftw(root, list_entry, 16, FTW_PHYS) != 0) {
        ph_inst_list_free(out);
        return ph_error_errno(err, errno, "cannot list the files under %s", root);
    }
    if (out->count) /* qsort(NULL, 0, ...) is undefined */
        qsort(out->items, out->count, sizeof *out->items, compare_strings);
    return 0;
}

static int size_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag;
    const char *rel = path + walk.root_len;
    if (ftw->level == 0)
        return 0;
    if (walk.skip && !strncmp(rel + 1, walk.skip, strlen(walk.skip)) &&
        (rel[1 + strlen(walk.skip)] == '/' || rel[1 + strlen(walk.skip)] == '\0'))
        return 0;
    walk.kib += S_ISREG(st->st_mode) ? ((uint64_t)st->st_size + 1023) / 1024 : 1;
    return 0;
}

int ph_inst_installed_kib(const char *root, const char *skip, uint64_t *kib, ph_error *err)
{
    walk.kib = 0;
    walk.skip = skip;
    walk.root_len = strlen(root);
    if (nftw(root, size_entry, 16, FTW_PHYS) != 0)
        return ph_error_errno(err, errno, "cannot measure the files under %s", root);
    *kib = walk.kib;
    return 0;
}

int ph_inst_gzip(const char *data, size_t size, char **out, size_t *out_size, ph_error *err)
{
    z_stream z = {0};
    /* 15 + 16: a gzip wrapper; zlib writes no name and a zero time stamp. */
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return ph_error_set(err, "out of memory");
    size_t cap = deflateBound(&z, size) + 32;
    *out = malloc(cap);
    z.next_in = (unsigned char *)data;
    z.avail_in = (unsigned)size;
    z.next_out = (unsigned char *)*out;
    z.avail_out = (unsigned)cap;
    int rc = *out ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
    *out_size = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(*out);
        *out = NULL;
        return ph_error_set(err, "cannot compress: zlib error %d", rc);
    }
    return 0;
}

int ph_inst_epoch(const char *manifest_path, int64_t *epoch, ph_error *err)
{
    const char *env = getenv("SOURCE_DATE_EPOCH");
    char *end = NULL;
    long long v = env ? strtoll(env, &end, 10) : -1;
    if (env && (!*env || *end || v < 0)) {
        ph_error_set(err, "SOURCE_DATE_EPOCH='%s' is not a number of seconds", env);
        return ph_error_hint(err, "set it to a Unix time such as $(git log -1 --format=%%ct)");
    }
    if (!env) {
        struct stat st;
        if (stat(manifest_path, &st) < 0)
            return ph_error_errno(err, errno, "cannot read manifest '%s'", manifest_path);
        v = (long long)st.st_mtime;
        char text[32];
        snprintf(text, sizeof text, "%lld", v);
        setenv("SOURCE_DATE_EPOCH", text, 1);
    }
    *epoch = v;
    return 0;
}

/* ---- The app ---------------------------------------------------------------------------- */

int ph_inst_bundle(const char *manifest, const char *out_dir, bool adjacent, ph_error *err)
{
    if (ph_mkdirs(out_dir, 0755, err) < 0)
        return -1;
    ph_bundle_options o = {.manifest_path = manifest,
                           .output_dir = out_dir,
                           .mode = adjacent ? PH_BUNDLE_ADJACENT : PH_BUNDLE_DEFAULT,
                           .strip = true,
                           .plain_runtime = true,
                           .progress = ph_progress_enabled() ? ph_progress_build : NULL};
    ph_bundle_result r;
    int rc = ph_bundle(&o, &r, err);
    ph_progress_clear();
    ph_bundle_result_free(&r);
    return rc;
}
