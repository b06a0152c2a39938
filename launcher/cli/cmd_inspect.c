/* pyhost inspect FILE [--json]: what a .pyr (or an executable with embedded resources) holds.
 * The --json object is documented in docs/format.md ("pyhost inspect --json"); keep both in
 * step. Output is assembled in memory and printed only when the whole file was read, so a
 * damaged file never leaves half a JSON document on stdout. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "args.h"
#include "bundle_needs.h"
#include "cli.h"
#include "pyhost/elf.h"
#include "pyhost/fsutil.h"
#include "inspect_sizes.h"
#include "pyhost/pyr.h"

static const char usage[] =
    "usage: pyhost inspect FILE [--json] [--sizes]\n"
    "\n"
    "Shows what a .pyr resources file holds: the header (format version, the Python it was\n"
    "built for, sizes), then one line per entry with its kind and, for each blob, the\n"
    "stored/raw sizes, compression and location. FILE may also be an executable made by\n"
    "'pyhost bundle' with the resources embedded in it; for a bundle, also what it needs\n"
    "where it runs: the glibc it was linked for and the system libraries of the extension\n"
    "modules it packs.\n"
    "\n"
    "  --json     print one JSON object instead (documented in docs/format.md)\n"
    "  --sizes    what takes the room: stored and raw bytes by top-level package, by kind of\n"
    "             entry and by blob (source, bytecode, data), instead of one line per entry\n"
    "             (with --json: a \"sizes\" object added to it)\n"
    "  -h, --help show this help\n";

/* The length of the well-formed UTF-8 sequence at s[0..n) (Unicode table 3-7: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 when it is not one. */
static size_t utf8_length(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xc2 && c <= 0xdf   ? 2
                 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4
                                          : 0;
    if (!len || n < len)
        return 0;
    unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* Writes s as a JSON string. Invalid UTF-8 becomes U+FFFD: names are bytes in the format. */
void ph_inspect_json_string(FILE *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    fputc('"', out);
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        size_t len = utf8_length(u + i, n - i);
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c);
        else if (len)
            fwrite(s + i, 1, len, out);
        else
            fputs("\\ufffd", out);
        i += len ? len : 1;
    }
    fputc('"', out);
}

/* Writes s for a terminal: control characters and invalid UTF-8 as \xNN, so that a name in a
 * hostile .pyr cannot move the cursor, clear the screen or set the title. */
static void text_string(FILE *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_length(u + i, n - i);
        if (u[i] < 0x20 || u[i] == 0x7f || u[i] == '\\' || !len ||
            (len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)) { /* C1 controls */
            for (size_t k = 0; k < (len ? len : 1); k++)
                fprintf(out, "\\x%02x", u[i + k]);
        } else {
            fwrite(s + i, 1, len, out);
        }
        i += len ? len : 1;
    }
}

static void print_header(FILE *out, const pyr_archive *a, const pyr_info *info, bool json)
{
    unsigned major = info->python_version >> 24, minor = (info->python_version >> 16) & 0xff;
    if (json) {
        fprintf(out, "{\"format_version\":%u,\"python_magic\":%u,\"python_version\":\"%u.%u\",",
                info->format_version, info->python_magic, major, minor);
        fprintf(out, "\"size\":%llu,\"offset\":%llu,\"entry_count\":%u,\"blob_count\":%u,",
                (unsigned long long)info->size, (unsigned long long)info->offset, info->entry_count,
                info->blob_count);
        fprintf(out, "\"index_size\":%llu,\"dictionary_size\":%llu,\"entries\":[",
                (unsigned long long)info->index_size, (unsigned long long)info->dictionary_size);
        return;
    }
    fprintf(out, "%s: .pyr format %u, %llu bytes", pyr_path(a), info->format_version,
            (unsigned long long)info->size);
    if (info->offset)
        fprintf(out, " (embedded at offset %llu)", (unsigned long long)info->offset);
    fprintf(out, "\npython:     %u.%u (bytecode magic 0x%08x)\n", major, minor, info->python_magic);
    fprintf(out, "entries:    %u\nblobs:      %u\nindex:      %llu bytes\n", info->entry_count,
            info->blob_count, (unsigned long long)info->index_size);
    if (info->dictionary_size)
        fprintf(out, "dictionary: %llu bytes\n", (unsigned long long)info->dictionary_size);
    else
        fprintf(out, "dictionary: none\n");
}

static int print_blob(FILE *out, pyr_archive *a, uint32_t index, pyr_slot slot, const pyr_blob *b,
                      bool json, bool first, ph_error *err)
{
    pyr_data path = {0};
    if (b->location == PYR_FILESYSTEM_RELATIVE && pyr_read(a, index, slot, &path, err) < 0)
        return -1;
    const char *compression = pyr_compression_name(b->compression);
    const char *location = b->location == PYR_FILESYSTEM_RELATIVE ? "filesystem" : "memory";
    if (json) {
        fprintf(out,
                "%s\"%s\":{\"size\":%llu,\"stored_size\":%llu,\"compression\":\"%s\","
                "\"location\":\"%s\"",
                first ? "" : ",", pyr_slot_name(slot), (unsigned long long)b->size,
                (unsigned long long)b->stored_size, compression, location);
        if (path.bytes) {
            fputs(",\"path\":", out);
            ph_inspect_json_string(out, (const char *)path.bytes, path.size);
        }
        fputc('}', out);
    } else {
        fprintf(out, " %s=%llu/%llu,%s,%s", pyr_slot_name(slot), (unsigned long long)b->stored_size,
                (unsigned long long)b->size, compression, location);
        if (path.bytes) {
            fputc(':', out);
            text_string(out, (const char *)path.bytes, path.size);
        }
    }
    pyr_data_release(&path);
    return 0;
}

static int print_entry(FILE *out, pyr_archive *a, uint32_t index, bool json, ph_error *err)
{
    pyr_entry e;
    if (pyr_entry_at(a, index, &e, err) < 0)
        return -1;
    if (json) {
        fputs(index ? ",{\"name\":" : "{\"name\":", out);
        ph_inspect_json_string(out, e.name, e.name_len);
        fprintf(out, ",\"kind\":\"%s\",\"blobs\":{", pyr_kind_name(e.kind));
    } else {
        text_string(out, e.name, e.name_len);
        fprintf(out, " %s", pyr_kind_name(e.kind));
    }
    bool first = true;
    for (int slot = 0; slot < PYR_SLOTS; slot++) {
        pyr_blob b;
        int rc = pyr_blob_at(a, index, (pyr_slot)slot, &b, err);
        if (rc < 0 ||
            (rc == 1 && print_blob(out, a, index, (pyr_slot)slot, &b, json, first, err) < 0))
            return -1;
        first = first && rc == 0;
    }
    fputs(json ? "}}" : "\n", out);
    return 0;
}

/* Opens FILE as a .pyr, or failing that as an executable with a resources trailer. */
static int open_any(pyr_archive **a, const char *path, ph_error *err)
{
    if (pyr_open_file(a, path, 0, err) == 0)
        return 0;
    ph_error embedded_err;
    uint64_t offset;
    int found = pyr_find_embedded(path, &offset, &embedded_err);
    if (found < 0) {
        *err = embedded_err;
        return -1;
    }
    if (found == 0)
        return ph_error_hint(err, "pass a .pyr made by 'pyhost build' or an executable made by "
                                  "'pyhost bundle'");
    return pyr_open_file(a, path, offset, err);
}

/* For a bundle executable: "runs on: glibc >= 2.35 (...)" and the system libraries its packed
 * extension modules need (installers/bundle_needs.h). A onefile loader is static; the stub it
 * unpacks is the pyhost-stub next to this pyhost. */
int ph_print_bundle_needs(FILE *out, const char *path, ph_error *err)
{
    char head[4] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    if (!ph_elf_is_elf(head, n))
        return 0;
    char *self = ph_self_path(err), *stub = NULL;
    const char *slash = self ? strrchr(self, '/') : NULL;
    if (slash && asprintf(&stub, "%.*s/%s", (int)(slash - self), self, PH_STUB_NAME) < 0)
        stub = NULL;
    ph_bundle_needs needs;
    int rc = ph_bundle_needs_read(path, stub, NULL, &needs, err);
    free(stub);
    free(self);
    if (rc < 0)
        return -1;
    if (needs.glibc_minor)
        fprintf(out, "runs on:    glibc >= 2.%u (the highest symbol version %s needs)\n",
                needs.glibc_minor, needs.floor_from);
    else
        fprintf(out, "runs on:    any Linux (static, no shared C library)\n");
    if (!needs.lib_count)
        fprintf(out, "system libraries: none besides the C library\n");
    for (size_t i = 0; i < needs.lib_count; i++)
        fprintf(out, "system library: %s (needed by %s)\n", needs.libs[i].name,
                needs.libs[i].module);
    ph_bundle_needs_free(&needs);
    return 0;
}

static int inspect(const char *path, bool json, bool sizes)
{
    ph_error err = {{0}, {0}};
    pyr_archive *a;
    if (open_any(&a, path, &err) < 0)
        return ph_report(&err);
    char *text = NULL;
    size_t text_size = 0;
    FILE *out = open_memstream(&text, &text_size);
    if (!out) {
        pyr_close(a);
        ph_error_set(&err, "out of memory");
        return ph_report(&err);
    }
    pyr_info info;
    pyr_get_info(a, &info);
    print_header(out, a, &info, json);
    int rc = json || sizes ? 0 : ph_print_bundle_needs(out, path, &err);
    for (uint32_t i = 0; rc == 0 && (json || !sizes) && i < info.entry_count; i++)
        rc = print_entry(out, a, i, json, &err);
    if (json)
        fputs(sizes ? "],\"sizes\":" : "]}\n", out);
    if (rc == 0 && sizes)
        rc = ph_inspect_sizes(out, a, json, &err);
    if (json && sizes)
        fputs("}\n", out);
    fclose(out);
    pyr_close(a);
    if (rc == 0)
        fwrite(text, 1, text_size, stdout);
    free(text);
    return rc < 0 ? ph_report(&err) : 0;
}

/* FILE, once; anything else starting with '-' is an option inspect does not have. */
static int take_file(void *ctx, const char *arg)
{
    const char **file = ctx;
    if (arg[0] == '-' && arg[1])
        return ph_usage_error("inspect", "unknown option '%s'", arg);
    if (*file)
        return ph_usage_error("inspect", "one FILE at a time ('%s' and '%s')", *file, arg);
    *file = arg;
    return PH_ARGS_NEXT;
}

int ph_cmd_inspect(int argc, char **argv)
{
    const char *file = NULL;
    bool json = false, sizes = false;
    const ph_option options[] = {
        PH_OPT_FLAG("--json", NULL, &json),
        PH_OPT_FLAG("--sizes", NULL, &sizes),
        PH_OPT_END,
    };
    const ph_command_line cl = {
        .command = "inspect", .help = usage, .options = options, .other = take_file, .ctx = &file};
    int rc = ph_args_parse(&cl, argc, argv, NULL);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (!file)
        return ph_usage_error("inspect", "which .pyr? usage: pyhost inspect FILE [--json]");
    return inspect(file, json, sizes);
}
