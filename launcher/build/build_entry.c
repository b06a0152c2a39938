/* [app] entry = module:function checked at build time when it is cheap and certain: the
 * module's source is at hand, and the function's first name appears nowhere in it as a word.
 * Python could still create it (module __getattr__, globals(), a star import, exec), so a
 * source that can do that is not judged; the run-time check (runtime/entry.c) is the one that
 * always applies. Names defined at the top of the module feed "did you mean". */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "pyhost/fsutil.h"
#include "pyhost/suggest.h"

#define MAX_NAMES 256

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static bool has_word(const char *text, const char *word, size_t len)
{
    for (const char *p = text; (p = strstr(p, word)); p++)
        if ((p == text || !word_char(p[-1])) && !word_char(p[len]))
            return true;
    return false;
}

/* "def NAME", "async def NAME", "class NAME" and "NAME =" at the start of a line. */
static size_t top_level_names(char *text, const char **names, size_t max)
{
    size_t n = 0;
    for (char *line = text; line && *line && n < max;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *p = line;
        if (!strncmp(p, "async ", 6))
            p += 6;
        if (!strncmp(p, "def ", 4))
            p += 4;
        else if (!strncmp(p, "class ", 6))
            p += 6;
        char *end = p;
        while (word_char(*end))
            end++;
        bool assignment = p == line && end > p && (end[strspn(end, " ")] == '=') &&
                          end[strspn(end, " ") + 1] != '=';
        if (end > p && (p != line || assignment)) {
            *end = '\0';
            names[n++] = p;
        }
        line = next;
    }
    return n;
}

int ph_check_entry_function(const ph_manifest *m, const char *source_path, ph_error *err)
{
    const ph_entry_point *e = &m->app.entry;
    char *text = NULL;
    size_t size = 0;
    ph_error ignored;
    if (e->kind != PH_ENTRY_FUNCTION || !source_path ||
        ph_read_file(source_path, &text, &size, &ignored) < 0)
        return 0;
    char first[256];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(e->function, "."), e->function);
    bool dynamic = strstr(text, "import *") || strstr(text, "__getattr__") ||
                   strstr(text, "globals()") || strstr(text, "exec(") || strlen(text) != size;
    if (dynamic || has_word(text, first, strlen(first))) {
        free(text);
        return 0;
    }
    const char *names[MAX_NAMES];
    size_t n = top_level_names(text, names, MAX_NAMES);
    const char *guess = ph_suggest(first, names, n);
    ph_manifest_error(m, err, "app", "entry", "module '%s' (%s) has no '%s'", e->module,
                      source_path, first);
    if (guess)
        ph_error_hint(err, "did you mean '%s:%s'?", e->module, guess);
    else
        ph_error_hint(err, "name a function that %s defines, as module:function", source_path);
    free(text);
    return -1;
}
