#!/usr/bin/env bash
# Single-file bundles: size, and start+exit time of hello and of an import-all-stdlib app run
# as dist/NAME/NAME, against /usr/bin/python3.11 -I -S running the same scripts, in one
# hyperfine run each.
#
# Usage: bench/bundle.sh [PATH/TO/pyhost]   (default: build-rel/launcher/pyhost; pyhost-stub
# must sit next to it). A benchmark, not a test: it prints numbers and exits 0.
set -eu
PYHOST=$(realpath "${1:-build-rel/launcher/pyhost}")
PY=/usr/bin/python3.11
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PYHOST_CACHE_DIR="$WORK/cache"
cd "$WORK"
echo "== bundles: $(nproc) cores, $(date -u +%Y-%m-%d)"

mkdir hello all
echo pass >hello/hello.py
printf '[app]\nname = hello\nentry = hello\n' >hello/pyhost.ini
"$PY" -I -S "$REPO/bench/stdlib_modules.py" >modules.txt
printf 'import importlib, sys, warnings\nwarnings.simplefilter("ignore")\nfor n in open(sys.argv[1]).read().split():\n    importlib.import_module(n)\n' \
    >all/import_all.py
printf '[app]\nname = import_all\nentry = import_all\n\n[python]\nstdlib = all\n' >all/pyhost.ini
"$PYHOST" bundle -c hello/pyhost.ini -o dist
"$PYHOST" bundle -c all/pyhost.ini -o dist
dist/import_all/import_all "$WORK/modules.txt"

hyperfine -N --warmup 10 --runs 100 --export-markdown hello.md \
    -n "dist/hello/hello" "dist/hello/hello" \
    -n "python3.11 -I -S hello.py" "$PY -I -S hello/hello.py"
hyperfine -N --warmup 2 --runs 15 --export-markdown all.md \
    -n "dist/import_all/import_all" "dist/import_all/import_all $WORK/modules.txt" \
    -n "python3.11 -I -S import_all.py" "$PY -I -S all/import_all.py $WORK/modules.txt"
echo
cat hello.md
echo
cat all.md
echo
echo "sizes: dist/hello/hello $(stat -c %s dist/hello/hello) bytes," \
    "dist/import_all/import_all $(stat -c %s dist/import_all/import_all) bytes" \
    "(stub $(stat -c %s "$(dirname "$PYHOST")/pyhost-stub") bytes unstripped)"
