/* SHA-256 (launcher/fetch/sha256.c) against the FIPS 180-2 test vectors (Appendix B): every
 * download and wheel is checked with it, so a wrong digest would refuse good files or accept
 * bad ones. The messages are also fed in pieces that straddle the 64-byte block, and through
 * ph_sha256_file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pyhost/fsutil.h"
#include "sha256.h"

#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define MSG448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG448_DIGEST "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* The digest of `data` given in pieces of `step` bytes. */
static void digest(const void *data, size_t size, size_t step, char hex[65])
{
    ph_sha256 s;
    ph_sha256_init(&s);
    for (size_t at = 0; at < size; at += step)
        ph_sha256_update(&s, (const char *)data + at, size - at < step ? size - at : step);
    ph_sha256_hex(&s, hex);
}

Test(sha256, fips_180_one_block)
{
    char hex[65];
    digest("abc", 3, 3, hex);
    cr_assert_str_eq(hex, ABC);
}

Test(sha256, fips_180_448_bits_two_blocks)
{
    /* 56 bytes: the padding does not fit after it, so a second block is needed */
    char hex[65];
    cr_assert_eq(strlen(MSG448), 56);
    digest(MSG448, 56, 56, hex);
    cr_assert_str_eq(hex, MSG448_DIGEST);
    for (size_t step = 1; step < 56; step += 5) {
        digest(MSG448, 56, step, hex);
        cr_assert_str_eq(hex, MSG448_DIGEST, "fed %zu bytes at a time", step);
    }
}

Test(sha256, fips_180_one_million_a)
{
    size_t n = 1000000;
    char *a = malloc(n), hex[65];
    memset(a, 'a', n);
    size_t steps[] = {n, 1000, 63, 64, 65, 4097};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        digest(a, n, steps[i], hex);
        cr_assert_str_eq(hex, MILLION_A, "fed %zu bytes at a time", steps[i]);
    }
    free(a);
}

Test(sha256, empty_message)
{
    char hex[65];
    ph_sha256 s;
    ph_sha256_init(&s);
    ph_sha256_hex(&s, hex);
    cr_assert_str_eq(hex, EMPTY);
}

Test(sha256, file_digest_and_missing_file)
{
    char path[] = "/tmp/ph-sha256-XXXXXX", hex[65];
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, MSG448, 56), 56);
    close(fd);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_sha256_file(path, hex, &err), 0, "%s", err.message);
    cr_assert_str_eq(hex, MSG448_DIGEST);
    unlink(path);
    cr_assert_eq(ph_sha256_file(path, hex, &err), -1);
    cr_assert(strstr(err.message, path), "the error names the file: %s", err.message);
}
