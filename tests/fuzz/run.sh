#!/bin/sh
# Builds the .pyr reader fuzzer (clang, ASan+UBSan, libFuzzer) if needed, replays the seed corpus,
# then fuzzes for SECONDS (default 60). Exits non-zero on any crash, leak or sanitizer report.
# Needs clang and libclang-rt-14-dev (Debian: it ships libclang_rt.fuzzer-x86_64.a).
# Usage: tests/fuzz/run.sh [SECONDS]
set -eu
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-fuzz"
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" "$root" -Dfuzz=true -Db_sanitize=address,undefined \
        -Db_lundef=false
fi
ninja -C "$build" tests/fuzz/fuzz_pyr_reader
fuzzer="$build/tests/fuzz/fuzz_pyr_reader"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# New inputs go to a scratch directory: the committed corpus stays small and reviewed.
work=$(mktemp -d "${TMPDIR:-/tmp}/pyr-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== replaying the seed corpus"
"$fuzzer" -runs=0 "$root/tests/fuzz/corpus"
echo "== fuzzing for $seconds s"
cd "$work"
mkdir -p "$build/fuzz-artifacts"
"$fuzzer" -max_total_time="$seconds" -max_len=16384 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/" "$work" "$root/tests/fuzz/corpus"
