/* Downloads into the content-addressed cache with libcurl.
 *
 * Concurrency and resume: every process fetching a digest opens downloads/<sha256>.part and
 * takes flock(LOCK_EX) on it before anything else. The holder resumes whatever bytes the file
 * already has (CURLOPT_RESUME_FROM_LARGE), checks the digest of the whole file and renames it
 * to downloads/<sha256>/<name>. A process that waited for the lock then finds the final file
 * and stops ("cached"); it re-opens the .part path when the file it locked was renamed or
 * deleted meanwhile, so nobody ever writes into a file that is no longer the .part. One
 * download per digest at a time, no duplicated traffic, and an interrupted download survives
 * for the next attempt. */
#include "curl_api.h"
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ph_build_config.h"
#include "pyhost/cachedir.h"
#include "pyhost/fsutil.h"
#include "sha256.h"

#define MAX_REDIRECTS 10L
#define ATTEMPTS 3          /* per run: an interrupted transfer is resumed this many times */
#define CONNECT_TIMEOUT 30L /* seconds */
#define LOW_SPEED_TIME 60L  /* seconds under 1 byte/s before giving up */

typedef struct dl {
    const ph_input *in;
    const ph_fetch_options *o;
    char dir[PATH_MAX], part[PATH_MAX], final_dir[PATH_MAX], final[PATH_MAX];
    int fd;
    ph_sha256 hash;
    uint64_t start, got; /* resumed from, and written in this attempt */
    int write_errno;
    char curl_error[CURL_ERROR_SIZE];
    ph_curl curl;
    ph_error *err;
} dl;

/* ---- Local files and the cache --------------------------------------------------------- */

static int verify(const char *path, const char *want, char got[65], ph_error *err)
{
    if (ph_sha256_file(path, got, err) < 0)
        return -1;
    return strcmp(got, want) == 0 ? 0 : 1;
}

static int fetch_local(const ph_input *in, ph_fetch_result *r, ph_error *err)
{
    struct stat st;
    char got[65];
    if (stat(in->source, &st) < 0 || !S_ISREG(st.st_mode)) {
        ph_error_set(err, "%s: wheel '%s' does not exist", in->origin, in->source);
        return ph_error_hint(err, "paths are relative to the manifest's directory");
    }
    int rc = in->sha256[0] ? verify(in->source, in->sha256, got, err) : 0;
    if (rc == 1) {
        ph_error_set(err, "%s: %s: SHA-256 mismatch: expected %s, got %s", in->origin, in->source,
                     in->sha256, got);
        return ph_error_hint(err, "the file changed since it was pinned; check where it came "
                                  "from, then update the #sha256= value");
    }
    if (rc < 0 || !(r->path = strdup(in->source)))
        return rc < 0 ? -1 : ph_error_set(err, "out of memory");
    r->status = PH_FETCH_LOCAL;
    r->bytes = (uint64_t)st.st_size;
    return 0;
}

static bool fits_in(const char *buf, size_t size, int written)
{
    (void)buf;
    return written >= 0 && (size_t)written < size;
}

static int cache_paths(dl *d)
{
    char root[4096];
    if (ph_cache_root(root, sizeof root, d->err) != PH_CACHE_OK)
        return -1;
    bool fits =
        fits_in(d->dir, sizeof d->dir, snprintf(d->dir, sizeof d->dir, "%s/downloads", root));
    fits = fits && fits_in(d->part, sizeof d->part,
                           snprintf(d->part, sizeof d->part, "%s/%s.part", d->dir, d->in->sha256));
    fits = fits &&
           fits_in(d->final_dir, sizeof d->final_dir,
                   snprintf(d->final_dir, sizeof d->final_dir, "%s/%s", d->dir, d->in->sha256));
    fits = fits &&
           fits_in(d->final, sizeof d->final,
                   snprintf(d->final, sizeof d->final, "%s/%s", d->final_dir, d->in->filename));
    if (!fits)
        return ph_error_set(d->err, "%s: cache path too long", d->in->origin);
    return 0;
}

/* 1: the final file is there and intact; 0: it is not (a damaged one is removed). */
static int cached(dl *d, ph_fetch_result *r)
{
    struct stat st;
    char got[65];
    if (stat(d->final, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    int rc = verify(d->final, d->in->sha256, got, d->err);
    if (rc != 0) {
        unlink(d->final); /* damaged after the fact: fetch it again */
        return 0;
    }
    r->status = PH_FETCH_CACHED;
    r->bytes = (uint64_t)st.st_size;
    return 1;
}

/* ---- libcurl --------------------------------------------------------------------------- */

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
    dl *d = ctx;
    size_t len = size * n;
    if (pwrite(d->fd, data, len, (off_t)(d->start + d->got)) != (ssize_t)len) {
        d->write_errno = errno ? errno : ENOSPC;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    ph_sha256_update(&d->hash, data, len);
    d->got += len;
    return len;
}

static int on_progress(void *ctx, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un)
{
    dl *d = ctx;
    (void)ut;
    (void)un;
    if (d->o->progress)
        d->o->progress(d->o->progress_ctx, d->in, d->start + (uint64_t)now,
                       total > 0 ? d->start + (uint64_t)total : 0);
    return 0;
}

/* The CA bundle: ours first, then the variable OpenSSL users already know; libcurl's own
 * default (Debian: /etc/ssl/certs/ca-certificates.crt) ignores SSL_CERT_FILE. */
static void set_tls(const dl *d, CURL *c)
{
    const char *bundle = getenv("PYHOST_CA_BUNDLE");
    if (!bundle || !*bundle)
        bundle = getenv("SSL_CERT_FILE");
    if (bundle && *bundle)
        d->curl.easy_setopt(c, CURLOPT_CAINFO, bundle);
    const char *dir = getenv("SSL_CERT_DIR");
    if (dir && *dir)
        d->curl.easy_setopt(c, CURLOPT_CAPATH, dir);
    d->curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    d->curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
}

static CURL *make_handle(dl *d)
{
    CURL *c = d->curl.easy_init();
    if (!c)
        return NULL;
    d->curl.easy_setopt(c, CURLOPT_URL, d->in->source);
    d->curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    /* A server must not send us to file:// (it would read local files). */
    d->curl.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    d->curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    d->curl.easy_setopt(c, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
    d->curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
    d->curl.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    d->curl.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME);
    d->curl.easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    d->curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    d->curl.easy_setopt(c, CURLOPT_USERAGENT, "pyhost/" PH_VERSION);
    d->curl.easy_setopt(c, CURLOPT_ERRORBUFFER, d->curl_error);
    d->curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    d->curl.easy_setopt(c, CURLOPT_WRITEDATA, d);
    d->curl.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    d->curl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    d->curl.easy_setopt(c, CURLOPT_XFERINFODATA, d);
    set_tls(d, c);
    return c;
}

static bool transient(CURLcode rc)
{
    return rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
           rc == CURLE_GOT_NOTHING || rc == CURLE_OPERATION_TIMEDOUT;
}

/* One transfer from d->start on; returns libcurl's code and the HTTP status. */
static CURLcode transfer(dl *d, long *status)
{
    CURL *c = make_handle(d);
    if (!c)
        return CURLE_OUT_OF_MEMORY;
    d->got = 0;
    d->curl_error[0] = '\0';
    d->curl.easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)d->start);
    CURLcode rc = d->curl.easy_perform(c);
    *status = 0;
    d->curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    d->curl.easy_cleanup(c);
    return rc;
}

/* ---- One download under the lock -------------------------------------------------------- */

static int download_error(dl *d, CURLcode rc, long status)
{
    const ph_input *in = d->in;
    const char *why = d->curl_error[0] ? d->curl_error : d->curl.easy_strerror(rc);
    if (rc == CURLE_HTTP_RETURNED_ERROR)
        ph_error_set(d->err, "%s: downloading %s failed: HTTP %ld", in->origin, in->source, status);
    else if (rc == CURLE_TOO_MANY_REDIRECTS)
        ph_error_set(d->err,
                     "%s: downloading %s failed: more than %ld redirects (a redirect "
                     "loop?)",
                     in->origin, in->source, MAX_REDIRECTS);
    else if (rc == CURLE_WRITE_ERROR && d->write_errno)
        return ph_error_errno(d->err, d->write_errno, "cannot write %s", d->part);
    else
        ph_error_set(d->err, "%s: downloading %s failed: %s", in->origin, in->source, why);
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
        rc == CURLE_SSL_CONNECT_ERROR)
        return ph_error_hint(d->err, "TLS is always verified; point PYHOST_CA_BUNDLE at a PEM "
                                     "file holding your server's CA");
    if (transient(rc) && d->start + d->got > 0)
        return ph_error_hint(d->err,
                             "%llu bytes are kept in %s; run 'pyhost fetch' again to resume",
                             (unsigned long long)(d->start + d->got), d->part);
    return ph_error_hint(d->err, "check the URL and the server; 'pyhost build --offline' uses "
                                 "only what 'pyhost fetch' put in the cache");
}

/* Hashes what the .part already holds, so the digest covers resumed bytes too. */
static int hash_prefix(dl *d)
{
    struct stat st;
    uint8_t buf[65536];
    if (fstat(d->fd, &st) < 0)
        return ph_error_errno(d->err, errno, "cannot read %s", d->part);
    ph_sha256_init(&d->hash);
    d->start = (uint64_t)st.st_size;
    for (uint64_t at = 0; at < d->start;) {
        ssize_t n = pread(d->fd, buf, sizeof buf, (off_t)at);
        if (n <= 0)
            return ph_error_errno(d->err, n < 0 ? errno : EIO, "cannot read %s", d->part);
        ph_sha256_update(&d->hash, buf, (size_t)n);
        at += (uint64_t)n;
    }
    return 0;
}

static int finish(dl *d, ph_fetch_result *r)
{
    char got[65];
    ph_sha256_hex(&d->hash, got);
    if (strcmp(got, d->in->sha256) != 0) {
        unlink(d->part);
        ph_error_set(d->err,
                     "%s: %s: SHA-256 mismatch: expected %s, got %s; the download was "
                     "deleted",
                     d->in->origin, d->in->source, d->in->sha256, got);
        return ph_error_hint(d->err, "the file on the server is not the one pinned: check the "
                                     "URL and the #sha256= value");
    }
    if (fsync(d->fd) < 0 || ph_mkdirs(d->final_dir, 0700, d->err) < 0 ||
        rename(d->part, d->final) < 0)
        return d->err->message[0] ? -1 : ph_error_errno(d->err, errno, "cannot store %s", d->final);
    r->status = PH_FETCH_DOWNLOADED;
    return 0;
}

/* Up to ATTEMPTS transfers, each resuming where the last one stopped. */
static int download_locked(dl *d, ph_fetch_result *r)
{
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        char got[65];
        if (hash_prefix(d) < 0)
            return -1;
        if (attempt == 0)
            r->resumed = d->start;
        ph_sha256 copy = d->hash;
        ph_sha256_hex(&copy, got);
        if (d->start > 0 && !strcmp(got, d->in->sha256))
            return finish(d, r); /* an earlier run got every byte but did not rename */
        long status;
        CURLcode rc = transfer(d, &status);
        r->bytes += d->got;
        if (rc == CURLE_OK)
            return finish(d, r);
        bool range_refused = rc == CURLE_RANGE_ERROR ||
                             (rc == CURLE_HTTP_RETURNED_ERROR && status == 416 && d->start > 0);
        if (range_refused && ftruncate(d->fd, 0) == 0)
            continue; /* the server cannot resume, or the .part is longer: start over */
        if (!transient(rc) || attempt + 1 == ATTEMPTS)
            return download_error(d, rc, status);
    }
    return download_error(d, CURLE_PARTIAL_FILE, 0);
}

/* Opens and locks the .part; 1 when the final file appeared meanwhile. */
static int lock_part(dl *d, ph_fetch_result *r)
{
    for (int tries = 0; tries < 1000; tries++) {
        d->fd = open(d->part, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (d->fd < 0)
            return ph_error_errno(d->err, errno, "cannot open %s", d->part);
        struct stat a, b;
        if (flock(d->fd, LOCK_EX) < 0)
            return ph_error_errno(d->err, errno, "cannot lock %s", d->part);
        if (fstat(d->fd, &a) == 0 && stat(d->part, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev)
            return cached(d, r);
        close(d->fd); /* renamed or deleted by the process that held the lock */
        d->fd = -1;
    }
    return ph_error_set(d->err, "cannot lock %s: it keeps changing", d->part);
}

static void unlock_part(dl *d)
{
    struct stat st;
    if (d->fd < 0)
        return;
    /* An empty .part holds nothing worth resuming: leave no trace of a failed attempt. */
    if (fstat(d->fd, &st) == 0 && st.st_size == 0 && st.st_nlink > 0)
        unlink(d->part);
    close(d->fd);
    d->fd = -1;
}

static int missing_offline(const dl *d)
{
    ph_error_set(d->err,
                 "%s: %s is not in the download cache (%s) and --offline forbids the "
                 "network",
                 d->in->origin, d->in->filename, d->final);
    return ph_error_hint(d->err, "run 'pyhost fetch' first");
}

static int fetch_url(dl *d, ph_fetch_result *r)
{
    if (cache_paths(d) < 0)
        return -1;
    if (cached(d, r))
        return 0;
    if (d->o->offline)
        return missing_offline(d);
    if (ph_mkdirs(d->dir, 0700, d->err) < 0)
        return ph_error_hint(d->err, "set PYHOST_CACHE_DIR to a writable directory");
    if (ph_curl_open(&d->curl, d->err) < 0)
        return -1;
    int rc = lock_part(d, r);
    if (rc == 0)
        rc = download_locked(d, r);
    unlock_part(d);
    ph_curl_close(&d->curl);
    return rc < 0 ? -1 : 0;
}

int ph_fetch(const ph_input *in, const ph_fetch_options *o, ph_fetch_result *r, ph_error *err)
{
    *r = (ph_fetch_result){0};
    if (!in->is_url)
        return fetch_local(in, r, err);
    dl *d = calloc(1, sizeof *d);
    if (!d)
        return ph_error_set(err, "out of memory");
    *d = (dl){.in = in, .o = o, .fd = -1, .err = err};
    int rc = fetch_url(d, r);
    if (rc == 0 && !(r->path = strdup(d->final)))
        rc = ph_error_set(err, "out of memory");
    free(d);
    return rc;
}
