#include "args.h"

#include <stdlib.h>
#include <string.h>

#include "pyhost/project.h"

int ph_arg_value(int argc, char **argv, int *i, const char *opt, const char **out)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) != 0 || (argv[*i][n] != '=' && argv[*i][n] != '\0'))
        return 0;
    if (argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return 1;
    }
    if (*i + 1 >= argc)
        return -1;
    *out = argv[++*i];
    return 1;
}

const char *ph_arg_manifest(const char *given)
{
    static char *found;
    if (given)
        return given;
    if (!found && ph_manifest_find(&found) <= 0)
        return "pyhost.ini"; /* not found: the error names the file 'pyhost init' writes */
    return found;
}

int ph_arg_config_output(int argc, char **argv, int *i, const char **config, const char **output)
{
    int r;
    if ((r = ph_arg_value(argc, argv, i, "--config", config)) ||
        (r = ph_arg_value(argc, argv, i, "-c", config)))
        return r;
    if (output && ((r = ph_arg_value(argc, argv, i, "--output", output)) ||
                   (r = ph_arg_value(argc, argv, i, "-o", output))))
        return r;
    return 0;
}
