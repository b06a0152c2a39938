/* SHA-256 (FIPS 180-4), for checking downloads and wheels against their pinned digests. Our own
 * few lines rather than a crypto library: the launcher links nothing else that provides it. */
#ifndef PH_SHA256_H
#define PH_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "pyhost/error.h"

typedef struct ph_sha256 {
    uint32_t h[8];
    uint64_t length; /* bytes hashed so far */
    uint8_t block[64];
    size_t used; /* bytes waiting in `block` */
} ph_sha256;

void ph_sha256_init(ph_sha256 *s);
void ph_sha256_update(ph_sha256 *s, const void *data, size_t size);
/* Writes the digest as 64 lower-case hex digits and a NUL. */
void ph_sha256_hex(ph_sha256 *s, char hex[65]);

/* The digest of a whole file, streamed. */
int ph_sha256_file(const char *path, char hex[65], ph_error *err);

#endif
