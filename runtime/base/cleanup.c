#include "pyhost/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pyhost/fsutil.h"

enum { SLOT_FREE, SLOT_FILLING, SLOT_READY };

static struct {
    _Atomic int state;
    char path[PATH_MAX];
} slots[16];

/* Children to end before the paths are removed (0: a free slot). */
static _Atomic pid_t children[8];

static void hold_signals(sigset_t *old)
{
    sigset_t fatal;
    sigemptyset(&fatal);
    sigaddset(&fatal, SIGINT);
    sigaddset(&fatal, SIGTERM);
    sigaddset(&fatal, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &fatal, old);
}

char *ph_cleanup_mkdtemp(char *templ, int *handle)
{
    sigset_t old;
    hold_signals(&old);
    char *dir = mkdtemp(templ);
    int e = errno;
    *handle = dir ? ph_cleanup_push(dir) : -1;
    pthread_sigmask(SIG_SETMASK, &old, NULL); /* a signal held meanwhile is delivered here */
    errno = e;
    return dir;
}

int ph_cleanup_mkostemp(char *templ, int flags, int *handle)
{
    sigset_t old;
    hold_signals(&old);
    int fd = mkostemp(templ, flags);
    int e = errno;
    *handle = fd >= 0 ? ph_cleanup_push(templ) : -1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return fd;
}

int ph_cleanup_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
                      char *const argv[], int *handle)
{
    extern char **environ;
    sigset_t old;
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    hold_signals(&old);
    posix_spawnattr_setsigmask(&attr, &old); /* the child must not inherit the held signals */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    int rc = posix_spawnp(pid, file, actions, &attr, argv, environ);
    *handle = -1;
    for (int i = 0; rc == 0 && *handle < 0 && i < (int)(sizeof children / sizeof children[0]);
         i++) {
        pid_t expected = 0;
        if (atomic_compare_exchange_strong(&children[i], &expected, *pid))
            *handle = i;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    posix_spawnattr_destroy(&attr);
    return rc;
}

void ph_cleanup_pop_child(int handle)
{
    if (handle >= 0 && handle < (int)(sizeof children / sizeof children[0]))
        atomic_store(&children[handle], 0);
}

int ph_cleanup_push(const char *path)
{
    size_t len = strlen(path);
    if (len >= PATH_MAX)
        return -1;
    for (int i = 0; i < (int)(sizeof slots / sizeof slots[0]); i++) {
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_FILLING)) {
            memcpy(slots[i].path, path, len + 1);
            atomic_store(&slots[i].state, SLOT_READY);
            return i;
        }
    }
    return -1;
}

void ph_cleanup_pop(int handle)
{
    if (handle >= 0 && handle < (int)(sizeof slots / sizeof slots[0]))
        atomic_store(&slots[handle].state, SLOT_FREE);
}

/* What getdents64 returns (linux/dirent.h has no userspace header in glibc). */
struct dirent64_raw {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int is_dot(const char *n)
{
    return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

/* rm -rf NAME relative to DIRFD with system calls only (safe in a signal handler): no malloc,
 * no stdio, no opendir. Links are removed, never followed. */
static void remove_at(int dirfd, const char *name, int depth)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT || depth > 32)
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[2048] __attribute__((aligned(8)));
    for (int removed = 1; removed;) { /* removing while reading may skip names: read again */
        removed = 0;
        lseek(fd, 0, SEEK_SET);
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
            for (long off = 0; off < n;) {
                struct dirent64_raw *d = (struct dirent64_raw *)(buf + off);
                off += d->d_reclen;
                if (!is_dot(d->d_name)) {
                    remove_at(fd, d->d_name, depth + 1);
                    removed = 1;
                }
            }
        if (n < 0)
            break;
    }
    close(fd);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static void on_fatal_signal(int sig)
{
    int saved = errno;
    for (size_t i = 0; i < sizeof children / sizeof children[0]; i++) {
        pid_t pid = atomic_load(&children[i]);
        if (pid > 0 && kill(pid, SIGKILL) == 0)
            waitpid(pid, NULL, 0); /* gone: it writes nothing more into what is removed next */
    }
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
        if (atomic_load(&slots[i].state) == SLOT_READY)
            remove_at(AT_FDCWD, slots[i].path, 0);
    if (sig == SIGINT) {
        static const char msg[] = "\npyhost: interrupted\n"; /* "\n" ends a progress line */
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
    }
    errno = saved;
    /* The default action once this handler returns: the status says which signal ended us. */
    signal(sig, SIG_DFL);
    raise(sig);
}

void ph_cleanup_on_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa = {.sa_handler = on_fatal_signal};
        sigemptyset(&sa.sa_mask);
        for (size_t j = 0; j < sizeof sigs / sizeof sigs[0]; j++)
            sigaddset(&sa.sa_mask, sigs[j]); /* one cleanup at a time */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

void ph_sweep_stale(const char *dir, const char *prefix, long age)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    size_t plen = strlen(prefix);
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        if (strncmp(e->d_name, prefix, plen) || is_dot(e->d_name) ||
            fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_uid != geteuid() ||
            now - st.st_mtime < age)
            continue;
        remove_at(dfd, e->d_name, 0);
    }
    closedir(d);
}

void ph_sweep_atomic_leftovers(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], prefix[NAME_MAX + 8];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path ? slash - path : 1), path);
    else
        snprintf(dir, sizeof dir, ".");
    snprintf(prefix, sizeof prefix, "%s.tmp.", slash ? slash + 1 : path);
    ph_sweep_stale(dir, prefix, 3600);
}
