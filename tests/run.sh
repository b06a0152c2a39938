#!/bin/sh
# The whole test suite, as CI runs it: installs what is missing, then
#   1. a -Werror build and every test (Criterion unit tests + end-to-end tests with real apps);
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the .pyr and ELF reader fuzzers: seed replay + FUZZ_SECONDS (default 60) of fuzzing;
#   4. valgrind over `pyhost run` of a real app.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/.ci/install-deps" --tests
cd "$root"

echo "== 1/4 build (-Werror) and test"
[ -f build-test/build.ninja ] || meson setup build-test -Dwerror=true -Dtests=enabled >/dev/null
ninja -C build-test
meson test -C build-test --print-errorlogs

echo "== 2/4 AddressSanitizer + UndefinedBehaviorSanitizer"
[ -f build-asan/build.ninja ] || meson setup build-asan -Dwerror=true -Dtests=enabled \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan
# CPython keeps its interned objects until exit by design: leaks are checked in the unit tests
# (no interpreter), not in the end-to-end runs.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs config runtime
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs e2e-test_run

echo "== 3/4 fuzzing the .pyr and ELF readers"
tests/fuzz/run.sh "${FUZZ_SECONDS:-60}"

echo "== 4/4 valgrind on the runtime path"
tests/valgrind.sh build-test/launcher/pyhost
