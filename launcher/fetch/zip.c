/* The zip format as APPNOTE.TXT describes it, just what wheels use. The central directory is
 * the truth (local headers are only used to find where the data starts), as in every reader. */
#include "zip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pyhost/bytes.h"
#include "pyhost/fsutil.h"

#define EOCD_SIG 0x06054b50u
#define CDIR_SIG 0x02014b50u
#define LOCAL_SIG 0x04034b50u
#define EOCD_SIZE 22
#define CDIR_SIZE 46
#define LOCAL_SIZE 30
#define EOCD64_SIG 0x06064b50u
#define LOCATOR64_SIG 0x07064b50u
#define EOCD64_SIZE 56
#define LOCATOR64_SIZE 20
#define ZIP64_EXTRA 0x0001
/* No wheel member is this large; refusing more keeps a zip bomb from exhausting memory. */
#define MAX_MEMBER ((uint64_t)1 << 31)
/* Nor does any wheel unpack to more than this in all (the largest known, CUDA builds of deep
 * learning frameworks, unpack to about 5 GiB). */
#define MAX_TOTAL ((uint64_t)16 << 30)

/* The end-of-central-directory record: the last one in the file, searched backwards over
 * the largest possible comment. */
static const uint8_t *find_eocd(const ph_zip *z)
{
    if (z->size < EOCD_SIZE)
        return NULL;
    size_t stop = z->size > EOCD_SIZE + 65535 ? z->size - EOCD_SIZE - 65535 : 0;
    for (size_t at = z->size - EOCD_SIZE + 1; at-- > stop;)
        if (ph_le32(z->data + at) == EOCD_SIG &&
            at + EOCD_SIZE + ph_le16(z->data + at + 20) <= z->size)
            return z->data + at;
    return NULL;
}

/* A zip64 central directory entry keeps its saturated fields (0xffffffff) in the extra field
 * 0x0001, 8 bytes each, in this order and only those saturated: uncompressed size, compressed
 * size, local header offset. */
static int zip64_fields(const uint8_t *extra, size_t len, ph_zip_member *m)
{
    uint64_t *fields[] = {&m->usize, &m->csize, &m->local_offset};
    for (size_t at = 0; at + 4 <= len;) {
        size_t id = ph_le16(extra + at), n = ph_le16(extra + at + 2);
        if (n > len - at - 4)
            return -1;
        const uint8_t *f = extra + at + 4, *end = f + n;
        for (size_t i = 0; id == ZIP64_EXTRA && i < 3; i++)
            if (*fields[i] == 0xffffffffu) {
                if (end - f < 8)
                    return -1;
                *fields[i] = ph_le64(f);
                f += 8;
            }
        if (id == ZIP64_EXTRA)
            return 0;
        at += 4 + n;
    }
    /* a saturated field without its zip64 value would be misread */
    return m->usize == 0xffffffffu || m->csize == 0xffffffffu || m->local_offset == 0xffffffffu ? -1
                                                                                                : 0;
}

static int add_member(ph_zip *z, const uint8_t *p, size_t name_len, size_t extra_len)
{
    ph_zip_member *grown = realloc(z->items, (z->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    z->items = grown;
    ph_zip_member *m = &z->items[z->count];
    *m = (ph_zip_member){.name = strndup((const char *)p + CDIR_SIZE, name_len),
                         .local_offset = ph_le32(p + 42),
                         .csize = ph_le32(p + 20),
                         .usize = ph_le32(p + 24),
                         .crc = ph_le32(p + 16),
                         .method = ph_le16(p + 10),
                         .flags = ph_le16(p + 8)};
    if (!m->name)
        return -1;
    z->count++;
    return zip64_fields(p + CDIR_SIZE + name_len, extra_len, m) < 0 ? -2 : 0;
}

/* Where the central directory is and how many entries it has: from the end record, or from
 * the zip64 end record its locator (just before it) points to, which holds the 64-bit values
 * of the fields the end record saturates. */
typedef struct directory {
    uint64_t entries, size, offset;
    uint64_t end; /* where what follows the directory starts */
} directory;

static int find_directory(const ph_zip *z, const uint8_t *eocd, directory *d, ph_error *err)
{
    size_t at = (size_t)(eocd - z->data);
    *d = (directory){ph_le16(eocd + 10), ph_le32(eocd + 12), ph_le32(eocd + 16), at};
    if (ph_le16(eocd + 4) != 0 || ph_le16(eocd + 6) != 0 || ph_le16(eocd + 8) != ph_le16(eocd + 10))
        return ph_error_set(err, "%s: not a valid zip file (a multi-disk archive)", z->display);
    const uint8_t *loc = eocd - LOCATOR64_SIZE;
    if (at < LOCATOR64_SIZE || ph_le32(loc) != LOCATOR64_SIG) {
        if (d->entries == 0xffff || d->size == 0xffffffffu || d->offset == 0xffffffffu)
            return ph_error_set(err,
                                "%s: not a valid zip file (zip64 fields without a zip64 "
                                "end record)",
                                z->display);
        return 0;
    }
    uint64_t rec = ph_le64(loc + 8);
    if (ph_le32(loc + 4) != 0 || ph_le32(loc + 16) > 1 || rec > at - LOCATOR64_SIZE ||
        at - LOCATOR64_SIZE - rec < EOCD64_SIZE || ph_le32(z->data + rec) != EOCD64_SIG)
        return ph_error_set(err, "%s: not a valid zip file (bad zip64 end record)", z->display);
    const uint8_t *r = z->data + rec;
    if (ph_le32(r + 16) != 0 || ph_le32(r + 20) != 0 || ph_le64(r + 24) != ph_le64(r + 32))
        return ph_error_set(err, "%s: not a valid zip file (a multi-disk archive)", z->display);
    *d = (directory){ph_le64(r + 32), ph_le64(r + 40), ph_le64(r + 48), rec};
    return 0;
}

static int read_directory(ph_zip *z, const directory *d, ph_error *err)
{
    if (d->offset > d->end || d->size > d->end - d->offset)
        return ph_error_set(err, "%s: not a valid zip file (bad central directory)", z->display);
    const uint8_t *p = z->data + d->offset, *end = p + d->size;
    if (d->entries > d->size / CDIR_SIZE)
        return ph_error_set(err, "%s: not a valid zip file (%llu entries in %llu bytes)",
                            z->display, (unsigned long long)d->entries,
                            (unsigned long long)d->size);
    for (uint64_t i = 0; i < d->entries; i++) {
        if ((size_t)(end - p) < CDIR_SIZE || ph_le32(p) != CDIR_SIG)
            return ph_error_set(err, "%s: not a valid zip file (central directory entry %llu)",
                                z->display, (unsigned long long)i);
        size_t n = ph_le16(p + 28), extra = ph_le16(p + 30), comment = ph_le16(p + 32);
        if ((size_t)(end - p) < CDIR_SIZE + n + extra + comment)
            return ph_error_set(err, "%s: not a valid zip file (truncated central directory)",
                                z->display);
        if (memchr(p + CDIR_SIZE, '\0', n))
            return ph_error_set(err, "%s: a member name holds a NUL byte", z->display);
        int rc = add_member(z, p, n, extra);
        if (rc == -1)
            return ph_error_set(err, "out of memory");
        if (rc < 0)
            return ph_error_set(err, "%s: not a valid zip file (%s: bad zip64 extra field)",
                                z->display, z->items[z->count - 1].name);
        p += CDIR_SIZE + n + extra + comment;
    }
    return 0;
}

static int data_span(const ph_zip *z, const ph_zip_member *m, const uint8_t **data, ph_error *err);

typedef struct span {
    uint64_t start, end;
    size_t member;
} span;

static int compare_spans(const void *pa, const void *pb)
{
    const span *a = pa, *b = pb;
    return (a->start > b->start) - (a->start < b->start);
}

/* Every member's bytes, local header to end of data, must be its own: a central directory
 * that points several names at one stream (a zip bomb's trick: one 512 MiB stream unpacked
 * four times) is refused, as is a total that no wheel reaches. */
static int check_members(const ph_zip *z, uint64_t directory, ph_error *err)
{
    uint64_t total = 0;
    span *spans = malloc((z->count ? z->count : 1) * sizeof *spans);
    if (!spans)
        return ph_error_set(err, "out of memory");
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < z->count; i++) {
        const ph_zip_member *m = &z->items[i];
        const uint8_t *data;
        if (data_span(z, m, &data, err) < 0) {
            rc = -1;
            break;
        }
        if (m->usize > MAX_TOTAL - total) { /* zip64 sizes: no sum that could wrap */
            rc = ph_error_set(err, "%s: unpacks to more than %llu GiB; refused as a zip bomb",
                              z->display, (unsigned long long)(MAX_TOTAL >> 30));
            break;
        }
        total += m->usize;
        spans[i] = (span){m->local_offset, (uint64_t)(data - z->data) + m->csize, i};
    }
    if (rc == 0 && z->count)
        qsort(spans, z->count, sizeof *spans, compare_spans);
    for (size_t i = 0; rc == 0 && i < z->count; i++) {
        const span *s = &spans[i];
        if ((i + 1 < z->count && s->end > spans[i + 1].start) || s->end > directory)
            rc = ph_error_set(err, "%s: not a valid zip file (%s overlaps %s)", z->display,
                              z->items[s->member].name,
                              i + 1 < z->count ? z->items[spans[i + 1].member].name
                                               : "the central directory");
    }
    free(spans);
    return rc;
}

int ph_zip_open(ph_zip *z, const char *path, const char *display, ph_error *err)
{
    *z = (ph_zip){.display = display};
    struct stat st;
    int fd = ph_open_regular(path, "a wheel", &st, err);
    if (fd < 0)
        return -1;
    z->size = (size_t)st.st_size;
    void *map = z->size ? mmap(NULL, z->size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (map == MAP_FAILED)
        return z->size ? ph_error_errno(err, errno, "cannot map %s", path)
                       : ph_error_set(err, "%s: not a valid zip file (empty)", display);
    z->data = map;
    const uint8_t *eocd = find_eocd(z);
    directory d;
    if (!eocd || find_directory(z, eocd, &d, err) < 0 || read_directory(z, &d, err) < 0 ||
        check_members(z, d.offset, err) < 0) {
        if (!eocd)
            ph_error_set(err, "%s: not a valid zip file (no end of central directory)", display);
        ph_zip_close(z);
        return -1;
    }
    return 0;
}

void ph_zip_close(ph_zip *z)
{
    for (size_t i = 0; i < z->count; i++)
        free(z->items[i].name);
    free(z->items);
    if (z->data)
        munmap((void *)z->data, z->size);
    *z = (ph_zip){0};
}

/* Where the member's data starts, after its local header. */
static int data_span(const ph_zip *z, const ph_zip_member *m, const uint8_t **data, ph_error *err)
{
    uint64_t at = m->local_offset;
    if (at > z->size || z->size - at < LOCAL_SIZE || ph_le32(z->data + at) != LOCAL_SIG)
        return ph_error_set(err, "%s: %s: bad local header", z->display, m->name);
    uint64_t start = at + LOCAL_SIZE + ph_le16(z->data + at + 26) + ph_le16(z->data + at + 28);
    if (start > z->size || m->csize > z->size - start)
        return ph_error_set(err, "%s: %s: data runs past the end of the file", z->display, m->name);
    *data = z->data + start;
    return 0;
}

static int inflate_raw(const ph_zip *z, const ph_zip_member *m, const uint8_t *in, uint8_t *out,
                       ph_error *err)
{
    z_stream s = {0};
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK)
        return ph_error_set(err, "out of memory");
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)m->csize;
    s.next_out = out;
    s.avail_out = (uInt)m->usize;
    int rc = inflate(&s, Z_FINISH);
    uLong produced = s.total_out;
    inflateEnd(&s);
    if (rc != Z_STREAM_END || produced != m->usize)
        return ph_error_set(err, "%s: %s: corrupt deflate data (%s)", z->display, m->name,
                            rc == Z_STREAM_END ? "wrong size" : "inflate failed");
    return 0;
}

int ph_zip_read(const ph_zip *z, const ph_zip_member *m, uint8_t **out, ph_error *err)
{
    const uint8_t *data = NULL;
    *out = NULL;
    if (m->flags & 1)
        return ph_error_set(err, "%s: %s: encrypted members are not supported", z->display,
                            m->name);
    if (m->method != 0 && m->method != 8)
        return ph_error_set(err,
                            "%s: %s: compression method %u is not supported (stored and "
                            "deflate are)",
                            z->display, m->name, m->method);
    if (m->usize > MAX_MEMBER || m->csize > MAX_MEMBER || data_span(z, m, &data, err) < 0)
        return m->usize > MAX_MEMBER || m->csize > MAX_MEMBER
                   ? ph_error_set(err, "%s: %s: member too large", z->display, m->name)
                   : -1;
    if (m->method == 0 && m->csize != m->usize)
        return ph_error_set(err, "%s: %s: stored member with two sizes", z->display, m->name);
    /* deflate expands at most 1032-fold: refuse a larger claim before allocating for it */
    if (m->method == 8 && m->usize / 1032 > m->csize + 1)
        return ph_error_set(err, "%s: %s: claims an impossible size (%llu bytes from %llu)",
                            z->display, m->name, (unsigned long long)m->usize,
                            (unsigned long long)m->csize);
    uint8_t *buf = malloc(m->usize ? m->usize : 1);
    if (!buf)
        return ph_error_set(err, "out of memory");
    int rc = 0;
    if (m->method == 0)
        memcpy(buf, data, m->usize);
    else
        rc = inflate_raw(z, m, data, buf, err);
    if (rc == 0 && crc32(crc32(0, NULL, 0), buf, (uInt)m->usize) != m->crc)
        rc = ph_error_set(err, "%s: %s: CRC-32 mismatch", z->display, m->name);
    if (rc < 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

bool ph_zip_safe_name(const char *name)
{
    if (!*name || name[0] == '/' || strchr(name, '\\') ||
        (((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z') && name[1] == ':'))
        return false;
    for (const char *p = name; *p;) {
        size_t len = strcspn(p, "/");
        if ((len == 0 && p[len] == '/') || (len == 2 && !strncmp(p, "..", 2)) ||
            (len == 1 && *p == '.'))
            return false;
        p += len + (p[len] == '/');
    }
    return true;
}
