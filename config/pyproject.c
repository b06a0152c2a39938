/* pyproject.toml as a manifest, and finding the manifest from a subdirectory.
 *
 * A pyproject.toml is turned into pyhost.ini text, then parsed and validated as any pyhost.ini:
 * one schema, one set of messages, and the .pyr carries that INI text for the runtime.
 *   [tool.pyhost.SECTION] KEY = VALUE  ->  [SECTION] KEY = VALUE (strings, booleans, numbers
 *                                          as written, arrays as indented lists)
 *   [project] name, version            ->  [app] name, version
 *   [project.scripts] / gui-scripts    ->  [app] entry (the script named like the project, else
 *                                          the first; gui-scripts also set [app] gui = true)
 *   [project] dependencies             ->  [resources] distributions (names and extras; those
 *                                          with an environment marker are left out)
 *   [project] description              ->  [installer.deb] description
 * and [resources] paths = src for the src/ layout. [tool.pyhost] keys win over [project]. */
#include "pyhost/project.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "toml.h"

/* ---- the INI text being written, with where each line came from -------------------------- */

typedef struct out {
    char *text;
    size_t len, cap;
    int *lines;
    int n_lines, cap_lines;
    bool oom;
} out;

static void emit(out *o, int toml_line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void emit(out *o, int toml_line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (o->oom || n < 0)
        return;
    if (o->len + (size_t)n + 1 > o->cap) {
        size_t cap = (o->len + (size_t)n + 1) * 2;
        char *grown = realloc(o->text, cap);
        if (!grown) {
            o->oom = true;
            return;
        }
        o->text = grown;
        o->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(o->text + o->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    /* every '\n' written ends one INI line that came from toml_line */
    for (const char *c = o->text + o->len; *c; c++) {
        if (*c != '\n')
            continue;
        if (o->n_lines == o->cap_lines) {
            int cap = o->cap_lines ? o->cap_lines * 2 : 64;
            int *grown = realloc(o->lines, (size_t)cap * sizeof *grown);
            if (!grown) {
                o->oom = true;
                return;
            }
            o->lines = grown;
            o->cap_lines = cap;
        }
        o->lines[o->n_lines++] = toml_line;
    }
    o->len += (size_t)n;
}

/* A value on one INI line: inih would end it at a newline. Newlines continue on indented lines
 * (what a multi-line [installer.deb] description means in pyhost.ini too). */
static void emit_text(out *o, int line, const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        emit(o, line, "%s%.*s", p == text ? "" : "\n    ", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

static bool under(const ph_toml_row *r, const char *a, const char *b)
{
    return r->depth >= 2 && !strcmp(r->path[0], a) && !strcmp(r->path[1], b);
}

/* "app" for tool.pyhost.app.entry, "installer.deb" for tool.pyhost.installer.deb.maintainer,
 * "" for tool.pyhost.entry (a key outside any section, which the INI parser then reports). */
static void section_of(const ph_toml_row *r, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 2; i + 1 < r->depth && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i > 2 ? "." : "", r->path[i]);
}

static const ph_toml_row *tool_key(const ph_toml *t, const char *section, const char *key)
{
    char sec[256];
    for (size_t i = 0; i < t->count; i++) {
        const ph_toml_row *r = &t->rows[i];
        if (!under(r, "tool", "pyhost") || r->depth < 3)
            continue;
        section_of(r, sec, sizeof sec);
        if (!strcmp(sec, section) && !strcmp(r->path[r->depth - 1], key))
            return r;
    }
    return NULL;
}

static const ph_toml_row *project_key(const ph_toml *t, const char *key)
{
    const char *path[] = {"project", key};
    return ph_toml_get(t, path, 2);
}

static void emit_row(out *o, const ph_toml_row *r)
{
    const char *key = r->path[r->depth - 1];
    if (r->type != PH_TOML_ARRAY) {
        emit(o, r->line, "%s = ", key);
        emit_text(o, r->line, r->text);
        emit(o, r->line, "\n");
        return;
    }
    emit(o, r->line, "%s =\n", key);
    for (size_t i = 0; i < r->count; i++) {
        emit(o, r->line, "    ");
        emit_text(o, r->line, r->items[i]);
        emit(o, r->line, "\n");
    }
}

/* ---- defaults from [project] -------------------------------------------------------------- */

typedef struct defaults {
    const ph_toml_row *name, *version, *description, *dependencies;
    char entry[512];
    int entry_line;
    bool gui;
    bool src_layout;
} defaults;

/* [project.scripts] and [project.gui-scripts]: the script named like the project, else the
 * first one. "pkg.cli:main [extra]" keeps "pkg.cli:main". */
static void pick_entry(const ph_toml *t, defaults *d)
{
    const ph_toml_row *first = NULL, *named = NULL;
    const char *project = d->name && d->name->type == PH_TOML_STRING ? d->name->text : NULL;
    for (size_t i = 0; i < t->count; i++) {
        const ph_toml_row *r = &t->rows[i];
        if (r->depth != 3 || strcmp(r->path[0], "project") || r->type != PH_TOML_STRING ||
            (strcmp(r->path[1], "scripts") && strcmp(r->path[1], "gui-scripts")))
            continue;
        if (!first)
            first = r;
        if (!named && project && !strcmp(r->path[2], project))
            named = r;
    }
    const ph_toml_row *pick = named ? named : first;
    if (!pick)
        return;
    size_t n = strcspn(pick->text, " \t[");
    snprintf(d->entry, sizeof d->entry, "%.*s", (int)n, pick->text);
    d->entry_line = pick->line;
    d->gui = !strcmp(pick->path[1], "gui-scripts");
}

/* The src/ layout: src/<top-level package of the entry> exists. */
static bool src_layout(const char *dir, const char *entry)
{
    char path[PATH_MAX];
    struct stat st;
    size_t n = strcspn(entry, ".:");
    if (!dir || !n)
        return false;
    snprintf(path, sizeof path, "%s/src/%.*s", dir, (int)n, entry);
    if (stat(path, &st) == 0)
        return true;
    snprintf(path, sizeof path, "%s/src/%.*s.py", dir, (int)n, entry);
    return stat(path, &st) == 0;
}

/* "requests[socks] >= 2.0" -> "requests[socks]"; NULL (leave it out) with a marker. */
static bool requirement_name(const char *req, char *name, size_t size)
{
    if (strchr(req, ';') || strchr(req, '@'))
        return false; /* a marker (the platform decides) or a direct URL ([resources] wheels) */
    size_t n = 0;
    while (req[n] && (strchr("._-", req[n]) || (req[n] >= '0' && req[n] <= '9') ||
                      (req[n] >= 'a' && req[n] <= 'z') || (req[n] >= 'A' && req[n] <= 'Z')))
        n++;
    const char *rest = req + n;
    while (*rest == ' ')
        rest++;
    size_t extras = *rest == '[' ? strcspn(rest, "]") + 1 : 0;
    if (extras && !rest[extras - 1])
        extras = 0;
    snprintf(name, size, "%.*s%.*s", (int)n, req, (int)extras, rest);
    return n > 0;
}

static void emit_defaults(out *o, const ph_toml *t, const defaults *d, const char *section)
{
    if (!strcmp(section, "app")) {
        if (d->name && !tool_key(t, "app", "name") && d->name->type == PH_TOML_STRING)
            emit(o, d->name->line, "name = %s\n", d->name->text);
        if (d->version && !tool_key(t, "app", "version") && d->version->type == PH_TOML_STRING)
            emit(o, d->version->line, "version = %s\n", d->version->text);
        if (d->entry[0] && !tool_key(t, "app", "entry"))
            emit(o, d->entry_line, "entry = %s\n", d->entry);
        if (d->entry[0] && d->gui && !tool_key(t, "app", "entry") && !tool_key(t, "app", "gui"))
            emit(o, d->entry_line, "gui = true\n");
    } else if (!strcmp(section, "resources")) {
        if (d->src_layout && !tool_key(t, "resources", "paths"))
            emit(o, 0, "paths = src\n");
        const ph_toml_row *deps = d->dependencies;
        if (deps && deps->type == PH_TOML_ARRAY && !tool_key(t, "resources", "distributions")) {
            char name[256];
            emit(o, deps->line, "distributions =\n");
            for (size_t i = 0; i < deps->count; i++)
                if (requirement_name(deps->items[i], name, sizeof name))
                    emit(o, deps->line, "    %s\n", name);
        }
    } else if (!strcmp(section, "installer.deb")) {
        const ph_toml_row *desc = d->description;
        if (desc && desc->type == PH_TOML_STRING && !tool_key(t, "installer.deb", "description"))
            emit(o, desc->line, "description = %s\n", desc->text);
    }
}

/* ---- the conversion ----------------------------------------------------------------------- */

static bool has_section(char (*names)[256], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

int ph_pyproject_to_ini(const char *text, size_t len, const char *path, const char *dir, char **ini,
                        int **lines, int *n_lines, ph_error *err)
{
    ph_toml t;
    int line = 0;
    char why[256];
    if (ph_toml_parse(text, len, &t, &line, why, sizeof why) < 0) {
        ph_error_set(err, "%s:%d: %s", path, line, why);
        return ph_error_hint(err, "pyhost reads pyproject.toml as TOML 1.0: tables, key = "
                                  "value, strings in quotes, arrays in [ ]");
    }
    defaults d = {.name = project_key(&t, "name"),
                  .version = project_key(&t, "version"),
                  .description = project_key(&t, "description"),
                  .dependencies = project_key(&t, "dependencies")};
    pick_entry(&t, &d);
    const ph_toml_row *entry = tool_key(&t, "app", "entry");
    const char *entry_text = entry && entry->type == PH_TOML_STRING ? entry->text : d.entry;
    d.src_layout = src_layout(dir, entry_text);

    /* the sections in schema order, then any others (reported by the INI parser), in file
     * order; keys outside a section first, where the INI parser reports them too */
    char names[PH_SCHEMA_MAX_SECTIONS + 16][256];
    size_t n_names = 0;
    for (size_t i = 0; i < ph_schema_section_count; i++)
        snprintf(names[n_names++], sizeof names[0], "%s", ph_schema_sections[i].name);
    char sec[256];
    for (size_t i = 0; i < t.count && n_names < sizeof names / sizeof names[0]; i++) {
        if (!under(&t.rows[i], "tool", "pyhost") || t.rows[i].depth < 3)
            continue;
        section_of(&t.rows[i], sec, sizeof sec);
        if (sec[0] && !has_section(names, n_names, sec))
            snprintf(names[n_names++], sizeof names[0], "%s", sec);
    }
    out o = {0};
    emit(&o, 0, "; made by pyhost from %s\n", path);
    for (size_t i = 0; i < t.count; i++) {
        section_of(&t.rows[i], sec, sizeof sec);
        if (under(&t.rows[i], "tool", "pyhost") && t.rows[i].depth == 3)
            emit_row(&o, &t.rows[i]);
    }
    for (size_t s = 0; s < n_names; s++) {
        size_t mark = o.len;
        int mark_lines = o.n_lines;
        int header_line = 0;
        for (size_t i = 0; i < t.count && !header_line; i++) {
            section_of(&t.rows[i], sec, sizeof sec);
            if (under(&t.rows[i], "tool", "pyhost") && t.rows[i].depth > 3 &&
                !strcmp(sec, names[s]))
                header_line = t.rows[i].line;
        }
        emit(&o, header_line, "\n[%s]\n", names[s]);
        size_t body = o.len;
        emit_defaults(&o, &t, &d, names[s]);
        for (size_t i = 0; i < t.count; i++) {
            section_of(&t.rows[i], sec, sizeof sec);
            if (under(&t.rows[i], "tool", "pyhost") && t.rows[i].depth > 3 &&
                !strcmp(sec, names[s]))
                emit_row(&o, &t.rows[i]);
        }
        if (o.len == body && !o.oom) { /* nothing in it: no header either */
            o.len = mark;
            o.text[o.len] = '\0';
            o.n_lines = mark_lines;
        }
    }
    ph_toml_free(&t);
    if (o.oom || !o.text) {
        free(o.text);
        free(o.lines);
        return ph_error_set(err, "out of memory");
    }
    *ini = o.text;
    *lines = o.lines;
    *n_lines = o.n_lines;
    return 0;
}

/* ---- finding the manifest ----------------------------------------------------------------- */

bool ph_manifest_is_pyproject(const char *path)
{
    const char *slash = strrchr(path, '/');
    return !strcmp(slash ? slash + 1 : path, "pyproject.toml");
}

static bool exists(const char *path, mode_t type)
{
    struct stat st;
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/* A pyproject.toml counts when it has a [project] or [tool.pyhost...] table (a tool-only
 * pyproject.toml, e.g. a formatter's settings, does not make a project of its own). */
static bool pyproject_counts(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f)) {
        const char *s = line + strspn(line, " \t");
        found = !strncmp(s, "[project]", 9) || !strncmp(s, "[project.", 9) ||
                !strncmp(s, "[tool.pyhost]", 13) || !strncmp(s, "[tool.pyhost.", 13);
    }
    if (f)
        fclose(f);
    return found;
}

int ph_manifest_find(char **out)
{
    char dir[PATH_MAX], candidate[PATH_MAX + 32], prefix[PATH_MAX] = "";
    *out = NULL;
    if (!getcwd(dir, sizeof dir))
        return 0;
    for (int up = 0; up < 64; up++) {
        static const char *const names[] = {"pyhost.ini", "pyproject.toml"};
        for (size_t i = 0; i < 2; i++) {
            snprintf(candidate, sizeof candidate, "%s/%s", dir, names[i]);
            if (!exists(candidate, S_IFREG) || (i == 1 && !pyproject_counts(candidate)))
                continue;
            /* "pyhost.ini", "../pyhost.ini": as the user would type it */
            snprintf(candidate, sizeof candidate, "%s%s", prefix, names[i]);
            *out = strdup(candidate);
            return *out ? 1 : -1;
        }
        snprintf(candidate, sizeof candidate, "%s/.git", dir);
        char *slash = strrchr(dir, '/');
        if (exists(candidate, S_IFDIR) || exists(candidate, S_IFREG) || !slash || slash == dir)
            return 0;
        *slash = '\0';
        if (strlen(prefix) + 4 >= sizeof prefix)
            return 0;
        strcat(prefix, "../");
    }
    return 0;
}
