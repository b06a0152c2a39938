/* Run by meson at every build: writes OUTPUT (a header defining PH_STDLIB_IDENTITY, the identity
 * of the stdlib this pyhost embeds), rewriting it only when the identity changed, so that an
 * upgraded Python rebuilds pyhost and an unchanged one rebuilds nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "stdlib_identity.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s STDLIB OUTPUT\n", argv[0]);
        return 2;
    }
    uint64_t id;
    ph_error err;
    if (ph_stdlib_identity(argv[1], &id, &err) < 0) {
        fprintf(stderr, "%s: %s\n", argv[0], err.message);
        return 1;
    }
    char text[256], old[256] = "";
    snprintf(text, sizeof text,
             "/* generated: the identity of %s at build time */\n"
             "#define PH_STDLIB_IDENTITY UINT64_C(0x%016" PRIx64 ")\n",
             argv[1], id);
    FILE *f = fopen(argv[2], "r");
    if (f) {
        size_t n = fread(old, 1, sizeof old - 1, f);
        old[n] = '\0';
        fclose(f);
    }
    if (!strcmp(old, text))
        return 0;
    f = fopen(argv[2], "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
