/* libFuzzer target for the ELF dynamic-section reader: the build runs it on every extension
 * module it packs and the runtime on every extension it loads from memory. Whatever it returns
 * must lie inside the input. */
#include <stdint.h>
#include <string.h>

#include "pyhost/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ph_elf_dynamic d;
    ph_error err;
    if (ph_elf_read_dynamic(data, size, "input", &d, &err) < 0)
        return 0;
    size_t total = 0;
    for (size_t i = 0; i < d.needed_count; i++)
        total += strlen(d.needed[i]);
    if (d.soname)
        total += strlen(d.soname);
    char out[256];
    for (const char *p = d.runpath; p && *p;) {
        size_t len = strcspn(p, ":");
        for (size_t i = 0; i < d.needed_count; i++)
            ph_elf_origin_path("pkg/sub", p, len, d.needed[i], out, sizeof out);
        p += len + (p[len] == ':');
    }
    return total == (size_t)-1; /* keeps the reads above from being optimized away */
}
