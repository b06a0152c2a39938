#!/bin/sh
# Builds the fuzzers (clang, ASan+UBSan, libFuzzer) if needed, replays their seeds, then fuzzes
# the .pyr reader for SECONDS (default 60) and the ELF and pyproject.toml readers for half as
# long each. Exits non-zero on any crash, leak or sanitizer report.
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
ninja -C "$build" tests/fuzz/fuzz_pyr_reader tests/fuzz/fuzz_elf tests/fuzz/fuzz_toml
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# New inputs go to a scratch directory: the committed corpus stays small and reviewed.
work=$(mktemp -d "${TMPDIR:-/tmp}/pyr-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/fuzz-artifacts"

# fuzz NAME SECONDS SEEDS...
fuzz() {
    name=$1 time=$2
    shift 2
    echo "== $name: replaying the seeds"
    "$build/tests/fuzz/$name" -runs=0 "$@"
    echo "== $name: fuzzing for $time s"
    mkdir -p "$work/$name"
    (cd "$work" && "$build/tests/fuzz/$name" -max_total_time="$time" -max_len=16384 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$name-" "$work/$name" "$@")
}

# ELF seeds are made here rather than committed: small shared objects with every dynamic tag
# the reader looks at (DT_NEEDED, DT_SONAME, DT_RUNPATH, DT_RPATH), 64- and 32-bit if possible.
mkdir -p "$work/elf-seeds"
printf 'int f(void) { return 1; }\n' >"$work/f.c"
cc -shared -fPIC -s -o "$work/elf-seeds/runpath.so" -Wl,-soname,libf.so.1 \
    -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../f.libs:/opt/x' "$work/f.c" -lm
cc -shared -fPIC -s -o "$work/elf-seeds/rpath.so" -Wl,--disable-new-dtags \
    -Wl,-rpath,'${ORIGIN}' "$work/f.c" -lz
cc -m32 -shared -fPIC -s -o "$work/elf-seeds/elf32.so" "$work/f.c" 2>/dev/null || true

fuzz fuzz_pyr_reader "$seconds" "$root/tests/fuzz/corpus"
fuzz fuzz_elf "$((seconds / 2))" "$work/elf-seeds"
# TOML seeds: the repository's own pyproject-like files and a hand-made one with every form
mkdir -p "$work/toml-seeds"
cat >"$work/toml-seeds/all.toml" <<'TOML'
[project]
name = "demo"
version = "1.0"
description = """multi
line"""
dependencies = ["a[x,y] >= 1", 'b; python_version < "3.11"', { nested = [1, 2.5, true] }]
readme = { file = "README.md", "content-type" = "text/markdown" }
[project.scripts]
demo = "demo.cli:main"
[[tool.other]]
x = 1979-05-27T07:32:00Z
[tool.pyhost.app]
entry = 'demo.cli:main'
[tool.pyhost.routing]
"numpy.*" = "filesystem-relative:lib"
[tool.pyhost.python]
optimize = 2  # comment
escaped = "\u00e9\t\"q\""
TOML
fuzz fuzz_toml "$((seconds / 2))" "$work/toml-seeds"
