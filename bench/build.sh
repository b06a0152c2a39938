#!/usr/bin/env bash
# Cold and warm `pyhost build` (issue 17): examples/notes and real applications from Debian
# (yamllint, httpie), packed as tests/e2e/test_realapps.sh packs them: the app's entry point and
# its distribution by name, the analysis finding the rest. "cold" empties the cache first (no
# bytecode compiled by an earlier build, of this app or another); "warm" builds the same app
# again with the cache the cold build left.
#
# Each run is timed by /usr/bin/time: wall time, and user + sys CPU time. On a loaded machine
# (this one: 2 cores shared with other jobs) the wall time is mostly waiting for a core, so the
# CPU time is what a build costs; both are printed.
#
# Usage: bench/build.sh [PATH/TO/pyhost] [RUNS]   (default: build-rel/launcher/pyhost, 3 runs)
# A benchmark, not a test: it prints numbers and exits 0. An app whose Debian package is not
# installed is left out with a note.
set -eu
PYHOST=$(realpath "${1:-build-rel/launcher/pyhost}")
RUNS=${2:-3}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PYHOST_CACHE_DIR="$WORK/cache"
echo "== pyhost build, cold and warm: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$(date -u +%Y-%m-%d)"

# app NAME ENTRY DISTRIBUTION: a manifest in $WORK/NAME, as test_realapps.sh writes it.
app() {
    mkdir -p "$WORK/$1"
    printf '[app]\nname = %s\nentry = %s\n\n[resources]\ndistributions = %s\n' "$1" "$2" "$3" \
        >"$WORK/$1/pyhost.ini"
}

# timed NAME: one build (-v: its steps' times); prints "wall cpu" (seconds); the build's summary
# line is in NAME.out, its steps in NAME.err.
timed() {
    /usr/bin/time -o "$WORK/time" -f '%e %U %S' "$PYHOST" build -v -c "$WORK/$1/pyhost.ini" \
        >"$WORK/$1.out" 2>"$WORK/$1.err" || { cat "$WORK/$1.err" >&2; exit 1; }
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$WORK/time"
}

# bench NAME: RUNS cold builds each followed by a warm one; one table row.
bench() {
    local cold_wall="" cold_cpu="" warm_wall="" warm_cpu="" w c
    for _ in $(seq "$RUNS"); do
        rm -rf "$PYHOST_CACHE_DIR"
        read -r w c < <(timed "$1")
        cold_wall+="${cold_wall:+, }$w" cold_cpu+="${cold_cpu:+, }$c"
        read -r w c < <(timed "$1")
        warm_wall+="${warm_wall:+, }$w" warm_cpu+="${warm_cpu:+, }$c"
    done
    echo "| $1 ($(sed -E 's/^wrote [^:]*: ([0-9,]+ entries, [0-9.]+ [kM]B).*/\1/' "$WORK/$1.out")) |" \
        "$cold_wall s | $cold_cpu s | $warm_wall s | $warm_cpu s |" \
        "$(sed -n 's/^time: //p' "$WORK/$1.err") |"
}

mkdir -p "$WORK/notes"
cp -r "$REPO/examples/notes/." "$WORK/notes/"
rm -f "$WORK/notes/"*.pyr
app yamllint yamllint.cli:run yamllint
app http httpie.__main__:main httpie

echo
echo "| app | cold: wall ($RUNS runs) | cold: user + sys | warm: wall | warm: user + sys |" \
    "last warm build's steps (wall, build -v) |"
echo "| --- | --- | --- | --- | --- | --- |"
bench notes
for pair in yamllint:yamllint http:httpie; do
    if dpkg-query -W -f '${Status}' "${pair#*:}" 2>/dev/null | grep -q 'ok installed'; then
        bench "${pair%%:*}"
    else
        echo "| ${pair%%:*} | not measured: apt-get install ${pair#*:} | | | | |"
    fi
done
