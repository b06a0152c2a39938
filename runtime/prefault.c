/* The executable's writable data made private in one call, before Python writes to it.
 *
 * libpython's statically linked data (static types, the deep-frozen modules' code objects and
 * strings, _Py_ID identifiers) is file-backed and private: CPython's start-up writes to most of
 * its pages (hashes, reference counts, type slots), and each first write is a page fault that
 * copies the page: about 300 of a hello's 559 faults (249 left with this). MADV_POPULATE_WRITE
 * (Linux 5.14) does the same copies in one system call, without a trap per page. Where the kernel
 * does not know it, the call fails and the pages fault one by one as before. */
#include "interp.h"

#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static int populate_writable(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t relro_end = 0; /* read-only after relocation: not writable, not populated */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_GNU_RELRO)
            relro_end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
    }
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
        uintptr_t end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
        if (start < relro_end)
            start = relro_end;
        if (start < end)
            madvise((void *)start, end - start, MADV_POPULATE_WRITE);
    }
    return 1; /* the first object is the executable: the one that holds libpython */
}

void ph_prefault_data(void)
{
    dl_iterate_phdr(populate_writable, NULL);
}
