#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir_buf[4096];
static char path_buf[4096];

const char *tmpdir(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir_buf, sizeof dir_buf, "%s/ph-config-XXXXXX", base);
    cr_assert_not_null(mkdtemp(dir_buf), "mkdtemp failed");
    return dir_buf;
}

char *write_file(const char *dir, const char *name, const char *text)
{
    char *path = NULL;
    cr_assert_neq(asprintf(&path, "%s/%s", dir, name), -1);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);
    return path;
}

int load_text(const char *text, ph_manifest *m, ph_error *err)
{
    char *path = write_file(tmpdir(), "pyhost.ini", text);
    snprintf(path_buf, sizeof path_buf, "%s", path);
    free(path);
    return ph_manifest_load(m, path_buf, err);
}

const char *loaded_path(void)
{
    return path_buf;
}

void expect_error(const char *text, const char *rest, const char *hint_part)
{
    ph_manifest m;
    ph_error err = {{0}, {0}};
    char expected[sizeof path_buf + 1024];
    cr_assert_eq(load_text(text, &m, &err), -1, "expected failure for:\n%s", text);
    snprintf(expected, sizeof expected, "%s%s", path_buf, rest);
    cr_assert_str_eq(err.message, expected);
    if (hint_part)
        cr_assert_not_null(strstr(err.hint, hint_part), "hint '%s' lacks '%s'", err.hint,
                           hint_part);
    /* A failed load leaves nothing behind to free. */
    cr_assert_null(m.app.name);
    cr_assert_null(m.path);
    ph_manifest_free(&m);
}

void load_ok(const char *extra, ph_manifest *m)
{
    char *text = NULL;
    ph_error err = {{0}, {0}};
    cr_assert_neq(asprintf(&text, "[app]\nname = t\nentry = t:main\n%s", extra), -1);
    int rc = load_text(text, m, &err);
    cr_assert_eq(rc, 0, "unexpected error: %s (hint: %s)\n%s", err.message, err.hint, text);
    free(text);
}

void assert_list(const ph_strlist *list, size_t count, const char *const *items)
{
    cr_assert_eq(list->count, count, "list has %zu items, expected %zu", list->count, count);
    for (size_t i = 0; i < count; i++)
        cr_assert_str_eq(list->items[i], items[i]);
}
