/* Writes the fuzzer's seed corpus: small .pyr files covering every kind, slot, location and
 * compression, so mutations start from valid structure. Usage: make_fuzz_corpus DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/pyr.h"

static int add(pyr_writer *w, const char *name, pyr_kind kind, pyr_slot slot, const char *text,
               pyr_location loc)
{
    ph_error err;
    if (pyr_writer_add_blob(w, name, kind, slot, text, strlen(text), loc, 0, &err) < 0) {
        fprintf(stderr, "make_fuzz_corpus: %s\n", err.message);
        return -1;
    }
    return 0;
}

/* Python-ish text, long enough (>= 64 bytes) to be compressed. */
static void text_for(char *out, size_t cap, const char *name, int slot)
{
    const char *base = strchr(name, '.') ? strchr(name, '.') + 1 : name;
    snprintf(out, cap,
             "import os, sys\n\ndef %s_%d(value):\n    return value + %d  # %s\n\n"
             "def %s_%d_again(value):\n    return value + %d  # %s\n",
             base, slot, slot, name, base, slot, slot, name);
}

static int write_seed(const char *dir, const char *file, int level, int dictionary, int count)
{
    static const char *const names[] = {
        "json",    "json.decoder", "json.encoder",   "email.utils",  "http.client",
        "xml.dom", "logging",      "asyncio.events", "urllib.parse", "ctypes.util"};
    pyr_writer_options o = {.python_magic = 0x0a0d0da7u,
                            .python_version = 0x030b0000u,
                            .compression_level = level,
                            .train_dictionary = dictionary,
                            .dictionary_size = 1024};
    pyr_writer *w;
    ph_error err;
    if (pyr_writer_new(&w, &o, &err) < 0)
        return -1;
    char text[512], path[4096];
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        const char *n = names[i % 10];
        pyr_kind kind = i % 10 == 0 ? PYR_PACKAGE : PYR_MODULE;
        for (int slot = 0; slot < 3 && rc == 0; slot++) {
            text_for(text, sizeof text, n, slot);
            rc = add(w, n, kind, (pyr_slot)slot, text, PYR_IN_MEMORY);
        }
    }
    if (rc == 0)
        rc = add(w, "_decimal", PYR_EXTENSION_MODULE, PYR_DATA, "lib/_decimal.so",
                 PYR_FILESYSTEM_RELATIVE);
    if (rc == 0)
        rc = add(w, "certifi/cacert.pem", PYR_PACKAGE_RESOURCE, PYR_DATA, "-----BEGIN-----",
                 PYR_IN_MEMORY);
    if (rc == 0)
        rc = add(w, ".pyhost/manifest.ini", PYR_PLAIN_FILE, PYR_DATA, "[app]\nname = t\n",
                 PYR_IN_MEMORY);
    if (rc == 0)
        rc = pyr_writer_add_entry(w, "nspkg", PYR_NAMESPACE_PACKAGE, &err);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (rc == 0 && pyr_writer_write_file(w, path, &err) < 0) {
        fprintf(stderr, "make_fuzz_corpus: %s\n", err.message);
        rc = -1;
    }
    pyr_writer_free(w);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_fuzz_corpus DIR\n");
        return 2;
    }
    if (write_seed(argv[1], "empty.pyr", 0, 0, 0) < 0 ||
        write_seed(argv[1], "stored.pyr", 0, 0, 10) < 0 ||
        write_seed(argv[1], "zstd.pyr", 3, 0, 10) < 0 ||
        write_seed(argv[1], "dictionary.pyr", 3, 1, 10) < 0)
        return 1;
    return 0;
}
