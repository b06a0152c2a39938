/* The UDIF writer (udif.h): raw disk image -> zlib-compressed .dmg. */
#include "udif.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "progress.h"
#include "pyhost/bytes.h"
#include "pyhost/fsutil.h"

#define SECTOR 512
/* 1 MiB chunks, as hdiutil uses: small enough for any reader's buffer, large enough for zlib. */
#define CHUNK_SECTORS 2048
#define MISH_HEAD 204 /* the table header; 40 bytes per chunk follow */
#define KOLY_SIZE 512

enum {
    CHUNK_ZERO = 0x00000000,
    CHUNK_RAW = 0x00000001,
    CHUNK_ZLIB = 0x80000005,
    CHUNK_END = 0xffffffff,
    CHECKSUM_CRC32 = 2,
};

typedef struct part {
    uint64_t start, count; /* sectors */
    char name[96];         /* "NAME (TYPE : N)", as hdiutil names them */
    unsigned char *mish;   /* the table, malloc'd */
    size_t mish_size;
    uint32_t crc; /* of the partition's sectors */
} part;

typedef struct writer {
    const unsigned char *raw;
    size_t size;
    FILE *out;
    uint64_t fork_size; /* bytes of data fork written so far */
    uint32_t fork_crc;
    part *parts;
    size_t n_parts;
    ph_error *err;
} writer;

/* ---- Partitions ------------------------------------------------------------------------- */

static int add_part(writer *w, uint64_t start, uint64_t count, const char *name, const char *type)
{
    part *grown = realloc(w->parts, (w->n_parts + 1) * sizeof *grown);
    if (!grown)
        return ph_error_set(w->err, "out of memory");
    w->parts = grown;
    part *p = &w->parts[w->n_parts];
    *p = (part){.start = start, .count = count};
    snprintf(p->name, sizeof p->name, "%s (%s : %zu)", name, type, w->n_parts);
    w->n_parts++;
    return 0;
}

/* A 32-byte, NUL-padded name from a partition map entry, made printable. */
static void entry_text(const unsigned char *p, char *out)
{
    size_t i = 0;
    for (; i < 32 && p[i]; i++)
        out[i] = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '(' && p[i] != ')' ? (char)p[i] : '_';
    out[i] = '\0';
}

static int by_start(const void *a, const void *b)
{
    const part *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Partitions from the Apple partition map, sorted, gaps named Apple_Free. Returns 1 when the
 * image has no usable map (the caller then makes one table of the whole disk). */
static int apm_parts(writer *w)
{
    const unsigned char *r = w->raw;
    uint32_t block = w->size >= 1024 && r[0] == 'E' && r[1] == 'R' ? ph_be16(r + 2) : 0;
    if (block < SECTOR || block % SECTOR || w->size < 2 * (size_t)block)
        return 1;
    uint32_t n = ph_be32(r + block + 4), per = block / SECTOR;
    if (n == 0 || n > 64 || (uint64_t)(n + 1) * block > w->size)
        return 1;
    part found[64];
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *e = r + (size_t)(i + 1) * block;
        if (e[0] != 'P' || e[1] != 'M')
            return 1;
        found[i] = (part){.start = (uint64_t)ph_be32(e + 8) * per,
                          .count = (uint64_t)ph_be32(e + 12) * per};
        char name[33], type[33];
        entry_text(e + 16, name);
        entry_text(e + 48, type);
        snprintf(found[i].name, sizeof found[i].name, "%s\n%s", name, type);
    }
    qsort(found, n, sizeof *found, by_start);
    uint64_t at = per, total = w->size / SECTOR; /* block 0 is the driver descriptor map */
    if (add_part(w, 0, per, "Driver Descriptor Map", "DDM") < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        if (found[i].start < at || found[i].start + found[i].count > total || !found[i].count)
            return 1; /* overlapping or outside the image */
        char *type = strchr(found[i].name, '\n');
        *type++ = '\0';
        if ((found[i].start > at && add_part(w, at, found[i].start - at, "", "Apple_Free") < 0) ||
            add_part(w, found[i].start, found[i].count, found[i].name, type) < 0)
            return -1;
        at = found[i].start + found[i].count;
    }
    return at < total ? add_part(w, at, total - at, "", "Apple_Free") : 0;
}

static int find_parts(writer *w)
{
    int rc = apm_parts(w);
    if (rc != 1)
        return rc;
    free(w->parts);
    w->parts = NULL;
    w->n_parts = 0;
    return add_part(w, 0, w->size / SECTOR, "whole disk", "Apple_HFS");
}

/* ---- The data fork and the tables ------------------------------------------------------- */

static bool all_zero(const unsigned char *p, size_t n)
{
    return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

static int put_fork(writer *w, const void *data, size_t n)
{
    if (fwrite(data, 1, n, w->out) != n)
        return ph_error_errno(w->err, errno, "writing the disk image");
    w->fork_crc = (uint32_t)crc32(w->fork_crc, data, (uInt)n);
    w->fork_size += n;
    return 0;
}

/* Writes one chunk to the data fork and its 40-byte entry into `e`. */
static int put_chunk(writer *w, const unsigned char *data, uint64_t rel, uint64_t sectors,
                     unsigned char *e, unsigned char *buf, uLong buf_size)
{
    size_t n = (size_t)sectors * SECTOR;
    uLongf packed = buf_size;
    uint32_t type = CHUNK_ZERO;
    const unsigned char *stored = NULL;
    if (!all_zero(data, n)) {
        bool zipped = compress2(buf, &packed, data, n, 9) == Z_OK && packed < n;
        type = zipped ? CHUNK_ZLIB : CHUNK_RAW;
        stored = zipped ? buf : data;
        n = zipped ? packed : n;
    }
    memset(e, 0, 40);
    ph_put_be32(e, type);
    ph_put_be64(e + 8, rel);
    ph_put_be64(e + 16, sectors);
    ph_put_be64(e + 24, w->fork_size);
    ph_put_be64(e + 32, stored ? n : 0);
    return stored ? put_fork(w, stored, n) : 0;
}

static int make_table(writer *w, part *p, int32_t id, unsigned char *buf, uLong buf_size)
{
    uint64_t chunks = (p->count + CHUNK_SECTORS - 1) / CHUNK_SECTORS;
    p->mish_size = MISH_HEAD + (size_t)(chunks + 1) * 40;
    unsigned char *m = p->mish = calloc(1, p->mish_size);
    if (!m)
        return ph_error_set(w->err, "out of memory");
    const unsigned char *data = w->raw + p->start * SECTOR;
    p->crc = (uint32_t)crc32(0, data, (uInt)(p->count * SECTOR));
    memcpy(m, "mish", 4);
    ph_put_be32(m + 4, 1);
    ph_put_be64(m + 8, p->start);
    ph_put_be64(m + 16, p->count);
    ph_put_be32(m + 32, CHUNK_SECTORS + 8); /* sectors of buffer a reader needs */
    ph_put_be32(m + 36, (uint32_t)id);
    ph_put_be32(m + 64, CHECKSUM_CRC32);
    ph_put_be32(m + 68, 32);
    ph_put_be32(m + 72, p->crc);
    ph_put_be32(m + 200, (uint32_t)(chunks + 1));
    unsigned char *e = m + MISH_HEAD;
    /* chunks of the whole image, for the progress line (zlib -9 of the image takes seconds) */
    size_t chunks_all = (size_t)((w->size / SECTOR + CHUNK_SECTORS - 1) / CHUNK_SECTORS);
    for (uint64_t rel = 0; rel < p->count; rel += CHUNK_SECTORS, e += 40) {
        uint64_t n = p->count - rel < CHUNK_SECTORS ? p->count - rel : CHUNK_SECTORS;
        ph_progress_count("compressing the disk image",
                          (size_t)((p->start + rel) / CHUNK_SECTORS) + 1, chunks_all, NULL);
        if (put_chunk(w, data + rel * SECTOR, rel, n, e, buf, buf_size) < 0)
            return -1;
    }
    ph_put_be32(e, CHUNK_END);
    ph_put_be64(e + 8, p->count);
    ph_put_be64(e + 24, w->fork_size);
    return 0;
}

/* ---- The property list and the trailer -------------------------------------------------- */

static void base64(FILE *f, const unsigned char *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        if (i % 54 == 0)
            fputs(i ? "\n\t\t\t\t" : "\t\t\t\t", f);
        uint32_t v =
            (uint32_t)p[i] << 16 | (i + 1 < n ? p[i + 1] : 0) << 8 | (i + 2 < n ? p[i + 2] : 0);
        fputc(abc[v >> 18], f);
        fputc(abc[(v >> 12) & 63], f);
        fputc(i + 1 < n ? abc[(v >> 6) & 63] : '=', f);
        fputc(i + 2 < n ? abc[v & 63] : '=', f);
    }
    fputc('\n', f);
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++)
        if (*s == '&' || *s == '<' || *s == '>')
            fputs(*s == '&' ? "&amp;" : *s == '<' ? "&lt;" : "&gt;", f);
        else
            fputc(*s, f);
}

static void write_plist(writer *w, FILE *f)
{
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
          "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
          "<plist version=\"1.0\">\n<dict>\n\t<key>resource-fork</key>\n\t<dict>\n"
          "\t\t<key>blkx</key>\n\t\t<array>\n",
          f);
    for (size_t i = 0; i < w->n_parts; i++) {
        part *p = &w->parts[i];
        fputs("\t\t\t<dict>\n\t\t\t\t<key>Attributes</key>\n\t\t\t\t<string>0x0050</string>\n"
              "\t\t\t\t<key>CFName</key>\n\t\t\t\t<string>",
              f);
        xml_text(f, p->name);
        fputs("</string>\n\t\t\t\t<key>Data</key>\n\t\t\t\t<data>\n", f);
        base64(f, p->mish, p->mish_size);
        fprintf(f,
                "\t\t\t\t</data>\n\t\t\t\t<key>ID</key>\n\t\t\t\t<string>%d</string>\n"
                "\t\t\t\t<key>Name</key>\n\t\t\t\t<string>",
                (int)i - 1);
        xml_text(f, p->name);
        fputs("</string>\n\t\t\t</dict>\n", f);
    }
    fputs("\t\t</array>\n\t</dict>\n</dict>\n</plist>\n", f);
}

static void write_koly(writer *w, unsigned char *k, uint64_t xml_size)
{
    uint32_t master = 0;
    for (size_t i = 0; i < w->n_parts; i++) {
        unsigned char c[4];
        ph_put_be32(c, w->parts[i].crc);
        master = (uint32_t)crc32(master, c, 4);
    }
    memset(k, 0, KOLY_SIZE);
    memcpy(k, "koly", 4);
    ph_put_be32(k + 4, 4);         /* version */
    ph_put_be32(k + 8, KOLY_SIZE); /* header size */
    ph_put_be32(k + 12, 1);        /* flags: flattened */
    ph_put_be64(k + 32, w->fork_size);
    ph_put_be32(k + 56, 1); /* segment 1 of 1 */
    ph_put_be32(k + 60, 1);
    /* The segment id is a UUID; derived from the content so rebuilds are identical. */
    ph_put_be32(k + 64, w->fork_crc);
    ph_put_be32(k + 68, master);
    ph_put_be32(k + 72, (uint32_t)crc32(0, w->raw, (uInt)(w->size > 65536 ? 65536 : w->size)));
    ph_put_be32(k + 76, (uint32_t)w->size);
    k[70] = (unsigned char)((k[70] & 0x0f) | 0x40);
    k[72] = (unsigned char)((k[72] & 0x3f) | 0x80);
    ph_put_be32(k + 80, CHECKSUM_CRC32);
    ph_put_be32(k + 84, 32);
    ph_put_be32(k + 88, w->fork_crc);
    ph_put_be64(k + 216, w->fork_size); /* the plist follows the data fork */
    ph_put_be64(k + 224, xml_size);
    ph_put_be32(k + 352, CHECKSUM_CRC32);
    ph_put_be32(k + 356, 32);
    ph_put_be32(k + 360, master);
    ph_put_be32(k + 488, 1); /* image variant: device image */
    ph_put_be64(k + 492, w->size / SECTOR);
}

static int write_all(writer *w)
{
    uLong buf_size = compressBound(CHUNK_SECTORS * SECTOR);
    unsigned char *buf = malloc(buf_size);
    if (!buf)
        return ph_error_set(w->err, "out of memory");
    int rc = find_parts(w);
    for (size_t i = 0; rc == 0 && i < w->n_parts; i++)
        rc = make_table(w, &w->parts[i], (int32_t)i - 1, buf, buf_size);
    free(buf);
    ph_progress_clear();
    if (rc < 0)
        return -1;
    char *xml = NULL;
    size_t xml_size = 0;
    FILE *f = open_memstream(&xml, &xml_size);
    if (!f)
        return ph_error_set(w->err, "out of memory");
    write_plist(w, f);
    fclose(f);
    unsigned char koly[KOLY_SIZE];
    write_koly(w, koly, xml_size);
    rc = fwrite(xml, 1, xml_size, w->out) == xml_size &&
                 fwrite(koly, 1, KOLY_SIZE, w->out) == KOLY_SIZE
             ? 0
             : ph_error_errno(w->err, errno, "writing the disk image");
    free(xml);
    return rc;
}

int ph_udif_write(const char *raw_path, const char *dmg_path, ph_error *err)
{
    char *raw = NULL;
    size_t size = 0;
    if (ph_read_file(raw_path, &raw, &size, err) < 0)
        return -1;
    writer w = {.raw = (const unsigned char *)raw, .size = size, .err = err};
    int rc = 0;
    if (size == 0 || size % SECTOR)
        rc = ph_error_set(err, "%s: %zu bytes is not a whole number of 512-byte sectors", raw_path,
                          size);
    else if (!(w.out = fopen(dmg_path, "wb")))
        rc = ph_error_errno(err, errno, "cannot create %s", dmg_path);
    if (rc == 0)
        rc = write_all(&w);
    if (w.out && fclose(w.out) != 0 && rc == 0)
        rc = ph_error_errno(err, errno, "writing %s", dmg_path);
    for (size_t i = 0; i < w.n_parts; i++)
        free(w.parts[i].mish);
    free(w.parts);
    free(raw);
    return rc;
}
