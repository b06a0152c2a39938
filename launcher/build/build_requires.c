/* Requirements of an installed distribution: METADATA's or PKG-INFO's Requires-Dist headers,
 * or egg-info's requires.txt with its "[extra]" and "[:marker]" sections. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "build_dist.h"
#include "pyhost/fsutil.h"
#include "wheel.h"

/* ---- Requirements ---------------------------------------------------------------------- */

static void requirement_free(requirement *q)
{
    free(q->name);
    free(q->written);
    dist_list_free(&q->extras);
    free(q->marker);
    free(q->section);
    free(q->text);
}

void dist_requirements_free(requirements *r)
{
    for (size_t i = 0; i < r->count; i++)
        requirement_free(&r->items[i]);
    free(r->items);
    *r = (requirements){0};
}

int dist_parse_extras(const char *p, ph_strlist *extras)
{
    const char *close = strchr(p, ']');
    if (!close)
        return -1;
    while (p < close) {
        size_t len = strcspn(p, ",]");
        char *e = dist_trimmed(p, len);
        if (!e)
            return -1;
        ph_dist_normalize(e);
        int rc = *e ? dist_list_add(extras, e, strlen(e)) : 0;
        free(e);
        if (rc < 0)
            return -1;
        p += len + 1;
    }
    return 0;
}

static char *and_markers(const char *a, const char *b)
{
    if (!a || !b)
        return a ? strdup(a) : b ? strdup(b) : NULL;
    size_t n = strlen(a) + strlen(b) + 12;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "(%s) and (%s)", a, b);
    return s;
}

/* "name [extras] (version spec or @ url) ; marker". Version specs are not checked: what is
 * installed is what gets packed. Returns 1 for a line that is not a requirement. */
static int parse_requirement(const char *line, const char *section, const char *section_marker,
                             const char *label, requirement *r)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = dist_name_len(line);
    if (n == 0)
        return 1;
    *r = (requirement){0};
    const char *rest = line + n;
    while (*rest == ' ')
        rest++;
    const char *semi = strchr(rest, ';');
    char *marker = semi ? dist_trimmed(semi + 1, strlen(semi + 1)) : NULL;
    r->name = strndup(line, n);
    r->written = strndup(line, n);
    r->marker = and_markers(section_marker, marker && *marker ? marker : NULL);
    r->section = section ? strdup(section) : NULL;
    size_t tn = strlen(label) + strlen(line) + 4;
    if ((r->text = malloc(tn)))
        snprintf(r->text, tn, "%s: %s", label, line);
    free(marker);
    if (!r->name || !r->written || !r->text ||
        (*rest == '[' && dist_parse_extras(rest + 1, &r->extras) < 0))
        return -1;
    ph_dist_normalize(r->name);
    return 0;
}

static int add_requirement(requirements *out, const char *line, const char *section,
                           const char *section_marker, const char *label)
{
    requirement q;
    int rc = parse_requirement(line, section, section_marker, label, &q);
    if (rc == 1)
        return 0;
    requirement *grown = rc == 0 ? realloc(out->items, (out->count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        requirement_free(&q);
        return -1;
    }
    out->items = grown;
    out->items[out->count++] = q;
    return 0;
}

/* METADATA / PKG-INFO: "Requires-Dist:" headers, up to the blank line that ends them. */
static int requires_from_headers(char *text, requirements *out)
{
    for (char *cur = text, *line; (line = dist_next_line(&cur));) {
        if (!*line)
            break;
        if (!strncmp(line, "Requires-Dist:", 14) &&
            add_requirement(out, line + 14, NULL, NULL, "Requires-Dist") < 0)
            return -1;
    }
    return 0;
}

/* A requires.txt section header: "[extra]", "[:marker]" or "[extra:marker]". */
static int section_header(const char *line, char **extra, char **marker)
{
    free(*extra);
    free(*marker);
    *extra = *marker = NULL;
    const char *end = strrchr(line, ']');
    size_t len = end ? (size_t)(end - line - 1) : strlen(line + 1);
    const char *colon = memchr(line + 1, ':', len);
    size_t elen = colon ? (size_t)(colon - line - 1) : len;
    if (elen && !(*extra = dist_trimmed(line + 1, elen)))
        return -1;
    if (*extra)
        ph_dist_normalize(*extra);
    if (colon && !(*marker = dist_trimmed(colon + 1, len - elen - 1)))
        return -1;
    return 0;
}

static int requires_from_requires_txt(char *text, requirements *out)
{
    char *extra = NULL, *marker = NULL;
    int rc = 0;
    for (char *cur = text, *line; rc == 0 && (line = dist_next_line(&cur));) {
        if (line[0] == '[') {
            rc = section_header(line, &extra, &marker);
            continue;
        }
        if (line[0] == '#')
            continue;
        char label[160];
        snprintf(label, sizeof label, "requires.txt%s%.120s%s", extra ? " [" : "",
                 extra ? extra : "", extra ? "]" : "");
        rc = add_requirement(out, line, extra, marker, label);
    }
    free(extra);
    free(marker);
    return rc;
}

int dist_requires_from_text(char *text, bool requires_txt, requirements *out)
{
    return requires_txt ? requires_from_requires_txt(text, out) : requires_from_headers(text, out);
}

int dist_load_requirements(const char *site, const candidate *c, requirements *out, ph_error *err)
{
    bool egg = ph_str_ends_with(c->meta, ".egg-info");
    const char *file = c->is_file ? NULL : egg ? "requires.txt" : "METADATA";
    char *text;
    if (dist_read_meta(site, c, file, &text, err) < 0)
        return -1;
    int rc = text ? dist_requires_from_text(text, egg && !c->is_file, out) : 0;
    free(text);
    return rc < 0 ? ph_error_set(err, "out of memory") : 0;
}
