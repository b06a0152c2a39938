/* The value parsers schema.c's type table names (schema_values.c, schema_lists.c), and the
 * small helpers both files share. Private to config/. */
#ifndef PH_SCHEMA_VALUES_H
#define PH_SCHEMA_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include "schema.h"

int schema_parse_requirements(const struct ph_key_spec *key, const char *value, void *out,
                              char *why, size_t why_size);
int schema_parse_routing(const struct ph_key_spec *key, const char *value, void *out, char *why,
                         size_t why_size);
void schema_release_routing(void *value);
int schema_parse_patterns(const struct ph_key_spec *key, const char *value, void *out, char *why,
                          size_t why_size);
int schema_parse_paths(const struct ph_key_spec *key, const char *value, void *out, char *why,
                       size_t why_size);
int schema_parse_data(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size);
int schema_parse_wheels(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size);
void schema_release_list(void *value);
void schema_release_nothing(void *value);
int schema_parse_bundle_resources(const struct ph_key_spec *key, const char *value, void *out,
                                  char *why, size_t why_size);
int schema_parse_placement(const struct ph_key_spec *key, const char *value, void *out, char *why,
                           size_t why_size);
int schema_parse_string(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size);
int schema_parse_text(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size);
int schema_parse_strings(const struct ph_key_spec *key, const char *value, void *out, char *why,
                         size_t why_size);
int schema_parse_guid(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size);
bool schema_is_blank(char c);
bool schema_is_dotted(const char *s, size_t len, bool glob);
int schema_dup_into(void *out, const char *value, char *why, size_t why_size);
void schema_release_string(void *value);
int schema_parse_name(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size);
int schema_parse_version(const struct ph_key_spec *key, const char *value, void *out, char *why,
                         size_t why_size);
int schema_parse_python_version(const struct ph_key_spec *key, const char *value, void *out,
                                char *why, size_t why_size);
int schema_parse_path(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size);
int schema_parse_bool(const struct ph_key_spec *key, const char *value, void *out, char *why,
                      size_t why_size);
int schema_parse_source(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size);
int schema_parse_stdlib(const struct ph_key_spec *key, const char *value, void *out, char *why,
                        size_t why_size);
int schema_parse_int(const struct ph_key_spec *key, const char *value, void *out, char *why,
                     size_t why_size);
int schema_parse_compress(const struct ph_key_spec *key, const char *value, void *out, char *why,
                          size_t why_size);
int schema_parse_entry(const struct ph_key_spec *key, const char *value, void *out, char *why,
                       size_t why_size);
void schema_release_entry(void *value);

#endif
