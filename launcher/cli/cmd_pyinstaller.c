/* pyhost pyinstaller [OPTIONS] SCRIPT|SPECFILE: PyInstaller's command, building with pyhost.
 * Also what runs when this executable is invoked as `pyinstaller` (main.c). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "progress.h"
#include "pyinstaller.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int ph_cmd_pyinstaller(int argc, char **argv)
{
    double start = now_ms();
    ph_progress_init(PH_NORMAL); /* before the driver's fork: the analysis draws it too */
    ph_pyi_plan plan = {0};
    ph_error err = {{0}, {0}};
    bool have_plan = false;
    int status = ph_pyi_run_driver(argc, argv, &plan, &have_plan, &err);
    if (status < 0)
        return ph_report(&err);
    if (status != 0 || !have_plan) /* the driver printed why (or --help, --version) */
        return status;
    char *result = NULL;
    fprintf(stderr, "%d INFO: Building %s with pyhost bundle\n", (int)(now_ms() - start),
            plan.onefile ? "onefile executable" : "onedir bundle");
    int rc = ph_pyi_make(&plan, ph_progress_enabled() ? ph_progress_build : NULL, &result, &err);
    ph_progress_clear();
    if (rc == 0)
        fprintf(stderr, "%d INFO: Build complete! The results are available in: %s\n",
                (int)(now_ms() - start), plan.distpath);
    free(result);
    ph_pyi_plan_free(&plan);
    return rc == 0 ? 0 : ph_report(&err);
}
