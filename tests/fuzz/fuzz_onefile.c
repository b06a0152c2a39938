/* libFuzzer target for the onefile record check (launcher/stub/onefile.h): the loader trusts
 * nothing of a record but what this accepts, then maps and unpacks the frame it names. The
 * input is the record followed by the .pyr offset the trailer would give. */
#include <stdint.h>
#include <string.h>

#include "onefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ph_onefile_record rec;
    uint64_t pyr_offset;
    if (size < sizeof rec + sizeof pyr_offset)
        return 0;
    memcpy(&rec, data, sizeof rec);
    memcpy(&pyr_offset, data + sizeof rec, sizeof pyr_offset);
    if (pyr_offset < sizeof rec || !ph_onefile_record_valid(&rec, pyr_offset))
        return 0;
    /* What the loader goes on to rely on: the frame ends before the record, the name is a
     * NUL-terminated plain file name. */
    uint64_t end = pyr_offset - sizeof rec;
    if (rec.frame_offset + rec.frame_size > end || strchr(rec.runtime_name, '/') ||
        strlen(rec.runtime_name) >= sizeof rec.runtime_name)
        __builtin_trap();
    return 0;
}
