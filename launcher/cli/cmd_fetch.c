/* pyhost fetch: fill the download cache with every remote input of a manifest, so that
 * 'pyhost build --offline' can run without the network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "fetch.h"
#include "progress.h"

static const char help[] =
    "usage: pyhost fetch [-c pyhost.ini]\n\n"
    "Downloads the wheels named by [resources] wheels and [resources] requirements into\n"
    "the cache ($PYHOST_CACHE_DIR/downloads, default ~/.cache/pyhost/downloads), checking\n"
    "each against its SHA-256. Prints one line per input. An interrupted download is\n"
    "resumed by the next run. TLS uses PYHOST_CA_BUNDLE (or SSL_CERT_FILE) when set.\n\n"
    "  -c, --config FILE  the manifest (default: pyhost.ini or pyproject.toml, here\n"
    "                     or in the nearest parent directory that has one)\n";

/* ---- The progress bar (shared with pyhost build): the one progress line ------------- */

void ph_fetch_progress_bar(void *ctx, const ph_input *in, uint64_t done, uint64_t total)
{
    (void)ctx;
    ph_progress_bytes(in->filename, done, total);
}

void ph_fetch_progress_end(void)
{
    ph_progress_clear();
}

/* ---- The command ----------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, const char **manifest)
{
    const ph_option options[] = {PH_OPT_CONFIG(manifest), PH_OPT_END};
    const ph_command_line cl = {.command = "fetch", .help = help, .options = options};
    return ph_args_parse(&cl, argc, argv, NULL);
}

static void report_one(const ph_input *in, const ph_fetch_result *r)
{
    if (r->status == PH_FETCH_LOCAL)
        printf("local       %s\n", in->filename);
    else if (r->status == PH_FETCH_CACHED)
        printf("cached      %s\n", in->filename);
    else if (r->resumed)
        printf("downloaded  %s: %llu bytes (resumed after %llu)\n", in->filename,
               (unsigned long long)r->bytes, (unsigned long long)r->resumed);
    else
        printf("downloaded  %s: %llu bytes\n", in->filename, (unsigned long long)r->bytes);
    fflush(stdout);
}

/* Every input is tried, so one bad URL does not hide the state of the others. */
static int fetch_all(const ph_input_list *inputs)
{
    ph_fetch_options o = {0};
    int failed = 0;
    if (ph_progress_enabled())
        o.progress = ph_fetch_progress_bar;
    for (size_t i = 0; i < inputs->count; i++) {
        ph_fetch_result r;
        ph_error err = {{0}, {0}};
        int rc = ph_fetch(&inputs->items[i], &o, &r, &err);
        ph_fetch_progress_end();
        if (rc < 0) {
            ph_report(&err);
            failed++;
        } else {
            report_one(&inputs->items[i], &r);
        }
        free(r.path);
    }
    return failed ? 1 : 0;
}

int ph_cmd_fetch(int argc, char **argv)
{
    const char *path = NULL;
    ph_progress_init(PH_NORMAL);
    int rc = parse_args(argc, argv, &path);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    path = ph_arg_manifest(path);
    ph_manifest m;
    ph_input_list inputs = {0};
    ph_error err = {{0}, {0}};
    if (ph_manifest_load(&m, path, &err) < 0 || ph_inputs_from_manifest(&m, &inputs, &err) < 0) {
        ph_manifest_free(&m);
        return ph_report(&err);
    }
    if (!inputs.count)
        printf("nothing to fetch: %s has no [resources] wheels or requirements\n", path);
    rc = fetch_all(&inputs);
    ph_input_list_free(&inputs);
    ph_manifest_free(&m);
    return rc;
}
