#!/usr/bin/env bash
# Import-all benchmark: import every importable pure-Python stdlib module (the list that
# bench/stdlib_modules.py prints, in list order) with
#   - pyhost run, the .pyr packed with `compress = none`,
#   - pyhost run, the .pyr packed with `compress = zstd:3`,
#   - python3.11 -I -S, stdlib on disk (PathFinder, Debian's __pycache__),
#   - python3.11 -I -S, stdlib in an uncompressed zip holding .py and legacy .pyc (zipimport),
# all in one hyperfine run; then syscall counts (strace -f -c); then a pure-Python CPU loop that
# shows how fast the embedded interpreter itself is (see bench/RESULTS.md).
#
# Usage: bench/import_all.sh [PATH/TO/pyhost [PATH/TO/other-pyhost]]
#   default: build-rel/launcher/pyhost; a second pyhost (e.g. build-pgo's, linked with the PGO+LTO
#   libpython of runtime/cpython/build.sh) runs the same .pyr files in the same hyperfine run.
# A benchmark, not a test: it prints numbers and exits 0.
set -eu

PYHOST=$(realpath "${1:-build-rel/launcher/pyhost}")
OTHER=$([ -n "${2:-}" ] && realpath "$2" || true)
PY=/usr/bin/python3.11
BENCH=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PYHOST_CACHE_DIR="$WORK/cache"
cd "$WORK"

echo "== import-all: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(date -u +%Y-%m-%d)"
echo "pyhost: $PYHOST${OTHER:+ (other: $OTHER)}"
echo "work dir: $WORK"

# The module list, made by the interpreter pyhost embeds.
"$PY" -I -S -B "$BENCH/stdlib_modules.py" > list 2>/dev/null
echo "modules in the list: $(wc -l < list)"

# The script every variant runs: argv[1] is the list file.
cat > import_all.py <<'EOF'
import importlib
import sys
import warnings

warnings.simplefilter("ignore")  # deprecated modules (asynchat, imp, ...) warn on import
with open(sys.argv[1]) as f:
    names = f.read().split()
for name in names:
    importlib.import_module(name)
EOF

# The pyhost apps.
for c in none zstd:3; do
    tag=${c%%:*}
    mkdir -p "app-$tag"
    cp import_all.py "app-$tag/"
    printf '[app]\nname = importall\nentry = import_all\n\n[python]\nstdlib = all\ncompress = %s\n' "$c" \
        > "app-$tag/pyhost.ini"
    "$PYHOST" build -c "app-$tag/pyhost.ini" -o "app-$tag.pyr"
done

# stdlib.zip for zipimport: ZIP_STORED, each .py with its compiled legacy .pyc next to it
# (module.py + module.pyc, no __pycache__), leaving out the dev-only trees the list leaves out
# (test suites, idlelib, turtledemo, ensurepip) but keeping the packages some listed module
# needs although the list skips them (Debian's _distutils_system_mod imports distutils).
"$PY" -I -S -B - "$BENCH" <<'EOF'
import importlib._bootstrap_external as be
import os
import sys
import zipfile

sys.path.insert(0, sys.argv[1])
from stdlib_modules import SKIP_PARTS

SKIP_TOP = {"test", "idlelib", "turtledemo", "ensurepip"}
STDLIB = "/usr/lib/python3.11"
n = 0
with zipfile.ZipFile("stdlib.zip", "w", compression=zipfile.ZIP_STORED) as zf:
    for dirpath, dirnames, filenames in os.walk(STDLIB):
        rel = os.path.relpath(dirpath, STDLIB)
        parts = [] if rel == "." else rel.split(os.sep)
        if parts and (parts[0] in SKIP_TOP or "-" in parts[0]
                      or parts[0] in ("lib-dynload", "site-packages", "dist-packages")):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and d not in SKIP_PARTS)
        for f in sorted(filenames):
            if not f.endswith(".py"):
                continue
            src = os.path.join(dirpath, f)
            arc = f if not parts else "/".join(parts + [f])
            with open(src, "rb") as fh:
                data = fh.read()
            code = compile(data, src, "exec", dont_inherit=True)
            # zipimport checks the .pyc's mtime (within 1 s: DOS time) and size against the
            # .py entry, whose time ZipFile.write takes from the file.
            pyc = be._code_to_timestamp_pyc(code, int(os.stat(src).st_mtime), len(data))
            zf.write(src, arc)
            zf.writestr(zipfile.ZipInfo(arc + "c", zf.getinfo(arc).date_time), bytes(pyc))
            n += 1
print(f"stdlib.zip: {n} modules, {os.path.getsize('stdlib.zip') / 1e6:.1f} MB (stored)")
EOF

ZIPRUN="import sys; sys.path[:] = ['stdlib.zip', '/usr/lib/python3.11/lib-dynload']; exec(open('import_all.py').read())"

# Sanity: every variant imports the whole list; the zip variant takes the list's modules from
# stdlib.zip and never finds a stale .pyc (which would mean compiling from source each run).
"$PYHOST" run app-none.pyr list
"$PYHOST" run app-zstd.pyr list
"$PY" -I -S import_all.py list
"$PY" -I -S -v -c "$ZIPRUN
import json
print('sanity: json.__file__ =', json.__file__)
notzip = [n for n in names if 'stdlib.zip' not in (getattr(sys.modules[n], '__file__', None) or '')]
print(f'sanity: {len(names) - len(notzip)} of {len(names)} listed modules come from stdlib.zip; '
      f'the others were loaded at start-up (disk) or are frozen: {\" \".join(notzip)}')
" list 2> zip-verbose.txt
echo "sanity: stale .pyc in the zip: $(grep -c 'bytecode is stale' zip-verbose.txt || true)"

# The measurement.
other=()
[ -n "$OTHER" ] && other=(-n other-none "$OTHER run app-none.pyr list" -n other-zstd "$OTHER run app-zstd.pyr list")
hyperfine -N --warmup 3 --runs 15 --export-markdown import_all.md --export-json import_all.json \
    -n pyhost-none "$PYHOST run app-none.pyr list" \
    -n pyhost-zstd "$PYHOST run app-zstd.pyr list" "${other[@]}" \
    -n pathfinder "$PY -I -S import_all.py list" \
    -n zipimport "$PY -I -S -c \"$ZIPRUN\" list"
echo
cat import_all.md
echo
"$PY" -I -S - <<'EOF'
import json
r = {x["command"]: x["mean"] for x in json.load(open("import_all.json"))["results"]}
p = r["pathfinder"]
for k in ("pyhost-none", "pyhost-zstd", "other-none", "other-zstd", "zipimport"):
    if k in r:
        print(f"ratio {k} / pathfinder = {r[k] / p:.2f}  ({r[k] * 1e3:.1f} ms / {p * 1e3:.1f} ms)")
EOF

# Syscall counts.
count() {  # count FILE NAMES...: sum of the 'calls' column of strace -c for these syscalls
    local f=$1; shift
    awk -v names=" $* " 'index(names, " " $NF " ") && $4 ~ /^[0-9]+$/ { s += $4 } END { print s + 0 }' "$f"
}
echo
echo "syscalls (strace -f -c), stat family = newfstatat stat lstat fstat statx, open family = openat open:"
for v in pyhost-none pyhost-zstd pathfinder zipimport; do
    case $v in
        pyhost-none) strace -f -c -o strace-$v.txt "$PYHOST" run app-none.pyr list ;;
        pyhost-zstd) strace -f -c -o strace-$v.txt "$PYHOST" run app-zstd.pyr list ;;
        pathfinder) strace -f -c -o strace-$v.txt "$PY" -I -S import_all.py list ;;
        zipimport) strace -f -c -o strace-$v.txt "$PY" -I -S -c "$ZIPRUN" list ;;
    esac
    printf '  %-12s stat family %5d   open family %5d   all syscalls %6d\n' "$v" \
        "$(count strace-$v.txt newfstatat stat lstat fstat statx)" \
        "$(count strace-$v.txt openat open)" \
        "$(awk '$NF == "total" { print $4 }' strace-$v.txt)"
done

# How fast is the embedded interpreter itself? A pure-Python CPU loop, no imports: pyhost,
# /usr/bin/python3.11, and (when a C compiler is there) a minimal embedder linked against
# Debian's static libpython3.11-pic.a and against the shared libpython3.11.so.
cat > loop.py <<'EOF'
def main():
    d = {}
    for i in range(3_000_000):
        k = i & 1023
        d[k] = d.get(k, 0) + i
    return d


main()
EOF
mkdir -p app-loop
cp loop.py app-loop/
printf '[app]\nname = loop\nentry = loop\n\n[python]\ncompress = none\n' > app-loop/pyhost.ini
"$PYHOST" build -c app-loop/pyhost.ini -o loop.pyr
cat > embed.c <<'EOF'
#define PY_SSIZE_T_CLEAN
#include <Python.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.site_import = 0;
    PyStatus st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st)) Py_ExitStatusException(st);
    FILE *f = fopen(argv[1], "r");
    if (!f) return 2;
    int rc = PyRun_SimpleFile(f, argv[1]);
    fclose(f);
    return (Py_FinalizeEx() < 0 || rc != 0) ? 1 : 0;
}
EOF
INC=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
LIBPL=$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("LIBPL"))')
embed=()
if cc -O2 -I"$INC" embed.c "$LIBPL/libpython3.11-pic.a" -lexpat -lz -lm -ldl -lpthread \
        -Wl,--export-dynamic -o embed-static 2>/dev/null; then
    embed+=(-n "embed-static (libpython3.11-pic.a)" "./embed-static loop.py")
fi
if cc -O2 -I"$INC" embed.c -lpython3.11 -o embed-shared 2>/dev/null; then
    embed+=(-n "embed-shared (libpython3.11.so)" "./embed-shared loop.py")
fi
echo
hyperfine -N --warmup 3 --runs 30 --export-markdown loop.md --export-json loop.json \
    -n "pyhost run loop.pyr" "$PYHOST run loop.pyr" \
    ${OTHER:+-n "other pyhost run loop.pyr" "$OTHER run loop.pyr"} \
    -n "python3.11 -I -S loop.py" "$PY -I -S loop.py" \
    "${embed[@]}"
echo
cat loop.md
echo
"$PY" -I -S - <<'EOF'
import json
res = json.load(open("loop.json"))["results"]
b = next(x for x in res if x["command"].startswith("python3.11"))
base, bmin, buser = b["mean"], b["min"], b["user"]
for x in res:
    print(f"ratio {x['command']} / python3.11 = {x['mean'] / base:.2f} (mean), "
          f"{x['min'] / bmin:.2f} (min), {x['user'] / buser:.2f} (user time)")
EOF
exit 0
