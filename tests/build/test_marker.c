/* PEP 508 markers for the embedded Python 3.11 on Linux x86_64, with extras. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>

#include "build.h"
#include "helpers.h"

/* Arrays, not pointers: Criterion runs each parameter in a new process. */
typedef struct vector {
    char marker[96], extra[16];
    int expected; /* 1 true, 0 false, -1 syntax error */
} vector;

ParameterizedTestParameters(marker, vectors)
{
    static vector v[] = {
        {"extra == \"x\"", "x", 1},
        {"extra == \"x\"", "", 0},
        {"extra == \"x\"", "y", 0},
        {"extra == 'Foo.Bar'", "foo-bar", 1}, /* extras compare normalized */
        {"\"x\" == extra", "x", 1},
        {"python_version < \"3.12\"", "", 1},
        {"python_version >= \"3.8\"", "", 1},
        {"python_version > \"3.9\"", "", 1}, /* numerically: 3.11 > 3.9 */
        {"python_version == \"3.11\"", "", 1},
        {"python_version == \"3.*\"", "", 1},
        {"python_version != \"3.11\"", "", 0},
        {"python_full_version >= \"3.11.0\"", "", 1},
        {"python_version ~= \"3.10\"", "", 1},
        {"sys_platform == \"linux\"", "", 1},
        {"sys_platform == \"win32\"", "", 0},
        {"sys_platform != \"darwin\"", "", 1},
        {"platform_system == \"Windows\"", "", 0},
        {"os_name == 'posix'", "", 1},
        {"platform_machine in 'x86_64 aarch64'", "", 1},
        {"'win' not in sys_platform", "", 1},
        {"implementation_name == \"cpython\"", "", 1},
        {"platform_python_implementation == 'PyPy'", "", 0},
        /* and binds tighter than or */
        {"sys_platform == 'win32' and python_version < '3.8' or extra == 'x'", "x", 1},
        {"sys_platform == 'win32' and python_version < '3.8' or extra == 'x'", "", 0},
        {"extra == 'x' or sys_platform == 'linux' and python_version < '3.8'", "", 0},
        {"extra == 'x' or sys_platform == 'linux' and python_version < '3.12'", "", 1},
        {"(extra == 'x' or sys_platform == 'linux') and python_version < '3.8'", "x", 0},
        {"python_version < \"3.12\" and extra == \"socks\"", "socks", 1},
        {"python_version < \"3.12\" and extra == \"socks\"", "", 0},
        {"  ( ( os_name == 'posix' ) )  ", "", 1},
        {"python_version <", "", -1},
        {"nonsense == 'x'", "", -1},
        {"os_name == 'posix' and", "", -1},
        {"(os_name == 'posix'", "", -1},
        {"os_name == 'posix' trailing", "", -1},
    };
    return cr_make_param_array(vector, v, sizeof v / sizeof v[0]);
}

ParameterizedTest(vector *v, marker, vectors)
{
    bool result = false;
    char why[256] = "";
    int rc = ph_marker_eval(v->marker, v->extra, &result, why, sizeof why);
    if (v->expected < 0) {
        cr_assert_eq(rc, -1, "'%s' should not parse", v->marker);
        cr_assert_neq(why[0], '\0');
        return;
    }
    cr_assert_eq(rc, 0, "'%s': %s", v->marker, why);
    cr_assert_eq(result, v->expected == 1, "'%s' with extra '%s'", v->marker, v->extra);
}

/* ---- Requirements followed with markers and requested extras ---- */

static const char *resolved(const char *distributions)
{
    const char *site = fixture_dir();
    put(site, "fancy/__init__.py", "");
    put(site, "fancy-1.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: fancy\nRequires-Dist: base_dep (>=1)\n"
        "Requires-Dist: winonly ; sys_platform == \"win32\"\n"
        "Requires-Dist: Socks.Dep[inner] ; extra == 'socks' and python_version < \"3.12\"\n"
        "Requires-Dist: never ; extra == 'other'\n\nRequires-Dist: body-text\n");
    put(site, "fancy-1.0.dist-info/RECORD", "fancy/__init__.py,,\n");
    put(site, "base_dep.py", "");
    put(site, "base_dep-1.0.dist-info/METADATA", "Name: base-dep\n\n");
    put(site, "socks_dep.py", "");
    put(site, "socks_dep-1.0.egg-info/PKG-INFO", "Name: socks.dep\n\n");
    put(site, "socks_dep-1.0.egg-info/top_level.txt", "socks_dep\n");
    put(site, "socks_dep-1.0.egg-info/requires.txt",
        "\n[inner]\ninner_dep\n\n[:python_version < \"3\"]\nnever\n");
    put(site, "inner_dep.py", "");
    put(site, "inner_dep-1.0.dist-info/METADATA", "Name: inner-dep\n\n");
    ph_dist_set set;
    ph_error err;
    cr_assert_eq(resolve(distributions, site, NULL, &set, &err), 0, "%s", err.message);
    static char names[512];
    size_t n = 0;
    names[0] = '\0';
    for (size_t i = 0; i < set.count; i++)
        n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? "," : "", set.items[i].name);
    ph_dist_set_free(&set);
    return names;
}

Test(requires, markers_without_extras)
{
    cr_assert_str_eq(resolved("fancy"), "fancy,base-dep");
}

Test(requires, requested_extra_and_the_extras_it_requests)
{
    cr_assert_str_eq(resolved("fancy[Socks]"), "fancy,base-dep,socks-dep,inner-dep");
}
