/* The .pyr reader. Opening checks the header and the chunk-checksum array only; entries, blob
 * records and names are read in place from the mapping, each index chunk verified the first
 * time it is touched, every offset and length bounds-checked before use. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "pyhost/pyr.h"
#include "pyr_format.h"
#include "pyhost/pyr_hash.h"
#include "pyr_archive.h"

const char pyr_corrupt_hint[] = "the file is damaged or not a .pyr; rebuild it with "
                                "'pyhost build'";

static int corrupt(const char *path, ph_error *err, const char *what)
{
    ph_error_set(err, "%s: corrupt .pyr: %s", path, what);
    return ph_error_hint(err, "%s", pyr_corrupt_hint);
}

/* True when [offset, offset+length) lies inside [low, high), without overflow. */
static bool in_range(uint64_t offset, uint64_t length, uint64_t low, uint64_t high)
{
    return offset >= low && offset <= high && length <= high - offset;
}

static int check_header_fields(const pyr_header *h, uint64_t available, const char *path,
                               ph_error *err)
{
    if (h->format_version != PYR_FORMAT_VERSION) {
        ph_error_set(err, "%s: .pyr format version %u is not supported (this pyhost reads %d)",
                     path, h->format_version, PYR_FORMAT_VERSION);
        return ph_error_hint(err, "rebuild the file with this pyhost, or run it with the pyhost "
                                  "that built it");
    }
    if (h->file_size > available) {
        ph_error_set(err, "%s: truncated .pyr: the header says %llu bytes but only %llu are there",
                     path, (unsigned long long)h->file_size, (unsigned long long)available);
        return ph_error_hint(err, "the copy or download was cut short; copy or rebuild it");
    }
    if (h->header_size != PYR_HEADER_SIZE || h->chunk_size != PYR_CHUNK_SIZE)
        return corrupt(path, err, "unexpected header or chunk size");
    uint64_t index_end = PYR_HEADER_SIZE + h->index_size;
    if (!in_range(PYR_HEADER_SIZE, h->index_size, PYR_HEADER_SIZE, h->file_size))
        return corrupt(path, err, "the index extends past the end of the file");
    if (h->table_size == 0 || (h->table_size & (h->table_size - 1)) ||
        h->table_size <= h->entry_count)
        return corrupt(path, err, "bad hash-table size");
    if ((h->table_offset | h->entries_offset | h->blobs_offset | h->chunks_offset) % 8)
        return corrupt(path, err, "misaligned section offset");
    if (!in_range(h->table_offset, (uint64_t)h->table_size * 4, PYR_HEADER_SIZE, index_end) ||
        !in_range(h->entries_offset, (uint64_t)h->entry_count * sizeof(pyr_entry_record),
                  PYR_HEADER_SIZE, index_end) ||
        !in_range(h->blobs_offset, (uint64_t)h->blob_count * sizeof(pyr_blob_record),
                  PYR_HEADER_SIZE, index_end) ||
        !in_range(h->names_offset, h->names_size, PYR_HEADER_SIZE, index_end))
        return corrupt(path, err, "an index section lies outside the index");
    if ((h->flags & PYR_FLAG_HAS_DICTIONARY) &&
        !in_range(h->dictionary_offset, h->dictionary_size, index_end, h->file_size))
        return corrupt(path, err, "the compression dictionary lies outside the file");
    return 0;
}

static int check_header(const uint8_t *base, uint64_t available, const char *path, ph_error *err)
{
    if (available < PYR_HEADER_SIZE || memcmp(base, PYR_MAGIC, PYR_MAGIC_SIZE) != 0) {
        ph_error_set(err, "%s: not a .pyr file (%s)", path,
                     available < PYR_HEADER_SIZE ? "too short" : "no .pyr magic at the start");
        return ph_error_hint(err, "build one with 'pyhost build'; 'pyhost run' takes the .pyr "
                                  "that 'pyhost build' writes");
    }
    const pyr_header *h = (const pyr_header *)base;
    if ((uint32_t)pyr_xxh64(base, offsetof(pyr_header, header_checksum)) != h->header_checksum)
        return corrupt(path, err, "header checksum mismatch");
    return check_header_fields(h, available, path, err);
}

static int check_chunk_table(pyr_archive *a, ph_error *err)
{
    const pyr_header *h = a->header;
    uint64_t count = (h->index_size + PYR_CHUNK_SIZE - 1) / PYR_CHUNK_SIZE;
    if (!in_range(h->chunks_offset, count * 4, PYR_HEADER_SIZE + h->index_size, h->file_size))
        return corrupt(a->path, err, "the index checksums lie outside the file");
    const uint8_t *sums = a->base + h->chunks_offset;
    if ((uint32_t)pyr_xxh64(sums, count * 4) != h->chunks_checksum)
        return corrupt(a->path, err, "index checksum table mismatch");
    a->chunk_sums = (const uint32_t *)sums;
    a->chunk_count = (uint32_t)count;
    a->chunk_state = calloc(count ? count : 1, 1);
    if (!a->chunk_state)
        return ph_error_set(err, "%s: out of memory", a->path);
    return 0;
}

static pyr_archive *archive_new(const char *path)
{
    size_t len = strlen(path);
    pyr_archive *a = calloc(1, sizeof *a + len + 1);
    if (!a)
        return NULL;
    memcpy(a->path, path, len + 1);
    pthread_mutex_init(&a->zstd_lock, NULL);
    return a;
}

static int archive_attach(pyr_archive *a, const uint8_t *base, uint64_t available, ph_error *err)
{
    if (check_header(base, available, a->path, err) < 0)
        return -1;
    a->base = base;
    a->header = (const pyr_header *)base;
    a->size = a->header->file_size;
    return check_chunk_table(a, err);
}

int pyr_open_memory(pyr_archive **out, const void *data, size_t size, const char *name,
                    ph_error *err)
{
    *out = NULL;
    if ((uintptr_t)data % 8)
        return ph_error_set(err, "%s: .pyr buffer must be 8-byte aligned", name ? name : "memory");
    pyr_archive *a = archive_new(name ? name : "<memory>");
    if (!a)
        return ph_error_set(err, "out of memory");
    if (archive_attach(a, data, size, err) < 0) {
        pyr_close(a);
        return -1;
    }
    *out = a;
    return 0;
}

static int map_file(pyr_archive *a, int fd, uint64_t offset, ph_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ph_error_errno(err, errno, "%s", a->path);
    if (!S_ISREG(st.st_mode)) {
        ph_error_set(err, "%s: not a regular file (%s)", a->path,
                     S_ISFIFO(st.st_mode)  ? "a FIFO"
                     : S_ISDIR(st.st_mode) ? "a directory"
                                           : "a device or socket");
        return ph_error_hint(err, "pass the .pyr file itself; pyhost maps it and cannot read "
                                  "pipes or devices");
    }
    if ((uint64_t)st.st_size < offset || (uint64_t)st.st_size - offset < PYR_HEADER_SIZE) {
        ph_error_set(err, "%s: not a .pyr file (too short: %lld bytes)", a->path,
                     (long long)st.st_size);
        return ph_error_hint(err, "build one with 'pyhost build'");
    }
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t start = offset & ~(page - 1);
    a->map_size = (size_t)((uint64_t)st.st_size - start);
    a->map = mmap(NULL, a->map_size, PROT_READ, MAP_PRIVATE, fd, (off_t)start);
    if (a->map == MAP_FAILED) {
        a->map = NULL;
        return ph_error_errno(err, errno, "%s: cannot map the file", a->path);
    }
    a->file_offset = offset;
    return archive_attach(a, (const uint8_t *)a->map + (offset - start),
                          (uint64_t)st.st_size - offset, err);
}

int pyr_open_file(pyr_archive **out, const char *path, uint64_t offset, ph_error *err)
{
    *out = NULL;
    if (offset % 8)
        return ph_error_set(err, "%s: embedded .pyr offset %llu is not 8-byte aligned", path,
                            (unsigned long long)offset);
    pyr_archive *a = archive_new(path);
    if (!a)
        return ph_error_set(err, "out of memory");
    /* non-blocking: `pyhost run FIFO` is refused by map_file instead of hanging in open */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        pyr_close(a);
        ph_error_errno(err, e, "cannot open %s", path);
        if (e == ENOENT)
            ph_error_hint(err, "check the path, or build the file with 'pyhost build'");
        return -1;
    }
    int rc = map_file(a, fd, offset, err);
    close(fd);
    if (rc < 0) {
        pyr_close(a);
        return -1;
    }
    *out = a;
    return 0;
}

static struct {
    const char *start, *end; /* the guarded mapping */
    char message[PATH_MAX + 128];
    size_t length;
} guard;

static void on_sigbus(int sig, siginfo_t *info, void *context)
{
    (void)context;
    const char *at = info->si_addr;
    if (guard.start && at >= guard.start && at < guard.end) {
        ssize_t ignored = write(STDERR_FILENO, guard.message, guard.length);
        (void)ignored;
        _exit(1);
    }
    signal(sig, SIG_DFL); /* not ours: the default action, as if no handler had been there */
    raise(sig);
}

void pyr_guard_sigbus(const pyr_archive *a)
{
    if (!a->map)
        return;
    int n = snprintf(guard.message, sizeof guard.message,
                     "pyhost: error: %s changed or was truncated while the app was running\n"
                     "hint: replace an app's file with a new one (rename) rather than writing "
                     "over it\n",
                     a->path);
    guard.length = n < 0 ? 0 : (size_t)n < sizeof guard.message ? (size_t)n : sizeof guard.message;
    guard.start = a->map;
    guard.end = (const char *)a->map + a->map_size;
    struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

void pyr_close(pyr_archive *a)
{
    if (!a)
        return;
    if (a->map && guard.start == a->map)
        guard.start = guard.end = NULL;
    ZSTD_freeDCtx(a->dctx);
    ZSTD_freeDDict(a->ddict);
    pthread_mutex_destroy(&a->zstd_lock);
    free((void *)a->chunk_state);
    if (a->map)
        munmap(a->map, a->map_size);
    free(a);
}

int pyr_find_embedded(const char *path, uint64_t *offset, ph_error *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return ph_error_errno(err, errno, "cannot open %s", path);
    struct stat st;
    pyr_trailer t;
    int rc = 0;
    if (fstat(fd, &st) < 0)
        rc = ph_error_errno(err, errno, "%s", path);
    else if (!S_ISREG(st.st_mode))
        rc = 0; /* not embedded; pyr_open_file says what it is */
    else if (st.st_size >= (off_t)sizeof t &&
             pread(fd, &t, sizeof t, st.st_size - (off_t)sizeof t) == (ssize_t)sizeof t &&
             !memcmp(t.magic, PYR_TRAILER_MAGIC, 8)) {
        uint64_t end = (uint64_t)st.st_size - sizeof t;
        if ((pyr_xxh64(&t, offsetof(pyr_trailer, checksum)) != t.checksum) ||
            !in_range(t.offset, t.size, 0, end) || t.offset + t.size != end)
            rc = corrupt(path, err, "the embedded-resources trailer is damaged");
        else {
            *offset = t.offset;
            rc = 1;
        }
    }
    close(fd);
    return rc;
}

void pyr_get_info(const pyr_archive *a, pyr_info *info)
{
    const pyr_header *h = a->header;
    *info = (pyr_info){
        .format_version = h->format_version,
        .python_magic = h->python_magic,
        .python_version = h->python_version,
        .size = h->file_size,
        .offset = a->file_offset,
        .entry_count = h->entry_count,
        .blob_count = h->blob_count,
        .index_size = h->index_size,
        .dictionary_size = (h->flags & PYR_FLAG_HAS_DICTIONARY) ? h->dictionary_size : 0,
    };
}

const char *pyr_path(const pyr_archive *a)
{
    return a->path;
}

/* ---- Index access: verify each chunk on first touch ------------------------------------- */

static bool verify_chunk(pyr_archive *a, uint32_t chunk)
{
    uint8_t state = atomic_load_explicit(&a->chunk_state[chunk], memory_order_acquire);
    if (state != CHUNK_UNKNOWN)
        return state == CHUNK_GOOD;
    uint64_t start = (uint64_t)chunk * PYR_CHUNK_SIZE;
    uint64_t len = a->header->index_size - start;
    if (len > PYR_CHUNK_SIZE)
        len = PYR_CHUNK_SIZE;
    bool good = (uint32_t)pyr_xxh64(a->base + PYR_HEADER_SIZE + start, len) == a->chunk_sums[chunk];
    /* A race only makes two threads verify the same chunk: both store the same answer. */
    atomic_store_explicit(&a->chunk_state[chunk], good ? CHUNK_GOOD : CHUNK_BAD,
                          memory_order_release);
    return good;
}

/* Checks that index bytes [offset, offset+length) are inside the index and verified. */
static bool touch(pyr_archive *a, uint64_t offset, uint64_t length)
{
    const pyr_header *h = a->header;
    if (length == 0 || !in_range(offset, length, PYR_HEADER_SIZE, PYR_HEADER_SIZE + h->index_size))
        return length == 0;
    uint64_t first = (offset - PYR_HEADER_SIZE) / PYR_CHUNK_SIZE;
    uint64_t last = (offset + length - 1 - PYR_HEADER_SIZE) / PYR_CHUNK_SIZE;
    for (uint64_t c = first; c <= last; c++)
        if (!verify_chunk(a, (uint32_t)c))
            return false;
    return true;
}

static const pyr_entry_record *entry_record(pyr_archive *a, uint32_t index)
{
    if (index >= a->header->entry_count)
        return NULL;
    uint64_t off = a->header->entries_offset + (uint64_t)index * sizeof(pyr_entry_record);
    if (!touch(a, off, sizeof(pyr_entry_record)))
        return NULL;
    return (const pyr_entry_record *)(a->base + off);
}

static const char *entry_name(pyr_archive *a, const pyr_entry_record *e)
{
    const pyr_header *h = a->header;
    if (e->name_len == 0 || !in_range(e->name_offset, (uint64_t)e->name_len + 1, 0, h->names_size))
        return NULL;
    uint64_t off = h->names_offset + e->name_offset;
    if (!touch(a, off, (uint64_t)e->name_len + 1) || a->base[off + e->name_len] != '\0')
        return NULL;
    return (const char *)a->base + off;
}

static int index_error(pyr_archive *a, uint32_t index, ph_error *err)
{
    char what[96];
    snprintf(what, sizeof what, "index entry %u fails its checksum or bounds check", index);
    return corrupt(a->path, err, what);
}

int pyr_find_checked(pyr_archive *a, const char *name, size_t name_len, uint32_t *index,
                     ph_error *err)
{
    const pyr_header *h = a->header;
    uint32_t hash = (uint32_t)pyr_xxh64(name, name_len);
    uint32_t mask = h->table_size - 1;
    *index = PYR_NOT_FOUND;
    for (uint32_t probe = 0; probe < h->table_size; probe++) {
        uint64_t slot_off = h->table_offset + (uint64_t)((hash + probe) & mask) * 4;
        if (!touch(a, slot_off, 4))
            return corrupt(a->path, err, "hash-table chunk fails its checksum");
        uint32_t slot = *(const uint32_t *)(a->base + slot_off);
        if (slot == PYR_EMPTY_SLOT)
            return 0;
        const pyr_entry_record *e = entry_record(a, slot);
        if (!e)
            return index_error(a, slot, err);
        if (e->name_hash != hash || e->name_len != name_len)
            continue;
        const char *n = entry_name(a, e);
        if (!n)
            return index_error(a, slot, err);
        if (!memcmp(n, name, name_len)) {
            *index = slot;
            return 0;
        }
    }
    return 0;
}

uint32_t pyr_find(pyr_archive *a, const char *name, size_t name_len)
{
    uint32_t index;
    if (pyr_find_checked(a, name, name_len, &index, NULL) < 0)
        return PYR_NOT_FOUND;
    return index;
}

static int compare_name(pyr_archive *a, uint32_t index, const char *key, size_t key_len)
{
    const pyr_entry_record *e = entry_record(a, index);
    const char *n = e ? entry_name(a, e) : NULL;
    if (!n)
        return 1; /* an unreadable entry sorts as "after": the scan ends there */
    size_t common = e->name_len < key_len ? e->name_len : key_len;
    int c = memcmp(n, key, common);
    if (c)
        return c;
    return e->name_len < key_len ? -1 : e->name_len > key_len;
}

uint32_t pyr_lower_bound(pyr_archive *a, const char *prefix, size_t prefix_len)
{
    uint32_t lo = 0, hi = a->header->entry_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (compare_name(a, mid, prefix, prefix_len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int pyr_entry_at(pyr_archive *a, uint32_t index, pyr_entry *entry, ph_error *err)
{
    const pyr_entry_record *e = entry_record(a, index);
    const char *n = e ? entry_name(a, e) : NULL;
    if (!n || e->kind < PYR_MODULE || e->kind > PYR_KIND_MAX || e->slot_mask >> PYR_SLOTS)
        return index_error(a, index, err);
    *entry = (pyr_entry){.index = index,
                         .name = n,
                         .name_len = e->name_len,
                         .kind = (pyr_kind)e->kind,
                         .slot_mask = e->slot_mask};
    return 0;
}

static bool blob_record_valid(const pyr_archive *a, const pyr_blob_record *r)
{
    uint32_t compression = r->flags & PYR_COMPRESSION_MASK;
    uint32_t location = (r->flags & PYR_LOCATION_MASK) >> PYR_LOCATION_SHIFT;
    uint64_t data_start = PYR_HEADER_SIZE + a->header->index_size;
    if (compression > PYR_COMPRESSION_ZSTD_DICT || location > PYR_LOCATION_FILESYSTEM ||
        (r->flags & ~(PYR_COMPRESSION_MASK | PYR_LOCATION_MASK)))
        return false;
    if (compression == PYR_COMPRESSION_NONE && r->size != r->stored_size)
        return false;
    if (compression == PYR_COMPRESSION_ZSTD_DICT && !(a->header->flags & PYR_FLAG_HAS_DICTIONARY))
        return false;
    return in_range(r->offset, r->stored_size, data_start, a->size);
}

/* 1 and *out set when the entry has the slot, 0 when it has not, -1 on a damaged index. */
int pyr_archive_blob_record(pyr_archive *a, uint32_t index, pyr_slot slot,
                            const pyr_blob_record **out, ph_error *err)
{
    const pyr_entry_record *e = entry_record(a, index);
    if (!e || (unsigned)slot >= PYR_SLOTS || e->slot_mask >> PYR_SLOTS)
        return index_error(a, index, err);
    if (!((e->slot_mask >> slot) & 1))
        return 0;
    uint64_t b =
        (uint64_t)e->first_blob + (unsigned)__builtin_popcount(e->slot_mask & ((1u << slot) - 1));
    uint64_t off = a->header->blobs_offset + b * sizeof(pyr_blob_record);
    if (b >= a->header->blob_count || !touch(a, off, sizeof(pyr_blob_record)))
        return index_error(a, index, err);
    *out = (const pyr_blob_record *)(a->base + off);
    if (!blob_record_valid(a, *out))
        return index_error(a, index, err);
    return 1;
}

int pyr_blob_at(pyr_archive *a, uint32_t index, pyr_slot slot, pyr_blob *blob, ph_error *err)
{
    const pyr_blob_record *r = NULL; /* set whenever pyr_archive_blob_record returns 1 */
    int rc = pyr_archive_blob_record(a, index, slot, &r, err);
    if (rc <= 0)
        return rc;
    *blob = (pyr_blob){
        .compression = (pyr_compression)(r->flags & PYR_COMPRESSION_MASK),
        .location = (pyr_location)((r->flags & PYR_LOCATION_MASK) >> PYR_LOCATION_SHIFT),
        .stored_size = r->stored_size,
        .size = r->size,
    };
    return 1;
}
