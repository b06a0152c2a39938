/* pyhost init: write a commented starter pyhost.ini. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "pyhost/manifest.h"

struct init_options {
    const char *name;  /* NULL: from the directory name */
    const char *entry; /* NULL: NAME_AS_MODULE:main */
    const char *output;
    bool force;
};

static const char help[] =
    "usage: pyhost init [--name NAME] [--entry ENTRY] [-o FILE] [--force]\n\n"
    "Writes a commented starter manifest listing every key with its default.\n\n"
    "  --name NAME    app name (default: the name of the directory FILE is in)\n"
    "  --entry ENTRY  pkg.module:function, pkg.module or path/to/script.py\n"
    "                 (default: NAME:main, NAME made a valid module name)\n"
    "  -o FILE        where to write (default: pyhost.ini; '-' for standard output)\n"
    "  --force        overwrite FILE if it exists\n";

static int parse_args(int argc, char **argv, struct init_options *o)
{
    const ph_option options[] = {
        PH_OPT_VALUE("--name", NULL, &o->name),
        PH_OPT_VALUE("--entry", NULL, &o->entry),
        PH_OPT_OUTPUT(&o->output),
        PH_OPT_FLAG("--force", "-f", &o->force),
        PH_OPT_END,
    };
    const ph_command_line cl = {.command = "init", .help = help, .options = options};
    return ph_args_parse(&cl, argc, argv, NULL);
}

/* The default name is the project directory's, as most projects are named after theirs. */
static void name_from_directory(const char *output, char *name, size_t size)
{
    char dir[PATH_MAX], real[PATH_MAX];
    const char *slash = strcmp(output, "-") ? strrchr(output, '/') : NULL;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - output) + 1 : 1, slash ? output : ".");
    const char *base = realpath(dir, real) ? strrchr(real, '/') + 1 : "";
    size_t n = 0;
    for (; *base && n + 1 < size; base++) {
        bool ok = strchr("._-", *base) || (*base >= 'a' && *base <= 'z') ||
                  (*base >= 'A' && *base <= 'Z') || (*base >= '0' && *base <= '9');
        name[n++] = ok ? *base : '-';
    }
    name[n] = '\0';
    if (n == 0)
        snprintf(name, size, "app");
}

/* "my-app" -> "my_app:main": the module a new project would most likely create. */
static void entry_from_name(const char *name, char *entry, size_t size)
{
    size_t n = 0;
    if (*name >= '0' && *name <= '9')
        entry[n++] = '_';
    for (; *name && n + sizeof ":main" < size; name++)
        entry[n++] = (*name == '-' || *name == '.') ? '_' : *name;
    snprintf(entry + n, size - n, ":main");
}

static int write_all(int fd, const char *text)
{
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t w = write(fd, text, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        text += w;
        len -= (size_t)w;
    }
    return 0;
}

static int refuse_existing(const char *path, ph_error *err)
{
    ph_error_set(err, "%s already exists", path);
    return ph_error_hint(err, "pass --force to overwrite it, or -o to write somewhere else");
}

/* Moves the finished temporary file into place. Without --force, link() fails if `path`
 * appeared meanwhile, where rename() would silently replace it. */
static int publish(const char *tmp, const char *path, bool force, ph_error *err)
{
    if (force) {
        if (rename(tmp, path) != 0)
            return ph_error_errno(err, errno, "cannot write %s", path);
        return 0;
    }
    if (link(tmp, path) == 0) {
        unlink(tmp);
        return 0;
    }
    int e = errno;
    unlink(tmp);
    return e == EEXIST ? refuse_existing(path, err)
                       : ph_error_errno(err, e, "cannot write %s", path);
}

/* Temporary file next to the target, then an atomic move: a crash never leaves half a manifest. */
static int write_atomically(const char *path, const char *text, bool force, ph_error *err)
{
    char tmp[PATH_MAX];
    struct stat st;
    if (!force && lstat(path, &st) == 0)
        return refuse_existing(path, err);
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return ph_error_set(err, "%s: path too long", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return ph_error_errno(err, errno, "cannot create a temporary file next to %s", path);
    if (fchmod(fd, 0644) != 0 || write_all(fd, text) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return ph_error_errno(err, e, "cannot write %s", tmp);
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return ph_error_errno(err, e, "cannot write %s", tmp);
    }
    return publish(tmp, path, force, err);
}

static int render_defaults(const struct init_options *o, char *name, char *entry, char **text,
                           ph_error *err);

/* pyproject.toml next to the manifest being written: its name, entry and every other key it
 * gives ([project] and [tool.pyhost], as `pyhost build` would read them). Returns 1 when
 * `from` was loaded, 0 when there is no usable pyproject.toml (the defaults then apply). */
static int from_pyproject(const char *output, ph_manifest *from, char *entry, size_t size)
{
    char path[PATH_MAX];
    const char *slash = strcmp(output, "-") ? strrchr(output, '/') : NULL;
    snprintf(path, sizeof path, "%.*spyproject.toml", slash ? (int)(slash - output) + 1 : 0,
             output);
    ph_error ignored;
    struct stat st;
    if (stat(path, &st) != 0 || ph_manifest_load(from, path, &ignored) != 0)
        return 0;
    const ph_entry_point *e = &from->app.entry;
    if (e->kind == PH_ENTRY_FUNCTION)
        snprintf(entry, size, "%s:%s", e->module, e->function);
    else
        snprintf(entry, size, "%s", e->kind == PH_ENTRY_MODULE ? e->module : e->script);
    return 1;
}

/* The file must read back through the real parser, or `pyhost build` would reject it. */
static int render(const struct init_options *o, char **text, ph_error *err)
{
    char name[256], entry[300];
    ph_manifest m, from;
    if (!o->name && !o->entry && from_pyproject(o->output, &from, entry, sizeof entry)) {
        snprintf(name, sizeof name, "%s", from.app.name);
        int rc = ph_manifest_template_from(name, entry, from.text, text, err);
        ph_manifest_free(&from);
        if (rc != 0)
            return ph_error_prefix(err, "pyhost init: from pyproject.toml: ");
        fprintf(stderr, "took the name, entry and dependencies from pyproject.toml\n");
    } else if (render_defaults(o, name, entry, text, err) != 0) {
        return -1;
    }
    if (ph_manifest_parse_string(&m, *text, o->output, NULL, err) != 0) {
        free(*text);
        return ph_error_prefix(err, "internal error: the starter manifest does not parse: ");
    }
    ph_manifest_free(&m);
    return 0;
}

static int render_defaults(const struct init_options *o, char *name, char *entry, char **text,
                           ph_error *err)
{
    if (o->name)
        snprintf(name, 256, "%s", o->name);
    else
        name_from_directory(o->output, name, 256);
    if (o->entry)
        snprintf(entry, 300, "%s", o->entry);
    else
        entry_from_name(name, entry, 300);
    if (ph_manifest_template(name, entry, text, err) != 0)
        return ph_error_prefix(err, "%s: ", o->name || o->entry ? "invalid option" : "pyhost init");
    return 0;
}

int ph_cmd_init(int argc, char **argv)
{
    struct init_options o = {.output = "pyhost.ini"};
    ph_error err = {{0}, {0}};
    char *text = NULL;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (render(&o, &text, &err) != 0)
        return ph_report(&err);
    if (!strcmp(o.output, "-")) {
        fputs(text, stdout);
        free(text);
        return 0;
    }
    rc = write_atomically(o.output, text, o.force, &err);
    free(text);
    if (rc != 0)
        return ph_report(&err);
    printf("wrote %s\nnext: check [app] entry, then run 'pyhost build'\n", o.output);
    return 0;
}
