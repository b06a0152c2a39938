/* The entry point of a build: [app] script packed as __main__, and [app] entry checked against
 * what was collected, with a message that leads somewhere when the module is missing. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "build.h"
#include "ph_stdlib_identity.h"
#include "stdlib_identity.h"
#include "fetch.h"
#include "ph_build_config.h"
#include "pyhost/cleanup.h"
#include "pyhost/fsutil.h"
#include "pyhost/pyr_hash.h"
#include "wheel.h"

#include "build_pack.h"

/* ---- The entry point ------------------------------------------------------------------- */

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* "tools/run_app.py" -> "run_app": the runtime derives the module name the same way. */
static char *script_stem(const char *script)
{
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    size_t n = strlen(base);
    if (n > 3 && !strcmp(base + n - 3, ".py"))
        n -= 3;
    else if (n > 4 && !strcmp(base + n - 4, ".pyw"))
        n -= 4;
    return strndup(base, n);
}

static int script_collision(build *b, const char *script, const char *stem, size_t at)
{
    const ph_unit *u = &b->units.items[at];
    const char *where = u->root == b->stdlib_root ? "the standard library" : u->path;
    ph_manifest_error(&b->m, b->err, "app", "entry",
                      "script '%s' is packed as module '%s', which %s already provides", script,
                      stem, where ? where : "a namespace package");
    return ph_error_hint(b->err, "rename the script, or use a 'module:function' entry");
}

static int add_script(build *b)
{
    const char *script = b->m.app.entry.script;
    char *path = NULL, *stem = script_stem(script);
    struct stat st;
    int rc = stem ? ph_manifest_resolve_path(&b->m, script, &path, b->err)
                  : ph_error_set(b->err, "out of memory");
    if (rc == 0 && (stat(path, &st) < 0 || !S_ISREG(st.st_mode))) {
        ph_manifest_error(&b->m, b->err, "app", "entry", "script '%s' does not exist", script);
        rc = ph_error_hint(b->err, "the path is relative to %s", b->m.base_dir);
    } else if (rc == 0 && (!*stem || strchr(stem, '.'))) {
        ph_manifest_error(&b->m, b->err, "app", "entry",
                          "script '%s' cannot be a module name ('%s')", script, stem);
        rc = ph_error_hint(b->err, "rename the script so that its name has no '.' before .py");
    }
    size_t at = rc == 0 ? ph_unit_find(&b->units, stem) : (size_t)-1;
    if (rc == 0 && at != (size_t)-1 && !same_file(b->units.items[at].path, path))
        rc = script_collision(b, script, stem, at);
    else if (rc == 0 && at == (size_t)-1) {
        const char *base = strrchr(path, '/');
        rc = ph_unit_push(&b->units, stem, PYR_MODULE, path, base ? base + 1 : path, NULL,
                          SCRIPT_ROOT, b->err);
    }
    free(path);
    free(stem);
    return rc;
}

/* Without the packed stdlib, a stdlib entry module still runs if it is on disk at run time. */
static bool in_system_stdlib(const char *module)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/", PH_PYTHON_STDLIB);
    size_t n = strlen(path);
    for (const char *p = module; *p && n + 1 < sizeof path; p++)
        path[n++] = *p == '.' ? '/' : *p;
    path[n] = '\0';
    snprintf(path + n, sizeof path - n, ".py");
    if (stat(path, &st) == 0)
        return true;
    snprintf(path + n, sizeof path - n, "/__init__.py");
    return stat(path, &st) == 0;
}

static bool importable(const ph_unit *u)
{
    return u->kind != PYR_PACKAGE_RESOURCE;
}

/* A few top-level app modules, to show what was found instead. */
static void app_modules_found(const build *b, char *buf, size_t size)
{
    size_t n = 0, shown = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < b->units.count && shown < 8; i++) {
        const ph_unit *u = &b->units.items[i];
        if (u->root >= b->stdlib_root || !importable(u) || strchr(u->name, '.'))
            continue;
        n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", shown ? ", " : "", u->name);
        shown++;
    }
    if (n >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

static int missing_module(build *b, const char *module)
{
    char found[400];
    ph_manifest_error(&b->m, b->err, "app", "entry",
                      "entry module '%s' is not among the packed modules", module);
    app_modules_found(b, found, sizeof found);
    if (found[0])
        return ph_error_hint(b->err,
                             "app modules found under [resources] paths: %s; check the entry, "
                             "paths, include and exclude",
                             found);
    return ph_error_hint(b->err,
                         "no app modules were found: add the directory that holds '%s' "
                         "to [resources] paths (relative to %s)",
                         module, b->m.base_dir);
}

int build_check_entry(build *b)
{
    const ph_entry_point *e = &b->m.app.entry;
    if (e->kind == PH_ENTRY_SCRIPT)
        return add_script(b);
    size_t at = ph_unit_find(&b->units, e->module);
    if (at == (size_t)-1 || !importable(&b->units.items[at])) {
        if (ph_python_is_builtin(e->module) || (!b->m.python.stdlib && in_system_stdlib(e->module)))
            return 0;
        return missing_module(b, e->module);
    }
    if (b->units.items[at].kind <= PYR_PACKAGE &&
        ph_check_entry_function(&b->m, b->units.items[at].path, b->err) < 0)
        return -1;
    if (e->kind == PH_ENTRY_MODULE && b->units.items[at].kind != PYR_MODULE &&
        b->units.items[at].kind != PYR_EXTENSION_MODULE) {
        /* Running a package as __main__ runs its __main__ submodule, like python -m. */
        char main[1024];
        snprintf(main, sizeof main, "%s.__main__", e->module);
        if (ph_unit_find(&b->units, main) == (size_t)-1) {
            ph_manifest_error(&b->m, b->err, "app", "entry",
                              "'%s' is a package without a __main__ module", e->module);
            return ph_error_hint(b->err,
                                 "add %s/__main__.py, or name a function: "
                                 "'%s.cli:main'",
                                 e->module, e->module);
        }
    }
    return 0;
}
