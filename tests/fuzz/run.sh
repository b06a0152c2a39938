#!/bin/sh
# Builds the fuzzers (clang, ASan+UBSan, libFuzzer, the whole project instrumented for coverage)
# if needed, replays their seeds, then fuzzes the .pyr reader for SECONDS (default 60) and every
# other parser (ELF, onefile record, manifest, zip, markers, pyproject.toml, distribution
# metadata) for half as long each. Exits non-zero on any crash, leak or sanitizer report.
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
ninja -C "$build" tests/fuzz/fuzz_pyr_reader tests/fuzz/fuzz_elf tests/fuzz/fuzz_onefile \
    tests/fuzz/fuzz_manifest tests/fuzz/fuzz_zip tests/fuzz/fuzz_marker tests/fuzz/fuzz_toml \
    tests/fuzz/fuzz_metadata
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

# Seeds for the other parsers, made here from real inputs: the repo's manifests, a real wheel-
# shaped zip, markers from the PEP 508 examples, a valid onefile record.
mkdir -p "$work/manifest-seeds" "$work/zip-seeds" "$work/marker-seeds" "$work/onefile-seeds"
i=0
for f in "$root"/examples/*/pyhost.ini; do
    i=$((i + 1)) && cp "$f" "$work/manifest-seeds/$i.ini"
done
python3 - "$work" <<'PY'
import io, struct, sys, zipfile
work = sys.argv[1]
for name, method in (("stored", zipfile.ZIP_STORED), ("deflated", zipfile.ZIP_DEFLATED)):
    with zipfile.ZipFile(f"{work}/zip-seeds/{name}.whl", "w", method) as z:
        z.writestr("pkg/__init__.py", "x = 1\n" * 20)
        z.writestr("pkg-1.0.dist-info/RECORD", "pkg/__init__.py,,\n")
        z.writestr("pkg/data/", "")
# zip64: Python's zipfile with its limits lowered writes zip64 records for every member
zipfile.ZIP64_LIMIT = zipfile.ZIP_FILECOUNT_LIMIT = 0
with zipfile.ZipFile(f"{work}/zip-seeds/zip64.whl", "w", zipfile.ZIP_DEFLATED) as z:
    for n in ("pkg/__init__.py", "pkg-1.0.dist-info/RECORD"):
        with z.open(n, "w", force_zip64=True) as f:
            f.write(b"x = 1\n" * 20)
markers = ['python_version < "3.12"', 'extra == "security" and sys_platform == "linux"',
           'os_name == "nt" or (platform_machine == "x86_64" and python_full_version >= "3.9.1")',
           '"linux" in sys_platform', 'implementation_name == "cpython" and extra != "x"']
for i, m in enumerate(markers):
    open(f"{work}/marker-seeds/{i}", "w").write(m)
name = b"0123456789abcdef0123456789abcde\0"
rec = b"PHRUNZS2" + struct.pack("<QQQQ", 100, 900, 6800000, 0x1234) + name
open(f"{work}/onefile-seeds/valid", "wb").write(rec + struct.pack("<Q", 1100))
PY
fuzz fuzz_onefile "$((seconds / 2))" "$work/onefile-seeds"
fuzz fuzz_manifest "$((seconds / 2))" "$work/manifest-seeds"
cp "$root"/tests/fuzz/corpus-zip/* "$work/zip-seeds/" # inputs that once crashed the reader
fuzz fuzz_zip "$((seconds / 2))" "$work/zip-seeds"
fuzz fuzz_marker "$((seconds / 2))" "$work/marker-seeds"

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

# Metadata seeds: the committed hand-made ones (every form the parsers know: quoted RECORD rows,
# .data schemes, ../ paths, CRLF headers, requires.txt sections), and the small RECORD,
# METADATA, top_level.txt and requires.txt files of this machine's installed distributions.
mkdir -p "$work/metadata-seeds"
cp "$root"/tests/fuzz/corpus-metadata/* "$work/metadata-seeds/"
i=0
for f in /usr/lib/python3/dist-packages/*.*-info/RECORD /usr/lib/python3/dist-packages/*.*-info/METADATA \
    /usr/lib/python3/dist-packages/*.*-info/PKG-INFO /usr/lib/python3/dist-packages/*.egg-info/requires.txt \
    /usr/lib/python3/dist-packages/*.*-info/top_level.txt; do
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 16384 ] || continue
    i=$((i + 1)) && cp "$f" "$work/metadata-seeds/$i-$(basename "$f")"
    if [ $i -ge 200 ]; then break; fi
done
fuzz fuzz_metadata "$((seconds / 2))" "$work/metadata-seeds"
