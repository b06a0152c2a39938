/* libFuzzer target for the pyproject.toml reader (config/toml.c) and its conversion into
 * pyhost.ini text (config/pyproject.c), which the manifest parser then reads: arbitrary bytes
 * must give a TOML error, an INI error or a manifest, never a crash, a leak or a read past the
 * input. The line map must cover every INI line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/manifest.h"
#include "pyhost/project.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *ini = NULL;
    int *lines = NULL, n_lines = 0;
    ph_error err;
    if (ph_pyproject_to_ini(text, size, "pyproject.toml", NULL, &ini, &lines, &n_lines, &err) ==
        0) {
        int newlines = 0;
        for (const char *c = ini; *c; c++)
            newlines += *c == '\n';
        if (newlines != n_lines)
            abort(); /* an INI line without its pyproject.toml line */
        ph_manifest m;
        if (ph_manifest_parse_string(&m, ini, "pyproject.toml", "/", &err) == 0)
            ph_manifest_free(&m);
        free(ini);
        free(lines);
    }
    free(text);
    return 0;
}
