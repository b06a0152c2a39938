/* Private to runtime/: the list of placed files (.pyhost/placed) and the check, at every start,
 * that CACHE/apps/HASH still holds them as they were written (place_check.c). */
#ifndef PH_PLACE_CHECK_H
#define PH_PLACE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of the list: "MODE SIZE XXH64 NAME" (octal, decimal, hex). */
typedef struct ph_placed_item {
    unsigned mode;
    uint64_t size, hash;
    const char *name; /* '/'-separated, below the directory */
    const char *line; /* the whole line, for messages */
} ph_placed_item;

/* The next line at *cursor (the lines are NUL-terminated in place): 1 and *it, 0 at the end,
 * -1 for a line that is not MODE SIZE HASH NAME with a safe NAME (it->line says which). */
int ph_placed_next(char **cursor, ph_placed_item *it);
/* A '/'-path that stays below the directory: no empty, "." or ".." component. */
bool ph_placed_safe_name(const char *name);

/* What was true of a placed file when it was written: its inode and ctime. */
typedef struct ph_placed_stamp {
    uint64_t ino, ctime_sec, ctime_nsec;
} ph_placed_stamp;

typedef struct ph_placed_stamps {
    ph_placed_stamp *items; /* one per listed file, in list order */
    size_t count;
    bool restamp; /* some file had another stamp but the same content: store these */
} ph_placed_stamps;

typedef struct ph_placed_problem {
    char name[512];  /* the file or directory, relative */
    const char *why; /* "is a symbolic link", "has changed content", ... */
} ph_placed_problem;

/* Checks every file of LIST (the body after the header) in DIRFD against `seen` (the stamps
 * recorded when they were written; fewer or none: each file is hashed instead). Returns 1 when
 * all hold what is listed, with their stamps in *out (free out->items); 0 when one does not
 * (*problem says which and why); -1 when out of memory. */
int ph_placed_check(int dirfd, const char *list, const ph_placed_stamp *seen, size_t seen_count,
                    ph_placed_stamps *out, ph_placed_problem *problem);

#endif
