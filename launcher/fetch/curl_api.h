/* libcurl, loaded when a download is about to happen. Linking it would make every `pyhost run`
 * map libcurl and the two dozen libraries it pulls in (TLS, HTTP/2, SSH, LDAP, IDN): a few
 * milliseconds of start-up, paid by every app run, for a feature only `fetch` and
 * `build` with URL inputs use. */
#ifndef PH_CURL_API_H
#define PH_CURL_API_H

#include <curl/curl.h>

#include "pyhost/error.h"

typedef struct ph_curl {
    void *library;
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
} ph_curl;

/* Loads libcurl and initializes it; every successful open is paired with ph_curl_close. */
int ph_curl_open(ph_curl *curl, ph_error *err);
void ph_curl_close(ph_curl *curl);

#endif
