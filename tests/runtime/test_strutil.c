/* The string and path helpers of runtime/base every library shares (pyhost/strutil.h,
 * pyhost/fsutil.h): written once, so their edge cases are pinned here. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/bytes.h"
#include "pyhost/fsutil.h"
#include "pyhost/strutil.h"

Test(strutil, ends_with_needs_a_stem)
{
    cr_assert(ph_str_ends_with("a.py", ".py"));
    cr_assert(ph_str_ends_with("pkg-1.0.dist-info", ".dist-info"));
    cr_assert_not(ph_str_ends_with(".py", ".py"), "the suffix alone has no stem");
    cr_assert_not(ph_str_ends_with("a.pyc", ".py"));
    cr_assert_not(ph_str_ends_with("py", ".py"));
    cr_assert_not(ph_str_ends_with("", ".py"));
    cr_assert(ph_str_ends_with("x", ""));
    cr_assert_not(ph_str_ends_with("", ""));
}

Test(fsutil, path_join)
{
    char *p = ph_path_join("/a/b", "c", "");
    cr_assert_str_eq(p, "/a/b/c");
    free(p);
    p = ph_path_join("dir", "name", ".pyr");
    cr_assert_str_eq(p, "dir/name.pyr");
    free(p);
    p = ph_path_join("", "x", "");
    cr_assert_str_eq(p, "/x");
    free(p);
}

/* pyhost/bytes.h: the integer readers of zip, MSI, UDIF, PNG and ELF. */
Test(bytes, little_and_big_endian)
{
    static const unsigned char b[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88};
    cr_assert_eq(ph_le16(b), 0x0201);
    cr_assert_eq(ph_le32(b), 0x04030201u);
    cr_assert_eq(ph_le64(b), 0x8807060504030201u);
    cr_assert_eq(ph_be16(b), 0x0102);
    cr_assert_eq(ph_be32(b), 0x01020304u);
    cr_assert_eq(ph_load_be(b, 8), 0x0102030405060788u);
    cr_assert_eq(ph_load_le(b + 5, 3), 0x880706u, "an odd width, unaligned");
    unsigned char out[8] = {0};
    ph_put_be64(out, 0x0102030405060788u);
    cr_assert(!memcmp(out, b, 8));
    ph_put_be32(out + 1, 0xdeadbeefu);
    cr_assert_eq(ph_be32(out + 1), 0xdeadbeefu);
    cr_assert_eq(out[0], 0x01, "nothing before the value is written");
    cr_assert_eq(out[5], 0x06, "nothing after the value is written");
}
