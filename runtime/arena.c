/* pymalloc's arenas from one region of transparent huge pages ([python] huge_pages).
 *
 * pymalloc takes its memory in arenas (256 KiB, or 1 MiB from 3.10), each its own mmap, and
 * every 4 KiB page of them costs a page fault on first touch and a page to free at exit. Carved
 * from one 2 MiB-aligned region marked MADV_HUGEPAGE, they fault once per 2 MiB where the
 * kernel allows it (transparent_hugepage "madvise" or "always"): `hg log` goes from 5,950 page
 * faults to 2,720 and from 124.0 to 117.7 ms of CPU, a hello from 5.19 to 4.85 ms
 * (bench/RESULTS.md), for about 1.4 MB more resident memory. Where the kernel says no, the
 * advice does nothing and arenas behave as pymalloc's own.
 *
 * The region is reserved without access (PROT_NONE: no memory, no commit charge even under
 * strict overcommit) and made writable 2 MiB at a time, as arenas are handed out, so that each
 * huge page lies in one mapping. A freed arena gives its memory back (MADV_DONTNEED, as
 * pymalloc's munmap would) and is kept for the next one. When the region is used up, or cannot
 * be had, arenas come from mmap as before.
 *
 * CPython's arena allocator is process-wide, so its state is too: one static region, set
 * before the interpreter allocates anything and only touched under the GIL. */
#include "interp.h"

#include <stdint.h>
#include <sys/mman.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define HUGE_PAGE ((size_t)2 << 20)
#define REGION ((size_t)1 << 30) /* address space, not memory */

typedef struct arena_region {
    char *base;     /* 2 MiB-aligned */
    char *next;     /* where the next new arena goes */
    char *writable; /* end of the part made writable: base + a multiple of 2 MiB */
    char *end;
    void *free_list; /* freed arenas, each holding a pointer to the next */
    size_t arena_size;
} arena_region;

static arena_region region;

static void *mapped_arena(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* A new arena from the region, making the next 2 MiB writable when it needs them. */
static void *carved_arena(arena_region *r, size_t size)
{
    if ((size_t)(r->end - r->next) < size)
        return NULL;
    if ((size_t)(r->writable - r->next) < size) {
        size_t grow = (size - (size_t)(r->writable - r->next) + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        if (grow > (size_t)(r->end - r->writable) ||
            mprotect(r->writable, grow, PROT_READ | PROT_WRITE) != 0)
            return NULL;
        r->writable += grow;
    }
    void *a = r->next;
    r->next += size;
    return a;
}

static void *arena_alloc(void *ctx, size_t size)
{
    arena_region *r = ctx;
    if (!r->arena_size)
        r->arena_size = size; /* pymalloc asks for one size only: its ARENA_SIZE */
    void *a = NULL;
    if (size == r->arena_size && r->free_list) {
        a = r->free_list;
        r->free_list = *(void **)a;
        *(void **)a = NULL; /* the rest of a freed arena reads as zero again, so does this */
    } else if (size == r->arena_size) {
        a = carved_arena(r, size);
    }
    return a ? a : mapped_arena(size);
}

static void arena_free(void *ctx, void *ptr, size_t size)
{
    arena_region *r = ctx;
    if ((char *)ptr < r->base || (char *)ptr >= r->end) {
        munmap(ptr, size);
        return;
    }
    madvise(ptr, size, MADV_DONTNEED);
    *(void **)ptr = r->free_list;
    r->free_list = ptr;
}

void ph_arena_install(void)
{
    if (region.base)
        return; /* once per process: arenas already handed out stay this allocator's */
    char *raw = mmap(NULL, REGION + HUGE_PAGE, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED)
        return; /* pymalloc's own arenas, as without this */
    char *base = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (base > raw)
        munmap(raw, (size_t)(base - raw));
    munmap(base + REGION, (size_t)(raw + HUGE_PAGE - base)); /* never empty: base < raw + 2 MiB */
    madvise(base, REGION, MADV_HUGEPAGE);
    region = (arena_region){.base = base, .next = base, .writable = base, .end = base + REGION};
    PyObjectArenaAllocator a = {.ctx = &region, .alloc = arena_alloc, .free = arena_free};
    PyObject_SetArenaAllocator(&a);
}
