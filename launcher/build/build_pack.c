/* One build: manifest -> collect -> compile -> pack -> write. Nothing is written until the
 * whole .pyr is ready, and then atomically, so a failing build never leaves a partial file. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "build.h"
#include "ph_stdlib_identity.h"
#include "stdlib_identity.h"
#include "fetch.h"
#include "ph_build_config.h"
#include "pyhost/cleanup.h"
#include "pyhost/fsutil.h"
#include "pyhost/pyr_hash.h"
#include "wheel.h"
#include "build_pack.h"

/* Roots in sys.path order: [resources] paths 0..n-1, the stdlib n, site directories after. */
unsigned build_site_root(const build *b, unsigned site)
{
    return b->stdlib_root + 1 + site;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_note(build *b, const char *fmt, const char *a, const char *c)
{
    ph_strlist *notes = &b->r->notes;
    char line[1024];
    snprintf(line, sizeof line, fmt, a, c);
    char **grown = realloc(notes->items, (notes->count + 1) * sizeof *grown);
    if (!grown || !(grown[notes->count] = strdup(line))) {
        if (grown)
            notes->items = grown;
        return ph_error_set(b->err, "out of memory");
    }
    notes->items = grown;
    notes->count++;
    return 0;
}

/* ---- Manifest and output --------------------------------------------------------------- */

static int load(build *b)
{
    const char *path = b->o->manifest_path ? b->o->manifest_path : "pyhost.ini";
    if (ph_manifest_load(&b->m, path, b->err) < 0)
        return -1;
    if (b->o->output_path)
        b->r->output_path = strdup(b->o->output_path);
    else {
        size_t n = strlen(b->m.base_dir) + strlen(b->m.app.name) + 6;
        if ((b->r->output_path = malloc(n)))
            snprintf(b->r->output_path, n, "%s/%s.pyr", b->m.base_dir, b->m.app.name);
    }
    if (!b->r->output_path)
        return ph_error_set(b->err, "out of memory");
    if (stat(b->r->output_path, &b->out_st) < 0)
        memset(&b->out_st, 0, sizeof b->out_st);
    return 0;
}

static void describe_compression(build *b)
{
    const ph_compress *c = &b->m.python.compress;
    if (c->method == PH_COMPRESSION_NONE)
        snprintf(b->r->compression, sizeof b->r->compression, "none");
    else
        snprintf(b->r->compression, sizeof b->r->compression, "zstd:%d%s", c->level,
                 b->m.python.dictionary ? "+dict" : "");
}

static int collect(build *b)
{
    /* The stdlib comes last: with [python] stdlib = auto it is what everything else reaches. */
    b->stdlib_root = (unsigned)b->m.resources.paths.count;
    if (build_find_routed_dirs(b) < 0 || build_collect_app(b) < 0 || build_analyze_app(b) < 0 ||
        build_collect_dists(b) < 0 || build_collect_wheels(b) < 0 || build_collect_stdlib(b) < 0)
        return -1;
    if (ph_collect_resolve(&b->units, b->o->verbose ? &b->r->notes : NULL, b->err) < 0 ||
        ph_collect_data(&b->m, &b->units, b->o->explain ? &b->r->explain : NULL, b->err) < 0)
        return -1;
    if (ph_collect_shared_libraries(&b->units, &b->m, b->o->explain ? &b->r->explain : NULL,
                                    b->err) < 0 ||
        build_check_entry(b) < 0)
        return -1;
    return b->o->explain ? build_explain(b) : 0;
}

/* ---- Packing --------------------------------------------------------------------------- */

/* Bytecode for one module, from the cache or freshly compiled. Returns 1 when the unit must
 * be skipped (a stdlib file that does not compile), 0 on success, -1 on error. */
static int bytecode(build *b, const ph_unit *u, const char *src, size_t size, uint8_t **code,
                    size_t *code_size)
{
    int opt = b->m.python.optimize;
    uint64_t key = ph_cache_key(&b->py, opt, u->relname, src, size);
    if (ph_cache_get(&b->cache, key, code, code_size)) {
        b->r->cached++;
        return 0;
    }
    ph_error cerr;
    if (ph_python_compile(src, size, u->relname, u->path, opt, code, code_size, &cerr) < 0) {
        if (u->root < b->stdlib_root || u->root == SCRIPT_ROOT) {
            *b->err = cerr;
            return ph_error_hint(b->err, "fix the file, or leave its module out with "
                                         "[resources] exclude");
        }
        /* The stdlib's own tests hold deliberate syntax errors, and installed distributions
         * may ship files for other Python versions: skip, and say so if asked. */
        if (b->o->verbose && add_note(b, "skipped %.900s%s", cerr.message, "") < 0)
            return -1;
        return 1;
    }
    b->r->compiled++;
    ph_cache_put(&b->cache, key, *code, *code_size);
    return 0;
}

/* [python] include_source: every module, none, or (app) the app's own: modules found under
 * [resources] paths and a script entry, not the stdlib's, distributions' or wheels'. */
static bool wants_source(const build *b, const ph_unit *u)
{
    switch (b->m.python.include_source) {
    case PH_SOURCE_ALL:
        return true;
    case PH_SOURCE_APP:
        return u->root < b->stdlib_root || u->root == SCRIPT_ROOT;
    default:
        return false;
    }
}

/* Bytecode and extension modules are what imports read: stored as they are, bytecode is
 * unmarshalled straight from the mapping, and nothing is decompressed. Decompressing was 18% of
 * the instructions of an import of the whole stdlib, 5% of `hg log`'s ([python]
 * compress_modules in docs/manifest.md). */
static unsigned module_flags(const build *b)
{
    return b->m.python.compress_modules ? 0 : PYR_NO_COMPRESS;
}

static int pack_module(build *b, const ph_unit *u)
{
    char *src;
    size_t size;
    uint8_t *code = NULL;
    size_t code_size = 0;
    if (ph_read_file(u->path, &src, &size, b->err) < 0)
        return -1;
    int rc = bytecode(b, u, src, size, &code, &code_size);
    pyr_slot slot = (pyr_slot)(PYR_BYTECODE_OPT0 + b->m.python.optimize);
    if (rc == 0 && wants_source(b, u))
        rc = pyr_writer_add_blob(b->writer, u->name, u->kind, PYR_SOURCE, src, size, PYR_IN_MEMORY,
                                 0, b->err);
    if (rc == 0)
        rc = pyr_writer_add_blob(b->writer, u->name, u->kind, slot, code, code_size, PYR_IN_MEMORY,
                                 module_flags(b), b->err);
    free(src);
    free(code);
    if (rc == 1)
        return 1;
    return rc == 0 ? 0 : -1;
}

static int pack_file(build *b, const ph_unit *u, const char *name, pyr_kind kind, unsigned flags)
{
    char *data;
    size_t size;
    if (ph_read_file(u->path, &data, &size, b->err) < 0)
        return -1;
    int rc = pyr_writer_add_blob(b->writer, name, kind, PYR_DATA, data, size, PYR_IN_MEMORY, flags,
                                 b->err);
    free(data);
    return rc;
}

/* Returns 1 when the unit was skipped. */
static int pack_unit(build *b, const ph_unit *u)
{
    switch (u->kind) {
    case PYR_MODULE:
    case PYR_PACKAGE:
        return pack_module(b, u);
    case PYR_NAMESPACE_PACKAGE:
        return pyr_writer_add_entry(b->writer, u->name, u->kind, b->err);
    default: { /* extension modules and resources: the file's bytes, or where they are */
        const ph_routing *r;
        int line;
        switch (build_place_of(b, u, &r, &line)) {
        case PLACE_ROUTED:
            return build_pack_routed(b, u, r->dir);
        case PLACE_DISK: /* a directory bundle: in lib/, the root of its module paths */
            return b->o->place_beside ? build_pack_routed(b, u, BESIDE_DIR)
                                      : build_pack_placed(b, u);
        default:
            return pack_file(b, u, u->name, u->kind,
                             u->kind == PYR_EXTENSION_MODULE || u->kind == PYR_SHARED_LIBRARY
                                 ? module_flags(b)
                                 : 0);
        }
    }
    }
}

/* The runtime reads the manifest back from the .pyr; stored so it can be read in place. */
static int pack_manifest(build *b)
{
    if (b->m.text) /* made from a pyproject.toml: the INI text it became */
        return pyr_writer_add_blob(b->writer, MANIFEST_ENTRY, PYR_PLAIN_FILE, PYR_DATA, b->m.text,
                                   strlen(b->m.text), PYR_IN_MEMORY, PYR_NO_COMPRESS, b->err);
    ph_unit u = {.path = b->m.path};
    return pack_file(b, &u, MANIFEST_ENTRY, PYR_PLAIN_FILE, PYR_NO_COMPRESS);
}

/* The writer's compression cache is the bytecode cache: same policy, keys of their own. */
static int cache_get(void *ctx, uint64_t key, uint8_t **data, size_t *size)
{
    return ph_cache_get(ctx, key, data, size);
}

static void cache_put(void *ctx, uint64_t key, const uint8_t *data, size_t size)
{
    ph_cache_put(ctx, key, data, size);
}

static int pack(build *b)
{
    const ph_compress *c = &b->m.python.compress;
    b->compress_cache = (pyr_compress_cache){.ctx = &b->cache, .get = cache_get, .put = cache_put};
    pyr_writer_options wo = {
        .cache = b->cache.enabled ? &b->compress_cache : NULL,
        .python_magic = b->py.magic,
        .python_version = b->py.version,
        .compression_level = c->method == PH_COMPRESSION_ZSTD ? c->level : 0,
        .train_dictionary = c->method == PH_COMPRESSION_ZSTD && b->m.python.dictionary,
    };
    if (pyr_writer_new(&b->writer, &wo, b->err) < 0)
        return -1;
    size_t total = b->units.count;
    for (size_t i = 0; i < total; i++) {
        const ph_unit *u = &b->units.items[i];
        if (b->o->progress)
            b->o->progress(b->o->progress_ctx, i + 1, total, u->relname);
        int rc = pack_unit(b, u);
        if (rc < 0)
            return -1;
        b->r->entries += rc == 0;
    }
    if (pack_manifest(b) < 0)
        return -1;
    b->r->entries++;
    int listed = build_pack_placed_list(b);
    if (listed < 0)
        return -1;
    b->r->entries += (size_t)listed;
    if (b->o->progress)
        b->o->progress(b->o->progress_ctx, total, total, NULL);
    return 0;
}

static int write_output(build *b, double *t_pack)
{
    uint8_t *buf;
    size_t size;
    if (pyr_writer_finish(b->writer, &buf, &size, b->err) < 0)
        return -1;
    *t_pack = now();
    if (build_write_copies(b) < 0) {
        free(buf);
        return -1;
    }
    ph_sweep_atomic_leftovers(b->r->output_path);
    int rc = ph_write_file_atomic(b->r->output_path, buf, size, 0644, b->err);
    free(buf);
    if (rc < 0)
        return ph_error_hint(b->err, "choose another output with -o, or make its directory "
                                     "writable");
    b->r->size = size;
    return 0;
}

/* ---- The whole build ------------------------------------------------------------------- */

static int run(build *b)
{
    double t0 = now(), t1, t2, t3;
    if (load(b) < 0)
        return -1;
    describe_compression(b);
    if (ph_python_start(&b->py, b->err) < 0)
        return -1;
    b->py_started = true;
    ph_cache_open(&b->cache);
    memcpy(b->r->cache_warning, b->cache.warning, sizeof b->r->cache_warning);
    memcpy(b->r->cache_dir, b->cache.dir, sizeof b->r->cache_dir);
    if (collect(b) < 0)
        return -1;
    t1 = now();
    if (pack(b) < 0)
        return -1;
    t2 = now();
    /* A cache write failing mid-build turns the cache off; report that once, at the end. */
    if (!b->r->cache_warning[0])
        memcpy(b->r->cache_warning, b->cache.warning, sizeof b->r->cache_warning);
    if (write_output(b, &t3) < 0)
        return -1;
    b->r->seconds_collect = t1 - t0;
    b->r->seconds_compile = t2 - t1;
    b->r->seconds_pack = t3 - t2;
    b->r->seconds_write = now() - t3;
    return 0;
}

int ph_build(const ph_build_options *options, ph_build_result *result, ph_error *err)
{
    *result = (ph_build_result){0};
    build b = {.o = options, .r = result, .err = err, .wheel_cleanup = -1, .cache = {.dirfd = -1}};
    int rc = run(&b);
    if (rc < 0 && !result->cache_warning[0])
        memcpy(result->cache_warning, b.cache.warning, sizeof result->cache_warning);
    pyr_writer_free(b.writer);
    ph_cache_close(&b.cache);
    ph_unit_list_free(&b.units);
    ph_unit_list_free(&b.copies);
    free(b.placed);
    ph_dist_set_free(&b.dists);
    ph_strlist_free(&b.found_dists);
    ph_strlist_free(&b.found_where);
    if (b.wheel_dir)
        ph_remove_tree(b.wheel_dir);
    ph_cleanup_pop(b.wheel_cleanup);
    free(b.wheel_dir);
    for (size_t i = 0; i < b.sites.count; i++)
        free(b.sites.items[i]);
    free(b.sites.items);
    if (b.py_started)
        ph_python_stop();
    ph_manifest_free(&b.m);
    return rc;
}

void ph_build_result_free(ph_build_result *r)
{
    free(r->output_path);
    for (size_t i = 0; i < r->notes.count; i++)
        free(r->notes.items[i]);
    free(r->notes.items);
    for (size_t i = 0; i < r->explain.count; i++)
        free(r->explain.items[i]);
    free(r->explain.items);
    for (size_t i = 0; i < r->warnings.count; i++)
        free(r->warnings.items[i]);
    free(r->warnings.items);
    *r = (ph_build_result){0};
}
