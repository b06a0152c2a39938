/* "Did you mean ...?": the closest of a list of names to a misspelt one. The manifest parser
 * uses it for keys and sections; the command line for commands and distribution names. */
#ifndef PYHOST_SUGGEST_H
#define PYHOST_SUGGEST_H

#include <stddef.h>

/* Edit distance (insertions, deletions, substitutions and swaps of neighbours, ignoring case). */
size_t ph_edit_distance(const char *a, const char *b);

/* The candidate closest to `word` if it is close enough to be a likely typo, else NULL. */
const char *ph_suggest(const char *word, const char *const *candidates, size_t n);

#endif
