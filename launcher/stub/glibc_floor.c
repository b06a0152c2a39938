/* Keeps the glibc floor of the app stub where libpython puts it (2.35 for Debian 12's, whose
 * hypot is GLIBC_2.35), not where the static libexpat pulls it: expat seeds its hash salt with
 * arc4random_buf, new in glibc 2.36. The link wraps that one call (-Wl,--wrap=arc4random_buf,
 * top-level meson.build) into getrandom (glibc 2.25), which is what glibc's arc4random_buf reads
 * too; like it, a failure to get randomness aborts rather than returns a weak salt. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/types.h>

void __wrap_arc4random_buf(void *buf, size_t n);

void __wrap_arc4random_buf(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            abort();
        p += got;
        n -= (size_t)got;
    }
}
