/* One build's state, shared by the files that make a build (build_pack.c drives it; routing and
 * placement in build_place.c, the stdlib in build_stdlib.c, distributions and wheels in
 * build_sites.c, the import analysis in build_imports.c, the entry point in build_script.c).
 * Private to launcher/build/. */
#ifndef PH_BUILD_PACK_H
#define PH_BUILD_PACK_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "build.h"

#define SCRIPT_ROOT UINT_MAX
#define MANIFEST_ENTRY ".pyhost/manifest.ini"
#define PLACED_ENTRY ".pyhost/placed"
#define PLACED_HEADER "pyhost-placed 1\n"
/* A directory bundle: placed files are written into BESIDE_DIR/ next to the .pyr, and
 * .pyhost/root tells the runtime that module paths are rooted there (docs/runtime.md). */
#define ROOT_ENTRY ".pyhost/root"
#define BESIDE_DIR "lib"

typedef struct build {
    const ph_build_options *o;
    ph_build_result *r;
    ph_manifest m;
    ph_python_info py;
    bool py_started;
    ph_cache cache;
    pyr_compress_cache compress_cache; /* the writer's view of `cache` (build_pack.c) */
    ph_unit_list units;
    unsigned stdlib_root; /* app paths come before it, site directories after it */
    ph_strlist sites;     /* absolute site directories searched for distributions */
    bool sites_found;
    ph_dist_set dists;      /* distributions packed, in the order they were found */
    bool analyzed;          /* the import analysis ran (ph_analysis_app) */
    ph_strlist found_dists; /* normalized names of distributions the analysis added */
    ph_strlist found_where; /* "FILE:LINE" of their first import, in the same order */
    char *wheel_dir;        /* private directory wheels are unpacked into, removed at the end */
    int wheel_cleanup;      /* its ph_cleanup_push handle */
    ph_unit_list copies;    /* filesystem-relative files: path = source, name = "DIR/rel" */
    char *placed;           /* .pyhost/placed being written: "MODE SIZE XXH64 NAME" lines */
    size_t placed_len;
    ph_file_id routed[64]; /* routing directories of a previous build, never walked */
    size_t routed_count;
    struct stat out_st; /* the output as it exists before the build, never packed into itself */
    pyr_writer *writer;
    ph_error *err;
} build;

/* Where a file goes, decided by what it is ([resources] placement, docs/runtime.md):
 * modules and extension modules in memory; package data of non-stdlib packages and shared
 * objects that are not extension modules on disk, where __file__ and __path__ say; [routing]
 * (and [resources] routing = filesystem-relative:DIR) win over both. */
typedef enum placement {
    PLACE_MEMORY,
    PLACE_DISK,   /* a real file beside the modules' virtual paths */
    PLACE_ROUTED, /* filesystem-relative:DIR, as routing says */
} placement;

unsigned build_site_root(const build *b, unsigned site);
int ph_strlist_append(ph_strlist *list, const char *line);
int build_analyze_app(build *b);
int build_stdlib_reached(build *b, ph_strlist *names);
int build_find_routed_dirs(build *b);
int build_pack_routed(build *b, const ph_unit *u, const char *dir);
int build_write_copies(build *b);
placement build_place_of(const build *b, const ph_unit *u, const ph_routing **route, int *line);
int build_pack_placed(build *b, const ph_unit *u);
int build_pack_placed_list(build *b);
int build_explain(build *b);
int build_check_entry(build *b);
int build_find_sites(build *b);
int build_collect_dists(build *b);
int build_collect_wheels(build *b);
int build_resolve_dir(build *b, const char *key, const char *item, char **out);
int build_collect_app(build *b);
int build_collect_stdlib(build *b);

#endif
