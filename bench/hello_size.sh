#!/usr/bin/env bash
# Size of a hello single-file bundle made with default settings (`pyhost bundle` of a one-line
# app), with the .pyr inside it and how many modules it packs; then the same with
# [python] stdlib = all, the whole standard library, for comparison. Issue #15's target: at
# most 9 MB (16.5 MB with the whole stdlib).
#
# Usage: bench/hello_size.sh [PATH/TO/pyhost]   (default: build/launcher/pyhost; pyhost-stub
# must sit next to it). A benchmark, not a test: it prints numbers and exits 0.
set -eu
PYHOST=$(realpath "${1:-build/launcher/pyhost}")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PYHOST_CACHE_DIR="$WORK/cache"
cd "$WORK"
mkdir hello
echo 'print("hello")' >hello/hello.py
for stdlib in default all; do
    printf '[app]\nname = hello\nentry = hello.py\n' >hello/pyhost.ini
    [ "$stdlib" = default ] || printf '\n[python]\nstdlib = %s\n' "$stdlib" >>hello/pyhost.ini
    "$PYHOST" build -c hello/pyhost.ini -o hello.pyr >/dev/null
    "$PYHOST" bundle -c hello/pyhost.ini -o dist >/dev/null
    [ "$(dist/hello/hello)" = hello ] || { echo "the bundle does not run" >&2; exit 1; }
    printf 'stdlib %-8s bundle %8d bytes (%.1f MB)   .pyr %8d bytes, %s entries\n' "$stdlib" \
        "$(stat -c %s dist/hello/hello)" "$(echo "$(stat -c %s dist/hello/hello) / 1000000" | bc -l)" \
        "$(stat -c %s hello.pyr)" "$("$PYHOST" inspect hello.pyr | sed -n 's/^entries: *//p')"
done
