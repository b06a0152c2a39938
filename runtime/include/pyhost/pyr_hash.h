/* XXH64 (seed 0): the checksum and name hash of the .pyr format, public because the builder and
 * the extraction cache name things by it too. Written from the published algorithm so that a
 * second reader can use any xxHash library. */
#ifndef PYR_HASH_H
#define PYR_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t pyr_xxh64(const void *data, size_t size);

#endif
