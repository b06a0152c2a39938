#!/bin/sh
# The whole test suite, as CI runs it: installs what is missing, then
#   1. a -Werror build and every test (Criterion unit tests + end-to-end tests with real apps);
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. every parser's fuzzer: seed replay + FUZZ_SECONDS (default 60) of fuzzing;
#   4. valgrind over `pyhost run` of a real app;
#   5. pyhost embedding each other CPython (3.9, 3.10, 3.12, 3.13 from pyenv): a build plus the
#      app-mode, bundle and real-package (PyPI wheels for that version) end-to-end tests, and
#      on 3.12 the wheel and PyInstaller ones (.ci/pyversions; SKIP when pyenv is missing).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/.ci/install-deps" --tests
cd "$root"

echo "== 1/5 build (-Werror) and test"
# The default libpython (auto): the optimized one when the archive has the source of the
# installed python3.11 revision (built once, cached; README), else the system one with a warning.
# The tests run against what a user gets, and the log says which one that is.
[ -f build-test/build.ninja ] || echo "configuring; the first time on this machine this builds" \
    "the optimized libpython (about 12 minutes of 2 cores, once; log: build-test/libpython-build.log)"
[ -f build-test/build.ninja ] || meson setup build-test -Dwerror=true -Dtests=enabled
ninja -C build-test
build-test/launcher/pyhost --version | sed -n 2p
meson test -C build-test --print-errorlogs

echo "== 2/5 AddressSanitizer + UndefinedBehaviorSanitizer"
[ -f build-asan/build.ninja ] || meson setup build-asan -Dwerror=true -Dtests=enabled \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan
# CPython keeps its interned objects until exit by design: leaks are checked in the unit tests
# (no interpreter), not in the end-to-end runs.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs config runtime
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs e2e-test_run

echo "== 3/5 fuzzing every parser of outside input"
tests/fuzz/run.sh "${FUZZ_SECONDS:-60}"

echo "== 4/5 valgrind on the runtime path"
tests/valgrind.sh build-test/launcher/pyhost

echo "== 5/5 the other Pythons"
if command -v pyenv >/dev/null || [ -x "$HOME/.pyenv/bin/pyenv" ]; then
    PATH="$HOME/.pyenv/bin:$PATH" .ci/pyversions
else
    echo "SKIP: pyenv is not installed, so CPython 3.9, 3.10, 3.12 and 3.13 are not tested"
fi
