/* libFuzzer target for the manifest parser (config/): pyhost.ini is outside input, and the copy
 * packed in every .pyr is parsed again at each start. Any text must parse or fail with a
 * message, never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    ph_manifest m;
    ph_error err;
    if (ph_manifest_parse_string(&m, text, "fuzz.ini", "/app", &err) == 0)
        ph_manifest_free(&m);
    else if (!err.message[0])
        __builtin_trap(); /* a failure always says why */
    free(text);
    return 0;
}
