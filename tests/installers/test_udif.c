/* The UDIF writer (installers/dmg/udif.c): a raw disk image round-trips through dmg2img (a
 * separate reader) byte for byte, and the koly trailer says where the data fork and the
 * property list are, with CRC-32 checksums that match the bytes (zlib's crc32 computed here).
 * dmg2img is needed for the round trip only; the trailer checks always run. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pyhost/fsutil.h"
#include "udif.h"

#define SECTOR 512
#define MIB (1u << 20)

static char dir[PATH_MAX];

static void cleanup(void)
{
    ph_remove_tree(dir);
}

static const char *path_in(const char *name)
{
    static char paths[4][PATH_MAX + 32];
    static int next;
    char *p = paths[next++ % 4];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/ph-udif-XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        cr_assert_not_null(mkdtemp(dir));
        atexit(cleanup);
    }
    snprintf(p, PATH_MAX + 32, "%s/%s", dir, name);
    return p;
}

/* Text (zlib chunks), a MiB of zeros (zero chunks), pseudo-random bytes that do not compress
 * (raw chunks), and a last partial chunk of 7 sectors. */
static unsigned char *make_raw(size_t *size)
{
    *size = 3 * MIB + 7 * SECTOR;
    unsigned char *raw = calloc(1, *size);
    for (size_t i = 0, n = 0; i < MIB; i += (size_t)n)
        n = snprintf((char *)raw + i, MIB - i, "sector text %zu\n", i);
    uint64_t x = 88172645463325252u;
    for (size_t i = 2 * MIB; i < *size; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        raw[i] = (unsigned char)x;
    }
    return raw;
}

static void put(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, size, f), size);
    cr_assert_eq(fclose(f), 0);
}

static char *slurp(const char *path, size_t *size)
{
    char *data;
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_read_file(path, &data, size, &err), 0, "%s", err.message);
    return data;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Writes the raw image and its .dmg; returns the .dmg's bytes. */
static unsigned char *make_dmg(const unsigned char *raw, size_t raw_size, size_t *dmg_size)
{
    const char *raw_path = path_in("disk.img"), *dmg_path = path_in("disk.dmg");
    put(raw_path, raw, raw_size);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_udif_write(raw_path, dmg_path, &err), 0, "%s", err.message);
    return (unsigned char *)slurp(dmg_path, dmg_size);
}

Test(udif, trailer_places_and_checksums)
{
    size_t raw_size, size;
    unsigned char *raw = make_raw(&raw_size);
    unsigned char *dmg = make_dmg(raw, raw_size, &size);
    cr_assert_gt(size, 512);
    const unsigned char *k = dmg + size - 512;
    cr_assert(!memcmp(k, "koly", 4), "no koly trailer in the last 512 bytes");
    cr_assert_eq(be32(k + 4), 4, "version");
    cr_assert_eq(be32(k + 8), 512, "header size");
    uint64_t fork_off = be64(k + 24), fork_len = be64(k + 32);
    uint64_t xml_off = be64(k + 216), xml_len = be64(k + 224);
    cr_assert_eq(fork_off, 0);
    cr_assert_eq(xml_off, fork_len, "the plist follows the data fork");
    cr_assert_eq(xml_off + xml_len + 512, size, "fork, plist and trailer fill the file");
    cr_assert_lt(fork_len, raw_size, "the text and the zeros were compressed");
    cr_assert(!memcmp(dmg + xml_off, "<?xml", 5), "the plist is XML");
    cr_assert_eq(be64(k + 492), raw_size / SECTOR, "the sector count");
    /* the data fork's checksum: type 2 (CRC-32), 32 bits, over the fork's bytes */
    cr_assert_eq(be32(k + 80), 2);
    cr_assert_eq(be32(k + 84), 32);
    cr_assert_eq(be32(k + 88), (uint32_t)crc32(0, dmg, (uInt)fork_len));
    /* the master checksum: CRC-32 over the partitions' CRC-32s; a disk without a partition
     * map is one partition of every sector */
    unsigned char part_crc[4];
    uint32_t c = (uint32_t)crc32(0, raw, (uInt)raw_size);
    for (int i = 0; i < 4; i++)
        part_crc[i] = (unsigned char)(c >> (24 - 8 * i));
    cr_assert_eq(be32(k + 352), 2);
    cr_assert_eq(be32(k + 360), (uint32_t)crc32(0, part_crc, 4));
    free(raw);
    free(dmg);
}

Test(udif, same_input_same_dmg)
{
    size_t raw_size, a_size, b_size;
    unsigned char *raw = make_raw(&raw_size);
    unsigned char *a = make_dmg(raw, raw_size, &a_size);
    unsigned char *b = make_dmg(raw, raw_size, &b_size);
    cr_assert(a_size == b_size && !memcmp(a, b, a_size), "two writes of one image differ");
    raw[raw_size - 1] ^= 1;
    free(b);
    b = make_dmg(raw, raw_size, &b_size);
    cr_assert(a_size != b_size || memcmp(a + a_size - 512, b + b_size - 512, 512),
              "another image got the same trailer");
    free(a), free(b), free(raw);
}

Test(udif, dmg2img_reads_back_every_byte)
{
    if (system("command -v dmg2img >/dev/null") != 0)
        cr_skip_test("SKIP: dmg2img is not installed (apt-get install dmg2img)");
    size_t raw_size, dmg_size, back_size;
    unsigned char *raw = make_raw(&raw_size);
    free(make_dmg(raw, raw_size, &dmg_size));
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "dmg2img -s -i '%s' -o '%s' >/dev/null", path_in("disk.dmg"),
             path_in("back.img"));
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    char *back = slurp(path_in("back.img"), &back_size);
    cr_assert_eq(back_size, raw_size);
    cr_assert(!memcmp(back, raw, raw_size), "dmg2img read back other bytes");
    free(back), free(raw);
}

Test(udif, partial_sectors_are_refused)
{
    const char *raw_path = path_in("odd.img"), *dmg_path = path_in("odd.dmg");
    char data[SECTOR + 1] = {0};
    put(raw_path, data, sizeof data);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_udif_write(raw_path, dmg_path, &err), -1);
    cr_assert(strstr(err.message, "not a whole number of 512-byte sectors"), "%s", err.message);
    FILE *f = fopen(dmg_path, "rb");
    cr_assert_null(f, "a .dmg was written for a refused image");
}
