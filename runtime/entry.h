/* Private to runtime/: running the entry point and turning its end into an exit status. */
#ifndef PH_ENTRY_H
#define PH_ENTRY_H

#include <stdbool.h>

typedef struct ph_entry_result {
    int status;
    bool keyboard_interrupt; /* the caller re-raises SIGINT after finalizing, like python */
    /* The module imported but the entry function is not in it: Python's message ("module 'app'
     * has no attribute 'mian'"), for the caller to report as a manifest problem. */
    char unresolved[256];
} ph_entry_result;

/* `module` is run as __main__ (like python -m) when `function` is NULL; otherwise
 * module.function() is called and its result is the exit status (as console scripts do).
 * Needs an initialized interpreter. */
ph_entry_result ph_entry_run(const char *module, const char *function);

/* Runs `code` in __main__'s namespace, as python -c does. */
ph_entry_result ph_entry_run_code(const char *code);
/* Runs a multiprocessing spawn child (argv[1] == PH_SPAWN_CHILD_ARG) instead of the app. */
ph_entry_result ph_entry_spawn_child(int argc, char **argv);

#endif
