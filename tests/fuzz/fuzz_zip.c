/* libFuzzer target for the zip reader behind wheels (launcher/fetch/zip.c): a wheel is outside
 * input. The input is the archive; every member is read back, so the central directory, the
 * local headers, the overlap and size checks and inflate all see it. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pyhost/fsutil.h"
#include "zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.whl", MFD_CLOEXEC);
    if (fd < 0 || ph_write_all(fd, data, size) < 0) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ph_zip z;
    ph_error err;
    if (ph_zip_open(&z, path, "fuzz.whl", &err) == 0) {
        for (size_t i = 0; i < z.count; i++) {
            uint8_t *out = NULL;
            (void)ph_zip_safe_name(z.items[i].name);
            if (ph_zip_read(&z, &z.items[i], &out, &err) == 0)
                free(out);
        }
        ph_zip_close(&z);
    }
    close(fd);
    return 0;
}
