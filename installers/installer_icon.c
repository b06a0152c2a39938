/* The app's icon for installers: [app] icon (a PNG), or one drawn here when the manifest has
 * none, so every package has a menu icon and every .app an .icns without asking for artwork.
 * The generated icon is a rounded square in a colour taken from the app's name, with a lighter
 * band across it: distinct per app, identical on every build. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "installer_util.h"
#include "pyhost/bytes.h"
#include "pyhost/fsutil.h"

#define ICON_SIZE 256

/* Appends one PNG chunk (length, type, data, CRC of type and data). */
static void chunk(FILE *f, const char *type, const unsigned char *data, size_t size)
{
    unsigned char head[8], crc[4];
    ph_put_be32(head, (uint32_t)size);
    memcpy(head + 4, type, 4);
    uLong c = crc32(0, head + 4, 4);
    if (size) /* zlib's crc32(c, NULL, 0) returns its initial value, not c */
        c = crc32(c, data, (uInt)size);
    ph_put_be32(crc, (uint32_t)c);
    fwrite(head, 1, 8, f);
    fwrite(data, 1, size, f);
    fwrite(crc, 1, 4, f);
}

/* Inside a square of side `n` with corners rounded at radius r? */
static bool inside(int x, int y, int n, int r)
{
    int cx = x < r ? r : x >= n - r ? n - r - 1 : x;
    int cy = y < r ? r : y >= n - r ? n - r - 1 : y;
    return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
}

/* RGBA rows, each led by PNG filter type 0. */
static unsigned char *draw(const char *name, size_t *size)
{
    uint32_t h = 2166136261u; /* FNV-1a of the name picks the colour */
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    unsigned char base[3] = {(unsigned char)(60 + h % 140), (unsigned char)(60 + (h >> 8) % 140),
                             (unsigned char)(60 + (h >> 16) % 140)};
    size_t row = 1 + ICON_SIZE * 4;
    unsigned char *px = calloc(ICON_SIZE, row);
    for (int y = 0; px && y < ICON_SIZE; y++) {
        for (int x = 0; x < ICON_SIZE; x++) {
            unsigned char *p = px + (size_t)y * row + 1 + (size_t)x * 4;
            if (!inside(x, y, ICON_SIZE, 48))
                continue;
            bool band = abs(x - y) < 40;
            for (int c = 0; c < 3; c++)
                p[c] = band ? (unsigned char)(base[c] + (255 - base[c]) / 2) : base[c];
            p[3] = 255;
        }
    }
    *size = ICON_SIZE * row;
    return px;
}

static int write_default_icon(const char *name, const char *path, ph_error *err)
{
    size_t raw_size;
    unsigned char *raw = draw(name, &raw_size);
    uLongf packed_size = compressBound(raw_size);
    unsigned char *packed = raw ? malloc(packed_size) : NULL;
    if (!packed || compress2(packed, &packed_size, raw, raw_size, 9) != Z_OK) {
        free(raw);
        free(packed);
        return ph_error_set(err, "out of memory");
    }
    char *data = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&data, &size);
    unsigned char ihdr[13] = {0};
    ph_put_be32(ihdr, ICON_SIZE);
    ph_put_be32(ihdr + 4, ICON_SIZE);
    ihdr[8] = 8; /* bits per channel */
    ihdr[9] = 6; /* RGBA */
    if (f) {
        fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
        chunk(f, "IHDR", ihdr, sizeof ihdr);
        chunk(f, "IDAT", packed, packed_size);
        chunk(f, "IEND", NULL, 0);
        fclose(f);
    }
    free(raw);
    free(packed);
    int rc = data ? ph_inst_write(path, data, size, 0644, err) : ph_error_set(err, "out of memory");
    free(data);
    return rc;
}

/* The width and height from the PNG's IHDR chunk, which the format puts first. */
static int png_size(const ph_manifest *m, const char *path, unsigned *w, unsigned *h, ph_error *err)
{
    struct stat st;
    unsigned char head[24];
    int fd = ph_open_regular(path, "the icon", &st, err);
    if (fd < 0) {
        ph_error why = *err;
        ph_manifest_error(m, err, "app", "icon", "cannot read '%s': %s", m->app.icon, why.message);
        return ph_error_hint(err, "%s", why.hint);
    }
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (st.st_size > (off_t)PH_MAX_ICON) {
        ph_manifest_error(m, err, "app", "icon", "'%s' is larger than %zu MiB", m->app.icon,
                          PH_MAX_ICON >> 20);
        return ph_error_hint(err, "installers need a square PNG icon, e.g. 256x256 pixels");
    }
    if (n < (ssize_t)sizeof head || memcmp(head, "\x89PNG\r\n\x1a\n", 8) ||
        memcmp(head + 12, "IHDR", 4)) {
        ph_manifest_error(m, err, "app", "icon", "'%s' is not a PNG image", m->app.icon);
        return ph_error_hint(err, "installers need a square PNG icon, e.g. 256x256 pixels");
    }
    *w = ph_be32(head + 16);
    *h = ph_be32(head + 20);
    return 0;
}

int ph_inst_icon(const ph_manifest *m, const char *fallback, char **path, unsigned *width,
                 unsigned *height, ph_error *err)
{
    *path = NULL;
    if (!m->app.icon) {
        *width = *height = ICON_SIZE;
        if (write_default_icon(m->app.name, fallback, err) < 0)
            return -1;
        return (*path = strdup(fallback)) ? 0 : ph_error_set(err, "out of memory");
    }
    if (ph_manifest_resolve_path(m, m->app.icon, path, err) < 0)
        return -1;
    int rc = png_size(m, *path, width, height, err);
    if (rc == 0 && *width == *height && *width > 0)
        return 0;
    if (rc == 0) {
        ph_manifest_error(m, err, "app", "icon", "'%s' is %ux%u pixels, not square", m->app.icon,
                          *width, *height);
        ph_error_hint(err, "installers need a square PNG icon, e.g. 256x256 pixels");
    }
    free(*path);
    *path = NULL;
    return -1;
}
