/* The wheel reader (launcher/fetch/zip.c) on archives made by Python's zipfile, the module
 * that writes most wheels: stored and deflated members read back byte for byte, and an
 * archive that is truncated or whose data is damaged is refused with a message naming it,
 * never read wrong. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ph_build_config.h"
#include "pyhost/fsutil.h"
#include "zip.h"

/* What the members hold, computed the same way here and in the Python below. */
#define STORED_TEXT "print('stored')\n"
#define DEFLATED_LINES 4000 /* "line N\n" for N in 0..3999: compresses well */

static char dir[PATH_MAX];

static void cleanup(void)
{
    ph_remove_tree(dir);
}

/* A wheel-like zip written by zipfile: a directory entry, a stored member, a deflated member
 * and an empty deflated one. Returns its path (static). */
static const char *make_zip(void)
{
    static char zip_path[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/ph-zip-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
    atexit(cleanup);
    snprintf(zip_path, sizeof zip_path, "%s/t.whl", dir);
    char script[PATH_MAX + 16], cmd[3 * PATH_MAX];
    snprintf(script, sizeof script, "%s/make.py", dir);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "import sys, zipfile\n"
            "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n"
            "    z.writestr(zipfile.ZipInfo('pkg/'), b'')\n"
            "    z.writestr('pkg/__init__.py', %s, zipfile.ZIP_STORED)\n"
            "    z.writestr('pkg/data.txt', ''.join('line %%d\\n' %% i for i in range(%d)),"
            " zipfile.ZIP_DEFLATED)\n"
            "    z.writestr('pkg/empty.txt', b'', zipfile.ZIP_DEFLATED)\n",
            "'print(\\'stored\\')\\n'", DEFLATED_LINES);
    cr_assert_eq(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s'", PH_PYTHON_EXE, script, zip_path);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    return zip_path;
}

static char *deflated_text(size_t *size)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, size);
    for (int i = 0; i < DEFLATED_LINES; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    return text;
}

static const ph_zip_member *member(const ph_zip *z, const char *name)
{
    for (size_t i = 0; i < z->count; i++)
        if (!strcmp(z->items[i].name, name))
            return &z->items[i];
    cr_assert_fail("no member %s", name);
    return NULL;
}

/* A copy of the file at `path` with `fn` applied, written next to it. */
static const char *damaged(const char *path, const char *name, void (*fn)(char *, size_t *))
{
    static char out[PATH_MAX + 16];
    char *data;
    size_t size;
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_read_file(path, &data, &size, &err), 0, "%s", err.message);
    fn(data, &size);
    snprintf(out, sizeof out, "%s/%s", dir, name);
    FILE *f = fopen(out, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, size, f), size);
    cr_assert_eq(fclose(f), 0);
    free(data);
    return out;
}

Test(zip, stored_and_deflated_members_read_back)
{
    const char *path = make_zip();
    ph_zip z;
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_zip_open(&z, path, "t.whl", &err), 0, "%s", err.message);
    cr_assert_eq(z.count, 4);
    const ph_zip_member *stored = member(&z, "pkg/__init__.py");
    const ph_zip_member *deflated = member(&z, "pkg/data.txt");
    cr_assert_eq(stored->method, 0, "zipfile stored it");
    cr_assert_eq(deflated->method, 8, "zipfile deflated it");
    cr_assert_lt(deflated->csize, deflated->usize / 2, "the data really is compressed");
    uint8_t *out = NULL;
    cr_assert_eq(ph_zip_read(&z, stored, &out, &err), 0, "%s", err.message);
    cr_assert_eq(stored->usize, strlen(STORED_TEXT));
    cr_assert(!memcmp(out, STORED_TEXT, stored->usize));
    free(out);
    size_t size;
    char *expect = deflated_text(&size);
    cr_assert_eq(ph_zip_read(&z, deflated, &out, &err), 0, "%s", err.message);
    cr_assert_eq(deflated->usize, size);
    cr_assert(!memcmp(out, expect, size), "the inflated bytes differ from what was zipped");
    free(out);
    free(expect);
    cr_assert_eq(ph_zip_read(&z, member(&z, "pkg/empty.txt"), &out, &err), 0, "%s", err.message);
    free(out);
    cr_assert_eq(member(&z, "pkg/")->usize, 0);
    ph_zip_close(&z);
}

static void cut_end(char *data, size_t *size)
{
    (void)data;
    *size -= 30; /* into the end of central directory record (22 bytes) and before it */
}

static void cut_half(char *data, size_t *size)
{
    (void)data;
    *size /= 2;
}

Test(zip, truncated_archives_are_refused)
{
    const char *path = make_zip();
    void (*cuts[])(char *, size_t *) = {cut_end, cut_half};
    for (size_t i = 0; i < 2; i++) {
        ph_zip z;
        ph_error err = {{0}, {0}};
        const char *bad = damaged(path, i ? "half.whl" : "end.whl", cuts[i]);
        cr_assert_eq(ph_zip_open(&z, bad, "cut.whl", &err), -1, "cut %zu was accepted", i);
        cr_assert(strstr(err.message, "cut.whl: not a valid zip file"), "%s", err.message);
    }
}

/* The deflated member's data: after its local header (30 bytes, the name, the extra field). */
static size_t data_offset(const char *path, const char *name)
{
    ph_zip z;
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_zip_open(&z, path, "t.whl", &err), 0, "%s", err.message);
    const ph_zip_member *m = member(&z, name);
    const uint8_t *h = z.data + m->local_offset;
    size_t at = m->local_offset + 30 + (h[26] | h[27] << 8) + (h[28] | h[29] << 8);
    ph_zip_close(&z);
    return at;
}

static size_t flip_at; /* where flip() damages 4 bytes */
static void flip(char *data, size_t *size)
{
    cr_assert_lt(flip_at + 4, *size);
    for (size_t i = 0; i < 4; i++)
        data[flip_at + i] ^= 0x55;
}

Test(zip, damaged_member_data_is_refused)
{
    const char *path = make_zip();
    const char *names[] = {"pkg/data.txt", "pkg/__init__.py"};
    for (size_t i = 0; i < 2; i++) {
        flip_at = data_offset(path, names[i]) + (i ? 2 : 40); /* the stored one is 16 bytes */
        const char *bad = damaged(path, i ? "stored.whl" : "deflated.whl", flip);
        ph_zip z;
        ph_error err = {{0}, {0}};
        cr_assert_eq(ph_zip_open(&z, bad, "bad.whl", &err), 0, "%s", err.message);
        uint8_t *out = NULL;
        cr_assert_eq(ph_zip_read(&z, member(&z, names[i]), &out, &err), -1, "damaged %s was read",
                     names[i]);
        cr_assert(strstr(err.message, names[i]), "the message names the member: %s", err.message);
        cr_assert(strstr(err.message, "CRC-32 mismatch") || strstr(err.message, "corrupt deflate"),
                  "%s", err.message);
        ph_zip_close(&z);
    }
}

Test(zip, unsafe_member_names)
{
    cr_assert(ph_zip_safe_name("pkg/mod.py"));
    cr_assert(ph_zip_safe_name("pkg-1.0.dist-info/RECORD"));
    const char *bad[] = {"/etc/passwd", "../x", "pkg/../../x", "pkg\\x", "C:x", "pkg//x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(ph_zip_safe_name(bad[i]), "'%s' was taken as safe", bad[i]);
}
