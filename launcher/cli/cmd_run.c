/* pyhost run FILE.pyr [ARGS...] (or an executable made by `pyhost bundle`, which holds one) */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "cli.h"
#include "pyhost/app.h"
#include "pyhost/pyr.h"

static const char usage[] =
    "usage: pyhost run FILE.pyr [ARGS...]\n"
    "\n"
    "Runs the app packed in FILE.pyr (made by 'pyhost build') with an isolated embedded Python:\n"
    "no PYTHON* variables, no user site, nothing from the working directory. The app sees\n"
    "sys.argv = [FILE.pyr, ARGS...]; the exit status is the app's, as with python.\n"
    "FILE may also be an executable made by 'pyhost bundle' (its .pyr embedded in it, or\n"
    "NAME.pyr beside it).\n";

/* `pyhost run .`: the .pyr in that directory, if there is exactly one, else how to make one. */
static int directory_given(const char *dir)
{
    ph_error err = {{0}, {0}};
    char found[256] = "";
    int count = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".pyr") && count++ == 0)
            snprintf(found, sizeof found, "%s", e->d_name);
    }
    if (d)
        closedir(d);
    ph_error_set(&err, "%s is a directory; 'pyhost run' takes the .pyr file 'pyhost build' wrote",
                 dir);
    if (count == 1)
        ph_error_hint(&err, "did you mean 'pyhost run %s%s%s'?", strcmp(dir, ".") ? dir : "",
                      strcmp(dir, ".") ? "/" : "", found);
    else
        ph_error_hint(&err, "run 'pyhost build' there first, then 'pyhost run NAME.pyr' with the "
                            "file it names");
    return ph_report(&err);
}

/* An executable of an adjacent bundle (dist/NAME/NAME with NAME.pyr beside it): that .pyr. */
static bool adjacent_pyr(const char *exe, char *out, size_t size)
{
    char magic[4] = {0};
    FILE *f = fopen(exe, "rb");
    size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f)
        fclose(f);
    struct stat st;
    if (n != 4 ||
        memcmp(magic,
               "\x7f"
               "ELF",
               4) != 0 ||
        snprintf(out, size, "%s.pyr", exe) >= (int)size)
        return false;
    return stat(out, &st) == 0 && S_ISREG(st.st_mode);
}

int ph_cmd_run(int argc, char **argv)
{
    const ph_command_line cl = {.command = "run", .help = usage, .other = ph_args_stop};
    int file = 0, rc = ph_args_parse(&cl, argc, argv, &file);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (file >= argc)
        return ph_usage_error("run", "missing the .pyr file to run");
    struct stat st;
    if (stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode))
        return directory_given(argv[1]);
    ph_app_options options = {
        .resources = argv[1],
        .argc = argc - 1,
        .argv = argv + 1,
    };
    ph_error err = {0};
    /* A bundle's executable ends with its .pyr and a trailer saying where it starts; a plain .pyr
     * has no trailer (0), so it is opened from its first byte as before. */
    uint64_t offset = 0;
    ph_error ignored = {0};
    char adjacent[4096];
    bool regular = stat(argv[1], &st) == 0 && S_ISREG(st.st_mode); /* a FIFO is not probed */
    if (regular && pyr_find_embedded(argv[1], &offset, &ignored) == 1)
        options.offset = offset;
    else if (regular && adjacent_pyr(argv[1], adjacent, sizeof adjacent))
        options.resources = adjacent;
    int status = 0;
    if (ph_app_run(&options, &status, &err) < 0)
        return ph_report(&err);
    return status;
}
