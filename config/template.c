/* The starter manifest `pyhost init` writes, rendered from the schema so it never falls behind:
 * every key appears with its default, or commented out with an example when it has none. */
#include "pyhost/manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

/* One item stays on the key's line; more go one per indented line, which diffs well. */
static void render_list(FILE *out, const char *key, const char *value)
{
    ph_strlist items = {0};
    if (ph_schema_split(value, &items) != 0 || items.count <= 1) {
        fprintf(out, "%s =%s%s\n", key, items.count ? " " : "", items.count ? items.items[0] : "");
        ph_strlist_free(&items);
        return;
    }
    fprintf(out, "%s =\n", key);
    for (size_t i = 0; i < items.count; i++)
        fprintf(out, "    %s\n", items.items[i]);
    ph_strlist_free(&items);
}

/* The value of [section] key in INI text that pyproject.c wrote (one key per line, lists on
 * indented lines below it), items on separate lines; NULL when it is not set there. */
static char *value_in(const char *ini, const char *section, const char *key)
{
    char header[300];
    snprintf(header, sizeof header, "\n[%s]\n", section);
    const char *s = ini ? strstr(ini, header) : NULL;
    size_t klen = strlen(key);
    for (s = s ? s + strlen(header) : NULL; s && *s && *s != '[';) {
        const char *eol = s + strcspn(s, "\n");
        if (!strncmp(s, key, klen) && s[klen] == ' ' && s[klen + 1] == '=') {
            const char *v = s + klen + 2;
            v += *v == ' ';
            char *value = strndup(v, (size_t)(eol - v));
            while (value && *eol == '\n' && eol[1] == ' ') { /* "    item" lines */
                const char *item = eol + 1 + strspn(eol + 1, " ");
                eol = item + strcspn(item, "\n");
                size_t n = strlen(value);
                char *grown = realloc(value, n + 1 + (size_t)(eol - item) + 1);
                if (!grown) {
                    free(value);
                    return NULL;
                }
                value = grown;
                snprintf(value + n, (size_t)(eol - item) + 2, "%s%.*s", n ? "\n" : "",
                         (int)(eol - item), item);
            }
            return value;
        }
        s = *eol ? eol + 1 : eol;
    }
    return NULL;
}

static void render_key(FILE *out, const struct ph_key_spec *k, const char *name, const char *entry,
                       const char *from)
{
    const char *value = k->def;
    char *given = value_in(from, k->section, k->key);
    if (!strcmp(k->section, "app") && !strcmp(k->key, "name"))
        value = name;
    else if (!strcmp(k->section, "app") && !strcmp(k->key, "entry"))
        value = entry;
    else if (given)
        value = given;
    fprintf(out, "# %s\n", k->comment);
    if (!value)
        fprintf(out, "# %s = %s\n", k->key, k->example);
    else if (k->type->is_list)
        render_list(out, k->key, value);
    else
        fprintf(out, "%s = %s\n", k->key, value);
    free(given);
}

static void render(FILE *out, const char *name, const char *entry, const char *from)
{
    fprintf(out,
            "# pyhost.ini: how pyhost packs and ships %s.\n"
            "# Every key is shown with its default; change what you need.\n"
            "# Lists take commas or one item per indented line. Patterns are dotted module\n"
            "# names with '*' globs; 'pkg.*' is pkg and everything under it.\n"
            "# Reference: docs/manifest.md in the pyhost sources.\n",
            name);
    for (size_t s = 0; s < ph_schema_section_count; s++) {
        const struct ph_section_spec *sec = &ph_schema_sections[s];
        fprintf(out, "\n# %s\n[%s]\n", sec->comment, sec->name);
        if (sec->pattern_keys)
            fprintf(out, "# %s\n", sec->example);
        for (size_t i = 0; i < ph_schema_key_count; i++)
            if (!strcmp(ph_schema_keys[i].section, sec->name))
                render_key(out, &ph_schema_keys[i], name, entry, from);
    }
}

/* Values that inih would cut or strip would not read back as given. */
static int check_writable(const char *key, const char *value, ph_error *err)
{
    size_t n = strlen(value);
    if (strpbrk(value, ";#") || (n && (value[0] == ' ' || value[n - 1] == ' '))) {
        ph_error_set(err, "[app] %s: '%s' cannot be written to pyhost.ini", key, value);
        return ph_error_hint(err, "leave out ';', '#' and surrounding spaces");
    }
    return 0;
}

int ph_manifest_template(const char *name, const char *entry, char **out, ph_error *err)
{
    return ph_manifest_template_from(name, entry, NULL, out, err);
}

int ph_manifest_template_from(const char *name, const char *entry, const char *from, char **out,
                              ph_error *err)
{
    if (ph_manifest_check_value("app", "name", name, err) != 0 ||
        ph_manifest_check_value("app", "entry", entry, err) != 0 ||
        check_writable("entry", entry, err) != 0)
        return -1;
    size_t size = 0;
    FILE *f = open_memstream(out, &size);
    if (!f)
        return ph_error_set(err, "out of memory");
    render(f, name, entry, from);
    if (fclose(f) != 0) {
        free(*out);
        *out = NULL;
        return ph_error_set(err, "out of memory");
    }
    return 0;
}
