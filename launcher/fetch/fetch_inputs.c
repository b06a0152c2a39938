/* Where a build's remote and local inputs come from: [resources] wheels items and the lines of
 * a pip-style requirements file. Only pinned, direct references are accepted: a URL always
 * carries its SHA-256, and nothing is resolved against an index. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"
#include "pyhost/fsutil.h"

void ph_input_list_free(ph_input_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].source);
        free(list->items[i].filename);
        free(list->items[i].origin);
    }
    free(list->items);
    *list = (ph_input_list){0};
}

static bool is_sha256(const char *s, size_t len)
{
    if (len != 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The last path segment of a URL, percent-decoded ("a%2Bb-1.0-py3-none-any.whl"). */
static char *url_filename(const char *url, size_t len)
{
    const char *rest = strstr(url, "://") + 3;
    const char *path = strchr(rest, '/');
    size_t plen = path && path < url + len ? strcspn(path, "?#") : 0;
    if (path + plen > url + len)
        plen = (size_t)(url + len - path);
    const char *seg = path;
    for (const char *p = path; p && p < path + plen; p++)
        seg = *p == '/' ? p + 1 : seg;
    size_t slen = path ? (size_t)(path + plen - seg) : 0;
    char *out = malloc(slen + 1), *w = out;
    for (size_t i = 0; out && i < slen; i++) {
        if (seg[i] == '%' && i + 2 < slen && isxdigit((unsigned char)seg[i + 1]) &&
            isxdigit((unsigned char)seg[i + 2])) {
            *w++ = (char)(hex_value(seg[i + 1]) * 16 + hex_value(seg[i + 2]));
            i += 2;
        } else {
            *w++ = seg[i];
        }
    }
    if (out)
        *w = '\0';
    return out;
}

static bool known_scheme(const char *item)
{
    return !strncasecmp(item, "https://", 8) || !strncasecmp(item, "http://", 7) ||
           !strncasecmp(item, "file://", 7);
}

static int bad_item(const char *origin, const char *item, const char *why, ph_error *err)
{
    ph_error_set(err, "%s: '%s': %s", origin, item, why);
    return ph_error_hint(err, "write a URL as https://HOST/PATH/NAME.whl#sha256=HEX (the SHA-256 "
                              "of the file, 64 hex digits; 'sha256sum FILE' prints it)");
}

/* Splits "X#sha256=HEX": stores the digest (lower case) and returns X's length. */
static int split_digest(const char *item, char sha[65], size_t *len)
{
    const char *hash = strchr(item, '#');
    *len = hash ? (size_t)(hash - item) : strlen(item);
    sha[0] = '\0';
    if (!hash)
        return 0;
    if (strncmp(hash, "#sha256=", 8) != 0 || !is_sha256(hash + 8, strlen(hash + 8)))
        return -1;
    for (int i = 0; i < 64; i++)
        sha[i] = (char)tolower((unsigned char)hash[8 + i]);
    sha[64] = '\0';
    return 0;
}

static char *base_name(const char *path, size_t len)
{
    const char *start = path;
    for (const char *p = path; p < path + len; p++)
        start = *p == '/' ? p + 1 : start;
    return strndup(start, (size_t)(path + len - start));
}

int ph_input_parse(const char *item, const char *base_dir, const char *origin, ph_input *out,
                   ph_error *err)
{
    size_t len;
    *out = (ph_input){0};
    out->is_url = strstr(item, "://") != NULL;
    if (out->is_url && !known_scheme(item))
        return bad_item(origin, item, "only https://, http:// and file:// URLs are supported", err);
    if (split_digest(item, out->sha256, &len) < 0 || (out->is_url && !out->sha256[0]))
        return bad_item(origin, item, "a URL needs its SHA-256 as #sha256=HEX", err);
    out->filename = out->is_url ? url_filename(item, len) : base_name(item, len);
    if (out->is_url)
        out->source = strndup(item, len);
    else if ((out->source = malloc(strlen(base_dir) + len + 2)))
        sprintf(out->source, "%s%s%.*s", item[0] == '/' ? "" : base_dir, item[0] == '/' ? "" : "/",
                (int)len, item);
    out->origin = strdup(origin);
    if (!out->filename || !out->source || !out->origin)
        return ph_error_set(err, "out of memory");
    if (!out->filename[0] || strchr(out->filename, '/') || out->filename[0] == '.')
        return bad_item(origin, item, "the URL does not end with a file name", err);
    return 0;
}

static int push(ph_input_list *list, const char *item, const char *base_dir, const char *origin,
                ph_error *err)
{
    ph_input *grown = realloc(list->items, (list->count + 1) * sizeof *grown);
    if (!grown)
        return ph_error_set(err, "out of memory");
    list->items = grown;
    ph_input *in = &list->items[list->count++];
    return ph_input_parse(item, base_dir, origin, in, err);
}

/* ---- requirements files ---------------------------------------------------------------- */

typedef struct req_line {
    const char *file; /* for messages */
    int line;
    char origin[600];
    ph_error *err;
} req_line;

static int req_error(const req_line *r, const char *hint, const char *fmt, const char *arg)
{
    char what[700];
    snprintf(what, sizeof what, fmt, arg);
    ph_error_set(r->err, "%s:%d: %s", r->file, r->line, what);
    return ph_error_hint(r->err, "%s", hint);
}

static const char form_hint[] =
    "write each wheel as 'NAME @ URL --hash=sha256:HEX' (pip freeze of a direct URL, or "
    "pip-compile with --generate-hashes on URLs); pyhost does not resolve versions";

/* "--hash=sha256:HEX" (or "--hash sha256:HEX"): stores the digest. */
static int take_hash(const req_line *r, char **save, char *tok, char sha[65])
{
    const char *value = !strcmp(tok, "--hash") ? strtok_r(NULL, " \t", save) : tok + 7;
    if (!value || strncmp(value, "sha256:", 7) != 0 || !is_sha256(value + 7, strlen(value + 7)))
        return req_error(r, "only sha256 hashes are accepted: --hash=sha256:HEX",
                         "'%s' is not a sha256 hash", value ? value : tok);
    if (sha[0])
        return req_error(r, "give exactly one --hash=sha256:... for a direct URL",
                         "more than one hash for %s", "one URL");
    for (int i = 0; i < 64; i++)
        sha[i] = (char)tolower((unsigned char)value[7 + i]);
    sha[64] = '\0';
    return 0;
}

/* "NAME @ URL --hash=sha256:HEX" -> "URL#sha256=HEX" in `item`. */
static int parse_req(const req_line *r, char *text, char *item, size_t size)
{
    char *at = strchr(text, '@'), *save = NULL, sha[65] = "";
    if (text[0] == '-')
        return req_error(r, form_hint, "options are not supported: '%s'", text);
    if (!at)
        return req_error(r, form_hint,
                         "'%s': only direct URL references are supported, not versions from "
                         "an index",
                         text);
    char *url = strtok_r(at + 1, " \t", &save);
    if (!url || !strstr(url, "://"))
        return req_error(r, form_hint, "'%s' has no URL after '@'", text);
    for (char *tok; (tok = strtok_r(NULL, " \t", &save));) {
        if (!strncmp(tok, "--hash", 6) && (tok[6] == '=' || !tok[6])) {
            if (take_hash(r, &save, tok, sha) < 0)
                return -1;
        } else {
            return req_error(r, form_hint,
                             "'%s' is not supported here (environment markers and options other "
                             "than --hash are not)",
                             tok);
        }
    }
    char url_sha[65];
    size_t len;
    if (split_digest(url, url_sha, &len) < 0 || (url_sha[0] && sha[0] && strcmp(url_sha, sha)))
        return req_error(r, form_hint, "the URL's #fragment and --hash disagree: %s", url);
    if (!sha[0] && !url_sha[0])
        return req_error(r, "add --hash=sha256:HEX ('sha256sum FILE' prints it)",
                         "%s has no --hash=sha256:...; the SHA-256 is mandatory", url);
    snprintf(item, size, "%.*s#sha256=%s", (int)len, url, sha[0] ? sha : url_sha);
    return 0;
}

/* Strips a comment: '#' at the start or after whitespace (a URL's "#sha256=" stays). */
static void strip_comment(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '#' && (p == s || *(p - 1) == ' ' || *(p - 1) == '\t')) {
            *p = '\0';
            break;
        }
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
}

/* Joins lines ending in '\' into `buf`; returns the first line's number, 0 at the end. */
static int logical_line(char **cursor, int *lineno, char *buf, size_t size)
{
    int first = 0;
    size_t n = 0;
    buf[0] = '\0';
    while (*cursor && **cursor) {
        char *line = *cursor, *nl = strchr(line, '\n');
        *cursor = nl ? nl + 1 : NULL;
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len && line[len - 1] == '\r')
            len--;
        ++*lineno;
        first = first ? first : *lineno;
        bool more = len && line[len - 1] == '\\';
        n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%.*s ", (int)(len - more), line);
        if (!more)
            break;
    }
    return first;
}

static int read_requirements(const ph_manifest *m, ph_input_list *out, ph_error *err)
{
    char *path, *text;
    size_t size;
    if (ph_manifest_resolve_path(m, m->resources.requirements, &path, err) < 0)
        return -1;
    if (ph_read_file_max(path, PH_MAX_TEXT_INPUT, "the requirements file", &text, &size, err) < 0) {
        free(path);
        /* "not a regular file" and "too large" carry their own hint */
        if (err->hint[0]) {
            ph_error why = *err;
            ph_manifest_error(m, err, "resources", "requirements", "%s", why.message);
            return ph_error_hint(err, "%s", why.hint);
        }
        ph_manifest_error(m, err, "resources", "requirements", "cannot read '%s'",
                          m->resources.requirements);
        return ph_error_hint(err, "the path is relative to %s", m->base_dir);
    }
    req_line r = {.file = m->resources.requirements, .err = err};
    char buf[8192], item[8192];
    int rc = 0, lineno = 0;
    for (char *cur = text; rc == 0 && (r.line = logical_line(&cur, &lineno, buf, sizeof buf));) {
        strip_comment(buf);
        char *s = buf + strspn(buf, " \t");
        if (!*s)
            continue;
        snprintf(r.origin, sizeof r.origin, "%s:%d", r.file, r.line);
        rc = parse_req(&r, s, item, sizeof item) < 0 ? -1
                                                     : push(out, item, m->base_dir, r.origin, err);
    }
    free(text);
    free(path);
    return rc;
}

int ph_inputs_from_manifest(const ph_manifest *m, ph_input_list *out, ph_error *err)
{
    const ph_strlist *wheels = &m->resources.wheels;
    char origin[600];
    *out = (ph_input_list){0};
    snprintf(origin, sizeof origin, "%s:%d: [resources] wheels", m->path,
             ph_manifest_line(m, "resources", "wheels"));
    for (size_t i = 0; i < wheels->count; i++)
        if (push(out, wheels->items[i], m->base_dir, origin, err) < 0)
            goto fail;
    if (m->resources.requirements && read_requirements(m, out, err) < 0)
        goto fail;
    return 0;
fail:
    ph_input_list_free(out);
    return -1;
}
