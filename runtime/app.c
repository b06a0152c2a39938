/* ph_app_run: from a resources path to a finished Python program. */
#include "pyhost/app.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "entry.h"
#include "interp.h"
#include "place.h"
#include "ph_build_config.h"
#include "pyhost/manifest.h"
#include "pyhost/pyr.h"

#define MANIFEST_ENTRY ".pyhost/manifest.ini"

static int check_python(pyr_archive *archive, ph_error *err)
{
    pyr_info info;
    pyr_get_info(archive, &info);
    if (info.python_magic == PH_PYTHON_MAGIC &&
        info.python_version == ((unsigned)PY_VERSION_HEX & 0xffff0000u))
        return 0;
    unsigned major = info.python_version >> 24, minor = (info.python_version >> 16) & 0xff;
    ph_error_set(err,
                 "%s was built for Python %u.%u (bytecode magic %u), but this pyhost embeds "
                 "Python %d.%d (magic %u)",
                 pyr_path(archive), major, minor, info.python_magic & 0xffff, PY_MAJOR_VERSION,
                 PY_MINOR_VERSION, PH_PYTHON_MAGIC & 0xffffu);
    /* The names meson -Dsuffix_version=true installs (docs/python-versions.md). */
    return ph_error_hint(
        err,
        "run it with the pyhost that embeds Python %u.%u (installed side by side "
        "as pyhost%u.%u), or rebuild it with this one (Python %d.%d): pyhost build",
        major, minor, major, minor, PY_MAJOR_VERSION, PY_MINOR_VERSION);
}

static int load_manifest(pyr_archive *archive, const char *root, ph_manifest *m, ph_error *err)
{
    uint32_t index; /* checked: a damaged index must not read as "no manifest" */
    if (pyr_find_checked(archive, MANIFEST_ENTRY, strlen(MANIFEST_ENTRY), &index, err) < 0)
        return -1;
    if (index == PYR_NOT_FOUND) {
        ph_error_set(err, "%s holds no app manifest (%s)", pyr_path(archive), MANIFEST_ENTRY);
        return ph_error_hint(err, "build the app with 'pyhost build', which packs pyhost.ini");
    }
    pyr_data data;
    if (pyr_read(archive, index, PYR_DATA, &data, err) < 0)
        return -1;
    char *text = strndup((const char *)data.bytes, data.size);
    pyr_data_release(&data);
    if (!text)
        return ph_error_set(err, "out of memory");
    char display[PATH_MAX + 32];
    snprintf(display, sizeof display, "%s:%s", pyr_path(archive), MANIFEST_ENTRY);
    int rc = ph_manifest_parse_string(m, text, display, root, err);
    free(text);
    return rc;
}

/* The module the entry point runs: "pkg.mod" for module and function forms, the script's
 * stem ("tools/run.py" -> "run") for scripts, as `pyhost build` packed it. */
static char *entry_module(const ph_entry_point *e)
{
    if (e->kind != PH_ENTRY_SCRIPT)
        return strdup(e->module);
    const char *base = strrchr(e->script, '/');
    base = base ? base + 1 : e->script;
    const char *dot = strrchr(base, '.');
    return strndup(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

static int check_entry(pyr_archive *archive, const ph_manifest *m, const char *module,
                       ph_error *err)
{
    pyr_entry entry;
    uint32_t index;
    /* checked: a damaged index is reported as damage, not as a module that is not packed */
    if (pyr_find_checked(archive, module, strlen(module), &index, err) < 0)
        return -1;
    if (index != PYR_NOT_FOUND && pyr_entry_at(archive, index, &entry, err) < 0)
        return -1;
    if (index != PYR_NOT_FOUND && entry.kind <= PYR_EXTENSION_MODULE)
        return 0;
    ph_error_set(err,
                 "%s: the entry point module '%s' (from [app] entry in the manifest) is not "
                 "packed in it",
                 pyr_path(archive), module);
    return ph_error_hint(err,
                         "check [app] entry in %s and that [resources] paths include the "
                         "module, then rebuild",
                         m->path);
}

/* The module imported but the function is not in it: a manifest mistake, said as one. */
static int unresolved_entry(const ph_manifest *m, const char *why, ph_error *err)
{
    const ph_entry_point *e = &m->app.entry;
    ph_error_set(err, "the entry point '%s:%s' does not resolve: %s", e->module, e->function, why);
    int line = ph_manifest_line(m, "app", "entry");
    if (line)
        return ph_error_hint(err,
                             "fix [app] entry (line %d of the manifest, copied in %s) to name a "
                             "function of module '%s', then rebuild",
                             line, m->path, e->module);
    return ph_error_hint(err, "fix [app] entry in the manifest (copied in %s), then rebuild",
                         m->path);
}

static char *absolute_dir_of(const char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return NULL;
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    return real;
}

/* multiprocessing's spawn children are started as `sys.executable --multiprocessing-fork ...`;
 * for `pyhost run` that executable is pyhost itself, which finds the app again through these
 * variables (they are read for that flag only; see ph_app_resources_from_env). */
static int export_resources(const ph_app_options *o, ph_error *err)
{
    char *real = realpath(o->resources, NULL);
    char offset[32];
    snprintf(offset, sizeof offset, "%llu", (unsigned long long)o->offset);
    int rc = real && setenv(PH_ENV_RESOURCES, real, 1) == 0 &&
                     setenv(PH_ENV_RESOURCES_OFFSET, offset, 1) == 0
                 ? 0
                 : ph_error_errno(err, errno, "cannot record the app path for child processes");
    free(real);
    return rc;
}

int ph_app_resources_from_env(ph_app_options *o)
{
    const char *path = getenv(PH_ENV_RESOURCES);
    const char *offset = getenv(PH_ENV_RESOURCES_OFFSET);
    if (!path || !*path)
        return -1;
    o->resources = path;
    o->offset = offset ? strtoull(offset, NULL, 10) : 0;
    return 0;
}

int ph_app_python_c_index(int argc, char **argv)
{
    for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-c"))
            return i + 1 < argc ? i + 1 : 0;
        if (strspn(argv[i] + 1, "BsSIEOuqd") != strlen(argv[i] + 1))
            return 0; /* only the flags multiprocessing passes */
    }
    return 0;
}

/* PYHOST_VERBOSE and PYHOST_IMPORTTIME: python's -v and -X importtime for an app already packed,
 * bundles included (their arguments are the app's own, so no option of theirs could say it). As
 * with PYTHONVERBOSE, a number is the level and any other non-empty value means 1. Only stderr
 * output changes, so an isolated app may read them. */
static int env_level(const char *name)
{
    const char *value = getenv(name);
    if (!value || !*value)
        return 0;
    char *end;
    long n = strtol(value, &end, 10);
    if (*end)
        return 1;
    return n < 0 ? 0 : n > 3 ? 3 : (int)n;
}

typedef struct app_state {
    pyr_archive *archive;
    ph_manifest manifest;
    char *root;    /* where __file__ and __path__ point: see ph_place_root */
    char *app_dir; /* the .pyr's or the executable's directory: filesystem-relative files */
    char *executable;
    char *module;
} app_state;

static void app_state_free(app_state *s)
{
    free(s->module);
    free(s->executable);
    free(s->root);
    free(s->app_dir);
    ph_manifest_free(&s->manifest);
    pyr_close(s->archive);
}

static int prepare(const ph_app_options *o, app_state *s, ph_error *err)
{
    if (pyr_open_file(&s->archive, o->resources, o->offset, err) < 0 ||
        check_python(s->archive, err) < 0)
        return -1;
    pyr_guard_sigbus(s->archive);
    s->app_dir = o->root ? realpath(o->root, NULL) : absolute_dir_of(o->resources);
    s->executable = o->executable ? strdup(o->executable) : realpath("/proc/self/exe", NULL);
    if (!s->app_dir || !s->executable)
        return ph_error_errno(err, errno, "cannot resolve the app directory of %s", o->resources);
    if (load_manifest(s->archive, s->app_dir, &s->manifest, err) < 0)
        return -1;
    /* `pyhost run` (no root given) never roots modules beside the .pyr, where the sources are:
     * the dev loop sees the paths a single-file bundle sees. */
    if (!(s->root = ph_place_root(s->archive, s->app_dir, o->root == NULL)))
        return ph_error_set(err, "out of memory");
    if (export_resources(o, err) < 0)
        return -1;
    s->module = entry_module(&s->manifest.app.entry);
    if (!s->module)
        return ph_error_set(err, "out of memory");
    return check_entry(s->archive, &s->manifest, s->module, err);
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Under python, `[sys.executable, *sys.argv]` re-runs a script with its arguments (reloaders,
 * test runners that run a layer in a subprocess). Here sys.argv[0] is the app itself (its .pyr,
 * or the bundle's executable, which is also sys.executable), so that command line reaches the
 * app with its own path in front of its arguments: that path is dropped, as python takes its
 * script argument. Returns how many arguments to skip after argv[0]. */
static int self_arguments(const ph_app_options *o, const app_state *s)
{
    if (o->code || o->argc < 2 || !strcmp(o->argv[1], PH_SPAWN_CHILD_ARG))
        return 0;
    const char *arg = o->argv[1];
    return same_file(arg, o->resources) || same_file(arg, s->executable) ? 1 : 0;
}

int ph_app_run(const ph_app_options *o, int *status, ph_error *err)
{
    app_state s = {0};
    if (prepare(o, &s, err) < 0) {
        app_state_free(&s);
        return -1;
    }
    int skip = self_arguments(o, &s);
    char **argv = o->argv;
    if (skip) {
        argv = o->argv + skip;
        argv[0] = o->argv[0];
    }
    ph_interp_config ic = {
        .archive = s.archive,
        .root = s.root,
        .app_dir = s.app_dir,
        .executable = s.executable,
        .argc = o->argc - skip,
        .argv = argv,
        .optimize = s.manifest.python.optimize,
        .site = s.manifest.python.site,
        .filesystem_importer = s.manifest.python.filesystem_importer,
        .meipass = o->meipass,
        .xoptions = &s.manifest.python.xoptions,
        .warnoptions = &s.manifest.python.warnoptions,
        .utf8_mode = s.manifest.python.utf8_mode,
        .huge_pages = s.manifest.python.huge_pages,
        .dev_mode = s.manifest.python.dev_mode,
        .unbuffered = s.manifest.python.unbuffered,
        .hash_seed = s.manifest.python.hash_seed,
        .import_time = env_level("PYHOST_IMPORTTIME") > 0,
    };
    int verbose = env_level("PYHOST_VERBOSE");
    ic.verbose = verbose > s.manifest.python.verbose ? verbose : s.manifest.python.verbose;
    if (ph_interp_start(&ic, err) < 0) {
        app_state_free(&s);
        return -1;
    }
    const ph_entry_point *e = &s.manifest.app.entry;
    ph_entry_result r =
        o->code ? ph_entry_run_code(o->code)
        : o->argc >= 2 && !strcmp(o->argv[1], PH_SPAWN_CHILD_ARG)
            ? ph_entry_spawn_child(o->argc, o->argv)
            : ph_entry_run(s.module, e->kind == PH_ENTRY_FUNCTION ? e->function : NULL);
    if (ph_interp_finish(s.manifest.python.fast_exit) < 0 && r.status == 0)
        r.status = 120; /* python's status when flushing stdout fails at exit */
    if (r.unresolved[0]) {
        unresolved_entry(&s.manifest, r.unresolved, err);
        app_state_free(&s);
        *status = 1;
        return -1;
    }
    app_state_free(&s);
    if (r.keyboard_interrupt) {
        signal(SIGINT, SIG_DFL);
        kill(getpid(), SIGINT);
        r.status = 130;
    }
    *status = r.status;
    return 0;
}
