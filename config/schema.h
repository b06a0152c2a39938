/* The manifest schema, shared by the parser, the template and the tests. Private to config/. */
#ifndef PH_CONFIG_SCHEMA_H
#define PH_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "pyhost/manifest.h"

struct ph_key_spec;

/* Bounds for lookup tables built on the stack; schema.c checks them at compile time. */
#define PH_SCHEMA_MAX_SECTIONS 16

/* How one kind of value is parsed. `parse` writes a fresh value into `out` (zeroed storage of
 * `size` bytes) or fills `why` with what is wrong (quoting the value) and returns -1. */
struct ph_value_type {
    const char *accepted; /* default hint text: what values are accepted */
    size_t size;
    bool is_list; /* may continue over indented lines; shown one item per line */
    int (*parse)(const struct ph_key_spec *key, const char *value, void *out, char *why,
                 size_t why_size);
    void (*release)(void *value);
};

struct ph_key_spec {
    const char *section;
    const char *key;
    const struct ph_value_type *type;
    size_t offset;        /* of the field in ph_manifest */
    bool required;        /* required keys have no default */
    const char *def;      /* default, in manifest syntax; NULL: unset */
    const char *example;  /* shown in hints and in the template for unset keys */
    const char *accepted; /* overrides type->accepted */
    const char *comment;  /* one line, for the template */
    int min, max;         /* integer range */
};

struct ph_section_spec {
    const char *name;
    const char *comment;
    /* Keys are module patterns and values routing policies ([routing]), not schema rows. */
    bool pattern_keys;
    const char *example; /* pattern_keys: a commented example line for the template */
};

extern const struct ph_key_spec ph_schema_keys[];
extern const size_t ph_schema_key_count;
extern const struct ph_section_spec ph_schema_sections[];
extern const size_t ph_schema_section_count;

const struct ph_section_spec *ph_schema_section(const char *name);
/* Returns the key's index in ph_schema_keys, or -1. */
int ph_schema_key(const char *section, const char *key);
const char *ph_schema_accepted(const struct ph_key_spec *key);

/* Parses `value` for `key` into zeroed storage `out` (checking that only lists span lines). */
int ph_schema_parse(const struct ph_key_spec *key, const char *value, void *out, char *why,
                    size_t why_size);

/* Parses a routing policy ("in-memory", "filesystem-relative:DIR", "prefer-in-memory"). */
int ph_schema_parse_routing(const char *value, ph_routing *out, char *why, size_t why_size);
void ph_schema_release_routing(ph_routing *routing);
bool ph_schema_is_pattern(const char *s);
extern const char ph_schema_routing_accepted[];

/* Splits a list value on commas and newlines, trimming blanks and dropping empty items. */
int ph_schema_split(const char *value, ph_strlist *out);

#endif
