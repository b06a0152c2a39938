/* Parsing pyhost.ini: inih splits the text into sections and key = value pairs, this file
 * checks them against the schema and reports the first problem by file and line.
 *
 * Debian's inih is built without line numbers in the handler, so the text is fed through our
 * own reader, which counts lines and notes section headers (inih does not report those). */
#include "pyhost/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyhost/project.h"
#include "schema.h"
#include "suggest.h"
#include "manifest_ini.h"

/* One candidate error with the line it is about (INT_MAX: none), so the earliest one wins. */
struct verdict {
    int line;
    ph_error err;
};

/* A manifest is a few kilobytes; anything this big is the wrong file. */
#define MAX_MANIFEST_BYTES (4u << 20)

/* ---- second pass: the schema ---------------------------------------------------------------- */

static void consider(struct verdict *best, int line, const ph_error *err)
{
    if (line < best->line) {
        best->line = line;
        best->err = *err;
    }
}

static void list_sections(char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ph_schema_section_count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s[%s]", i ? ", " : "",
                                 ph_schema_sections[i].name);
}

static void list_keys(const char *section, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ph_schema_key_count && used < size; i++)
        if (!strcmp(ph_schema_keys[i].section, section))
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                                     ph_schema_keys[i].key);
}

static const char *closest_section(const char *name)
{
    const char *names[PH_SCHEMA_MAX_SECTIONS];
    size_t n = 0;
    for (size_t i = 0; i < ph_schema_section_count && n < sizeof names / sizeof names[0]; i++)
        names[n++] = ph_schema_sections[i].name;
    return ph_suggest(name, names, n);
}

static int unknown_section(const char *path, int line, const char *name, ph_error *err)
{
    char known[256];
    const char *guess = closest_section(name);
    list_sections(known, sizeof known);
    ph_error_set(err, "%s:%d: [%s]: unknown section", path, line, name);
    if (guess)
        return ph_error_hint(err, "did you mean [%s]? known sections: %s", guess, known);
    return ph_error_hint(err, "known sections: %s", known);
}

static int check_sections(const struct collector *c, const char *path, struct verdict *best)
{
    ph_error err;
    for (size_t i = 0; i < c->n_sections; i++) {
        const struct raw_section *s = &c->sections[i];
        if (!ph_schema_section(s->name)) {
            unknown_section(path, s->line, s->name, &err);
            consider(best, s->line, &err);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(c->sections[j].name, s->name)) {
                ph_error_set(&err, "%s:%d: [%s]: duplicate section (first on line %d)", path,
                             s->line, s->name, c->sections[j].line);
                ph_error_hint(&err, "merge the two [%s] sections into one", s->name);
                consider(best, s->line, &err);
                return -1;
            }
        }
    }
    return 0;
}

static const char *section_of_key(const char *key)
{
    for (size_t i = 0; i < ph_schema_key_count; i++)
        if (!strcmp(ph_schema_keys[i].key, key))
            return ph_schema_keys[i].section;
    return NULL;
}

static const char *closest_key(const char *section, const char *key)
{
    const char *names[PH_MANIFEST_MAX_KEYS];
    size_t n = 0;
    for (size_t i = 0; i < ph_schema_key_count; i++)
        if (!strcmp(ph_schema_keys[i].section, section))
            names[n++] = ph_schema_keys[i].key;
    return ph_suggest(key, names, n);
}

static int unknown_key(const char *path, const struct raw_pair *p, ph_error *err)
{
    char known[400];
    const char *home = section_of_key(p->key);
    const char *guess = closest_key(p->section, p->key);
    list_keys(p->section, known, sizeof known);
    ph_error_set(err, "%s:%d: [%s] %s: unknown key", path, p->line, p->section, p->key);
    if (home)
        return ph_error_hint(err, "'%s' belongs in [%s]; [%s] accepts: %s", p->key, home,
                             p->section, known);
    if (guess)
        return ph_error_hint(err, "did you mean '%s'? [%s] accepts: %s", guess, p->section, known);
    return ph_error_hint(err, "[%s] accepts: %s", p->section, known);
}

static int outside_section(const char *path, const struct raw_pair *p, ph_error *err)
{
    const char *home = section_of_key(p->key);
    ph_error_set(err, "%s:%d: %s: key outside any section", path, p->line, p->key);
    if (home)
        return ph_error_hint(err, "put it under a [%s] header", home);
    char known[256];
    list_sections(known, sizeof known);
    return ph_error_hint(err, "put keys under a section header: %s", known);
}

static int bad_value(const char *path, const struct raw_pair *p, const struct ph_key_spec *k,
                     const char *why, ph_error *err)
{
    ph_error_set(err, "%s:%d: [%s] %s: %s", path, p->line, p->section, p->key, why);
    if (strstr(p->value, " #") || strstr(p->value, "\t#"))
        return ph_error_hint(err,
                             "accepted: %s ('#' starts a comment only at the start of a "
                             "line; after a value use ' ;')",
                             ph_schema_accepted(k));
    return ph_error_hint(err, "accepted: %s", ph_schema_accepted(k));
}

/* Parses `value` into the manifest field of key `index`, replacing what was there. */
static int store_value(ph_manifest *m, size_t index, const char *value, char *why, size_t why_size)
{
    const struct ph_key_spec *k = &ph_schema_keys[index];
    _Alignas(max_align_t) unsigned char fresh[64] = {0};
    if (k->type->size > sizeof fresh) {
        snprintf(why, why_size, "internal error: value too large");
        return -1;
    }
    if (ph_schema_parse(k, value, fresh, why, why_size) != 0)
        return -1;
    void *field = (char *)m + k->offset;
    k->type->release(field);
    memcpy(field, fresh, k->type->size);
    return 0;
}

/* A [routing] line: the key is a module pattern, the value a routing policy. */
static int apply_route(ph_manifest *m, const struct raw_pair *p, ph_error *err)
{
    ph_routing policy;
    char why[512];
    if (!ph_schema_is_pattern(p->key)) {
        ph_error_set(err, "%s:%d: [%s] %s: not a module name pattern", m->path, p->line, p->section,
                     p->key);
        return ph_error_hint(err,
                             "keys in [%s] are dotted module names with '*' globs, e.g. "
                             "'numpy.* = filesystem-relative:lib'",
                             p->section);
    }
    for (size_t i = 0; i < m->routing.count; i++)
        if (!strcmp(m->routing.items[i].pattern, p->key)) {
            ph_error_set(err, "%s:%d: [%s] %s: duplicate key (first set on line %d)", m->path,
                         p->line, p->section, p->key, m->routing.items[i].line);
            return ph_error_hint(err, "keep one of them");
        }
    if (strchr(p->value, '\n') || ph_schema_parse_routing(p->value, &policy, why, sizeof why)) {
        ph_error_set(err, "%s:%d: [%s] %s: %s", m->path, p->line, p->section, p->key,
                     strchr(p->value, '\n') ? "only lists may continue on indented lines" : why);
        return ph_error_hint(err, "accepted: %s", ph_schema_routing_accepted);
    }
    ph_route *grown = realloc(m->routing.items, (m->routing.count + 1) * sizeof *grown);
    char *pattern = strdup(p->key);
    if (!grown || !pattern) {
        m->routing.items = grown ? grown : m->routing.items;
        free(pattern);
        ph_schema_release_routing(&policy);
        return ph_error_set(err, "out of memory");
    }
    m->routing.items = grown;
    m->routing.items[m->routing.count++] = (ph_route){pattern, policy, p->line};
    return 0;
}

static int apply_pair(ph_manifest *m, const struct raw_pair *p, ph_error *err)
{
    if (!*p->section)
        return outside_section(m->path, p, err);
    const struct ph_section_spec *section = ph_schema_section(p->section);
    if (!section)
        return unknown_section(m->path, p->line, p->section, err);
    if (section->pattern_keys)
        return apply_route(m, p, err);
    int index = ph_schema_key(p->section, p->key);
    if (index < 0)
        return unknown_key(m->path, p, err);
    if (m->lines[index]) {
        ph_error_set(err, "%s:%d: [%s] %s: duplicate key (first set on line %d)", m->path, p->line,
                     p->section, p->key, m->lines[index]);
        return ph_error_hint(err, "keep one of them; a list may continue on indented lines");
    }
    char why[512];
    if (store_value(m, (size_t)index, p->value, why, sizeof why) != 0)
        return bad_value(m->path, p, &ph_schema_keys[index], why, err);
    m->lines[index] = p->line;
    return 0;
}

static void apply_pairs(ph_manifest *m, const struct collector *c, struct verdict *best)
{
    ph_error err;
    for (size_t i = 0; i < c->n_pairs; i++) {
        if (apply_pair(m, &c->pairs[i], &err) != 0) {
            consider(best, c->pairs[i].line, &err);
            return;
        }
    }
}

static int apply_defaults(ph_manifest *m, ph_error *err)
{
    char why[512];
    for (size_t i = 0; i < ph_schema_key_count; i++) {
        const struct ph_key_spec *k = &ph_schema_keys[i];
        if (k->def && store_value(m, i, k->def, why, sizeof why) != 0)
            return ph_error_set(err, "internal error: default of [%s] %s: %s", k->section, k->key,
                                why);
    }
    return 0;
}

static int section_line(const struct collector *c, const char *name)
{
    for (size_t i = 0; i < c->n_sections; i++)
        if (!strcmp(c->sections[i].name, name))
            return c->sections[i].line;
    return 0;
}

static int check_required(const ph_manifest *m, const struct collector *c, ph_error *err)
{
    for (size_t i = 0; i < ph_schema_key_count; i++) {
        const struct ph_key_spec *k = &ph_schema_keys[i];
        if (!k->required || m->lines[i])
            continue;
        int line = section_line(c, k->section);
        if (line)
            ph_error_set(err, "%s:%d: [%s] %s: required key is missing", m->path, line, k->section,
                         k->key);
        else
            ph_error_set(err, "%s: [%s] %s: required key is missing (there is no [%s] section)",
                         m->path, k->section, k->key, k->section);
        return ph_error_hint(err, "add it under [%s], e.g. '%s = %s'", k->section, k->key,
                             k->example);
    }
    return 0;
}

static void syntax_errors(const struct collector *c, int inih_rc, const char *path,
                          struct verdict *best)
{
    ph_error err;
    if (c->long_line) {
        ph_error_set(&err, "%s:%d: line is longer than %d characters", path, c->long_line,
                     c->longest_ok);
        ph_error_hint(&err, "split a long list over several indented lines, one item per line");
        consider(best, c->long_line, &err);
    }
    if (inih_rc > 0) {
        ph_error_set(&err, "%s:%d: syntax error: expected '[section]', 'key = value' or a comment",
                     path, inih_rc);
        ph_error_hint(&err, "a section header needs its closing ']'; a list continues on lines "
                            "indented under its key");
        consider(best, inih_rc, &err);
    }
}

/* ---- public --------------------------------------------------------------------------------- */

void ph_manifest_free(ph_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < ph_schema_key_count; i++)
        ph_schema_keys[i].type->release((char *)m + ph_schema_keys[i].offset);
    for (size_t i = 0; i < m->routing.count; i++) {
        free(m->routing.items[i].pattern);
        ph_schema_release_routing(&m->routing.items[i].policy);
    }
    free(m->routing.items);
    free(m->path);
    free(m->base_dir);
    free(m->text);
    memset(m, 0, sizeof *m);
}

static char *absolute_dir(const char *dir)
{
    char cwd[PATH_MAX];
    if (dir && dir[0] == '/')
        return strdup(dir);
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    if (!dir || !*dir || !strcmp(dir, "."))
        return strdup(cwd);
    char *out = malloc(strlen(cwd) + 1 + strlen(dir) + 1);
    if (out)
        sprintf(out, "%s/%s", cwd, dir);
    return out;
}

static int validate(ph_manifest *m, struct collector *c, int inih_rc, ph_error *err)
{
    struct verdict best = {INT_MAX, {{0}, {0}}};
    if (c->oom || inih_rc < 0)
        return ph_error_set(err, "%s: out of memory while parsing", m->path);
    if (apply_defaults(m, err) != 0)
        return -1;
    syntax_errors(c, inih_rc, m->path, &best);
    check_sections(c, m->path, &best);
    apply_pairs(m, c, &best);
    if (best.line != INT_MAX) {
        if (err)
            *err = best.err;
        return -1;
    }
    return check_required(m, c, err);
}

int ph_manifest_parse_string(ph_manifest *m, const char *text, const char *display_path,
                             const char *base_dir, ph_error *err)
{
    memset(m, 0, sizeof *m);
    m->path = strdup(display_path ? display_path : "pyhost.ini");
    m->base_dir = absolute_dir(base_dir);
    if (!m->path || !m->base_dir) {
        ph_manifest_free(m);
        return ph_error_set(err, "out of memory (or the current directory is gone)");
    }
    /* inih would skip a BOM itself, but then our reader could not see a section on line 1. */
    if (!strncmp(text, "\xEF\xBB\xBF", 3))
        text += 3;
    struct collector c = {.cursor = text};
    int rc = ini_parse_stream(manifest_read_line, &c, manifest_on_pair, &c);
    rc = validate(m, &c, rc, err);
    manifest_collector_free(&c);
    if (rc != 0)
        ph_manifest_free(m);
    return rc;
}

static int read_text(const char *path, char **out, ph_error *err)
{
    /* non-blocking, so that a FIFO is refused below instead of hanging the open */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    struct stat st;
    if (!f) {
        if (fd >= 0)
            close(fd);
        int e = errno;
        ph_error_errno(err, e, "cannot read manifest '%s'", path);
        return e == ENOENT ? ph_error_hint(err, "run 'pyhost init' to create one") : -1;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_MANIFEST_BYTES) {
        fclose(f);
        ph_error_set(err, "cannot read manifest '%s': not a regular file of at most %u bytes", path,
                     MAX_MANIFEST_BYTES);
        return ph_error_hint(err, "pass the path of a pyhost.ini file");
    }
    char *text = malloc((size_t)st.st_size + 1);
    size_t n = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
    int failed = !text || ferror(f);
    fclose(f);
    if (failed) {
        free(text);
        return ph_error_set(err, "cannot read manifest '%s'", path);
    }
    text[n] = '\0';
    if (strlen(text) != n) {
        free(text);
        return ph_error_set(err, "%s: contains a NUL byte; a manifest is a text file", path);
    }
    *out = text;
    return 0;
}

static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    char *dir = strndup(path, (size_t)(slash - path));
    char *real = dir ? realpath(dir, NULL) : NULL;
    if (real) {
        free(dir);
        return real;
    }
    return dir;
}

/* An error about line N of the INI text made from a pyproject.toml names the TOML line it came
 * from ("pyproject.toml:N:"), or none ("pyproject.toml:") when it came from no line. */
static void point_into_pyproject(ph_error *err, const char *path, const int *lines, int n_lines)
{
    size_t n = strlen(path);
    char *colon = err->message + n;
    if (strncmp(err->message, path, n) != 0 || *colon != ':' || colon[1] < '1' || colon[1] > '9')
        return;
    char *end;
    long ini_line = strtol(colon + 1, &end, 10);
    if (*end != ':' || ini_line < 1 || ini_line > n_lines)
        return;
    char rest[sizeof err->message];
    snprintf(rest, sizeof rest, "%s", end + 1);
    int toml_line = lines[ini_line - 1];
    if (toml_line)
        snprintf(colon, sizeof err->message - n, ":%d:%s", toml_line, rest);
    else
        snprintf(colon, sizeof err->message - n, ":%s", rest);
    char *missing = strstr(err->message, "required key is missing");
    if (missing && strstr(err->message, "[app] name"))
        ph_error_hint(err, "set name in [project], or name in [tool.pyhost.app]");
    else if (missing && strstr(err->message, "[app] entry"))
        ph_error_hint(err, "add a console script to [project.scripts] (my-app = "
                           "\"my_app.cli:main\"), or entry in [tool.pyhost.app]");
}

static int load_pyproject(ph_manifest *m, const char *text, const char *path, const char *dir,
                          ph_error *err)
{
    char *ini = NULL;
    int *lines = NULL, n_lines = 0;
    if (ph_pyproject_to_ini(text, strlen(text), path, dir, &ini, &lines, &n_lines, err) < 0)
        return -1;
    int rc = ph_manifest_parse_string(m, ini, path, dir, err);
    if (rc < 0 && err)
        point_into_pyproject(err, path, lines, n_lines);
    free(lines);
    if (rc == 0)
        m->text = ini;
    else
        free(ini);
    return rc;
}

int ph_manifest_load(ph_manifest *m, const char *path, ph_error *err)
{
    char *text = NULL;
    memset(m, 0, sizeof *m);
    if (read_text(path, &text, err) != 0)
        return -1;
    char *dir = directory_of(path);
    int rc = !dir                             ? ph_error_set(err, "out of memory")
             : ph_manifest_is_pyproject(path) ? load_pyproject(m, text, path, dir, err)
                                              : ph_manifest_parse_string(m, text, path, dir, err);
    free(dir);
    free(text);
    return rc;
}

int ph_manifest_line(const ph_manifest *m, const char *section, const char *key)
{
    int index = ph_schema_key(section, key);
    return index < 0 ? 0 : m->lines[index];
}

int ph_manifest_error(const ph_manifest *m, ph_error *err, const char *section, const char *key,
                      const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int line = ph_manifest_line(m, section, key);
    if (line)
        return ph_error_set(err, "%s:%d: [%s] %s: %s", m->path, line, section, key, what);
    return ph_error_set(err, "%s: [%s] %s: %s", m->path, section, key, what);
}

int ph_manifest_resolve_path(const ph_manifest *m, const char *path, char **out, ph_error *err)
{
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    if (path[0] == '/' || m->base_dir == NULL) {
        *out = strdup(path);
    } else if (!path[0] || !strcmp(path, ".")) {
        *out = strdup(m->base_dir);
    } else {
        size_t n = strlen(m->base_dir) + 1 + strlen(path) + 1;
        if ((*out = malloc(n)))
            snprintf(*out, n, "%s%s%s", m->base_dir,
                     m->base_dir[strlen(m->base_dir) - 1] == '/' ? "" : "/", path);
    }
    if (!*out)
        return ph_error_set(err, "out of memory");
    size_t len = strlen(*out);
    while (len > 1 && (*out)[len - 1] == '/')
        (*out)[--len] = '\0';
    return 0;
}

int ph_manifest_check_value(const char *section, const char *key, const char *value, ph_error *err)
{
    int index = ph_schema_key(section, key);
    if (index < 0)
        return ph_error_set(err, "[%s] %s: unknown key", section, key);
    const struct ph_key_spec *k = &ph_schema_keys[index];
    _Alignas(max_align_t) unsigned char scratch[64] = {0};
    char why[512] = "internal error: value too large";
    if (k->type->size > sizeof scratch || ph_schema_parse(k, value, scratch, why, sizeof why)) {
        ph_error_set(err, "[%s] %s: %s", section, key, why);
        return ph_error_hint(err, "accepted: %s", ph_schema_accepted(k));
    }
    k->type->release(scratch);
    return 0;
}
