#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyhost/project.h"
#include "report.h"

/* The length of the spelling of `o` that `arg` starts with: arg is "NAME", or "NAME=VALUE" for
 * an option with a value. 0 when it is not this option. */
static size_t match(const ph_option *o, const char *arg)
{
    const char *names[] = {o->name, o->alias};
    for (size_t k = 0; k < 2; k++) {
        size_t n = names[k] ? strlen(names[k]) : 0;
        if (n && !strncmp(arg, names[k], n) && (arg[n] == '\0' || (arg[n] == '=' && o->value)))
            return n;
    }
    return 0;
}

static const ph_option *find_option(const ph_option *options, const char *arg, size_t *len)
{
    for (const ph_option *o = options; o && o->name; o++)
        if ((*len = match(o, arg)) != 0)
            return o;
    return NULL;
}

/* Applies option `o` found at argv[*i] (spelled with `len` characters), taking its value from
 * after '=' or from the next argument. Returns 0, or -1 when the value is missing. */
static int apply(const ph_option *o, size_t len, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    if (o->flag)
        *o->flag = true;
    else if (o->choice)
        *o->choice = o->choice_value;
    else if (arg[len] == '=')
        *o->value = arg + len + 1;
    else if (*i + 1 < argc)
        *o->value = argv[++*i];
    else
        return -1;
    return 0;
}

int ph_args_parse(const ph_command_line *cl, int argc, char **argv, int *stopped)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        size_t len = 0;
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs(cl->help, stdout);
            return 1;
        }
        const ph_option *o = find_option(cl->options, arg, &len);
        if (!o)
            o = find_option(cl->common, arg, &len);
        if (o && apply(o, len, argc, argv, &i) < 0)
            return ph_usage_error(cl->command, "option '%s' needs a value", arg);
        if (o)
            continue;
        if (!cl->other)
            return ph_usage_error(cl->command, "unexpected argument '%s'", arg);
        int rc = cl->other(cl->ctx, arg);
        if (rc == PH_ARGS_STOP) {
            if (stopped)
                *stopped = i;
            return 0;
        }
        if (rc != PH_ARGS_NEXT)
            return rc;
    }
    if (stopped)
        *stopped = argc;
    return 0;
}

int ph_args_stop(void *ctx, const char *arg)
{
    (void)ctx;
    (void)arg;
    return PH_ARGS_STOP;
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
