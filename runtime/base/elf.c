/* Reading an ELF file's dynamic section (pyhost/elf.h). Only program headers are used, as the
 * dynamic loader does: section headers may be stripped away. */
#include "pyhost/elf.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum {
    PT_LOAD_ = 1,
    PT_DYNAMIC_ = 2,
    DT_NULL_ = 0,
    DT_NEEDED_ = 1,
    DT_STRTAB_ = 5,
    DT_STRSZ_ = 10,
    DT_SONAME_ = 14,
    DT_RPATH_ = 15,
    DT_RUNPATH_ = 29,
};

typedef struct elf {
    const uint8_t *bytes;
    size_t size;
    bool is64, big_endian;
    uint64_t phoff;
    unsigned phentsize, phnum;
} elf;

static uint64_t get(const elf *e, uint64_t at, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned shift = e->big_endian ? 8 * (width - 1 - i) : 8 * i;
        v |= (uint64_t)e->bytes[at + i] << shift;
    }
    return v;
}

/* Is [at, at + len) inside the file? */
static bool inside(const elf *e, uint64_t at, uint64_t len)
{
    return at <= e->size && len <= e->size - at;
}

int ph_elf_is_elf(const void *bytes, size_t size)
{
    return size >= 4 && memcmp(bytes,
                               "\x7f"
                               "ELF",
                               4) == 0;
}

static int read_header(elf *e, const char *what, ph_error *err)
{
    if (!ph_elf_is_elf(e->bytes, e->size) || e->size < 52)
        return ph_error_set(err, "%s: not an ELF file", what);
    unsigned cls = e->bytes[4], data = e->bytes[5];
    if ((cls != 1 && cls != 2) || (data != 1 && data != 2))
        return ph_error_set(err, "%s: unknown ELF class %u or byte order %u", what, cls, data);
    e->is64 = cls == 2;
    e->big_endian = data == 2;
    if (e->is64 && e->size < 64)
        return ph_error_set(err, "%s: truncated ELF header", what);
    e->phoff = e->is64 ? get(e, 32, 8) : get(e, 28, 4);
    e->phentsize = (unsigned)get(e, e->is64 ? 54 : 42, 2);
    e->phnum = (unsigned)get(e, e->is64 ? 56 : 44, 2);
    if (e->phentsize < (e->is64 ? 56u : 32u) ||
        !inside(e, e->phoff, (uint64_t)e->phentsize * e->phnum))
        return ph_error_set(err, "%s: program headers outside the file", what);
    return 0;
}

typedef struct segment {
    uint64_t type, offset, vaddr, filesz;
} segment;

static segment program_header(const elf *e, unsigned i)
{
    uint64_t at = e->phoff + (uint64_t)i * e->phentsize;
    if (e->is64)
        return (segment){get(e, at, 4), get(e, at + 8, 8), get(e, at + 16, 8), get(e, at + 32, 8)};
    return (segment){get(e, at, 4), get(e, at + 4, 4), get(e, at + 8, 4), get(e, at + 16, 4)};
}

/* The file offset of virtual address `addr`, through the loadable segments. */
static bool file_offset(const elf *e, uint64_t addr, uint64_t *offset)
{
    for (unsigned i = 0; i < e->phnum; i++) {
        segment s = program_header(e, i);
        if (s.type == PT_LOAD_ && addr >= s.vaddr && addr - s.vaddr < s.filesz) {
            *offset = s.offset + (addr - s.vaddr);
            return true;
        }
    }
    return false;
}

typedef struct dynamic_tags {
    uint64_t strtab, strsz, soname, runpath, rpath;
    bool has_strtab, has_strsz, has_soname, has_runpath, has_rpath;
    uint64_t needed[PH_ELF_MAX_NEEDED];
    size_t needed_count;
} dynamic_tags;

static int read_tags(const elf *e, const segment *dyn, dynamic_tags *t, const char *what,
                     ph_error *err)
{
    unsigned width = e->is64 ? 8 : 4;
    if (!inside(e, dyn->offset, dyn->filesz))
        return ph_error_set(err, "%s: dynamic section outside the file", what);
    for (uint64_t at = dyn->offset; at + 2 * width <= dyn->offset + dyn->filesz; at += 2 * width) {
        uint64_t tag = get(e, at, width), val = get(e, at + width, width);
        if (tag == DT_NULL_)
            break;
        if (tag == DT_NEEDED_) {
            if (t->needed_count == PH_ELF_MAX_NEEDED)
                return ph_error_set(err, "%s: more than %d needed libraries", what,
                                    PH_ELF_MAX_NEEDED);
            t->needed[t->needed_count++] = val;
        }
        if (tag == DT_STRTAB_)
            t->strtab = val, t->has_strtab = true;
        else if (tag == DT_STRSZ_)
            t->strsz = val, t->has_strsz = true;
        else if (tag == DT_SONAME_)
            t->soname = val, t->has_soname = true;
        else if (tag == DT_RUNPATH_)
            t->runpath = val, t->has_runpath = true;
        else if (tag == DT_RPATH_)
            t->rpath = val, t->has_rpath = true;
    }
    return 0;
}

/* A string of the dynamic string table, checked to end inside it. */
static const char *string_at(const elf *e, uint64_t table, uint64_t table_size, uint64_t index)
{
    if (index >= table_size)
        return NULL;
    const char *s = (const char *)e->bytes + table + index;
    return memchr(s, '\0', table_size - index) ? s : NULL;
}

static int resolve_strings(const elf *e, const dynamic_tags *t, ph_elf_dynamic *out,
                           const char *what, ph_error *err)
{
    bool any = t->needed_count || t->has_soname || t->has_runpath || t->has_rpath;
    if (!any)
        return 0;
    uint64_t table;
    if (!t->has_strtab || !t->has_strsz || !file_offset(e, t->strtab, &table) ||
        !inside(e, table, t->strsz))
        return ph_error_set(err, "%s: dynamic string table missing or outside the file", what);
    for (size_t i = 0; i < t->needed_count; i++)
        if (!(out->needed[out->needed_count++] = string_at(e, table, t->strsz, t->needed[i])))
            return ph_error_set(err, "%s: a needed library's name is outside the string table",
                                what);
    if (t->has_soname && !(out->soname = string_at(e, table, t->strsz, t->soname)))
        return ph_error_set(err, "%s: DT_SONAME is outside the string table", what);
    uint64_t path = t->has_runpath ? t->runpath : t->rpath;
    if ((t->has_runpath || t->has_rpath) && !(out->runpath = string_at(e, table, t->strsz, path)))
        return ph_error_set(err, "%s: the run path is outside the string table", what);
    return 0;
}

int ph_elf_read_dynamic(const void *bytes, size_t size, const char *what, ph_elf_dynamic *out,
                        ph_error *err)
{
    memset(out, 0, sizeof *out);
    elf e = {.bytes = bytes, .size = size};
    if (read_header(&e, what, err) < 0)
        return -1;
    for (unsigned i = 0; i < e.phnum; i++) {
        segment s = program_header(&e, i);
        if (s.type != PT_DYNAMIC_)
            continue;
        dynamic_tags tags = {0};
        if (read_tags(&e, &s, &tags, what, err) < 0 ||
            resolve_strings(&e, &tags, out, what, err) < 0) {
            memset(out, 0, sizeof *out);
            return -1;
        }
        return 0;
    }
    return 0;
}

/* Appends path component [c, c + n) to the normalized relative path in out[0..*used). */
static bool push_component(char *out, size_t out_size, size_t *used, const char *c, size_t n)
{
    if (n == 0 || (n == 1 && c[0] == '.'))
        return true;
    if (n == 2 && c[0] == '.' && c[1] == '.') {
        if (*used == 0)
            return false; /* above the top */
        char *slash = memrchr(out, '/', *used);
        *used = slash ? (size_t)(slash - out) : 0;
        out[*used] = '\0';
        return true;
    }
    size_t need = *used + (*used ? 1 : 0) + n;
    if (need >= out_size)
        return false;
    if (*used)
        out[(*used)++] = '/';
    memcpy(out + *used, c, n);
    *used = need;
    out[*used] = '\0';
    return true;
}

static bool push_path(char *out, size_t out_size, size_t *used, const char *p, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = 0;
        while (i + n < len && p[i + n] != '/')
            n++;
        if (!push_component(out, out_size, used, p + i, n))
            return false;
        i += n + 1;
    }
    return true;
}

int ph_elf_origin_path(const char *origin, const char *entry, size_t len, const char *needed,
                       char *out, size_t out_size)
{
    size_t skip = len >= 7 && !memcmp(entry, "$ORIGIN", 7)     ? 7
                  : len >= 9 && !memcmp(entry, "${ORIGIN}", 9) ? 9
                                                               : 0;
    if (!skip || (len > skip && entry[skip] != '/') || strchr(needed, '/') || out_size == 0)
        return 0;
    size_t used = 0;
    out[0] = '\0';
    bool ok = push_path(out, out_size, &used, origin, strlen(origin)) &&
              push_path(out, out_size, &used, entry + skip, len - skip) &&
              push_component(out, out_size, &used, needed, strlen(needed));
    return ok && used > 0;
}
