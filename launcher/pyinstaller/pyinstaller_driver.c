/* The Python half of `pyhost pyinstaller`, run by the embedded interpreter in a child process.
 *
 * A child, because spec files and hooks are arbitrary Python that may import anything (and the
 * builder starts its own interpreter afterwards: CPython cannot be finalized and started again
 * reliably in one process). The compatibility package is compiled in and served by pyhost's
 * finder; the child's sys.path is the stdlib and the site directories of the Python
 * environment PyInstaller would run in (the active venv's, else the build machine's), so hooks
 * see the installed packages as PyInstaller's would; the plan comes back through a pipe. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "bundle.h"
#include "ph_build_config.h"
#include "progress.h"
#include "pyhost/pyr.h"
#include "pyhost/serve.h"
#include "pyinstaller.h"

extern const unsigned char ph_pyi_compat_pyr[];
extern const size_t ph_pyi_compat_pyr_size;

#define WIDEN_(s) L##s
#define WIDEN(s) WIDEN_(s)

/* The same site directories the builder looks for distributions in (build_pack.c). */
static const char *const site_dirs[] = PH_PYTHON_SITES;

static PyStatus append_path(PyConfig *c, const char *dir)
{
    wchar_t *w = Py_DecodeLocale(dir, NULL);
    if (!w)
        return PyStatus_NoMemory();
    PyStatus st = PyWideStringList_Append(&c->module_search_paths, w);
    PyMem_RawFree(w);
    return st;
}

/* The site-packages of the Python environment PyInstaller would run in: it runs in the active
 * venv's interpreter ($VIRTUAL_ENV, or the `python3` found first on PATH when it belongs to a
 * venv) and sees that venv's site-packages, plus the system's only when the venv was made with
 * --system-site-packages. A venv of another X.Y has no lib/pythonX.Y/site-packages: ignored.
 * Returns the directory (malloc'd) or NULL; *system says whether the system's sites follow. */
static char *venv_site(bool *system)
{
    char root[PATH_MAX], site[PATH_MAX + 64], cfg[PATH_MAX + 16];
    struct stat st;
    *system = true;
    const char *env = getenv("VIRTUAL_ENV");
    root[0] = '\0';
    if (env && *env && strlen(env) < sizeof root) {
        strcpy(root, env);
    } else {
        const char *path = getenv("PATH");
        while (path && *path) {
            size_t n = strcspn(path, ":");
            char exe[PATH_MAX + 16];
            if (n > 0 && n < PATH_MAX) {
                snprintf(exe, sizeof exe, "%.*s/python3", (int)n, path);
                if (access(exe, X_OK) == 0) {
                    snprintf(root, sizeof root, "%.*s", (int)n, path);
                    char *slash = strrchr(root, '/');
                    if (slash)
                        *slash = '\0';
                    break;
                }
            }
            path += n + (path[n] == ':');
        }
    }
    if (!root[0])
        return NULL;
    snprintf(cfg, sizeof cfg, "%s/pyvenv.cfg", root);
    snprintf(site, sizeof site, "%s/lib/python%d.%d/site-packages", root, PY_MAJOR_VERSION,
             PY_MINOR_VERSION);
    FILE *f = fopen(cfg, "r");
    if (!f)
        return NULL;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char key[64], value[64];
        if (sscanf(line, " %63[^= \t] = %63s", key, value) == 2 &&
            !strcmp(key, "include-system-site-packages"))
            *system = !strcasecmp(value, "true");
    }
    fclose(f);
    if (stat(site, &st) != 0 || !S_ISDIR(st.st_mode)) {
        *system = true;
        return NULL;
    }
    return realpath(site, NULL);
}

static PyStatus configure(PyConfig *c, int argc, char **argv)
{
    PyConfig_InitIsolatedConfig(c);
    c->site_import = 0;
    c->write_bytecode = 0;
    c->pathconfig_warnings = 0;
    c->parse_argv = 0;
    c->module_search_paths_set = 1;
    argv[0] = "pyinstaller";
    PyStatus st = PyConfig_SetBytesArgv(c, argc, argv);
    if (!PyStatus_Exception(st))
        st = PyConfig_SetString(c, &c->run_module, L"PyInstaller._pyhost");
    if (!PyStatus_Exception(st))
        st = PyWideStringList_Append(&c->module_search_paths, WIDEN(PH_PYTHON_STDLIB));
    if (!PyStatus_Exception(st))
        st = PyWideStringList_Append(&c->module_search_paths, WIDEN(PH_PYTHON_DYNLOAD));
    bool system = true;
    char *venv = venv_site(&system);
    if (venv && !PyStatus_Exception(st)) {
        st = append_path(c, venv);
        setenv("PYHOST_PYI_VENV_SITE", venv, 1); /* the log names it */
    }
    free(venv);
    struct stat sb;
    for (const char *const *d = site_dirs; system && *d && !PyStatus_Exception(st); d++)
        if (stat(*d, &sb) == 0 && S_ISDIR(sb.st_mode))
            st = append_path(c, *d);
    return st;
}

/* _pyhost_progress: the CLI's progress line for the Python side (PyInstaller/log.py), so that
 * the analysis's seconds show as `pyhost build`'s steps do, and a log line erases it first. */
static PyObject *progress_count(PyObject *self, PyObject *args)
{
    const char *step, *item;
    Py_ssize_t done;
    (void)self;
    if (!PyArg_ParseTuple(args, "snz:count", &step, &done, &item))
        return NULL;
    ph_progress_count(step, (size_t)done, 0, item);
    Py_RETURN_NONE;
}

static PyObject *progress_clear(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    ph_progress_clear();
    Py_RETURN_NONE;
}

static PyMethodDef progress_methods[] = {
    {"count", progress_count, METH_VARARGS, "count(step, done, item): [done] step item"},
    {"clear", progress_clear, METH_NOARGS, "erases the progress line"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef progress_module = {PyModuleDef_HEAD_INIT, .m_name = "_pyhost_progress",
                                             .m_size = -1, .m_methods = progress_methods};

static PyObject *progress_init(void)
{
    return PyModule_Create(&progress_module);
}

/* The compatibility package, compiled into pyhost as a .pyr (meson.build) and served by
 * pyhost's finder ahead of sys.path, so that an installed PyInstaller cannot shadow it. Its
 * files are virtual paths under this executable's path, as in a zip appended to a program. */
static int serve_compat(const char *self, ph_error *err)
{
    pyr_archive *a = NULL;
    if (pyr_open_memory(&a, ph_pyi_compat_pyr, ph_pyi_compat_pyr_size,
                        "pyhost's PyInstaller package", err) < 0)
        return -1;
    return ph_serve_archive(a, self ? self : "/pyhost", err); /* open until the child exits */
}

static void fail(const ph_error *err)
{
    fprintf(stderr, "pyinstaller: %s\n", err->message);
    exit(1);
}

/* Never returns: runs PyInstaller._pyhost as __main__ and exits with its status. */
static void run_child(int fd, int argc, char **argv)
{
    char value[16];
    snprintf(value, sizeof value, "%d", fd);
    setenv("PYHOST_PYI_PLAN_FD", value, 1);
    setenv("PYHOST_PYI_STDLIB", PH_PYTHON_STDLIB, 1); /* frozen os has no __file__ to ask */
    ph_error err = {{0}, {0}};
    char *self = ph_self_path(&err);
    if (self)
        setenv("PYHOST_SELF", self, 1); /* --install-compat records it */
    if (PyImport_AppendInittab("_pyhost_progress", progress_init) < 0)
        exit(1);
    PyConfig c;
    PyStatus st = configure(&c, argc, argv);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&c);
    PyConfig_Clear(&c);
    if (PyStatus_Exception(st))
        Py_ExitStatusException(st);
    if (serve_compat(self, &err) < 0)
        fail(&err);
    free(self);
    /* The import analysis is compiled into pyhost too: the compatibility package imports it. */
    if (ph_analysis_load(&err) < 0)
        fail(&err);
    int status = Py_RunMain();
    ph_progress_clear();
    exit(status);
}

static int read_all(int fd, char **out)
{
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t r;
    while (buf && (r = read(fd, buf + n, cap - n - 1)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        n += (size_t)r;
        if (n + 1 == cap) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown)
                free(buf);
            buf = grown;
        }
    }
    if (buf)
        buf[n] = '\0';
    *out = buf;
    return buf ? 0 : -1;
}

static int set_field(ph_pyi_plan *p, const char *key, const char *value)
{
    struct {
        const char *key;
        char **field;
    } fields[] = {{"name", &p->name},     {"dir", &p->dir},           {"manifest", &p->manifest},
                  {"bundle", &p->bundle}, {"distpath", &p->distpath}, {"contents", &p->contents},
                  {"stage", &p->stage}};
    if (!strcmp(key, "mode"))
        p->onefile = !strcmp(value, "onefile");
    else if (!strcmp(key, "noconfirm"))
        p->noconfirm = !strcmp(value, "1");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!strcmp(key, fields[i].key)) {
            free(*fields[i].field);
            if (!(*fields[i].field = strdup(value)))
                return -1;
        }
    return 0;
}

static int parse_plan(char *text, ph_pyi_plan *p, ph_error *err)
{
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (!tab)
            return ph_error_set(err, "pyinstaller: malformed plan line '%s'", line);
        *tab = '\0';
        if (set_field(p, line, tab + 1) < 0)
            return ph_error_set(err, "out of memory");
    }
    if (!p->name || !p->dir || !p->manifest || !p->bundle || !p->distpath || !p->contents ||
        (!p->onefile && !p->stage))
        return ph_error_set(err, "pyinstaller: the build plan is incomplete");
    return 0;
}

static int child_status(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int ph_pyi_run_driver(int argc, char **argv, ph_pyi_plan *plan, bool *have_plan, ph_error *err)
{
    *have_plan = false;
    int fds[2];
    if (pipe(fds) < 0)
        return ph_error_errno(err, errno, "cannot create a pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        run_child(fds[1], argc, argv);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return ph_error_errno(err, errno, "cannot start the PyInstaller driver");
    }
    char *text = NULL;
    int rc = read_all(fds[0], &text);
    close(fds[0]);
    int status = child_status(pid);
    if (rc < 0) {
        free(text);
        return ph_error_set(err, "out of memory");
    }
    if (status == 0 && text[0]) {
        rc = parse_plan(text, plan, err);
        *have_plan = rc == 0;
    }
    free(text);
    return rc < 0 ? -1 : status;
}

void ph_pyi_plan_free(ph_pyi_plan *p)
{
    free(p->name);
    free(p->dir);
    free(p->manifest);
    free(p->bundle);
    free(p->distpath);
    free(p->contents);
    free(p->stage);
    *p = (ph_pyi_plan){0};
}
