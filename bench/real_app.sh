#!/usr/bin/env bash
# A real app: pygmentize (Debian's python3-pygments) highlighting a file, packed with its
# distribution by `pyhost build` and run by `pyhost run`, against the same entry point under
# /usr/bin/python3.11 with Debian's dist-packages, in one hyperfine run.
#
# Usage: bench/real_app.sh [PATH/TO/pyhost]   (default: build-rel/launcher/pyhost)
# A benchmark, not a test: it prints numbers and exits 0.
set -eu
PYHOST=$(realpath "${1:-build-rel/launcher/pyhost}")
PY=/usr/bin/python3.11
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PYHOST_CACHE_DIR="$WORK/cache"
cd "$WORK"
echo "== real app (pygmentize): $(nproc) cores, $(date -u +%Y-%m-%d)"

mkdir app
printf 'import sys\nfrom pygments.cmdline import main\nsys.exit(main(sys.argv))\n' >app/pygmentize_app.py
printf '[app]\nname = pyg\nentry = pygmentize_app\n\n[resources]\npaths = .\ndistributions = pygments\n' \
    >app/pyhost.ini
"$PYHOST" build -c app/pyhost.ini -o pyg.pyr
SRC=/usr/lib/python3.11/argparse.py
cmp <("$PYHOST" run pyg.pyr -l python -f terminal "$SRC") \
    <("$PY" -E -s app/pygmentize_app.py -l python -f terminal "$SRC") && echo "same output"

hyperfine -N --warmup 3 --runs 20 --export-markdown real.md --export-json real.json \
    -n "pyhost run pyg.pyr" "$PYHOST run pyg.pyr -l python -f terminal -o /dev/null $SRC" \
    -n "python3.11 pygmentize" "$PY -E -s app/pygmentize_app.py -l python -f terminal -o /dev/null $SRC" \
    -n "pyhost run pyg.pyr -V" "$PYHOST run pyg.pyr -V" \
    -n "python3.11 pygmentize -V" "$PY -E -s app/pygmentize_app.py -V"
echo
cat real.md
"$PY" -I -S - <<'PY'
import json
r = {x["command"]: x["mean"] for x in json.load(open("real.json"))["results"]}
print(f"highlight argparse.py: pyhost / python3.11 = {r['pyhost run pyg.pyr'] / r['python3.11 pygmentize']:.2f}")
print(f"start-up (-V):         pyhost / python3.11 = {r['pyhost run pyg.pyr -V'] / r['python3.11 pygmentize -V']:.2f}")
PY
