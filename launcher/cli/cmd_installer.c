/* pyhost installer deb | dmg | msi: picks the driver (installer_*.c) for the kind asked for. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "installer.h"

static const struct kind {
    const char *name;
    int (*run)(int argc, char **argv);
} kinds[] = {
    {"deb", ph_installer_deb},
    {"dmg", ph_installer_dmg},
    {"msi", ph_installer_msi},
};

static const char help[] =
    "usage: pyhost installer KIND [-c pyhost.ini] [-o DIR] [OPTIONS]\n\n"
    "Bundles the app (as 'pyhost bundle' does) and wraps it in an installer:\n\n"
    "  deb   a Debian package: /usr/lib/NAME, /usr/bin/NAME, a menu entry\n"
    "  dmg   a macOS disk image holding NAME.app\n"
    "  msi   a Windows Installer package\n"
    "\n'pyhost installer KIND --help' lists the options of one kind.\n";

int ph_cmd_installer(int argc, char **argv)
{
    const ph_command_line cl = {.command = "installer", .help = help, .other = ph_args_stop};
    int at = 0, rc = ph_args_parse(&cl, argc, argv, &at);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (at >= argc) {
        fputs(help, stderr);
        return 2;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(argv[at], kinds[i].name))
            return kinds[i].run(argc - at, argv + at);
    return ph_usage_error("installer", "unknown installer kind '%s' (deb, dmg or msi)", argv[at]);
}
