/* Names of the format's enumerations, shared by inspect output, messages and the manifest. */
#include <string.h>

#include "pyhost/pyr.h"

static const char *const kind_names[] = {
    [PYR_MODULE] = "module",
    [PYR_PACKAGE] = "package",
    [PYR_NAMESPACE_PACKAGE] = "namespace-package",
    [PYR_EXTENSION_MODULE] = "extension-module",
    [PYR_SHARED_LIBRARY] = "shared-library",
    [PYR_PACKAGE_RESOURCE] = "package-resource",
    [PYR_DISTRIBUTION_FILE] = "distribution-file",
    [PYR_PLAIN_FILE] = "file",
};

const char *pyr_kind_name(pyr_kind kind)
{
    if ((int)kind < PYR_MODULE || (int)kind > PYR_PLAIN_FILE)
        return "?";
    return kind_names[kind];
}

int pyr_kind_from_name(const char *name)
{
    for (int k = PYR_MODULE; k <= PYR_PLAIN_FILE; k++)
        if (!strcmp(kind_names[k], name))
            return k;
    return -1;
}

const char *pyr_slot_name(pyr_slot slot)
{
    static const char *const names[PYR_SLOTS] = {"source", "bytecode-opt0", "bytecode-opt1",
                                                 "bytecode-opt2", "data"};
    return (unsigned)slot < PYR_SLOTS ? names[slot] : "?";
}

const char *pyr_compression_name(pyr_compression c)
{
    switch (c) {
    case PYR_STORED:
        return "none";
    case PYR_ZSTD:
        return "zstd";
    case PYR_ZSTD_DICT:
        return "zstd-dict";
    }
    return "?";
}

/* Here, not in the writer: the finder checks it too, and the stub must not link the writer
 * (and zstd's compressor with it) for one function. */
bool pyr_safe_relative_path(const void *path, size_t n)
{
    const uint8_t *p = path;
    if (n == 0 || p[0] == '/' || memchr(p, '\0', n))
        return false;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        if (j - i == 2 && p[i] == '.' && p[i + 1] == '.')
            return false;
        i = j + 1;
    }
    return true;
}
