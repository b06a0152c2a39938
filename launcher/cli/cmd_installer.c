/* pyhost installer deb | dmg | msi: picks the driver (installer_*.c) for the kind asked for. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "installer.h"

static const struct kind {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} kinds[] = {
    {"deb", ph_installer_deb, "a Debian package: /usr/lib/NAME, /usr/bin/NAME, a menu entry"},
    {"dmg", ph_installer_dmg, "a macOS disk image holding NAME.app"},
    {"msi", ph_installer_msi, "a Windows Installer package"},
};

static void print_help(FILE *out)
{
    fprintf(out, "usage: pyhost installer KIND [-c pyhost.ini] [-o DIR] [OPTIONS]\n\n"
                 "Bundles the app (as 'pyhost bundle' does) and wraps it in an installer:\n\n");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        fprintf(out, "  %-5s %s\n", kinds[i].name, kinds[i].summary);
    fprintf(out, "\n'pyhost installer KIND --help' lists the options of one kind.\n");
}

int ph_cmd_installer(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        print_help(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(argv[1], kinds[i].name))
            return kinds[i].run(argc - 1, argv + 1);
    return ph_usage_error("installer", "unknown installer kind '%s' (deb, dmg or msi)", argv[1]);
}
