/* libFuzzer target for PEP 508 environment markers (launcher/build/build_marker.c): markers come
 * from distributions' METADATA (Requires-Dist), which is outside input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    bool result;
    char why[256];
    (void)ph_marker_eval(text, NULL, &result, why, sizeof why);
    (void)ph_marker_eval(text, "security", &result, why, sizeof why);
    free(text);
    return 0;
}
