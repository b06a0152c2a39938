/* pyhost-runtime-seed STUB OUT: run when pyhost is built, it writes OUT (pyhost-stub.zst), the
 * compressed runtime every onefile bundle of this pyhost carries, so that `pyhost bundle` and
 * `pyhost pyinstaller --onefile` do not spend seconds compressing the same stub again. */
#include <stdio.h>

#include "bundle.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: pyhost-runtime-seed STUB OUT\n");
        return 2;
    }
    ph_error err = {{0}, {0}};
    if (ph_bundle_runtime_seed(argv[1], argv[2], &err) < 0) {
        fprintf(stderr, "pyhost-runtime-seed: %s\n", err.message);
        return 1;
    }
    return 0;
}
