/* pyhost-stub: the executable a bundled app starts through (dist/<name>/<name>).
 *
 * It knows nothing but where it is: it asks the operating system for its own path, takes its
 * resources from the end of its own file (a trailer written by `pyhost bundle`) or from
 * <its path>.pyr next to it (or from DIR/_internal/NAME.pyr, the onedir layout `pyhost
 * pyinstaller` makes, whose root is then that directory), and hands them to ph_app_run with the
 * app's directory as root.
 * It links the runtime only (no builder, no manifest tooling), so the bundle stays small. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "bundle.h"
#include "onefile.h"
#include "pyhost/app.h"
#include "pyhost/pyr.h"

static const char *app_name = "app";

/* Errors reach the end user of the app, so they are named after the app, not after pyhost. */
static int report(const ph_error *err)
{
    fprintf(stderr, "%s: error: %s\n", app_name, err->message[0] ? err->message : "unknown error");
    fprintf(stderr, "hint: %s\n",
            err->hint[0] ? err->hint
                         : "the app's files are damaged or incomplete: reinstall it, or rebuild "
                           "it with 'pyhost bundle'");
    return 1;
}

typedef struct located {
    char *self;      /* the executable, absolute and symlink-free */
    char *dir;       /* its directory: the app's root and sys._MEIPASS */
    char *resources; /* the file holding the .pyr: self, or the adjacent <self>.pyr */
    char *root;      /* NULL: dir; else the contents directory holding the .pyr */
    uint64_t offset;
} located;

static void located_free(located *l)
{
    if (l->resources != l->self)
        free(l->resources);
    free(l->self);
    free(l->dir);
    free(l->root);
}

/* <self>.pyr, without a Windows ".exe" (app.exe -> app.pyr). */
static char *adjacent_path(const char *self)
{
    size_t n = strlen(self);
#ifdef _WIN32
    if (n > 4 && !_stricmp(self + n - 4, ".exe"))
        n -= 4;
#endif
    char *path = malloc(n + 5);
    if (path)
        snprintf(path, n + 5, "%.*s.pyr", (int)n, self);
    return path;
}

/* DIR/SUB/NAME.pyr for the first SUB that has it, "_internal" first: PyInstaller's onedir
 * layout as `pyhost pyinstaller` makes it (NAME next to a contents directory, _internal or the
 * name given with --contents-directory). Returns a malloc'd path or NULL. */
static char *find_in_contents(const char *dir)
{
    char *path = NULL;
    struct stat st;
    if (asprintf(&path, "%s/_internal/%s.pyr", dir, app_name) >= 0 && stat(path, &st) == 0)
        return path;
    free(path);
    path = NULL;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && !path && (e = readdir(d));) {
        if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
            continue;
        if (asprintf(&path, "%s/%s/%s.pyr", dir, e->d_name, app_name) < 0)
            path = NULL;
        else if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
            free(path);
            path = NULL;
        }
    }
    if (d)
        closedir(d);
    return path;
}

static int find_adjacent(located *l, ph_error *err)
{
    l->resources = adjacent_path(l->self);
    if (!l->resources)
        return ph_error_set(err, "out of memory");
    struct stat st;
    if (stat(l->resources, &st) == 0)
        return 0;
    if (errno != ENOENT)
        return ph_error_errno(err, errno, "cannot use the app's resources %s", l->resources);
    char *contents = find_in_contents(l->dir);
    if (contents) {
        free(l->resources);
        l->resources = contents;
        l->root = strndup(contents, (size_t)(strrchr(contents, '/') - contents));
        return l->root ? 0 : ph_error_set(err, "out of memory");
    }
    ph_error_set(err, "%s holds no embedded resources and %s does not exist", l->self,
                 l->resources);
    return ph_error_hint(err, "the app is incomplete (a truncated download, or its .pyr was not "
                              "copied along): reinstall it, or rebuild it with 'pyhost bundle'");
}

/* Started by pyhost-loader (onefile_loader.c), this executable is a compressed onefile's
 * runtime, unpacked (into the cache, or a memfd that has no path), and carries no resources:
 * the app is the onefile the loader names. The variable leaves the environment so that no
 * process the app starts inherits it. Returns the onefile's path (malloc'd) or NULL. */
static char *adopt_onefile(ph_error *err)
{
    const char *onefile = getenv(PH_ENV_ONEFILE);
    char *path = onefile ? strdup(onefile) : NULL;
    unsetenv(PH_ENV_ONEFILE);
    uint64_t offset;
    if (path && pyr_find_embedded("/proc/self/exe", &offset, err) != 0) {
        free(path);
        path = NULL;
    }
#ifdef __linux__
    /* The kernel named this process after the cached runtime's file (a hash): it is the
     * onefile's, as if it ran itself (ps, top, /proc/self/comm; the kernel keeps 15 bytes). */
    if (path) {
        const char *base = strrchr(path, '/');
        char comm[16];
        snprintf(comm, sizeof comm, "%s", base ? base + 1 : path);
        prctl(PR_SET_NAME, comm, 0, 0, 0);
    }
#endif
    return path;
}

static int locate(located *l, ph_error *err)
{
    l->self = adopt_onefile(err);
    if (!l->self && !(l->self = ph_self_path(err)))
        return -1;
    const char *slash = strrchr(l->self, '/');
    app_name = slash ? slash + 1 : l->self;
    l->dir = strndup(l->self, slash && slash != l->self ? (size_t)(slash - l->self) : 1);
    if (!l->dir)
        return ph_error_set(err, "out of memory");
    int rc = pyr_find_embedded(l->self, &l->offset, err);
    if (rc < 0)
        return ph_error_hint(err, "the executable is damaged: reinstall the app, or rebuild it "
                                  "with 'pyhost bundle'");
    if (rc == 1) {
        l->resources = l->self;
        return 0;
    }
    return find_adjacent(l, err);
}

/* multiprocessing's resource tracker and forkserver start `sys.executable -B -s -c CODE`. An
 * app may take "-c" itself, so that form is a child only when the parent app, which exported
 * its resources to the environment, is this very app. */
static int python_c_child(int argc, char **argv, const located *l)
{
    int code = ph_app_python_c_index(argc, argv);
    const char *parent = getenv(PH_ENV_RESOURCES);
    return code && parent && !strcmp(parent, l->resources) ? code : 0;
}

int main(int argc, char **argv)
{
    located l = {0};
    ph_error err = {0};
    if (locate(&l, &err) < 0) {
        report(&err); /* before the free: app_name points into l.self */
        located_free(&l);
        return 1;
    }
    ph_app_options o = {.resources = l.resources,
                        .offset = l.offset,
                        .root = l.root ? l.root : l.dir,
                        .executable = l.self,
                        .argc = argc,
                        .argv = argv,
                        .meipass = true};
    /* `--multiprocessing-fork` (spawn children) needs nothing here: ph_app_run sees argv[1]. */
    int code = argc > 1 ? python_c_child(argc, argv, &l) : 0;
    if (code) {
        o.argc = argc - code + 1;
        o.argv = argv + code - 1;
        o.argv[0] = "-c"; /* sys.argv as python -c sets it */
        o.code = argv[code];
    }
    int status = 0;
    if (ph_app_run(&o, &status, &err) < 0) {
        err.hint[0] = '\0'; /* the runtime's hints speak to developers ('pyhost build') */
        status = report(&err);
    }
    located_free(&l);
    return status;
}
