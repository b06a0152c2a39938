/* pyhost build: pack the app, its dependencies and the stdlib into one .pyr (build_pack.c does
 * the work; this file owns the command line and everything the user sees). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "args.h"
#include "cli.h"
#include "fetch.h"
#include "progress.h"

static const char help[] =
    "usage: pyhost build [-c pyhost.ini] [-o OUT.pyr] [-q | -v] [--explain] [--offline]\n\n"
    "Compiles the app's modules and the standard library and packs them, with the app's\n"
    "data files and extension modules, into one .pyr that 'pyhost run' starts.\n\n"
    "  -c, --config FILE  the manifest (default: pyhost.ini or pyproject.toml, here or\n"
    "                     in the nearest parent directory that has one)\n"
    "  -o, --output FILE  where to write (default: NAME.pyr next to the manifest)\n"
    "  -q, --quiet        print nothing but errors (no progress, no summary)\n"
    "  -v, --verbose      name the manifest, list skipped files, shadowed modules and\n"
    "                     where the time went\n"
    "      --explain      print why each distribution and top-level module is packed\n"
    "                     (\"packed NAME: imported by FILE:LINE (analysis)\")\n"
    "      --offline      never use the network: wheels given by URL must already be\n"
    "                     in the download cache ('pyhost fetch' puts them there)\n\n"
    "Compiled bytecode is cached in $PYHOST_CACHE_DIR/bytecode (default:\n"
    "$XDG_CACHE_HOME/pyhost/bytecode or ~/.cache/pyhost/bytecode).\n";

/* Returns 0 to build, 1 when --help was printed, or a usage error's exit status. */
static int parse_args(int argc, char **argv, ph_build_options *o, ph_fetch_options *fo)
{
    bool quiet = false;
    const ph_option options[] = {
        PH_OPT_CONFIG(&o->manifest_path),
        PH_OPT_OUTPUT(&o->output_path),
        PH_OPT_FLAG("--quiet", "-q", &quiet),
        PH_OPT_FLAG("--verbose", "-v", &o->verbose),
        PH_OPT_FLAG("--explain", NULL, &o->explain),
        PH_OPT_FLAG("--offline", NULL, &fo->offline),
        PH_OPT_END,
    };
    const ph_command_line cl = {.command = "build", .help = help, .options = options};
    int rc = ph_args_parse(&cl, argc, argv, NULL);
    if (rc == 0 && quiet)
        ph_progress_init(PH_QUIET);
    return rc;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- Reporting ------------------------------------------------------------------------- */

/* 1893 -> "1,893" */
static void with_commas(size_t n, char *buf, size_t size)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%zu", n), at = 0;
    for (int i = 0; i < len && at + 2 < (int)size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[at++] = ',';
        buf[at++] = digits[i];
    }
    buf[at] = '\0';
}

static void report_cache(const ph_build_result *r)
{
    if (!r->cache_warning[0])
        return;
    fprintf(stderr, "pyhost: warning: %s; building without it\n", r->cache_warning);
    fprintf(stderr, "hint: set PYHOST_CACHE_DIR to a writable directory of your own\n");
}

static void report_verbose(const ph_build_result *r)
{
    for (size_t i = 0; i < r->notes.count; i++)
        fprintf(stderr, "%s\n", r->notes.items[i]);
    fprintf(stderr,
            "bytecode: %zu compiled, %zu from the cache (%s)\n"
            "time: collect %.3f s, compile %.3f s, pack %.3f s, write %.3f s\n",
            r->compiled, r->cached, r->cache_warning[0] ? "off" : r->cache_dir, r->seconds_collect,
            r->seconds_compile, r->seconds_pack, r->seconds_write);
}

static void report_summary(const ph_build_result *r, double seconds)
{
    char entries[32];
    with_commas(r->entries, entries, sizeof entries);
    char size[32];
    ph_display_size(r->size, size, sizeof size);
    printf("wrote %s: %s entries, %s (%s), %.2f s\n", ph_display_path(r->output_path), entries,
           size, r->compression, seconds);
    if (r->routed)
        printf("copied %zu file%s next to it (filesystem-relative routing)\n", r->routed,
               r->routed == 1 ? "" : "s");
}

int ph_cmd_build(int argc, char **argv)
{
    double start = now();
    ph_fetch_options fo = {0};
    ph_build_options o = {.fetch = &fo};
    ph_progress_init(PH_NORMAL);
    int rc = parse_args(argc, argv, &o, &fo);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    o.manifest_path = ph_arg_manifest(o.manifest_path);
    if (o.verbose)
        fprintf(stderr, "manifest: %s\n", o.manifest_path);
    if (o.verbose && ph_progress_verbosity() == PH_QUIET)
        return ph_usage_error("build", "-q and -v say opposite things; pass one");
    if (ph_progress_enabled()) {
        o.progress = ph_progress_build;
        fo.progress = ph_fetch_progress_bar;
    }
    ph_build_result r;
    ph_error err = {{0}, {0}};
    rc = ph_build(&o, &r, &err);
    ph_fetch_progress_end();
    ph_progress_clear();
    report_cache(&r);
    for (size_t i = 0; rc == 0 && i < r.warnings.count; i++)
        fprintf(stderr, "pyhost: warning: %s\n", r.warnings.items[i]);
    if (rc == 0 && o.verbose)
        report_verbose(&r);
    for (size_t i = 0; rc == 0 && i < r.explain.count; i++)
        printf("%s\n", r.explain.items[i]);
    if (rc == 0 && ph_progress_verbosity() != PH_QUIET)
        report_summary(&r, now() - start);
    ph_build_result_free(&r);
    return rc == 0 ? 0 : ph_report(&err);
}
