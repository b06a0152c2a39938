/* The progress line: see progress.h. One module, so that build, bundle, fetch and the
 * installers look the same and agree on when to stay quiet. */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static struct {
    ph_verbosity verbosity;
    bool enabled;
    bool shown;
    double delay;   /* seconds a step runs before it is shown */
    double started; /* first report of the current step; 0: none yet */
    double drawn;   /* last redraw */
} st = {.verbosity = PH_NORMAL, .delay = 1.0};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ph_progress_init(ph_verbosity verbosity)
{
    st.verbosity = verbosity;
    st.enabled = verbosity != PH_QUIET && isatty(STDERR_FILENO);
    const char *delay = getenv("PYHOST_PROGRESS_DELAY");
    char *end;
    double d = delay ? strtod(delay, &end) : 1.0;
    st.delay = delay && end != delay && d >= 0 ? d : 1.0;
    st.started = st.drawn = 0;
}

ph_verbosity ph_progress_verbosity(void)
{
    return st.verbosity;
}

bool ph_progress_enabled(void)
{
    return st.enabled;
}

/* Whether to draw now: the step has run `delay` seconds, and at most 10 redraws a second
 * (a warm build reports thousands of files in a blink; a write per file would cost more than
 * the work), but always the last one of a step. */
static bool due(bool last)
{
    if (!st.enabled)
        return false;
    double t = now();
    if (st.started == 0)
        st.started = t;
    if (t - st.started < st.delay || (!last && t - st.drawn < 0.1))
        return false;
    st.drawn = t;
    return true;
}

static int columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

/* Prints `prefix` then as much of the end of `item` as fits on the line. */
static void draw(const char *prefix, const char *item)
{
    int room = columns() - 1 - (int)strlen(prefix);
    size_t len = item ? strlen(item) : 0;
    if (room < 4)
        room = 4;
    if (len > (size_t)room)
        fprintf(stderr, "\r\033[K%s...%s", prefix, item + len - (size_t)room + 3);
    else
        fprintf(stderr, "\r\033[K%s%s", prefix, item ? item : "");
    fflush(stderr);
    st.shown = true;
}

void ph_progress_count(const char *step, size_t done, size_t total, const char *item)
{
    if (!due(total && done == total))
        return;
    char prefix[128];
    int width = snprintf(NULL, 0, "%zu", total);
    if (total)
        snprintf(prefix, sizeof prefix, "[%*zu/%zu] %s%s", width, done, total, step,
                 item ? " " : "");
    else
        snprintf(prefix, sizeof prefix, "[%zu] %s%s", done, step, item ? " " : "");
    draw(prefix, item);
}

void ph_progress_busy(const char *step)
{
    if (!due(false))
        return;
    char line[160];
    snprintf(line, sizeof line, "%s... %.0f s", step, now() - st.started);
    draw(line, NULL);
}

void ph_progress_bytes(const char *item, uint64_t done, uint64_t total)
{
    if (!due(total && done == total))
        return;
    char bar[21], suffix[96], prefix[160];
    int pct = total ? (int)(done * 100 / total) : 0;
    for (int i = 0; i < 20; i++)
        bar[i] = total && i < pct * 20 / 100 ? '#' : '.';
    bar[20] = '\0';
    if (total)
        snprintf(suffix, sizeof suffix, "[%s] %3d%% %.1f/%.1f MB ", bar, pct, (double)done / 1e6,
                 (double)total / 1e6);
    else
        snprintf(suffix, sizeof suffix, "%.1f MB ", (double)done / 1e6);
    snprintf(prefix, sizeof prefix, "downloading %s", suffix);
    draw(prefix, item);
}

void ph_progress_clear(void)
{
    if (st.shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    st.shown = false;
    st.started = st.drawn = 0;
}

void ph_progress_build(void *ctx, size_t done, size_t total, const char *what)
{
    (void)ctx;
    if (!total) { /* the import analysis: modules parsed so far, no total known */
        ph_progress_count("analyzing", done, 0, what);
        return;
    }
    if (!what) {
        ph_progress_count("compressing and writing", done, total, NULL);
        return;
    }
    size_t len = strlen(what);
    bool source = len > 3 && !strcmp(what + len - 3, ".py");
    ph_progress_count(source ? "compiling" : "packing", done, total, what);
}
