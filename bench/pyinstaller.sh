#!/usr/bin/env bash
# `pyhost pyinstaller` outputs: size, and start+exit time of a hello script and of an
# import-all-stdlib script built with --onefile and with --onedir, against /usr/bin/python3.11
# -I and -I -S running the same scripts, in one hyperfine run each (issue 7's targets: onefile
# hello and import-all at most 0.8x `python3.11 -I`; onefile hello no larger than PyInstaller
# 6's 7.1 MB).
#
# Usage: bench/pyinstaller.sh [PATH/TO/pyhost]   (default: build-rel/launcher/pyhost;
# pyhost-stub must sit next to it). A benchmark, not a test: it prints numbers and exits 0.
set -eu
PYHOST=$(realpath "${1:-build-rel/launcher/pyhost}")
PY=/usr/bin/python3.11
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PYHOST_CACHE_DIR="$WORK/cache"
cd "$WORK"
echo "== pyhost pyinstaller: $(nproc) cores, $(date -u +%Y-%m-%d)"

echo pass >hello.py
# explicit imports, so that the analysis sees every module (as PyInstaller's would)
{
    printf 'import warnings\nwarnings.simplefilter("ignore")\n'
    "$PY" -I -S "$REPO/bench/stdlib_modules.py" | tr ' ' '\n' |
        grep -E '^[A-Za-z_][A-Za-z0-9_.]*$' | sed 's/^/import /'   # not _sysconfigdata_*-linux-gnu
} >import_all.py
echo "import_all.py: $(($(wc -l <import_all.py) - 2)) modules"

pyi() { "$PYHOST" pyinstaller -y "$@" >>build.log 2>&1 || { cat build.log; exit 1; }; }
for s in hello import_all; do
    pyi --onefile --distpath onefile --workpath build-onefile "$s.py"
    pyi --onedir --distpath onedir --workpath build-onedir "$s.py"
done
onefile/import_all && onedir/import_all/import_all || { echo "import_all failed"; exit 1; }

# The onefile's runtime is compressed (docs/bundle.md): its first start unpacks it into
# $PYHOST_CACHE_DIR/runtime/, and the warm-up runs make that happen before the timed ones.
hyperfine -N --warmup 10 --runs 100 --export-markdown hello.md \
    -n "onefile hello" "onefile/hello" \
    -n "onedir hello" "onedir/hello/hello" \
    -n "python3.11 -I hello.py" "$PY -I hello.py" \
    -n "python3.11 -I -S hello.py" "$PY -I -S hello.py"
hyperfine -N --warmup 2 --runs 15 --export-markdown all.md \
    -n "onefile import_all" "onefile/import_all" \
    -n "onedir import_all" "onedir/import_all/import_all" \
    -n "python3.11 -I import_all.py" "$PY -I import_all.py" \
    -n "python3.11 -I -S import_all.py" "$PY -I -S import_all.py"
# When the cache cannot be used the runtime is unpacked into memory at every start.
hyperfine -N --warmup 3 --runs 20 --export-markdown nocache.md \
    -n "onefile hello, no usable cache" "env PYHOST_CACHE_DIR=/proc/none onefile/hello" \
    -n "onefile hello, through env" "env onefile/hello"
echo
cat hello.md
echo
cat nocache.md
echo
cat all.md
echo
size() { stat -c %s "$1"; }
dsize() { du -sb "$1" | cut -f1; }
echo "sizes (bytes): onefile/hello $(size onefile/hello), onefile/import_all $(size onefile/import_all)," \
    "onedir/hello $(dsize onedir/hello), onedir/import_all $(dsize onedir/import_all)" \
    "(stub $(size "$(dirname "$PYHOST")/pyhost-stub") bytes)"
