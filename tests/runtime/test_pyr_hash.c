/* XXH64 is part of the format (name hashes, checksums): a second reader must be able to use any
 * xxHash library, so ours must agree with the reference implementation bit for bit. */
#include <criterion/criterion.h>
#include <string.h>

#include "pyhost/pyr_hash.h"

static uint64_t h(const char *s)
{
    return pyr_xxh64(s, strlen(s));
}

Test(pyr_hash, empty_input_matches_the_published_vector)
{
    cr_assert_eq(pyr_xxh64("", 0), 0xEF46DB3751D8E999ull);
}

/* Expected values from Debian's python3-xxhash 3.2.0 (the reference C library):
 *   python3 -c "import xxhash; print(hex(xxhash.xxh64(b'abc', seed=0).intdigest()))"
 * The lengths cover the < 4, < 8, < 32 tails and the 32-byte stripe loop. */
Test(pyr_hash, short_inputs_match_python3_xxhash)
{
    cr_assert_eq(h("a"), 0xd24ec4f1a98c6e5bull);
    cr_assert_eq(h("abc"), 0x44bc2cf5ad770999ull);
    cr_assert_eq(h("json.decoder"), 0x9cefd3f8f7e9fe75ull);
    cr_assert_eq(h("Nobody inspects the spammish repetition"), 0xfbcea83c8a378bf1ull);
}

Test(pyr_hash, stripe_boundaries_match_python3_xxhash)
{
    char x[33];
    memset(x, 'x', sizeof x);
    cr_assert_eq(pyr_xxh64(x, 31), 0x60dd0d01083b99f0ull);
    cr_assert_eq(pyr_xxh64(x, 32), 0xe2df261fc2ec30ebull);
    cr_assert_eq(pyr_xxh64(x, 33), 0xb3fa465f554208a6ull);
}

Test(pyr_hash, long_binary_input_matches_python3_xxhash)
{
    /* bytes(range(256)) * 4 */
    unsigned char buf[1024];
    for (int i = 0; i < 1024; i++)
        buf[i] = (unsigned char)i;
    cr_assert_eq(pyr_xxh64(buf, sizeof buf), 0x6f3914f18fe4df57ull);
}

Test(pyr_hash, unaligned_input_hashes_like_aligned)
{
    /* The reader hashes names and blobs at any address inside the mapping. */
    char buf[80];
    memset(buf, 0, sizeof buf);
    memcpy(buf + 3, "Nobody inspects the spammish repetition", 39);
    cr_assert_eq(pyr_xxh64(buf + 3, 39), 0xfbcea83c8a378bf1ull);
}
