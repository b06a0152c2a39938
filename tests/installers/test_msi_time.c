/* msi_time.c on real MSIs made by wixl (msitools), the tool `pyhost installer msi` runs: the
 * creation and last-save times become SOURCE_DATE_EPOCH and no other byte changes, msiinfo
 * (a separate reader) sees the new times, and a file that is not laid out as expected is
 * refused and left as it was. Skipped where msitools is not installed. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msi_time.h"
#include "pyhost/fsutil.h"

static char dir[PATH_MAX];

static void cleanup(void)
{
    ph_remove_tree(dir);
}

static const char wxs[] =
    "<?xml version='1.0' encoding='utf-8'?>\n"
    "<Wix xmlns='http://schemas.microsoft.com/wix/2006/wi'>\n"
    " <Product Id='{11111111-2222-3333-4444-555555555555}' Name='t' Language='1033'\n"
    "  Version='1.0.0' Manufacturer='t' UpgradeCode='{11111111-2222-3333-4444-666666666666}'>\n"
    "  <Package InstallerVersion='200' Compressed='yes' InstallScope='perMachine'/>\n"
    "  <Media Id='1' Cabinet='t.cab' EmbedCab='yes'/>\n"
    "  <Directory Id='TARGETDIR' Name='SourceDir'><Directory Id='ProgramFilesFolder'>\n"
    "   <Directory Id='INSTALLDIR' Name='t'>\n"
    "    <Component Id='C' Guid='{11111111-2222-3333-4444-777777777777}'>\n"
    "     <File Id='F' Source='a.txt'/></Component></Directory></Directory></Directory>\n"
    "  <Feature Id='Main' Level='1'><ComponentRef Id='C'/></Feature>\n"
    " </Product>\n"
    "</Wix>\n";

static void write_text(const char *name, const char *text)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

/* A fresh MSI from wixl; its path (static). */
static const char *make_msi(void)
{
    if (system("command -v wixl >/dev/null && command -v msiinfo >/dev/null") != 0)
        cr_skip_test("SKIP: wixl and msiinfo are not installed (apt-get install wixl msitools)");
    static char msi[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/ph-msi-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
    atexit(cleanup);
    write_text("a.txt", "payload\n");
    write_text("t.wxs", wxs);
    char cmd[2 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "cd '%s' && wixl -o t.msi t.wxs", dir);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    snprintf(msi, sizeof msi, "%s/t.msi", dir);
    return msi;
}

static char *slurp(const char *path, size_t *size)
{
    char *data;
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_read_file(path, &data, size, &err), 0, "%s", err.message);
    return data;
}

/* The one line of `msiinfo suminfo` that starts with `key`, times in UTC. */
static void suminfo_line(const char *msi, const char *key, char *out, size_t size)
{
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "TZ=UTC msiinfo suminfo '%s'", msi);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    out[0] = '\0';
    char line[512];
    while (fgets(line, sizeof line, p))
        if (!strncmp(line, key, strlen(key)))
            snprintf(out, size, "%.200s", line);
    cr_assert_eq(pclose(p), 0);
}

Test(msi_time, the_two_times_and_nothing_else_change)
{
    const char *msi = make_msi();
    size_t n_before, n_after;
    char *before = slurp(msi, &n_before);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_msi_set_time(msi, 0, &err), 0, "%s", err.message);
    char *after = slurp(msi, &n_after);
    cr_assert_eq(n_after, n_before);
    /* 1970-01-01 as a FILETIME (100 ns since 1601): 0x019DB1DED53E8000, little-endian */
    static const unsigned char epoch0[8] = {0x00, 0x80, 0x3E, 0xD5, 0xDE, 0xB1, 0x9D, 0x01};
    size_t at[3], n_at = 0;
    for (size_t i = 0; i + 8 <= n_after && n_at < 3; i++)
        if (!memcmp(after + i, epoch0, 8) && memcmp(before + i, epoch0, 8)) {
            at[n_at++] = i;
            i += 7;
        }
    cr_assert_eq(n_at, 2, "%zu FILETIMEs of the epoch were written, not 2", n_at);
    for (size_t i = 0; i < n_after; i++)
        if (before[i] != after[i])
            cr_assert((i >= at[0] && i < at[0] + 8) || (i >= at[1] && i < at[1] + 8),
                      "byte %zu changed outside the two times", i);
    char line[256];
    suminfo_line(msi, "Created:", line, sizeof line);
    cr_assert_str_eq(line, "Created: Thu Jan  1 00:00:00 1970\n");
    free(before);
    free(after);
}

Test(msi_time, msiinfo_reads_source_date_epoch)
{
    const char *msi = make_msi();
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_msi_set_time(msi, 1000000000, &err), 0, "%s", err.message);
    char line[256];
    suminfo_line(msi, "Created:", line, sizeof line);
    cr_assert_str_eq(line, "Created: Sun Sep  9 01:46:40 2001\n");
    suminfo_line(msi, "Last saved:", line, sizeof line);
    cr_assert_str_eq(line, "Last saved: Sun Sep  9 01:46:40 2001\n");
}

static void expect_refused(const char *path, const char *what)
{
    size_t n0, n1;
    char *before = slurp(path, &n0);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_msi_set_time(path, 1000000000, &err), -1, "%s was accepted", what);
    cr_assert(strstr(err.message, path), "%s: the message names the file: %s", what, err.message);
    char *after = slurp(path, &n1);
    cr_assert(n0 == n1 && !memcmp(before, after, n0), "%s: the file was changed", what);
    free(before);
    free(after);
}

/* Writes `size` bytes of `data` over `path`. */
static void put(const char *path, const char *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, size, f), size);
    cr_assert_eq(fclose(f), 0);
}

Test(msi_time, damaged_files_are_refused_unchanged)
{
    const char *msi = make_msi();
    size_t size;
    char *good = slurp(msi, &size);
    put(msi, good, 1536); /* the header and two sectors: the directory chain leaves the file */
    expect_refused(msi, "a truncated MSI");
    put(msi, good, size);
    char *bad = malloc(size);
    memcpy(bad, good, size);
    bad[0] ^= 0x20; /* the signature */
    put(msi, bad, size);
    expect_refused(msi, "a wrong signature");
    memcpy(bad, good, size);
    memset(bad + 0x30, 0x7f, 4); /* the directory's first sector, far past the end */
    put(msi, bad, size);
    expect_refused(msi, "a directory outside the file");
    put(msi, good, size);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_msi_set_time(msi, -1, &err), -1, "a time before 1970 was accepted");
    free(bad);
    free(good);
}
