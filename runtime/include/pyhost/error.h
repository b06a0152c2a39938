/* One error convention for all of pyhost.
 *
 * A fallible function takes a `ph_error *err` as its last argument and returns 0 on success or
 * -1 on failure, after filling `err` with what went wrong (naming the file, line or entry) and,
 * where one exists, a hint saying what to do about it. Library code never prints; only
 * launcher/ reports an error, once, as "pyhost: error: MESSAGE" followed by "hint: HINT".
 * Buffers are fixed-size so reporting an error never needs memory. */
#ifndef PYHOST_ERROR_H
#define PYHOST_ERROR_H

#include <stddef.h>

typedef struct ph_error {
    char message[1024];
    char hint[512];
} ph_error;

#if defined(__GNUC__)
#define PH_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define PH_PRINTF(fmt_index, first_arg)
#endif

/* Sets the message (printf-style) and clears the hint. Returns -1 so callers can
 * `return ph_error_set(err, ...);`. `err` may be NULL. */
int ph_error_set(ph_error *err, const char *fmt, ...) PH_PRINTF(2, 3);

/* Sets the hint of an error already set. Returns -1. */
int ph_error_hint(ph_error *err, const char *fmt, ...) PH_PRINTF(2, 3);

/* Prefixes the message with context ("reading app.pyr: "), keeping the hint. Returns -1. */
int ph_error_prefix(ph_error *err, const char *fmt, ...) PH_PRINTF(2, 3);

/* Sets the message from errno: "<what>: <strerror(errnum)>". Returns -1. */
int ph_error_errno(ph_error *err, int errnum, const char *fmt, ...) PH_PRINTF(3, 4);

#endif
