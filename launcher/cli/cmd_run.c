/* pyhost run FILE.pyr [ARGS...] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pyhost/app.h"

static const char usage[] =
    "usage: pyhost run FILE.pyr [ARGS...]\n"
    "\n"
    "Runs the app packed in FILE.pyr (made by 'pyhost build') with an isolated embedded Python:\n"
    "no PYTHON* variables, no user site, nothing from the working directory. The app sees\n"
    "sys.argv = [FILE.pyr, ARGS...]; the exit status is the app's, as with python.\n";

int ph_cmd_run(int argc, char **argv)
{
    if (argc < 2)
        return ph_usage_error("run", "missing the .pyr file to run");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, stdout);
        return 0;
    }
    ph_app_options options = {
        .resources = argv[1],
        .argc = argc - 1,
        .argv = argv + 1,
    };
    ph_error err = {0};
    int status = 0;
    if (ph_app_run(&options, &status, &err) < 0)
        return ph_report(&err);
    return status;
}
