/* The string and path helpers of runtime/base every library shares (pyhost/strutil.h,
 * pyhost/fsutil.h): written once, so their edge cases are pinned here. */
#include <criterion/criterion.h>
#include <stdlib.h>

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
