/* The starter manifest and `pyhost init` (launcher/cli/cmd_init.c, with stub reporters). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "helpers.h"
#include "schema.h"

/* ---- stand-ins for launcher/cli/report.c ------------------------------------------------ */

static ph_error reported;

int ph_report(const ph_error *err)
{
    reported = *err;
    return 1;
}

int ph_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reported.message, sizeof reported.message, fmt, ap);
    va_end(ap);
    snprintf(reported.hint, sizeof reported.hint, "see 'pyhost %s --help'", command);
    return 2;
}

static int run_init(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5,
                    const char *a6, const char *a7)
{
    char *argv[9] = {"init"};
    const char *args[] = {a1, a2, a3, a4, a5, a6, a7};
    int argc = 1;
    for (size_t i = 0; i < 7 && args[i]; i++)
        argv[argc++] = (char *)args[i];
    return ph_cmd_init(argc, argv);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static size_t count_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* ---- the template --------------------------------------------------------------------------- */

Test(template, parses_with_defaults)
{
    char *text = NULL;
    ph_manifest m;
    ph_error err;
    cr_assert_eq(ph_manifest_template("demo", "demo.cli:main", &text, &err), 0, "%s", err.message);
    cr_assert_eq(ph_manifest_parse_string(&m, text, "pyhost.ini", "/", &err), 0, "%s\n%s",
                 err.message, text);
    cr_assert_str_eq(m.app.name, "demo");
    cr_assert_eq(m.app.entry.kind, PH_ENTRY_FUNCTION);
    cr_assert_str_eq(m.app.entry.module, "demo.cli");
    cr_assert_str_eq(m.app.version, "0.0.0");
    cr_assert_eq(m.python.compress.level, 3);
    cr_assert_eq(m.python.stdlib_exclude.count, 9);
    cr_assert_eq(m.resources.paths.count, 1);
    ph_manifest_free(&m);
    free(text);
}

Test(template, shows_every_key_with_a_comment)
{
    char *text = NULL;
    ph_manifest m;
    ph_error err;
    cr_assert_eq(ph_manifest_template("demo", "demo:main", &text, &err), 0);
    cr_assert_eq(ph_manifest_parse_string(&m, text, "pyhost.ini", "/", &err), 0);
    for (size_t i = 0; i < ph_schema_key_count; i++) {
        const struct ph_key_spec *k = &ph_schema_keys[i];
        char comment[256];
        snprintf(comment, sizeof comment, "# %s\n", k->comment);
        cr_assert_not_null(strstr(text, comment), "no comment for %s", k->key);
        /* Keys with a default are set (so the file shows it); the others are examples. */
        if (k->def || k->required)
            cr_assert_neq(ph_manifest_line(&m, k->section, k->key), 0, "%s not set", k->key);
        else
            cr_assert_eq(ph_manifest_line(&m, k->section, k->key), 0, "%s set", k->key);
    }
    for (size_t s = 0; s < ph_schema_section_count; s++) {
        char header[64];
        snprintf(header, sizeof header, "\n[%s]\n", ph_schema_sections[s].name);
        cr_assert_not_null(strstr(text, header), "no %s", header);
    }
    ph_manifest_free(&m);
    free(text);
}

Test(template, commented_examples_parse_when_uncommented)
{
    char *text = NULL;
    ph_manifest m;
    ph_error err;
    cr_assert_eq(ph_manifest_template("demo", "demo:main", &text, &err), 0);
    for (size_t i = 0; i < ph_schema_key_count; i++) {
        const struct ph_key_spec *k = &ph_schema_keys[i];
        char line[128];
        if (k->def || k->required)
            continue;
        snprintf(line, sizeof line, "\n# %s = ", k->key);
        char *at = strstr(text, line);
        cr_assert_not_null(at, "no example for %s", k->key);
        memmove(at + 1, at + 3, strlen(at + 3) + 1);
    }
    cr_assert_eq(ph_manifest_parse_string(&m, text, "pyhost.ini", "/", &err), 0, "%s", err.message);
    cr_assert_str_eq(m.app.icon, "icons/app.png");
    ph_manifest_free(&m);
    free(text);
}

Test(template, rejects_what_would_not_read_back)
{
    char *text = NULL;
    ph_error err;
    cr_assert_eq(ph_manifest_template("my app", "a:main", &text, &err), -1);
    cr_assert_str_eq(err.message, "[app] name: 'my app' is not a valid name");
    cr_assert_eq(ph_manifest_template("app", "x ;y.py", &text, &err), -1);
    cr_assert_not_null(strstr(err.message, "cannot be written"), "%s", err.message);
    cr_assert_eq(ph_manifest_template("app", "a b", &text, &err), -1);
    cr_assert_null(text);
}

/* ---- pyhost init ---------------------------------------------------------------------------- */

Test(init, writes_a_manifest_that_loads)
{
    const char *dir = tmpdir();
    char path[PATH_MAX];
    ph_manifest m;
    ph_error err;
    snprintf(path, sizeof path, "%s/pyhost.ini", dir);
    cr_assert_eq(run_init("--name", "hello", "--entry=hello.app:run", "-o", path, NULL, NULL), 0,
                 "%s", reported.message);
    cr_assert_eq(ph_manifest_load(&m, path, &err), 0, "%s", err.message);
    cr_assert_str_eq(m.app.name, "hello");
    cr_assert_str_eq(m.app.entry.module, "hello.app");
    cr_assert_str_eq(m.app.entry.function, "run");
    ph_manifest_free(&m);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    cr_assert_eq(count_entries(dir), 1, "temporary file left behind");
}

Test(init, refuses_to_overwrite_without_force)
{
    const char *dir = tmpdir();
    char *path = write_file(dir, "pyhost.ini", "# mine\n");
    cr_assert_eq(run_init("-o", path, NULL, NULL, NULL, NULL, NULL), 1);
    char expected[PATH_MAX + 32];
    snprintf(expected, sizeof expected, "%s already exists", path);
    cr_assert_str_eq(reported.message, expected);
    cr_assert_not_null(strstr(reported.hint, "--force"));
    char *content = slurp(path);
    cr_assert_str_eq(content, "# mine\n");
    free(content);
    cr_assert_eq(count_entries(dir), 1);

    cr_assert_eq(run_init("-o", path, "--force", "--name", "x", NULL, NULL), 0, "%s",
                 reported.message);
    content = slurp(path);
    cr_assert_not_null(strstr(content, "\nname = x\n"), "%s", content);
    free(content);
    cr_assert_eq(count_entries(dir), 1);
    free(path);
}

Test(init, name_and_entry_default_from_directory)
{
    char dir[PATH_MAX], path[PATH_MAX + 16];
    ph_manifest m;
    ph_error err;
    snprintf(dir, sizeof dir, "%s/9 my-tool.v2", tmpdir());
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/pyhost.ini", dir);
    cr_assert_eq(run_init("-o", path, NULL, NULL, NULL, NULL, NULL), 0, "%s", reported.message);
    cr_assert_eq(ph_manifest_load(&m, path, &err), 0, "%s", err.message);
    cr_assert_str_eq(m.app.name, "9-my-tool.v2");
    cr_assert_str_eq(m.app.entry.module, "_9_my_tool_v2");
    cr_assert_str_eq(m.app.entry.function, "main");
    ph_manifest_free(&m);
}

Test(init, bad_entry_writes_nothing)
{
    const char *dir = tmpdir();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/pyhost.ini", dir);
    cr_assert_eq(run_init("-o", path, "--entry", "not valid", NULL, NULL, NULL), 1);
    cr_assert_not_null(strstr(reported.message, "[app] entry: 'not valid'"), "%s",
                       reported.message);
    cr_assert_not_null(strstr(reported.hint, "pkg.module:function"), "%s", reported.hint);
    cr_assert_eq(count_entries(dir), 0);
}

Test(init, usage_errors)
{
    cr_assert_eq(run_init("--bogus", NULL, NULL, NULL, NULL, NULL, NULL), 2);
    cr_assert_str_eq(reported.message, "unexpected argument '--bogus'");
    cr_assert_eq(run_init("--name", NULL, NULL, NULL, NULL, NULL, NULL), 2);
    cr_assert_str_eq(reported.message, "option '--name' needs a value");
    cr_assert_eq(run_init("--named", "x", NULL, NULL, NULL, NULL, NULL), 2);
}

Test(init, missing_directory)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/no/such/dir/pyhost.ini", tmpdir());
    cr_assert_eq(run_init("-o", path, "--name", "x", NULL, NULL, NULL), 1);
    cr_assert_not_null(strstr(reported.message, "cannot create a temporary file"), "%s",
                       reported.message);
}

Test(init, dash_writes_to_stdout, .init = cr_redirect_stdout)
{
    ph_manifest m;
    ph_error err;
    char text[1 << 14];
    cr_assert_eq(run_init("-o", "-", "--name", "piped", NULL, NULL, NULL), 0);
    fflush(stdout);
    FILE *out = cr_get_redirected_stdout();
    size_t n = fread(text, 1, sizeof text - 1, out);
    text[n] = '\0';
    cr_assert_eq(ph_manifest_parse_string(&m, text, "-", "/", &err), 0, "%s", err.message);
    cr_assert_str_eq(m.app.name, "piped");
    cr_assert_str_eq(m.app.entry.module, "piped");
    ph_manifest_free(&m);
}

/* ---- the schema itself ---------------------------------------------------------------------- */

Test(schema, every_example_is_a_valid_value)
{
    for (size_t i = 0; i < ph_schema_key_count; i++) {
        const struct ph_key_spec *k = &ph_schema_keys[i];
        ph_error err;
        cr_assert_not_null(k->example, "%s has no example", k->key);
        cr_assert_not_null(k->comment, "%s has no comment", k->key);
        cr_assert(!(k->required && k->def), "required %s has a default", k->key);
        cr_assert_eq(ph_manifest_check_value(k->section, k->key, k->example, &err), 0,
                     "example of %s: %s", k->key, err.message);
        cr_assert_not_null(ph_schema_section(k->section), "%s: no section %s", k->key, k->section);
    }
}
