/* ph_copy_file and ph_read_all (pyhost/fsutil.h). ph_copy_file is the one file copy of the
 * builder, the bundler and the installers; what callers rely on: the bytes and the mode as
 * asked, and a destination that already exists (a file or a planted symlink) refused rather
 * than overwritten or followed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "pyhost/fsutil.h"

static char *read_all(const char *path, size_t *size)
{
    char *data = NULL;
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_read_file(path, &data, size, &err), 0, "%s", err.message);
    return data;
}

Test(fsutil, copy_file_copies_bytes_and_mode)
{
    const char *dir = tmpdir();
    /* larger than the copy buffer, with a NUL inside, so a short or text-only copy shows */
    size_t size = (1 << 16) * 3 + 17;
    char *data = malloc(size);
    for (size_t i = 0; i < size; i++)
        data[i] = (char)(i * 7 + i / 251);
    char *from = write_bytes(dir, "from.bin", data, size);
    char *to = ph_path_join(dir, "to.bin", "");
    umask(077);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_copy_file(from, to, 0755, &err), 0, "%s", err.message);
    size_t got_size;
    char *got = read_all(to, &got_size);
    cr_assert_eq(got_size, size);
    cr_assert(memcmp(got, data, size) == 0, "the copy differs from the source");
    struct stat st;
    cr_assert_eq(stat(to, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0755, "mode %o: the umask must not apply", st.st_mode & 0777);
    free(got), free(data), free(from), free(to);
    ph_remove_tree(dir);
}

Test(fsutil, copy_file_refuses_an_existing_destination)
{
    const char *dir = tmpdir();
    char *from = write_bytes(dir, "from", "new", 3);
    char *to = write_bytes(dir, "to", "old", 3);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_copy_file(from, to, 0644, &err), -1);
    cr_assert(strstr(err.message, to), "the message names the file: %s", err.message);
    size_t size;
    char *kept = read_all(to, &size);
    cr_assert(size == 3 && !memcmp(kept, "old", 3), "the existing file must stay as it was");
    free(kept), free(from), free(to);
    ph_remove_tree(dir);
}

Test(fsutil, copy_file_does_not_follow_a_planted_symlink)
{
    const char *dir = tmpdir();
    char *from = write_bytes(dir, "from", "payload", 7);
    char *victim = ph_path_join(dir, "victim", "");
    char *to = ph_path_join(dir, "to", "");
    cr_assert_eq(symlink(victim, to), 0);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_copy_file(from, to, 0644, &err), -1);
    cr_assert_eq(access(victim, F_OK), -1, "the symlink's target was created");
    free(from), free(victim), free(to);
    ph_remove_tree(dir);
}

Test(fsutil, copy_file_refuses_a_fifo_and_leaves_nothing)
{
    const char *dir = tmpdir();
    char *fifo = ph_path_join(dir, "fifo", "");
    char *to = ph_path_join(dir, "to", "");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    ph_error err = {{0}, {0}};
    cr_assert_eq(ph_copy_file(fifo, to, 0644, &err), -1); /* returns: no hang on the open */
    cr_assert(strstr(err.message, "not a regular file"), "%s", err.message);
    cr_assert_eq(access(to, F_OK), -1, "nothing is created for a refused source");
    free(fifo), free(to);
    ph_remove_tree(dir);
}

/* ph_read_all: the bytecode cache reads its header and entry with it; a short file is a miss. */
Test(fsutil, read_all_reads_exactly_or_fails_at_the_end)
{
    /* SOCK_SEQPACKET: one read(2) returns at most one message, so a single read of 5 bytes
     * would return the first 3 only */
    int fds[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
    cr_assert_eq(write(fds[1], "abc", 3), 3);
    cr_assert_eq(write(fds[1], "de", 2), 2);
    cr_assert_eq(write(fds[1], "f", 1), 1);
    close(fds[1]);
    char buf[8] = {0};
    cr_assert_eq(ph_read_all(fds[0], buf, 5), 0);
    cr_assert_str_eq(buf, "abcde");
    errno = 42;
    cr_assert_eq(ph_read_all(fds[0], buf, 3), -1, "1 byte left, 3 asked: the end came first");
    cr_assert_eq(errno, 0, "the end of the file is not a read error");
    close(fds[0]);
}
