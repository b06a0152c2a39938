#!/usr/bin/env bash
# Start-up benchmark: a hello app whose entry module is empty (`pass`), started and finalized by
# `pyhost run hello.pyr`, against `python3.11 -I -S -c pass` (and `python3.11 -I -S hello.py`
# for reference), in one hyperfine run. Then the sizes of the .pyr files: hello, and the
# import-all app (whole stdlib) with `compress = none` and `compress = zstd:3`.
#
# Usage: bench/startup.sh [PATH/TO/pyhost]   (default: build-rel/launcher/pyhost)
# A benchmark, not a test: it prints numbers and exits 0.
set -eu

PYHOST=$(realpath "${1:-build-rel/launcher/pyhost}")
PY=/usr/bin/python3.11
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PYHOST_CACHE_DIR="$WORK/cache"
cd "$WORK"

echo "== start-up: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(date -u +%Y-%m-%d)"
echo "pyhost: $PYHOST"

mkdir -p hello
echo pass > hello/hello.py
printf '[app]\nname = hello\nentry = hello\n' > hello/pyhost.ini   # compress: default zstd:3
"$PYHOST" build -c hello/pyhost.ini -o hello.pyr
printf '[app]\nname = hello\nentry = hello\n\n[python]\ncompress = none\n' > hello/pyhost.ini
"$PYHOST" build -c hello/pyhost.ini -o hello-none.pyr
cp hello/hello.py hello.py
"$PYHOST" run hello.pyr   # sanity: exits 0

hyperfine -N --warmup 20 --runs 300 --export-markdown startup.md --export-json startup.json \
    -n "pyhost run hello.pyr" "$PYHOST run hello.pyr" \
    -n "pyhost run hello-none.pyr" "$PYHOST run hello-none.pyr" \
    -n "python3.11 -I -S -c pass" "$PY -I -S -c pass" \
    -n "python3.11 -I -S hello.py" "$PY -I -S hello.py"
echo
cat startup.md
echo
"$PY" -I -S - <<'EOF'
import json
r = {x["command"]: x for x in json.load(open("startup.json"))["results"]}
p, b = r["pyhost run hello.pyr"], r["python3.11 -I -S -c pass"]
print(f"ratio pyhost run hello.pyr / python3.11 -I -S -c pass = {p['mean'] / b['mean']:.2f} "
      f"(mean {p['mean'] * 1e3:.2f} ms / {b['mean'] * 1e3:.2f} ms), "
      f"{p['median'] / b['median']:.2f} (median), {p['min'] / b['min']:.2f} (min)")
EOF

# Sizes: the import-all app of bench/import_all.sh with none and zstd:3.
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
echo
for c in none zstd:3; do
    tag=${c%%:*}
    mkdir -p "app-$tag"
    cp import_all.py "app-$tag/"
    printf '[app]\nname = importall\nentry = import_all\n\n[python]\nstdlib = all\ncompress = %s\n' "$c" \
        > "app-$tag/pyhost.ini"
    "$PYHOST" build -c "app-$tag/pyhost.ini" -o "app-$tag.pyr" > /dev/null
done
echo "sizes:"
for f in hello.pyr hello-none.pyr app-none.pyr app-zstd.pyr; do
    stat -c %s "$f" | awk -v f="$f" '{ printf "  %-14s %10d bytes  %6.2f MB\n", f, $1, $1 / 1e6 }'
done
exit 0
