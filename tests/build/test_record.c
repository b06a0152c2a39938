/* What a distribution provides: RECORD variants, egg-info forms, checked against the tree. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define META "foo-1.0.dist-info"

/* A site with package foo, module foo_helper and the metadata of distribution foo. */
static const char *foo_site(const char *record)
{
    const char *site = fixture_dir();
    put(site, "foo/__init__.py", "");
    put(site, "foo/x.py", "");
    put(site, "foo_helper.py", "");
    put(site, META "/METADATA", "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n\n");
    if (record)
        put(site, META "/RECORD", record);
    return site;
}

/* The wheel case: the distribution alone in its site directory. */
static const char *tops_alone(const char *site, const char *meta)
{
    ph_dist *d = malloc(sizeof *d);
    ph_error err;
    use_extension_suffixes();
    cr_assert_eq(ph_dist_from_meta(site, meta, 0, "test", d, &err), 0, "%s", err.message);
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s", joined(&d->tops));
    ph_dist_set_free(&(ph_dist_set){d, 1});
    return buf;
}

/* The installed case: resolved by name among other distributions. */
static const char *tops_resolved(const char *site, const char *dist, const char *name)
{
    ph_dist_set set;
    ph_error err;
    cr_assert_eq(resolve(dist, site, NULL, &set, &err), 0, "%s", err.message);
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s", joined(&dist_named(&set, name)->tops));
    ph_dist_set_free(&set);
    return buf;
}

/* Another distribution in the same site, which claims bar/ and nothing else. */
static void add_bar(const char *site)
{
    put(site, "bar/__init__.py", "");
    put(site, "bar-2.0.dist-info/METADATA", "Name: bar\n\n");
    put(site, "bar-2.0.dist-info/RECORD",
        "bar/__init__.py,sha256=x,0\nbar-2.0.dist-info/RECORD,,\n");
    put(site, "unrelated.py", "");
}

Test(record, normal)
{
    const char *site = foo_site("foo/__init__.py,sha256=a,0\nfoo/x.py,sha256=b,0\n"
                                "foo_helper.py,sha256=c,0\n" META "/RECORD,,\n");
    cr_assert_str_eq(tops_alone(site, META), "foo,foo_helper");
}

Test(record, crlf_and_blank_lines)
{
    const char *site = foo_site(
        "\r\nfoo/__init__.py,sha256=a,0\r\n\r\n  \r\nfoo_helper.py,,\r\n" META "/RECORD,,\r\n\r\n");
    add_bar(site);
    cr_assert_str_eq(tops_resolved(site, "foo", "foo"), "foo,foo_helper");
}

Test(record, quoted_path_with_comma)
{
    const char *site = foo_site("\"foo/a,b.py\",sha256=a,0\n" META "/RECORD,,\n");
    add_bar(site);
    cr_assert_str_eq(tops_resolved(site, "foo", "foo"), "foo");
}

Test(record, empty_alone_takes_the_tree)
{
    const char *site = foo_site("");
    cr_assert_str_eq(tops_alone(site, META), "foo,foo_helper");
}

Test(record, empty_among_others_takes_unclaimed_names_that_match)
{
    const char *site = foo_site("");
    add_bar(site);
    /* bar is claimed by bar; unrelated and foo_helper do not match "foo" */
    cr_assert_str_eq(tops_resolved(site, "foo", "foo"), "foo");
}

Test(record, missing_among_others)
{
    const char *site = foo_site(NULL);
    add_bar(site);
    cr_assert_str_eq(tops_resolved(site, "foo", "foo"), "foo");
}

Test(record, malformed_rows_are_completed_from_the_tree)
{
    /* rows without hash and size, one with spaces: what they name counts, the tree too */
    const char *site = foo_site("foo_helper.py\nfoo/x.py sha256 12\n");
    cr_assert_str_eq(tops_alone(site, META), "foo,foo_helper");
}

Test(record, malformed_rows_among_others)
{
    const char *site = foo_site("foo_helper.py\n,,\n");
    add_bar(site);
    cr_assert_str_eq(tops_resolved(site, "foo", "foo"), "foo,foo_helper");
}

Test(record, stale_rows_are_dropped)
{
    const char *site = foo_site("foo/__init__.py,sha256=a,0\ngone/__init__.py,sha256=b,0\n");
    cr_assert_str_eq(tops_alone(site, META), "foo");
}

Test(record, complete_listing_without_modules_is_no_error)
{
    const char *site = fixture_dir();
    put(site, "meta-1.0.dist-info/METADATA", "Name: meta\n\n");
    put(site, "meta-1.0.dist-info/RECORD",
        "meta-1.0.dist-info/METADATA,sha256=a,1\n../../bin/tool,sha256=b,2\n"
        "meta-1.0.dist-info/RECORD,,\n");
    add_bar(site);
    cr_assert_str_eq(tops_resolved(site, "meta", "meta"), "");
}

Test(record, no_module_is_an_error_naming_the_metadata)
{
    const char *site = fixture_dir();
    put(site, "ghost-1.0.dist-info/METADATA", "Name: ghost\n\n");
    put(site, "ghost-1.0.dist-info/RECORD", "");
    add_bar(site);
    ph_dist_set set;
    ph_error err;
    cr_assert_eq(resolve("ghost", site, NULL, &set, &err), -1);
    cr_assert(strstr(err.message, "ghost-1.0.dist-info"), "%s", err.message);
    cr_assert(strstr(err.message, "provides no module"), "%s", err.message);
    cr_assert(strstr(err.message, "RECORD is empty"), "%s", err.message);
    cr_assert(strstr(err.hint, "ghost-1.0.dist-info"), "%s", err.hint);
}

/* ---- egg-info forms ---- */

Test(egg_info, directory_with_top_level_txt_checked_against_the_tree)
{
    const char *site = fixture_dir();
    put(site, "foo/__init__.py", "");
    put(site, "foo_c.cpython-311-x86_64-linux-gnu.so", "");
    put(site, "foo-1.0.egg-info/PKG-INFO", "Metadata-Version: 1.1\nName: foo\n\n");
    put(site, "foo-1.0.egg-info/top_level.txt", "foo\nfoo_c\ngone\n\n");
    add_bar(site);
    cr_assert_str_eq(tops_resolved(site, "foo", "foo"), "foo,foo_c");
}

Test(egg_info, directory_with_installed_files_txt)
{
    const char *site = fixture_dir();
    put(site, "foo/__init__.py", "");
    put(site, "foo_helper.py", "");
    put(site, "foo-1.0.egg-info/PKG-INFO", "Name: foo\n\n");
    put(site, "foo-1.0.egg-info/installed-files.txt",
        "../foo/__init__.py\n../foo/__pycache__/__init__.cpython-311.pyc\n../foo_helper.py\n"
        "PKG-INFO\n../../../../bin/foo\n");
    add_bar(site);
    cr_assert_str_eq(tops_resolved(site, "foo", "foo"), "foo,foo_helper");
}

Test(egg_info, single_file_module_named_differently)
{
    /* python3-lzo: python_lzo-1.14.egg-info, module lzo */
    const char *site = fixture_dir();
    put(site, "lzo.cpython-311-x86_64-linux-gnu.so", "");
    put(site, "python_lzo-1.14.egg-info",
        "Metadata-Version: 1.1\nName: python-lzo\nVersion: 1.14\n");
    add_bar(site);
    cr_assert_str_eq(tops_resolved(site, "python-lzo", "python-lzo"), "lzo");
}

Test(egg_info, single_file_several_top_levels)
{
    /* python3-selinux: selinux/ and _selinux */
    const char *site = fixture_dir();
    put(site, "selinux/__init__.py", "");
    put(site, "_selinux.cpython-311-x86_64-linux-gnu.so", "");
    put(site, "selinux-3.4.egg-info", "Metadata-Version: 1.1\nName: selinux\nVersion: 3.4\n");
    add_bar(site);
    cr_assert_str_eq(tops_resolved(site, "selinux", "selinux"), "_selinux,selinux");
}

Test(egg_info, name_comes_from_the_metadata)
{
    const char *site = fixture_dir();
    put(site, "lzo.cpython-311-x86_64-linux-gnu.so", "");
    put(site, "lzo.egg-info", "Metadata-Version: 1.1\nName: python-lzo\n\nlong description\n");
    cr_assert_str_eq(tops_resolved(site, "python-lzo", "python-lzo"), "lzo");
}

Test(egg_info, single_file_with_nothing_matching_is_an_error)
{
    const char *site = fixture_dir();
    put(site, "quux.py", "");
    put(site, "Foo-1.0.egg-info", "Name: Foo\n");
    add_bar(site);
    ph_dist_set set;
    ph_error err;
    cr_assert_eq(resolve("foo", site, NULL, &set, &err), -1);
    cr_assert(strstr(err.message, "Foo-1.0.egg-info"), "%s", err.message);
    cr_assert(strstr(err.message, "single-file egg-info"), "%s", err.message);
}
