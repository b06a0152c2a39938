/* The pyhost command line: one function per subcommand, each returning the process exit status.
 * Errors reach the user only through ph_report (report.h), so every message has the same shape. */
#ifndef PH_CLI_H
#define PH_CLI_H

#include "report.h"

int ph_cmd_run(int argc, char **argv);
int ph_cmd_build(int argc, char **argv);
int ph_cmd_inspect(int argc, char **argv);
int ph_cmd_init(int argc, char **argv);
int ph_cmd_fetch(int argc, char **argv);
int ph_cmd_bundle(int argc, char **argv);
int ph_cmd_installer(int argc, char **argv);
int ph_cmd_pyinstaller(int argc, char **argv);

#endif
