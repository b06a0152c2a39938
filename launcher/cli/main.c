/* pyhost: build, run, inspect and ship Python applications. */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "pyhost/app.h"
#include "pyhost/cleanup.h"
#include "pyhost/suggest.h"
#include "ph_build_config.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"init", ph_cmd_init, "write a commented starter pyhost.ini"},
    {"build", ph_cmd_build, "pack the app, its dependencies and the stdlib into one .pyr"},
    {"run", ph_cmd_run, "run the app inside a .pyr"},
    {"inspect", ph_cmd_inspect, "show what a .pyr holds"},
    {"fetch", ph_cmd_fetch, "download the manifest's wheels into the cache (for --offline)"},
    {"bundle", ph_cmd_bundle, "make dist/NAME/NAME: a standalone executable of the app"},
    {"installer", ph_cmd_installer, "make a .deb, .dmg or .msi installer of the app"},
    {"pyinstaller", ph_cmd_pyinstaller, "PyInstaller's options and spec files, built by pyhost"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *out)
{
    fprintf(out, "usage: pyhost COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n'pyhost help COMMAND' (or 'pyhost COMMAND --help') describes a command. "
            "pyhost %s\n",
            PH_VERSION);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(name, commands[i].name))
            return &commands[i];
    return NULL;
}

/* "pyhost: error: unknown command 'biuld'" + "hint: did you mean 'build'?" */
static int unknown_command(const char *name)
{
    const char *names[N_COMMANDS];
    for (size_t i = 0; i < N_COMMANDS; i++)
        names[i] = commands[i].name;
    const char *guess = ph_suggest(name, names, N_COMMANDS);
    ph_error err = {{0}, {0}};
    ph_error_set(&err, "unknown command '%s'", name);
    if (guess)
        ph_error_hint(&err, "did you mean '%s'? 'pyhost --help' lists the commands", guess);
    else
        ph_error_hint(&err, "run 'pyhost --help' for the list");
    ph_report(&err);
    return 2;
}

/* `pyhost help build` is `pyhost build --help`. */
static int help_command(int argc, char **argv)
{
    if (argc < 3) {
        print_help(stdout);
        return 0;
    }
    const struct command *c = find_command(argv[2]);
    if (!c)
        return unknown_command(argv[2]);
    char *args[] = {argv[2], "--help", NULL};
    return c->run(2, args);
}

/* `pyhost --multiprocessing-fork ...` or `pyhost -B -s -c CODE`: a child that multiprocessing
 * started from an app that `pyhost run` started (spawn, forkserver, resource tracker); the
 * app's path comes from the environment the parent left. */
static int ph_spawn_child(int argc, char **argv)
{
    int code = ph_app_python_c_index(argc, argv);
    ph_app_options options = {.argc = code ? argc - code + 1 : argc,
                              .argv = code ? argv + code - 1 : argv,
                              .code = code ? argv[code] : NULL};
    if (code)
        options.argv[0] = "-c"; /* sys.argv as python -c sets it */
    ph_error err = {0};
    if (ph_app_resources_from_env(&options) < 0) {
        ph_error_set(&err, "%s is for child processes of a pyhost app", PH_SPAWN_CHILD_ARG);
        ph_error_hint(&err, "multiprocessing passes it; there is nothing to run by hand");
        return ph_report(&err);
    }
    int status = 0;
    if (ph_app_run(&options, &status, &err) < 0)
        return ph_report(&err);
    return status;
}

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Invoked through a link named `pyinstaller`: PyInstaller's command line as it is. */
static bool called_as_pyinstaller(const char *argv0)
{
    const char *base = strrchr(argv0, '/');
    return !strcmp(base ? base + 1 : argv0, "pyinstaller");
}

int main(int argc, char **argv)
{
    if (argc > 0 && called_as_pyinstaller(argv[0]))
        return ph_cmd_pyinstaller(argc, argv);
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_help(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "help"))
        return help_command(argc, argv);
    if (!strcmp(argv[1], "--version")) {
        /* which Python is inside, and where `pyhost build` takes its stdlib from */
        printf("pyhost%s %s\nembeds CPython %s (%s, %s)\nbuilt against %s\nstdlib from %s\n",
               PH_EXE_SUFFIX, PH_VERSION, PH_PYTHON_VERSION, PH_PYTHON_LIBRARY_KIND,
               PH_PYTHON_LIBRARY, PH_PYTHON_EXE, PH_PYTHON_STDLIB);
        return 0;
    }
    if (!strcmp(argv[1], PH_SPAWN_CHILD_ARG) ||
        (ph_app_python_c_index(argc, argv) && getenv(PH_ENV_RESOURCES)))
        return ph_spawn_child(argc, argv);
    const struct command *c = find_command(argv[1]);
    if (c) {
        /* Temporary files go with a signal, which prints "pyhost: interrupted"; `run` leaves
         * signals to the app (Ctrl-C is KeyboardInterrupt, as under python). */
        if (c->run != ph_cmd_run)
            ph_cleanup_on_signals();
        return c->run(argc - 1, argv + 1);
    }
    /* `pyhost APP.pyr ARGS`: what an app run by `pyhost run` gets when it re-runs itself as
     * `[sys.executable, *sys.argv]` (sys.executable is pyhost), so it means `pyhost run`. */
    if (is_regular_file(argv[1]))
        return ph_cmd_run(argc, argv);
    return unknown_command(argv[1]);
}
