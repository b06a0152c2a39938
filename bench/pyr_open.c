/* Benchmarks .pyr open+index and lookup (bench/pyr_open.sh drives it; results in RESULTS.md).
 *   bench_pyr_open synth N OUT.pyr    write N stdlib-like entries with ~2 KB blobs
 *   bench_pyr_open pack LIST OUT.pyr  pack "kind<TAB>name<TAB>slot<TAB>file" lines
 *   bench_pyr_open time FILE [REPS]   median µs of open+first lookup; µs per lookup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pyhost/pyr.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int fail(const ph_error *err)
{
    fprintf(stderr, "bench_pyr_open: %s\n", err->message);
    return 1;
}

static pyr_writer *writer(void)
{
    pyr_writer_options o = {
        .python_magic = 0x0a0d0da7u, .python_version = 0x030b0000u, .compression_level = 3};
    pyr_writer *w;
    ph_error err;
    if (pyr_writer_new(&w, &o, &err) < 0)
        exit(fail(&err));
    return w;
}

static int synth(long n, const char *out)
{
    static const char *const tops[] = {"json",
                                       "email",
                                       "asyncio",
                                       "xml.dom",
                                       "http",
                                       "logging",
                                       "concurrent.futures",
                                       "urllib",
                                       "importlib",
                                       "multiprocessing",
                                       "unittest",
                                       "distutils.command"};
    pyr_writer *w = writer();
    char name[128], blob[2048];
    ph_error err;
    for (long i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s.module_%ld", tops[i % 12], i);
        for (size_t k = 0; k < sizeof blob; k++) /* half text, half noise: compresses ~2x */
            blob[k] = k % 2 ? "abcdefgh\n "[k % 10] : (char)(rand() & 0x7f);
        if (pyr_writer_add_blob(w, name, PYR_MODULE, PYR_SOURCE, blob, sizeof blob, PYR_IN_MEMORY,
                                0, &err) < 0 ||
            pyr_writer_add_blob(w, name, PYR_MODULE, PYR_BYTECODE_OPT0, blob, sizeof blob / 2,
                                PYR_IN_MEMORY, 0, &err) < 0)
            return fail(&err);
    }
    int rc = pyr_writer_write_file(w, out, &err) < 0 ? fail(&err) : 0;
    pyr_writer_free(w);
    return rc;
}

static int pack_line(pyr_writer *w, char *line, ph_error *err)
{
    char *kind = strtok(line, "\t\n"), *name = strtok(NULL, "\t\n");
    char *slot = strtok(NULL, "\t\n"), *file = strtok(NULL, "\t\n");
    if (!kind || !name || !slot || !file)
        return ph_error_set(err, "bad list line");
    FILE *f = fopen(file, "rb");
    if (!f)
        return ph_error_set(err, "cannot open %s", file);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *data = malloc(size ? (size_t)size : 1);
    size_t got = fread(data, 1, (size_t)size, f);
    fclose(f);
    int rc = pyr_writer_add_blob(w, name, (pyr_kind)pyr_kind_from_name(kind), (pyr_slot)atoi(slot),
                                 data, got, PYR_IN_MEMORY, 0, err);
    free(data);
    return rc;
}

static int pack(const char *list, const char *out)
{
    FILE *f = fopen(list, "r");
    if (!f)
        return perror(list), 1;
    pyr_writer *w = writer();
    char line[8192];
    ph_error err;
    while (fgets(line, sizeof line, f))
        if (pack_line(w, line, &err) < 0)
            return fail(&err);
    fclose(f);
    int rc = pyr_writer_write_file(w, out, &err) < 0 ? fail(&err) : 0;
    pyr_writer_free(w);
    return rc;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Each repetition maps the file afresh (a cold archive; the page cache stays warm). */
static double median_open_us(const char *path, const char *first, int reps)
{
    double *t = malloc((size_t)reps * sizeof *t);
    for (int r = 0; r < reps; r++) {
        pyr_archive *a;
        ph_error err;
        double start = now_us();
        if (pyr_open_file(&a, path, 0, &err) < 0 ||
            pyr_find(a, first, strlen(first)) == PYR_NOT_FOUND)
            exit(fail(&err));
        t[r] = now_us() - start;
        pyr_close(a);
    }
    qsort(t, (size_t)reps, sizeof *t, compare_double);
    double m = t[reps / 2];
    free(t);
    return m;
}

static int timing(const char *path, int reps)
{
    pyr_archive *a;
    ph_error err;
    if (pyr_open_file(&a, path, 0, &err) < 0)
        return fail(&err);
    pyr_info info;
    pyr_get_info(a, &info);
    char **names = malloc(info.entry_count * sizeof *names);
    for (uint32_t i = 0; i < info.entry_count; i++) {
        pyr_entry e;
        if (pyr_entry_at(a, i, &e, &err) < 0)
            return fail(&err);
        names[i] = strdup(e.name);
    }
    pyr_close(a);
    double open_us = median_open_us(path, names[info.entry_count / 2], reps);
    double pass[2];
    pyr_open_file(&a, path, 0, &err);
    for (int p = 0; p < 2; p++) { /* first pass verifies index chunks; second is warm */
        double start = now_us();
        for (uint32_t i = 0; i < info.entry_count; i++)
            if (pyr_find(a, names[i], strlen(names[i])) != i)
                return fprintf(stderr, "bench_pyr_open: %s not found\n", names[i]), 1;
        pass[p] = (now_us() - start) / info.entry_count;
    }
    pyr_close(a);
    printf("%s: %u entries, %llu bytes, index %llu bytes\n", path, info.entry_count,
           (unsigned long long)info.size, (unsigned long long)info.index_size);
    printf("  open+first lookup: median %.1f us over %d opens\n", open_us, reps);
    printf("  lookup every name: %.3f us each (first pass), %.3f us (warm)\n", pass[0], pass[1]);
    printf("OPEN_US %.2f\n", open_us);
    for (uint32_t i = 0; i < info.entry_count; i++)
        free(names[i]);
    free(names);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "synth"))
        return synth(atol(argv[2]), argv[3]);
    if (argc >= 4 && !strcmp(argv[1], "pack"))
        return pack(argv[2], argv[3]);
    if (argc >= 3 && !strcmp(argv[1], "time"))
        return timing(argv[2], argc > 3 ? atoi(argv[3]) : 2001);
    fprintf(stderr, "usage: bench_pyr_open synth N OUT | pack LIST OUT | time FILE [REPS]\n");
    return 2;
}
