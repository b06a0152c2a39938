/* The MSI's identity and its WiX source (installer_msi.h).
 *
 * Windows Installer keys everything on GUIDs. Drawing them at random (what WiX's "*" and wixl
 * do) would make two builds of the same app different products, and a component GUID that
 * changes between versions breaks upgrades. Every GUID here is derived from its inputs instead:
 *   upgrade code   [installer.msi] upgrade_code, else the app's name: one per app, forever;
 *   product code   upgrade code + product version: a new one per version (a major upgrade),
 *                  and a rebuild of a version is the same product;
 *   component      upgrade code + the file's path: stable across versions, as MSI's component
 *                  rules want;
 *   package code   everything in the package: the WiX source and every file's SHA-256. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "installer_msi.h"
#include "installer_util.h"
#include "sha256.h"

/* ---- GUIDs ------------------------------------------------------------------------------ */

static void hash_str(ph_sha256 *s, const char *text)
{
    ph_sha256_update(s, text, strlen(text) + 1); /* the NUL keeps "ab"+"c" apart from "a"+"bc" */
}

void ph_msi_guid(char out[PH_MSI_GUID_SIZE], const char *kind, const char *a, const char *b)
{
    ph_sha256 s;
    char hex[65];
    ph_sha256_init(&s);
    hash_str(&s, "pyhost-msi");
    hash_str(&s, kind);
    hash_str(&s, a);
    hash_str(&s, b);
    ph_sha256_hex(&s, hex);
    hex[12] = '8'; /* version 8: "custom", here SHA-256 based */
    int nibble = hex[16] <= '9' ? hex[16] - '0' : hex[16] - 'a' + 10;
    hex[16] = "89ab"[nibble & 3]; /* the RFC 9562 variant, 10xx */
    snprintf(out, PH_MSI_GUID_SIZE, "{%.8s-%.4s-%.4s-%.4s-%.12s}", hex, hex + 8, hex + 12, hex + 16,
             hex + 20);
    for (char *p = out; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
}

/* The schema checked the shape; MSI wants upper case in braces. */
static void normalize_guid(const char *in, char out[PH_MSI_GUID_SIZE])
{
    snprintf(out, PH_MSI_GUID_SIZE, "{%.36s}", in + (in[0] == '{'));
    for (char *p = out; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
}

/* MSI compares major.minor.build (at most 255.255.65535) and ignores anything after: the
 * leading numbers of [app] version, so 1.2.0rc1 is 1.2.0. */
static int product_version(ph_msi *msi, ph_error *err)
{
    static const long max[3] = {255, 255, 65535};
    const char *p = msi->m->app.version;
    long part[3] = {0, 0, 0};
    int n = 0;
    bool fits = true;
    while (n < 3 && *p >= '0' && *p <= '9' && fits) {
        char *end;
        part[n] = strtol(p, &end, 10);
        fits = part[n] <= max[n];
        n++;
        if (*end != '.' || end[1] < '0' || end[1] > '9')
            break;
        p = end + 1;
    }
    if (n == 0 || !fits) {
        ph_manifest_error(msi->m, err, "app", "version", "'%s' cannot be an MSI version",
                          msi->m->app.version);
        return ph_error_hint(err, "an MSI version is MAJOR.MINOR.BUILD, at most 255.255.65535; "
                                  "the numbers [app] version starts with are used");
    }
    snprintf(msi->product_version, sizeof msi->product_version, "%ld.%ld.%ld", part[0], part[1],
             part[2]);
    return 0;
}

int ph_msi_identify(ph_msi *msi, const ph_manifest *m, ph_error *err)
{
    msi->m = m;
    msi->manufacturer = m->msi.manufacturer ? m->msi.manufacturer : m->app.name;
    snprintf(msi->exe, sizeof msi->exe, "%s.exe", m->app.name);
    if (product_version(msi, err) < 0)
        return -1;
    if (m->msi.upgrade_code)
        normalize_guid(m->msi.upgrade_code, msi->upgrade_code);
    else
        ph_msi_guid(msi->upgrade_code, "upgrade", m->app.name, "");
    ph_msi_guid(msi->product_code, "product", msi->upgrade_code, msi->product_version);
    return 0;
}

/* ---- Harvesting the payload ------------------------------------------------------------- */

typedef struct harvest {
    ph_msi *msi;
    ph_inst_list files; /* relative to the payload, sorted */
    const char *payload;
    FILE *xml, *refs;
    ph_sha256 content; /* every path and its SHA-256, for the package code */
    ph_error *err;
} harvest;

static void put_escaped(FILE *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(s[i], f);
        }
    }
}

/* An Id WiX accepts (letters, digits, '_', at most 72 characters) that names one path. */
static void make_id(char out[20], char prefix, const char *path, size_t len)
{
    ph_sha256 s;
    char hex[65];
    ph_sha256_init(&s);
    ph_sha256_update(&s, path, len);
    ph_sha256_hex(&s, hex);
    snprintf(out, 20, "%c%.16s", prefix, hex);
}

/* Windows cannot hold these names, and "$(" would read as a WiX preprocessor variable. */
static int check_windows_name(harvest *h, const char *rel)
{
    for (const char *p = rel; *p; p++)
        if ((unsigned char)*p < 32 || strchr("<>:\"\\|?*", *p) || (p[0] == '$' && p[1] == '('))
            goto bad;
    return 0;
bad:
    ph_error_set(h->err, "the app's file '%s' cannot be installed on Windows", rel);
    return ph_error_hint(h->err, "Windows file names cannot hold control characters or any of "
                                 "<>:\"\\|?*; rename it, or leave it out of the app");
}

static int emit_file(harvest *h, const char *rel, int depth)
{
    char id[20], guid[PH_MSI_GUID_SIZE], sha[65];
    char *path = ph_inst_join(h->payload, rel);
    int rc = path ? ph_sha256_file(path, sha, h->err) : ph_error_set(h->err, "out of memory");
    free(path);
    if (rc < 0 || check_windows_name(h, rel) < 0)
        return -1;
    hash_str(&h->content, rel);
    hash_str(&h->content, sha);
    if (!strcmp(rel, h->msi->exe))
        return 0; /* the template's MainExecutable, with the shortcut */
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    make_id(id, 'c', rel, strlen(rel));
    ph_msi_guid(guid, "component", h->msi->upgrade_code, rel);
    fprintf(h->xml, "%*s<Component Id=\"%s\" Guid=\"%s\" Win64=\"yes\">\n", depth * 2, "", id,
            guid);
    fprintf(h->xml, "%*s  <File Id=\"f%s\" Name=\"", depth * 2, "", id + 1);
    put_escaped(h->xml, base, strlen(base));
    fputs("\" Source=\"$(var.SourceDir)/", h->xml);
    put_escaped(h->xml, rel, strlen(rel));
    fprintf(h->xml, "\" KeyPath=\"yes\"/>\n%*s</Component>\n", depth * 2, "");
    fprintf(h->refs, "      <ComponentRef Id=\"%s\"/>\n", id);
    return 0;
}

/* Files [lo, hi) all start with `prefix` (a directory, "" or "lib/"); sorted, so each
 * subdirectory's files are a contiguous run. Emits them as nested Directory elements. */
static int emit_dir(harvest *h, size_t lo, size_t hi, size_t prefix_len, int depth)
{
    for (size_t i = lo; i < hi;) {
        const char *rel = h->files.items[i];
        const char *slash = strchr(rel + prefix_len, '/');
        if (!slash) {
            if (emit_file(h, rel, depth) < 0)
                return -1;
            i++;
            continue;
        }
        size_t len = (size_t)(slash - rel) + 1, j = i + 1;
        while (j < hi && !strncmp(h->files.items[j], rel, len))
            j++;
        char id[20];
        make_id(id, 'd', rel, len - 1);
        fprintf(h->xml, "%*s<Directory Id=\"%s\" Name=\"", depth * 2, "", id);
        put_escaped(h->xml, rel + prefix_len, len - 1 - prefix_len);
        fputs("\">\n", h->xml);
        if (emit_dir(h, i, j, len, depth + 1) < 0)
            return -1;
        fprintf(h->xml, "%*s</Directory>\n", depth * 2, "");
        i = j;
    }
    return 0;
}

static int harvest_payload(harvest *h, char **xml, char **refs)
{
    size_t xml_size = 0, refs_size = 0;
    if (ph_inst_list_files(h->payload, &h->files, h->err) < 0)
        return -1;
    h->xml = open_memstream(xml, &xml_size);
    h->refs = open_memstream(refs, &refs_size);
    int rc = h->xml && h->refs ? emit_dir(h, 0, h->files.count, 0, 5)
                               : ph_error_set(h->err, "out of memory");
    if (h->xml && fclose(h->xml) != 0)
        rc = ph_error_set(h->err, "out of memory");
    if (h->refs && fclose(h->refs) != 0)
        rc = ph_error_set(h->err, "out of memory");
    ph_inst_list_free(&h->files);
    if (rc == 0 && (!*xml || !*refs))
        rc = ph_error_set(h->err, "out of memory");
    for (char **s = (char *[]){*xml, *refs, NULL}; rc == 0 && *s; s++)
        if (**s)
            (*s)[strlen(*s) - 1] = '\0'; /* the template's line ends these */
    return rc;
}

/* ---- The source ------------------------------------------------------------------------- */

/* Text from the manifest going into XML attributes. */
static char *escaped(const char *s)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    if (!f)
        return NULL;
    put_escaped(f, s, strlen(s));
    return fclose(f) == 0 ? out : NULL;
}

static int render(ph_msi *msi, const char *files, const char *refs, const char *icon, char **out,
                  ph_error *err)
{
    char exe_guid[PH_MSI_GUID_SIZE];
    ph_msi_guid(exe_guid, "component", msi->upgrade_code, msi->exe);
    char *manufacturer = escaped(msi->manufacturer), *version = escaped(msi->m->app.version);
    const char *base = strrchr(icon, '/');
    ph_inst_var vars[] = {{"PRODUCT_CODE", msi->product_code},
                          {"PACKAGE_CODE", msi->package_code},
                          {"UPGRADE_CODE", msi->upgrade_code},
                          {"NAME", msi->m->app.name}, /* the schema allows no XML specials */
                          {"VERSION", version},
                          {"PRODUCT_VERSION", msi->product_version},
                          {"MANUFACTURER", manufacturer},
                          {"ICON", base ? base + 1 : icon},
                          {"EXE", msi->exe},
                          {"EXE_GUID", exe_guid},
                          {"FILES", files},
                          {"COMPONENT_REFS", refs},
                          {NULL, NULL}};
    int rc = manufacturer && version ? ph_inst_render("msi/product.wxs", vars, out, err)
                                     : ph_error_set(err, "out of memory");
    free(manufacturer);
    free(version);
    return rc;
}

int ph_msi_wxs(ph_msi *msi, const char *payload, const char *icon, char **out, ph_error *err)
{
    harvest h = {.msi = msi, .payload = payload, .err = err};
    char *files = NULL, *refs = NULL, *draft = NULL, icon_sha[65];
    ph_sha256_init(&h.content);
    int rc = harvest_payload(&h, &files, &refs);
    if (rc == 0)
        rc = ph_sha256_file(icon, icon_sha, err);
    /* The package code covers the source itself (rendered with a placeholder for it), the
     * files and the icon. */
    snprintf(msi->package_code, sizeof msi->package_code, "{PACKAGE-CODE}");
    if (rc == 0)
        rc = render(msi, files, refs, icon, &draft, err);
    if (rc == 0) {
        hash_str(&h.content, icon_sha);
        ph_sha256_update(&h.content, draft, strlen(draft));
        char hex[65];
        ph_sha256_hex(&h.content, hex);
        ph_msi_guid(msi->package_code, "package", msi->upgrade_code, hex);
        rc = render(msi, files, refs, icon, out, err);
    }
    free(draft);
    free(files);
    free(refs);
    return rc;
}
