/* libFuzzer target for the parsers of a distribution's metadata, which come from wheels and
 * site directories (outside input): RECORD and installed-files.txt (launcher/build/
 * build_record.c), top_level.txt, METADATA's Name: and Requires-Dist: headers and egg-info's
 * requires.txt (build_requires.c), and the rewrite of a wheel's RECORD to installed paths
 * (launcher/fetch/wheel.c). Every parser runs on every input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build_dist.h"
#include "wheel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy: the parsers cut lines in place. */
static char *text_of(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

static void listings(const uint8_t *data, size_t size)
{
    for (int how = 0; how < 3; how++) {
        char *text = text_of(data, size);
        ph_strlist tops = {0};
        dist_listing l = {0};
        if (!text)
            return;
        if (how == 2)
            dist_tops_from_top_level(text, &tops);
        else
            dist_tops_from_listing(text, how == 1, &tops, &l);
        if (l.bad > l.rows)
            abort(); /* a bad row is a row */
        dist_list_free(&tops);
        free(text);
    }
}

static void requirements_of(const uint8_t *data, size_t size)
{
    for (int txt = 0; txt < 2; txt++) {
        char *text = text_of(data, size);
        requirements r = {0};
        if (!text)
            return;
        dist_requires_from_text(text, txt == 1, &r);
        for (size_t i = 0; i < r.count; i++)
            if (!r.items[i].name || !r.items[i].text)
                abort();
        dist_requirements_free(&r);
        free(text);
    }
    char *text = text_of(data, size);
    free(text ? dist_meta_name_of(text) : NULL);
    free(text);
}

static void record_rewrite(const uint8_t *data, size_t size)
{
    char *out = NULL;
    size_t out_size = 0;
    if (ph_wheel_rewrite_record((const char *)data, size, "pkg-1.0.data/", &out, &out_size) == 0 &&
        out_size > size)
        abort(); /* the rewrite only drops and shortens */
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    listings(data, size);
    requirements_of(data, size);
    record_rewrite(data, size);
    return 0;
}
