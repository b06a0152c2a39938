/* Temporary files and directories that a fatal signal must not leave behind.
 *
 * A writer registers what it creates (a "NAME.pyr.tmp.XXXXXX", a "dist/.NAME.tmp-XXXXXX/") and
 * unregisters it once renamed into place or removed. The CLI installs a handler for SIGINT,
 * SIGTERM and SIGHUP that removes every registered path (async-signal-safe: a fixed-size table,
 * unlinkat and getdents64 only), prints "pyhost: interrupted" on SIGINT, then re-raises the
 * signal, so the exit status says what ended it (130 for SIGINT). What SIGKILL leaves is swept
 * later: ph_sweep_stale. */
#ifndef PYHOST_CLEANUP_H
#define PYHOST_CLEANUP_H

#include <spawn.h>
#include <sys/types.h>

/* Registers `path` (a file or a directory tree; relative to the working directory, which must
 * not change meanwhile). Returns a handle for ph_cleanup_pop, or -1 when the table is full (the
 * path is then only swept later). Thread-safe. */
int ph_cleanup_push(const char *path);
/* mkdtemp(3) and mkostemp(3) that also register what they create, with the fatal signals held
 * meanwhile, so that no signal lands between the creation and the registration. *handle is
 * ph_cleanup_push's. */
char *ph_cleanup_mkdtemp(char *templ, int *handle);
int ph_cleanup_mkostemp(char *templ, int flags, int *handle);
/* Forgets a path registered by ph_cleanup_push (-1: nothing). */
void ph_cleanup_pop(int handle);
/* posix_spawnp(3) of a child that a fatal signal must end first (a dpkg-deb, a wixl still
 * writing into a registered directory would recreate what the handler removes): the handler
 * kills it with SIGKILL and reaps it before removing the registered paths. The child starts
 * with the caller's signal mask. Returns posix_spawnp's result; *handle is for
 * ph_cleanup_pop_child once the child has been waited for. */
int ph_cleanup_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
                      char *const argv[], int *handle);
void ph_cleanup_pop_child(int handle);
/* Installs the handler for SIGINT, SIGTERM and SIGHUP (not for a signal that is ignored, as
 * under nohup). */
void ph_cleanup_on_signals(void);

/* Removes the entries of `dir` whose name starts with `prefix`, owned by this user and not
 * modified for `age` seconds (files, or directory trees): what a writer killed with SIGKILL
 * left. Best effort. */
void ph_sweep_stale(const char *dir, const char *prefix, long age);
/* ph_sweep_stale of the leftovers of ph_write_file_atomic(path): "BASENAME.tmp.*" next to it,
 * older than an hour. */
void ph_sweep_atomic_leftovers(const char *path);

#endif
