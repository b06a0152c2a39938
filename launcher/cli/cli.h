/* The pyhost command line: one function per subcommand, each returning the process exit status.
 * Errors reach the user only through ph_report (report.h), so every message has the same shape. */
#ifndef PH_CLI_H
#define PH_CLI_H

#include <stdio.h>

#include "report.h"

int ph_cmd_run(int argc, char **argv);
int ph_cmd_build(int argc, char **argv);
int ph_cmd_inspect(int argc, char **argv);
int ph_cmd_init(int argc, char **argv);
int ph_cmd_fetch(int argc, char **argv);
int ph_cmd_bundle(int argc, char **argv);
int ph_cmd_installer(int argc, char **argv);
int ph_cmd_pyinstaller(int argc, char **argv);

/* What a bundle executable needs from the system it runs on: "runs on:    glibc >= 2.35 (...)"
 * and its system libraries, one line each, to `out` (cmd_inspect.c; `inspect` and `bundle
 * --explain` print it). Nothing for a file that is not an ELF executable. */
int ph_print_bundle_needs(FILE *out, const char *path, ph_error *err);

#endif
