/* What a bundle needs from the system (bundle_needs.h). */
#include "bundle_needs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/elf.h"
#include "pyhost/fsutil.h"
#include "pyhost/pyr.h"

enum {
    PT_LOAD_ = 1,
    PT_DYNAMIC_ = 2,
    DT_NULL_ = 0,
    DT_STRTAB_ = 5,
    DT_STRSZ_ = 10,
    DT_VERNEED_ = 0x6ffffffe,
    DT_VERNEEDNUM_ = 0x6fffffff,
    GLIBC_RELR_MINOR = 36, /* glibc 2.36 added GLIBC_ABI_DT_RELR */
};

typedef struct image {
    const uint8_t *b;
    size_t size;
    bool is64, be;
    uint64_t phoff;
    unsigned phentsize, phnum;
} image;

static bool inside(const image *e, uint64_t at, uint64_t len)
{
    return at <= e->size && len <= e->size - at;
}

static uint64_t get(const image *e, uint64_t at, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)e->b[at + i] << (e->be ? 8 * (width - 1 - i) : 8 * i);
    return v;
}

/* The file offset of virtual address `vaddr`, through the PT_LOAD segments; UINT64_MAX if none
 * maps it from the file. */
static uint64_t file_offset(const image *e, uint64_t vaddr)
{
    for (unsigned i = 0; i < e->phnum; i++) {
        uint64_t ph = e->phoff + (uint64_t)i * e->phentsize;
        if (get(e, ph, 4) != PT_LOAD_)
            continue;
        uint64_t off = get(e, ph + (e->is64 ? 8 : 4), e->is64 ? 8 : 4);
        uint64_t va = get(e, ph + (e->is64 ? 16 : 8), e->is64 ? 8 : 4);
        uint64_t filesz = get(e, ph + (e->is64 ? 32 : 16), e->is64 ? 8 : 4);
        if (vaddr >= va && vaddr - va < filesz)
            return off + (vaddr - va);
    }
    return UINT64_MAX;
}

/* "GLIBC_2.35" -> 35, "GLIBC_2.3.4" -> 3, "GLIBC_ABI_DT_RELR" -> 36, anything else -> 0 */
static unsigned glibc_minor(const char *name)
{
    if (!strcmp(name, "GLIBC_ABI_DT_RELR"))
        return GLIBC_RELR_MINOR;
    if (strncmp(name, "GLIBC_2.", 8) != 0)
        return 0;
    char *end;
    unsigned long n = strtoul(name + 8, &end, 10);
    return end != name + 8 && (*end == '\0' || *end == '.') && n < 1000 ? (unsigned)n : 0;
}

int ph_elf_glibc_floor(const void *bytes, size_t size, const char *what, unsigned *minor,
                       ph_error *err)
{
    *minor = 0;
    image e = {.b = bytes, .size = size};
    if (!ph_elf_is_elf(bytes, size) || size < 52 || (e.b[4] != 1 && e.b[4] != 2) ||
        (e.b[5] != 1 && e.b[5] != 2))
        return ph_error_set(err, "%s: not an ELF file", what);
    e.is64 = e.b[4] == 2;
    e.be = e.b[5] == 2;
    if (e.is64 && size < 64)
        return ph_error_set(err, "%s: truncated ELF header", what);
    e.phoff = get(&e, e.is64 ? 32 : 28, e.is64 ? 8 : 4);
    e.phentsize = (unsigned)get(&e, e.is64 ? 54 : 42, 2);
    e.phnum = (unsigned)get(&e, e.is64 ? 56 : 44, 2);
    if (e.phentsize < (e.is64 ? 56u : 32u) || !inside(&e, e.phoff, (uint64_t)e.phnum * e.phentsize))
        return ph_error_set(err, "%s: program headers outside the file", what);
    uint64_t dyn_off = 0, dyn_size = 0;
    for (unsigned i = 0; i < e.phnum; i++) {
        uint64_t ph = e.phoff + (uint64_t)i * e.phentsize;
        if (get(&e, ph, 4) == PT_DYNAMIC_) {
            dyn_off = get(&e, ph + (e.is64 ? 8 : 4), e.is64 ? 8 : 4);
            dyn_size = get(&e, ph + (e.is64 ? 32 : 16), e.is64 ? 8 : 4);
        }
    }
    if (!dyn_size)
        return 0; /* static: needs no shared glibc at all */
    if (!inside(&e, dyn_off, dyn_size))
        return ph_error_set(err, "%s: dynamic section outside the file", what);
    uint64_t strtab = 0, strsz = 0, verneed = 0, verneednum = 0;
    unsigned w = e.is64 ? 8 : 4;
    for (uint64_t at = dyn_off; at + 2 * w <= dyn_off + dyn_size; at += 2 * w) {
        uint64_t tag = get(&e, at, w), val = get(&e, at + w, w);
        if (tag == DT_NULL_)
            break;
        if (tag == DT_STRTAB_)
            strtab = val;
        else if (tag == DT_STRSZ_)
            strsz = val;
        else if (tag == DT_VERNEED_)
            verneed = val;
        else if (tag == DT_VERNEEDNUM_)
            verneednum = val;
    }
    if (!verneed || !verneednum)
        return 0;
    uint64_t str = file_offset(&e, strtab), vn = file_offset(&e, verneed);
    if (str == UINT64_MAX || !inside(&e, str, strsz) || vn == UINT64_MAX)
        return ph_error_set(err, "%s: version table outside the file", what);
    /* Elf_Verneed and Elf_Vernaux are 16 bytes in both classes. */
    for (uint64_t i = 0; i < verneednum && i < 4096; i++) {
        if (!inside(&e, vn, 16))
            return ph_error_set(err, "%s: version needs outside the file", what);
        uint64_t cnt = get(&e, vn + 2, 2), aux = vn + get(&e, vn + 8, 4);
        for (uint64_t k = 0; k < cnt; k++) {
            if (!inside(&e, aux, 16))
                return ph_error_set(err, "%s: version needs outside the file", what);
            uint64_t name = get(&e, aux + 8, 4);
            if (name >= strsz || !memchr(e.b + str + name, '\0', strsz - name))
                return ph_error_set(err, "%s: a version name outside the string table", what);
            unsigned m = glibc_minor((const char *)e.b + str + name);
            if (m > *minor)
                *minor = m;
            uint64_t next = get(&e, aux + 12, 4);
            if (!next)
                break;
            aux += next;
        }
        uint64_t next = get(&e, vn + 12, 4);
        if (!next)
            break;
        vn += next;
    }
    return 0;
}

/* ---- A bundle --------------------------------------------------------------------------- */

/* The C library and what glibc splits out of it, which every system has; libpython, which the
 * stub provides (extension modules resolve against it). */
static bool provided(const char *lib)
{
    static const char *const glibc[] = {
        "libc.so.",    "libm.so.",      "libdl.so.", "libpthread.so.", "librt.so.",
        "libutil.so.", "libresolv.so.", "ld-linux",  "libpython",      NULL};
    for (size_t i = 0; glibc[i]; i++)
        if (!strncmp(lib, glibc[i], strlen(glibc[i])))
            return true;
    return false;
}

static int raise_floor(ph_bundle_needs *out, const void *bytes, size_t size, const char *what,
                       ph_error *err)
{
    unsigned minor;
    if (ph_elf_glibc_floor(bytes, size, what, &minor, err) < 0)
        return -1;
    if (minor > out->glibc_minor) {
        char *from = strdup(what);
        if (!from)
            return ph_error_set(err, "out of memory");
        free(out->floor_from);
        out->floor_from = from;
        out->glibc_minor = minor;
    }
    return 0;
}

static int read_program(ph_bundle_needs *out, const char *path, const char *what, ph_error *err)
{
    char *bytes;
    size_t size;
    if (ph_read_file(path, &bytes, &size, err) < 0)
        return -1;
    int rc = raise_floor(out, bytes, size, what, err);
    free(bytes);
    return rc;
}

/* Is `lib` packed in the .pyr (a wheel's "pkg.libs/libx-1a2b.so.1")? */
static bool packed(pyr_archive *a, const char *lib, ph_error *err)
{
    pyr_info info;
    pyr_get_info(a, &info);
    for (uint32_t i = 0; i < info.entry_count; i++) {
        pyr_entry e;
        if (pyr_entry_at(a, i, &e, err) < 0 || e.kind != PYR_SHARED_LIBRARY)
            continue;
        const char *base = strrchr(e.name, '/');
        if (!strcmp(base ? base + 1 : e.name, lib))
            return true;
    }
    return false;
}

static int add_lib(ph_bundle_needs *out, const char *name, const char *module, ph_error *err)
{
    for (size_t i = 0; i < out->lib_count; i++)
        if (!strcmp(out->libs[i].name, name))
            return 0;
    ph_system_lib *grown = realloc(out->libs, (out->lib_count + 1) * sizeof *grown);
    if (!grown)
        return ph_error_set(err, "out of memory");
    out->libs = grown;
    ph_system_lib *l = &out->libs[out->lib_count];
    l->name = strdup(name);
    l->module = strdup(module);
    if (!l->name || !l->module) {
        free(l->name);
        free(l->module);
        return ph_error_set(err, "out of memory");
    }
    out->lib_count++;
    return 0;
}

static int extract(ph_bundle_needs *out, const char *dir, uint32_t index, const char *name,
                   const pyr_data *d, ph_error *err)
{
    char *path, **grown = realloc(out->extracted, (out->extracted_count + 1) * sizeof *grown);
    if (grown)
        out->extracted = grown;
    char **names =
        grown ? realloc(out->extracted_module, (out->extracted_count + 1) * sizeof *names) : NULL;
    if (!names)
        return ph_error_set(err, "out of memory");
    out->extracted_module = names;
    if (asprintf(&path, "%s/packed-%u.so", dir, index) < 0)
        return ph_error_set(err, "out of memory");
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(d->bytes, 1, d->size, f) == d->size;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok) {
        int e = errno;
        free(path);
        return ph_error_errno(err, e, "cannot write %s/packed-%u.so", dir, index);
    }
    if (!(out->extracted_module[out->extracted_count] = strdup(name))) {
        free(path);
        return ph_error_set(err, "out of memory");
    }
    out->extracted[out->extracted_count++] = path;
    return 0;
}

static int read_packed(ph_bundle_needs *out, pyr_archive *a, const char *exe_dir,
                       const char *extract_dir, ph_error *err)
{
    pyr_info info;
    pyr_get_info(a, &info);
    for (uint32_t i = 0; i < info.entry_count; i++) {
        pyr_entry e;
        pyr_blob blob;
        if (pyr_entry_at(a, i, &e, err) < 0)
            return -1;
        if (e.kind != PYR_EXTENSION_MODULE && e.kind != PYR_SHARED_LIBRARY)
            continue;
        int has = pyr_blob_at(a, i, PYR_DATA, &blob, err);
        if (has <= 0)
            return has;
        pyr_data d = {0};
        if (pyr_read(a, i, PYR_DATA, &d, err) < 0)
            return -1;
        char *bytes = NULL;
        size_t size = d.size;
        int rc = 0;
        if (blob.location == PYR_FILESYSTEM_RELATIVE) { /* a file next to the executable */
            char *path;
            if (asprintf(&path, "%s/%.*s", exe_dir, (int)d.size, (const char *)d.bytes) < 0)
                rc = ph_error_set(err, "out of memory");
            else
                rc = ph_read_file(path, &bytes, &size, err);
            free(path);
        } else if (extract_dir && ph_elf_is_elf(d.bytes, d.size)) {
            rc = extract(out, extract_dir, i, e.name, &d, err);
        }
        const void *elf = bytes ? (const void *)bytes : (const void *)d.bytes;
        ph_elf_dynamic dyn;
        if (rc == 0 && ph_elf_is_elf(elf, size)) {
            rc = raise_floor(out, elf, size, e.name, err);
            if (rc == 0)
                rc = ph_elf_read_dynamic(elf, size, e.name, &dyn, err);
            for (size_t n = 0; rc == 0 && n < dyn.needed_count; n++)
                if (!provided(dyn.needed[n]) && !packed(a, dyn.needed[n], err))
                    rc = add_lib(out, dyn.needed[n], e.name, err);
        }
        free(bytes);
        pyr_data_release(&d);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int ph_bundle_needs_read(const char *exe, const char *stub, const char *extract_dir,
                         ph_bundle_needs *out, ph_error *err)
{
    *out = (ph_bundle_needs){0};
    const char *base = strrchr(exe, '/');
    char *dir = base ? strndup(exe, (size_t)(base - exe)) : strdup(".");
    if (!dir)
        return ph_error_set(err, "out of memory");
    int rc = read_program(out, exe, base ? base + 1 : exe, err);
    if (rc == 0 && out->glibc_minor == 0 && stub) /* a static onefile loader: its stub counts */
        rc = read_program(out, stub, base ? base + 1 : exe, err);
    uint64_t offset = 0;
    pyr_archive *a = NULL;
    char *adjacent = NULL;
    int embedded = rc == 0 ? pyr_find_embedded(exe, &offset, err) : -1;
    if (embedded == 1)
        rc = pyr_open_file(&a, exe, offset, err);
    else if (embedded == 0 && asprintf(&adjacent, "%s.pyr", exe) >= 0)
        rc = pyr_open_file(&a, adjacent, 0, err);
    else
        rc = embedded < 0 ? -1 : ph_error_set(err, "out of memory");
    if (rc == 0)
        rc = read_packed(out, a, dir, extract_dir, err);
    if (a)
        pyr_close(a);
    free(adjacent);
    free(dir);
    return rc;
}

void ph_bundle_needs_free(ph_bundle_needs *needs)
{
    for (size_t i = 0; i < needs->lib_count; i++) {
        free(needs->libs[i].name);
        free(needs->libs[i].module);
    }
    for (size_t i = 0; i < needs->extracted_count; i++) {
        free(needs->extracted[i]);
        free(needs->extracted_module[i]);
    }
    free(needs->extracted_module);
    free(needs->libs);
    free(needs->extracted);
    free(needs->floor_from);
    *needs = (ph_bundle_needs){0};
}
