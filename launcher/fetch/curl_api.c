#include "curl_api.h"

#include <dlfcn.h>
#include <string.h>

/* The soname of Debian's libcurl4 (OpenSSL flavour), the one the headers come from. */
#define CURL_SONAME "libcurl.so.4"

static int resolve(ph_curl *c, ph_error *err)
{
    struct {
        const char *name;
        void **slot;
    } symbols[] = {
        {"curl_easy_init", (void **)&c->easy_init},
        {"curl_easy_setopt", (void **)&c->easy_setopt},
        {"curl_easy_perform", (void **)&c->easy_perform},
        {"curl_easy_getinfo", (void **)&c->easy_getinfo},
        {"curl_easy_cleanup", (void **)&c->easy_cleanup},
        {"curl_easy_strerror", (void **)&c->easy_strerror},
        {"curl_global_init", (void **)&c->global_init},
        {"curl_global_cleanup", (void **)&c->global_cleanup},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        *symbols[i].slot = dlsym(c->library, symbols[i].name);
        if (!*symbols[i].slot)
            return ph_error_set(err, "%s lacks %s: %s", CURL_SONAME, symbols[i].name, dlerror());
    }
    return 0;
}

int ph_curl_open(ph_curl *c, ph_error *err)
{
    memset(c, 0, sizeof *c);
    c->library = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!c->library) {
        ph_error_set(err, "cannot load %s for downloads: %s", CURL_SONAME, dlerror());
        return ph_error_hint(err, "install libcurl (Debian: apt-get install libcurl4), or use "
                                  "local .whl paths");
    }
    if (resolve(c, err) < 0 || c->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        if (!err || !err->message[0])
            ph_error_set(err, "cannot initialize libcurl");
        dlclose(c->library);
        memset(c, 0, sizeof *c);
        return -1;
    }
    return 0;
}

void ph_curl_close(ph_curl *c)
{
    if (!c->library)
        return;
    c->global_cleanup();
    dlclose(c->library);
    memset(c, 0, sizeof *c);
}
