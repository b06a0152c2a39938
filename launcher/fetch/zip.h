/* A small read-only zip reader for wheels: the central directory, stored and deflated members
 * (zlib's raw inflate), CRC-32 checked. Every offset and size is bounds-checked against the
 * mapped file, so a corrupt or truncated archive is an error naming it, never a crash. Not
 * zip64 (more than 65535 members, sizes or offsets over 4 GiB) is read: the zip64 end record and
 * the members' zip64 extra fields. Not supported: encryption, multi-disk archives. */
#ifndef PH_ZIP_H
#define PH_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pyhost/error.h"

typedef struct ph_zip_member {
    char *name; /* as stored: '/'-separated, a trailing '/' for a directory */
    uint64_t local_offset, csize, usize;
    uint32_t crc;
    uint16_t method, flags;
} ph_zip_member;

typedef struct ph_zip {
    const char *display; /* names the archive in messages (not owned) */
    const uint8_t *data; /* the whole file, mapped */
    size_t size;
    ph_zip_member *items;
    size_t count;
} ph_zip;

/* Maps `path` and reads its central directory; `display` names it in messages. */
int ph_zip_open(ph_zip *z, const char *path, const char *display, ph_error *err);
/* The member's bytes, inflated and CRC-checked, in a malloc'd buffer of m->usize bytes. */
int ph_zip_read(const ph_zip *z, const ph_zip_member *m, uint8_t **out, ph_error *err);
void ph_zip_close(ph_zip *z);

/* A member name that stays inside the directory it is extracted to: relative, no ".."
 * component, no backslash, no drive letter, no NUL, no empty component. */
bool ph_zip_safe_name(const char *name);

#endif
