/* The MSI time patcher (msi_time.h).
 *
 * A compound file is a 512-byte header and sectors (512 bytes in version 3, 4096 in version 4);
 * sector s starts at (s + 1) * size. A stream is a chain of sectors linked by the FAT, whose own
 * sectors the DIFAT lists (109 entries in the header, then DIFAT sectors). Streams under 4096
 * bytes live in the mini stream (the root entry's stream) in 64-byte mini sectors linked by the
 * mini FAT. The directory is a stream of 128-byte entries; the root's children form a tree
 * through the left/right sibling ids. Every integer is little-endian. */
#include "msi_time.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pyhost/bytes.h"

#define MAXREGSECT 0xFFFFFFFAu /* larger sector ids are markers (end of chain, free, ...) */
#define NOSTREAM 0xFFFFFFFFu
#define HEADER_DIFAT 109
#define DIR_ENTRY 128
#define MINI_CUTOFF 4096
#define SUMINFO_MAX 65536 /* wixl's is about 500 bytes; bounds the buffer */
#define VT_FILETIME 64
#define PID_CREATE_DTM 12
#define PID_LASTSAVE_DTM 13
/* Seconds from 1601-01-01 (the FILETIME epoch) to 1970-01-01. */
#define FILETIME_UNIX_OFFSET 11644473600LL

typedef struct cfb {
    int fd;
    const char *path;
    uint64_t file_size, sectors; /* sectors: in the file, which bounds every chain walk */
    uint32_t sector_size, major;
    uint32_t dir_start, minifat_start, difat_start, difat_count;
    uint32_t difat[HEADER_DIFAT];
    uint32_t root_start;         /* the mini stream */
    uint64_t root_size, entries; /* entries: directory entries, which bounds the tree walk */
    ph_error *err;
} cfb;

/* A stream: where its chain starts, how long it is, and whether it is in the mini stream. */
typedef struct stream {
    uint32_t start;
    uint64_t size;
    bool mini;
} stream;

static int bad(cfb *c, const char *what)
{
    ph_error_set(c->err, "cannot set the times in %s: %s", c->path, what);
    return ph_error_hint(c->err, "it is not the compound file wixl writes (msitools 0.101 is "
                                 "known to work); build with --keep to inspect it");
}

/* ---- Bytes and sectors ------------------------------------------------------------------ */

static int file_io(cfb *c, uint64_t off, void *buf, size_t n, bool write)
{
    if (off > c->file_size || n > c->file_size - off)
        return bad(c, "an offset lies past the end of the file");
    ssize_t done = write ? pwrite(c->fd, buf, n, (off_t)off) : pread(c->fd, buf, n, (off_t)off);
    if (done < 0)
        return ph_error_errno(c->err, errno, "cannot %s %s", write ? "write" : "read", c->path);
    return (size_t)done == n ? 0 : bad(c, "short read or write");
}

static uint64_t sector_offset(const cfb *c, uint32_t s)
{
    return ((uint64_t)s + 1) * c->sector_size;
}

static int read_u32(cfb *c, uint64_t off, uint32_t *v)
{
    unsigned char b[4];
    if (file_io(c, off, b, 4, false) < 0)
        return -1;
    *v = ph_le32(b);
    return 0;
}

/* The sector holding the FAT's `index`-th sector: in the header, or along the DIFAT chain. */
static int fat_sector(cfb *c, uint32_t index, uint32_t *s)
{
    if (index < HEADER_DIFAT) {
        *s = c->difat[index];
        return 0;
    }
    uint32_t per = c->sector_size / 4 - 1, d = c->difat_start; /* last slot: the next one */
    index -= HEADER_DIFAT;
    for (uint32_t i = 0; i <= index / per; i++) {
        if (i >= c->difat_count || d > MAXREGSECT || d >= c->sectors)
            return bad(c, "the DIFAT is shorter than the FAT needs");
        if (i < index / per && read_u32(c, sector_offset(c, d) + 4 * per, &d) < 0)
            return -1;
    }
    return read_u32(c, sector_offset(c, d) + 4 * (index % per), s);
}

/* The sector after `s` in its chain, from the FAT or, for a mini sector, the mini FAT (itself a
 * regular stream, hence the recursion through stream_offset). */
static int stream_offset(cfb *c, const stream *st, uint64_t pos, uint64_t *off);

static int next_sector(cfb *c, uint32_t s, bool mini, uint32_t *next)
{
    uint64_t off;
    if (mini) {
        stream minifat = {c->minifat_start, UINT64_MAX, false};
        if (stream_offset(c, &minifat, 4 * (uint64_t)s, &off) < 0)
            return -1;
        return read_u32(c, off, next);
    }
    uint32_t per = c->sector_size / 4, fs = NOSTREAM; /* refused below if never set */
    if (fat_sector(c, s / per, &fs) < 0)
        return -1;
    if (fs > MAXREGSECT || fs >= c->sectors)
        return bad(c, "a FAT sector is missing");
    return read_u32(c, sector_offset(c, fs) + 4 * (s % per), next);
}

/* The `n`-th sector of the chain starting at `s`. A chain never has more links than there are
 * sectors, so a loop is caught. */
static int chain_seek(cfb *c, uint32_t s, uint64_t n, bool mini, uint32_t *out)
{
    uint64_t limit = mini ? c->root_size / 64 : c->sectors;
    if (n >= limit)
        return bad(c, "a sector chain is longer than the file");
    for (uint64_t i = 0;; i++) {
        if (s > MAXREGSECT || s >= limit)
            return bad(c, "a sector chain ends early or leaves the file");
        if (i == n)
            break;
        if (next_sector(c, s, mini, &s) < 0)
            return -1;
    }
    *out = s;
    return 0;
}

/* The file offset of byte `pos` of a stream; a mini sector is 64 bytes of the mini stream. */
static int stream_offset(cfb *c, const stream *st, uint64_t pos, uint64_t *off)
{
    uint32_t unit = st->mini ? 64 : c->sector_size, s = 0;
    if (pos >= st->size)
        return bad(c, "an offset lies past the end of its stream");
    if (chain_seek(c, st->start, pos / unit, st->mini, &s) < 0)
        return -1;
    if (!st->mini) {
        *off = sector_offset(c, s) + pos % unit;
        return 0;
    }
    stream root = {c->root_start, c->root_size, false};
    return stream_offset(c, &root, (uint64_t)s * unit + pos % unit, off);
}

/* Reads or writes `n` bytes at `pos` of a stream, a sector (or mini sector) at a time: 64
 * divides the sector size, so a mini sector is contiguous in the file. */
static int stream_io(cfb *c, const stream *st, uint64_t pos, void *buf, size_t n, bool write)
{
    unsigned char *p = buf;
    uint32_t unit = st->mini ? 64 : c->sector_size;
    while (n > 0) {
        size_t part = unit - pos % unit < n ? unit - pos % unit : n;
        uint64_t off;
        if (stream_offset(c, st, pos, &off) < 0 || file_io(c, off, p, part, write) < 0)
            return -1;
        pos += part;
        p += part;
        n -= part;
    }
    return 0;
}

/* ---- The header and the directory ------------------------------------------------------- */

static int read_header(cfb *c)
{
    static const unsigned char magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    unsigned char h[512];
    if (file_io(c, 0, h, sizeof h, false) < 0)
        return -1;
    c->major = ph_le16(h + 0x1A);
    uint16_t shift = ph_le16(h + 0x1E);
    if (memcmp(h, magic, sizeof magic) != 0 || ph_le16(h + 0x1C) != 0xFFFE)
        return bad(c, "no compound file signature");
    if (!((c->major == 3 && shift == 9) || (c->major == 4 && shift == 12)) ||
        ph_le16(h + 0x20) != 6 || ph_le32(h + 0x38) != MINI_CUTOFF)
        return bad(c, "unknown version or sector sizes");
    c->sector_size = 1u << shift;
    c->sectors = c->file_size / c->sector_size;
    if (c->sectors > 0)
        c->sectors--; /* the header's */
    c->dir_start = ph_le32(h + 0x30);
    c->minifat_start = ph_le32(h + 0x3C);
    c->difat_start = ph_le32(h + 0x44);
    c->difat_count = ph_le32(h + 0x48);
    for (int i = 0; i < HEADER_DIFAT; i++)
        c->difat[i] = ph_le32(h + 0x4C + 4 * i);
    return 0;
}

/* The directory is a regular stream without a recorded size: its length is its chain's. */
static int count_entries(cfb *c)
{
    uint32_t s = c->dir_start;
    uint64_t n = 0;
    while (s <= MAXREGSECT) {
        if (s >= c->sectors || ++n > c->sectors)
            return bad(c, "the directory chain leaves the file or loops");
        if (next_sector(c, s, false, &s) < 0)
            return -1;
    }
    c->entries = n * (c->sector_size / DIR_ENTRY);
    return n > 0 ? 0 : bad(c, "the directory is empty");
}

static int read_entry(cfb *c, uint32_t id, unsigned char e[DIR_ENTRY])
{
    stream dir = {c->dir_start, c->entries * DIR_ENTRY, false};
    if (id >= c->entries)
        return bad(c, "a directory entry id is out of range");
    return stream_io(c, &dir, (uint64_t)id * DIR_ENTRY, e, DIR_ENTRY, false);
}

/* Version 3 files may leave garbage in the high half of a stream size. */
static stream entry_stream(const cfb *c, const unsigned char e[DIR_ENTRY])
{
    uint64_t size = c->major == 3 ? ph_le32(e + 0x78) : ph_le64(e + 0x78);
    return (stream){ph_le32(e + 0x74), size, size < MINI_CUTOFF};
}

static bool is_summary(const unsigned char e[DIR_ENTRY])
{
    static const char name[] = "\005SummaryInformation";
    if (e[0x42] != 2 || ph_le16(e + 0x40) != 2 * sizeof name) /* a stream; UTF-16 with the NUL */
        return false;
    for (size_t i = 0; i < sizeof name; i++)
        if (ph_le16(e + 2 * i) != (unsigned char)name[i])
            return false;
    return true;
}

/* Searches the subtree of sibling `id` (the whole tree, not by the red-black order: the names'
 * collation does not matter then). `visits` counts down so a loop cannot run forever. */
static int find_summary(cfb *c, uint32_t id, uint64_t *visits, stream *found, bool *ok)
{
    unsigned char e[DIR_ENTRY];
    if (id == NOSTREAM || *ok)
        return 0;
    if ((*visits)-- == 0)
        return bad(c, "the directory tree loops");
    if (read_entry(c, id, e) < 0)
        return -1;
    if (is_summary(e)) {
        *found = entry_stream(c, e);
        *ok = true;
        return 0;
    }
    if (find_summary(c, ph_le32(e + 0x44), visits, found, ok) < 0)
        return -1;
    return find_summary(c, ph_le32(e + 0x48), visits, found, ok);
}

static int open_summary(cfb *c, stream *summary)
{
    unsigned char root[DIR_ENTRY];
    if (read_header(c) < 0 || count_entries(c) < 0 || read_entry(c, 0, root) < 0)
        return -1;
    if (root[0x42] != 5)
        return bad(c, "the first directory entry is not the root");
    c->root_start = ph_le32(root + 0x74);
    c->root_size = c->major == 3 ? ph_le32(root + 0x78) : ph_le64(root + 0x78);
    uint64_t visits = c->entries;
    bool ok = false;
    if (find_summary(c, ph_le32(root + 0x4C), &visits, summary, &ok) < 0)
        return -1;
    if (!ok)
        return bad(c, "no \\005SummaryInformation stream");
    return summary->size <= SUMINFO_MAX ? 0 : bad(c, "the summary information is too large");
}

/* ---- The property set ------------------------------------------------------------------- */

/* Where the 8-byte value of FILETIME property `pid` is in the stream `p` (n bytes): the first
 * section must be FMTID_SummaryInformation; its property table pairs ids with offsets from the
 * section's start, and a value is a 4-byte type then the data. */
static int find_filetime(cfb *c, const unsigned char *p, uint64_t n, uint32_t pid, uint64_t *at)
{
    static const unsigned char fmtid[16] = {0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10,
                                            0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9};
    if (n < 48 || ph_le16(p) != 0xFFFE || ph_le32(p + 24) < 1 || memcmp(p + 28, fmtid, 16) != 0)
        return bad(c, "the summary information has no SummaryInformation section");
    uint64_t sec = ph_le32(p + 44);
    if (sec > n - 8 || ph_le32(p + sec) > n - sec)
        return bad(c, "the summary information section lies past its stream");
    uint64_t size = ph_le32(p + sec), count = ph_le32(p + sec + 4);
    if (size < 8 || count > (size - 8) / 8)
        return bad(c, "the summary information property table overflows its section");
    for (uint64_t i = 0; i < count; i++) {
        const unsigned char *entry = p + sec + 8 + 8 * i;
        uint64_t off = ph_le32(entry + 4);
        if (ph_le32(entry) != pid)
            continue;
        if (size < 12 || off > size - 12 || ph_le32(p + sec + off) != VT_FILETIME)
            return bad(c, "a summary information time is not a FILETIME in its section");
        *at = sec + off + 4;
        return 0;
    }
    ph_error_set(c->err, "cannot set the times in %s: the summary information has no property %u",
                 c->path, (unsigned)pid);
    return ph_error_hint(c->err, "wixl writes the creation (12) and last-save (13) times");
}

static void put_filetime(unsigned char *p, int64_t epoch)
{
    uint64_t t = ((uint64_t)epoch + FILETIME_UNIX_OFFSET) * 10000000u; /* 100 ns intervals */
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(t >> 8 * i);
}

/* Finds both values before writing either, so a failure leaves the file as it was. */
static int patch(cfb *c, int64_t epoch)
{
    static unsigned char buf[SUMINFO_MAX];
    stream summary;
    uint64_t at[2];
    if (open_summary(c, &summary) < 0 || stream_io(c, &summary, 0, buf, summary.size, false) < 0)
        return -1;
    if (find_filetime(c, buf, summary.size, PID_CREATE_DTM, &at[0]) < 0 ||
        find_filetime(c, buf, summary.size, PID_LASTSAVE_DTM, &at[1]) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        unsigned char value[8];
        put_filetime(value, epoch);
        if (stream_io(c, &summary, at[i], value, sizeof value, true) < 0)
            return -1;
    }
    return 0;
}

int ph_msi_set_time(const char *path, int64_t epoch, ph_error *err)
{
    /* FILETIME is 64 bits of 100 ns: enough until the year 60056. */
    if (epoch < 0 || epoch > (int64_t)(UINT64_MAX / 10000000u) - FILETIME_UNIX_OFFSET)
        return ph_error_set(err, "SOURCE_DATE_EPOCH=%lld is out of range for an MSI",
                            (long long)epoch);
    cfb c = {.fd = open(path, O_RDWR | O_CLOEXEC), .path = path, .err = err};
    struct stat st;
    if (c.fd < 0)
        return ph_error_errno(err, errno, "cannot open %s", path);
    int rc = fstat(c.fd, &st) < 0 ? ph_error_errno(err, errno, "cannot read %s", path) : 0;
    if (rc == 0 && (c.file_size = (uint64_t)st.st_size) < 1024)
        rc = bad(&c, "the file is too small");
    if (rc == 0)
        rc = patch(&c, epoch);
    if (close(c.fd) < 0 && rc == 0)
        rc = ph_error_errno(err, errno, "cannot write %s", path);
    return rc;
}
