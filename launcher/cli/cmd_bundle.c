/* pyhost bundle: a standalone dist/<name>/ (bundle_make.c does the work; this file owns the
 * command line and everything the user sees). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "args.h"
#include "cli.h"
#include "progress.h"

static const char help[] =
    "usage: pyhost bundle [-c pyhost.ini] [-o DIR] [--embedded | --adjacent] [--no-strip] [-q]\n"
    "                     [--explain]\n"
    "\n"
    "Builds the app's .pyr and makes DIR/NAME/NAME, an executable that runs the app on a\n"
    "machine without Python (the interpreter is linked into it), from any directory.\n"
    "\n"
    "  -c, --config FILE  the manifest (default: pyhost.ini or pyproject.toml, here\n"
    "                     or in the nearest parent directory that has one)\n"
    "  -o, --output DIR   where NAME/ is made (default: [bundle] output, else ./dist)\n"
    "  --embedded         one file: the resources appended to the executable (default)\n"
    "  --adjacent         the resources in NAME.pyr next to the executable\n"
    "  --no-strip         keep the symbol table and debug info of the executable\n"
    "  -q, --quiet        print nothing but errors (no progress, no summary)\n"
    "  --explain          print why each module is packed (as build --explain), then\n"
    "                     what the bundle needs where it runs: the glibc and the system\n"
    "                     libraries (as inspect prints them)\n"
    "\n"
    "Files the manifest routes to the filesystem go to DIR/NAME/lib/. An existing\n"
    "DIR/NAME is replaced only once the new bundle is complete.\n";

/* Returns 0 to bundle, 1 when --help was printed, or a usage error's exit status. */
static int parse_args(int argc, char **argv, ph_bundle_options *o)
{
    bool quiet = false, no_strip = false;
    int mode = o->mode;
    const ph_option options[] = {
        PH_OPT_CONFIG(&o->manifest_path),
        PH_OPT_OUTPUT(&o->output_dir),
        PH_OPT_CHOICE("--embedded", &mode, PH_BUNDLE_EMBEDDED),
        PH_OPT_CHOICE("--adjacent", &mode, PH_BUNDLE_ADJACENT),
        PH_OPT_FLAG("--no-strip", NULL, &no_strip),
        PH_OPT_FLAG("--quiet", "-q", &quiet),
        PH_OPT_FLAG("--explain", NULL, &o->explain),
        PH_OPT_END,
    };
    const ph_command_line cl = {.command = "bundle", .help = help, .options = options};
    int rc = ph_args_parse(&cl, argc, argv, NULL);
    o->mode = (ph_bundle_mode)mode;
    o->strip = o->strip && !no_strip;
    if (rc == 0 && quiet)
        ph_progress_init(PH_QUIET);
    return rc;
}

static void report_summary(const ph_bundle_result *r)
{
    char size[32];
    ph_display_size(r->size, size, sizeof size);
    printf("bundled %s: %s, %u file%s, %s\n", ph_display_path(r->executable), size, r->files,
           r->files == 1 ? "" : "s", r->embedded ? "embedded" : "adjacent");
}

int ph_cmd_bundle(int argc, char **argv)
{
    ph_bundle_options o = {.strip = true};
    ph_progress_init(PH_NORMAL);
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    o.manifest_path = ph_arg_manifest(o.manifest_path);
    if (ph_progress_enabled())
        o.progress = ph_progress_build;
    ph_bundle_result r;
    ph_error err = {{0}, {0}};
    rc = ph_bundle(&o, &r, &err);
    ph_progress_clear();
    for (size_t i = 0; rc == 0 && i < r.explain.count; i++)
        printf("%s\n", r.explain.items[i]);
    if (rc == 0 && o.explain)
        rc = ph_print_bundle_needs(stdout, r.executable, &err);
    if (rc == 0 && ph_progress_verbosity() != PH_QUIET)
        report_summary(&r);
    ph_bundle_result_free(&r);
    return rc == 0 ? 0 : ph_report(&err);
}
