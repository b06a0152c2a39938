/* Reading an ELF file's dynamic section (pyhost/elf.h). Only program headers are used, as the
 * dynamic loader does: section headers may be stripped away. */
#include "pyhost/elf.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pyhost/bytes.h"

enum {
    ET_EXEC_ = 2,
    PT_LOAD_ = 1,
    PT_DYNAMIC_ = 2,
    DT_NULL_ = 0,
    DT_NEEDED_ = 1,
    DT_HASH_ = 4,
    DT_STRTAB_ = 5,
    DT_SYMTAB_ = 6,
    DT_STRSZ_ = 10,
    DT_SYMENT_ = 11,
    DT_SONAME_ = 14,
    DT_RPATH_ = 15,
    DT_RUNPATH_ = 29,
    DT_GNU_HASH_ = 0x6ffffef5,
    SHN_UNDEF_ = 0,
    STB_GLOBAL_ = 1,
    STB_WEAK_ = 2,
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
    const uint8_t *p = e->bytes + at;
    return e->big_endian ? ph_load_be(p, width) : ph_load_le(p, width);
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

int ph_elf_is_position_dependent(const void *bytes, size_t size)
{
    const uint8_t *b = bytes;
    if (!ph_elf_is_elf(bytes, size) || size < 18 || (b[5] != 1 && b[5] != 2))
        return 0;
    return (b[5] == 2 ? ph_load_be(b + 16, 2) : ph_load_le(b + 16, 2)) == ET_EXEC_;
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
    uint64_t strtab, strsz, soname, runpath, rpath, symtab, syment, hash, gnu_hash;
    bool has_strtab, has_strsz, has_soname, has_runpath, has_rpath, has_symtab, has_hash,
        has_gnu_hash;
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
        else if (tag == DT_SYMTAB_)
            t->symtab = val, t->has_symtab = true;
        else if (tag == DT_SYMENT_)
            t->syment = val;
        else if (tag == DT_HASH_)
            t->hash = val, t->has_hash = true;
        else if (tag == DT_GNU_HASH_)
            t->gnu_hash = val, t->has_gnu_hash = true;
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
    out->inherits = !t->has_runpath;
    uint64_t path = t->has_runpath ? t->runpath : t->rpath;
    if ((t->has_runpath || t->has_rpath) && !(out->runpath = string_at(e, table, t->strsz, path)))
        return ph_error_set(err, "%s: the run path is outside the string table", what);
    return 0;
}

/* The dynamic section's tags; *found false for a file without one (a static executable). */
static int find_tags(const elf *e, dynamic_tags *tags, bool *found, const char *what, ph_error *err)
{
    *found = false;
    for (unsigned i = 0; i < e->phnum; i++) {
        segment s = program_header(e, i);
        if (s.type != PT_DYNAMIC_)
            continue;
        *found = true;
        return read_tags(e, &s, tags, what, err);
    }
    return 0;
}

/* How many entries the dynamic symbol table has. The table's size is recorded nowhere but in
 * the hash tables: DT_HASH's nchain, or for DT_GNU_HASH (all a modern linker writes) one past
 * the highest index any bucket's chain reaches. */
static int symbol_count(const elf *e, const dynamic_tags *t, uint64_t *count, const char *what,
                        ph_error *err)
{
    uint64_t at;
    if (t->has_hash) {
        if (!file_offset(e, t->hash, &at) || !inside(e, at, 8))
            return ph_error_set(err, "%s: DT_HASH outside the file", what);
        *count = get(e, at + 4, 4);
        return 0;
    }
    if (!t->has_gnu_hash) {
        *count = 0;
        return 0;
    }
    if (!file_offset(e, t->gnu_hash, &at) || !inside(e, at, 16))
        return ph_error_set(err, "%s: DT_GNU_HASH outside the file", what);
    uint64_t nbuckets = get(e, at, 4), symoffset = get(e, at + 4, 4);
    uint64_t bloom = get(e, at + 8, 4) * (e->is64 ? 8 : 4);
    uint64_t buckets = at + 16 + bloom, chains = buckets + 4 * nbuckets;
    if (!inside(e, at + 16, bloom) || !inside(e, buckets, 4 * nbuckets))
        return ph_error_set(err, "%s: DT_GNU_HASH outside the file", what);
    uint64_t last = 0;
    for (uint64_t b = 0; b < nbuckets; b++) {
        uint64_t v = get(e, buckets + 4 * b, 4);
        last = v > last ? v : last;
    }
    if (last < symoffset) {
        *count = symoffset;
        return 0;
    }
    for (;; last++) {
        uint64_t c = chains + 4 * (last - symoffset);
        if (!inside(e, c, 4))
            return ph_error_set(err, "%s: DT_GNU_HASH chain outside the file", what);
        if (get(e, c, 4) & 1)
            break;
    }
    *count = last + 1;
    return 0;
}

int ph_elf_exports(const void *bytes, size_t size, const char *name, const char *what,
                   ph_error *err)
{
    elf e = {.bytes = bytes, .size = size};
    dynamic_tags t = {0};
    bool found;
    if (read_header(&e, what, err) < 0 || find_tags(&e, &t, &found, what, err) < 0)
        return -1;
    if (!found || !t.has_symtab)
        return 0;
    uint64_t count = 0, symtab, strtab;
    uint64_t entsize = t.syment ? t.syment : (e.is64 ? 24 : 16);
    if (entsize < (e.is64 ? 24u : 16u))
        return ph_error_set(err, "%s: DT_SYMENT %llu is too small", what,
                            (unsigned long long)entsize);
    if (symbol_count(&e, &t, &count, what, err) < 0)
        return -1;
    if (!count)
        return 0;
    if (!t.has_strtab || !t.has_strsz || !file_offset(&e, t.strtab, &strtab) ||
        !inside(&e, strtab, t.strsz))
        return ph_error_set(err, "%s: dynamic string table missing or outside the file", what);
    if (!file_offset(&e, t.symtab, &symtab) || count > UINT64_MAX / entsize ||
        !inside(&e, symtab, count * entsize))
        return ph_error_set(err, "%s: dynamic symbol table outside the file", what);
    for (uint64_t i = 1; i < count; i++) {
        uint64_t at = symtab + i * entsize;
        uint64_t st_name = get(&e, at, 4);
        unsigned info = e.bytes[at + (e.is64 ? 4 : 12)];
        uint64_t shndx = get(&e, at + (e.is64 ? 6 : 14), 2);
        unsigned bind = info >> 4;
        if (shndx == SHN_UNDEF_ || (bind != STB_GLOBAL_ && bind != STB_WEAK_))
            continue;
        const char *s = string_at(&e, strtab, t.strsz, st_name);
        if (s && !strcmp(s, name))
            return 1;
    }
    return 0;
}

int ph_elf_read_dynamic(const void *bytes, size_t size, const char *what, ph_elf_dynamic *out,
                        ph_error *err)
{
    memset(out, 0, sizeof *out);
    elf e = {.bytes = bytes, .size = size};
    if (read_header(&e, what, err) < 0)
        return -1;
    dynamic_tags tags = {0};
    bool found;
    if (find_tags(&e, &tags, &found, what, err) < 0 ||
        (found && resolve_strings(&e, &tags, out, what, err) < 0)) {
        memset(out, 0, sizeof *out);
        return -1;
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

/* The first entry of the run path `path` (directory `origin`) under which `exists` finds it. */
static int search_path(const char *path, const char *origin, const char *needed,
                       ph_elf_exists exists, void *ctx, char *rel, size_t rel_size)
{
    for (const char *p = path; p && *p;) {
        size_t len = strcspn(p, ":");
        if (ph_elf_origin_path(origin, p, len, needed, rel, rel_size) && exists(ctx, rel))
            return 1;
        p += len + (p[len] == ':');
    }
    return 0;
}

int ph_elf_search(const ph_elf_dynamic *dyn, const char *origin, const ph_elf_loaders *loaders,
                  const char *needed, ph_elf_exists exists, void *ctx, char *rel, size_t rel_size)
{
    if (search_path(dyn->runpath, origin, needed, exists, ctx, rel, rel_size))
        return 1;
    for (const ph_elf_loaders *l = loaders; dyn->inherits && l; l = l->up)
        if (search_path(l->rpath, l->origin, needed, exists, ctx, rel, rel_size))
            return 1;
    return 0;
}

ph_elf_loaders ph_elf_as_loader(const ph_elf_dynamic *dyn, const char *origin,
                                const ph_elf_loaders *up)
{
    ph_elf_loaders self = {origin, dyn->inherits ? dyn->runpath : NULL, up};
    return self;
}
