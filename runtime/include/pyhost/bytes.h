/* Integers in file formats, read and written byte by byte: little-endian (zip, MS-CFB, ELF on
 * x86) or big-endian (UDIF, PNG, ELF on others), whatever the host's order and alignment.
 * Written once here for every reader of outside formats; callers check the bounds first. */
#ifndef PYHOST_BYTES_H
#define PYHOST_BYTES_H

#include <stdint.h>

/* The `width`-byte (1..8) unsigned integer at p, least significant byte first. */
static inline uint64_t ph_load_le(const void *p, unsigned width)
{
    const unsigned char *b = p;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)b[i] << 8 * i;
    return v;
}

/* The `width`-byte (1..8) unsigned integer at p, most significant byte first. */
static inline uint64_t ph_load_be(const void *p, unsigned width)
{
    const unsigned char *b = p;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v = v << 8 | b[i];
    return v;
}

/* Stores the low `width` bytes of v at p, most significant first. */
static inline void ph_store_be(void *p, uint64_t v, unsigned width)
{
    unsigned char *b = p;
    for (unsigned i = 0; i < width; i++)
        b[i] = (unsigned char)(v >> 8 * (width - 1 - i));
}

static inline uint16_t ph_le16(const void *p)
{
    return (uint16_t)ph_load_le(p, 2);
}

static inline uint32_t ph_le32(const void *p)
{
    return (uint32_t)ph_load_le(p, 4);
}

static inline uint64_t ph_le64(const void *p)
{
    return ph_load_le(p, 8);
}

static inline uint16_t ph_be16(const void *p)
{
    return (uint16_t)ph_load_be(p, 2);
}

static inline uint32_t ph_be32(const void *p)
{
    return (uint32_t)ph_load_be(p, 4);
}

static inline void ph_put_be32(void *p, uint32_t v)
{
    ph_store_be(p, v, 4);
}

static inline void ph_put_be64(void *p, uint64_t v)
{
    ph_store_be(p, v, 8);
}

#endif
