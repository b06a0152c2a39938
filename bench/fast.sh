#!/usr/bin/env bash
# Fast by default (issue 19): real command-line applications bundled by pyhost with default
# settings, against the same applications as Debian installs them, side by side in one run.
# CPU time (user + system) is what is compared: wall time on a shared 2-core machine is noise.
# The commands run in turns (bench/interleave.py: each round runs every command once), and the
# medians over the rounds are compared, so that a change in load falls on both sides alike.
#   - hello (`pass`) against python3.11 -I -S -c pass;
#   - import-all (bench/stdlib_modules.py's list) against python3.11 -I -S;
#   - Mercurial (Debian's 6.3.2): hg version, hg log, hg status against /usr/bin/hg;
#   - pygmentize and yamllint against Debian's /usr/bin/pygmentize and /usr/bin/yamllint;
#   - Mercurial's own test suite (bench/hg-tests.txt, from Debian's source package, fetched
#     through apt) run with --with-hg, pyhost's hg against Debian's.
# Every app is a `pyhost bundle` of a manifest with only [app] entry and distributions.
#
# Usage: bench/fast.sh [PATH/TO/pyhost [PATH/TO/other-pyhost]]
#   default: build-rel/launcher/pyhost (a default build: the optimized libpython). A second
#   pyhost (e.g. one built with -Dlibpython=system) bundles the same apps for the same run.
#   FAST_SUITE=0 skips Mercurial's test suite (about 10 minutes on 2 cores).
# A benchmark, not a test: it prints numbers and exits 0. Installs mercurial, pygments and
# yamllint from Debian when they are missing.
set -eu
PYHOST=$(realpath "${1:-build-rel/launcher/pyhost}")
OTHER=$([ -n "${2:-}" ] && realpath "$2" || true)
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
PY=/usr/bin/python3.11
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export PYHOST_CACHE_DIR="$WORK/cache"
cd "$WORK"

need=""
command -v hg >/dev/null || need="$need mercurial"
[ -x /usr/bin/pygmentize ] || need="$need python3-pygments"
[ -x /usr/bin/yamllint ] || need="$need yamllint"
[ -z "$need" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q $need >/dev/null

echo "== fast by default: $(nproc) cores, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg)"
for p in "$PYHOST" $OTHER; do echo "pyhost: $p: $("$p" --version | head -1)"; done

# bundle NAME ENTRY [RESOURCES_LINES [PYTHON_LINES]]: the app with a minimal manifest, once per
# pyhost, as TAG/dist-NAME/NAME/NAME
bundle() {
    local tag p=$PYHOST
    for tag in opt other; do
        [ "$tag" = other ] && { [ -n "$OTHER" ] || break; p=$OTHER; }
        mkdir -p "$tag/$1"
        printf '[app]\nname = %s\nentry = %s\n[resources]\n%s\n[python]\n%s\n' \
            "$1" "$2" "${3:-}" "${4:-}" >"$tag/$1/pyhost.ini"
        cp ./*.py "$tag/$1/"
        (cd "$tag/$1" && "$p" bundle -q -o "$WORK/$tag/dist-$1")
    done
}
echo pass >hello.py
"$PY" "$BENCH/stdlib_modules.py" >modules.txt
printf 'import importlib\nfor n in open(%s).read().split():\n    importlib.import_module(n)\n' \
    "'$WORK/modules.txt'" >import_all.py
bundle hello hello "paths = ."
bundle import_all import_all "paths = ." "stdlib = all"
# as Debian's /usr/bin/hg starts: demand-loading enabled before mercurial is imported
printf 'import hgdemandimport\nhgdemandimport.enable()\nfrom mercurial import dispatch\nmain = dispatch.run\n' >hg_main.py
bundle hg hg_main:main "paths = .
distributions = mercurial"
bundle pygmentize pygments.cmdline:main "distributions = pygments"
bundle yamllint yamllint.cli:run "distributions = yamllint"
exe() { echo "$WORK/$1/dist-$2/$2/$2"; }

# A repository with history: 400 changesets, 400 files, some of them modified.
hg init repo
(cd repo && hg debugbuilddag -q --new-file '+400' && hg update -q tip &&
    for f in $(ls | head -40); do echo change >>"$f"; done)
sample=/usr/lib/python3.11/argparse.py
printf 'a:\n  - 1\n  - [2, 3]\nb: {c: d}\n' >doc.yaml
for t in opt other; do
    [ -d "$t" ] || continue
    [ "$("$(exe $t hg)" -R repo log -T '{rev}\n' | wc -l)" = 400 ] ||
        { echo "pyhost's hg gives another log than Debian's"; exit 1; }
done

runs=${RUNS:-20}
# name command pairs, run in turns (bench/interleave.py): each round runs every command once
cmds=("python3.11 -I -S -c pass" "$PY -I -S -c pass"
    "python3.11 -I -S import_all.py" "$PY -I -S import_all.py"
    "hg version -q" "/usr/bin/hg version -q"
    "hg log" "/usr/bin/hg -R repo log"
    "hg status" "/usr/bin/hg -R repo status"
    "pygmentize" "/usr/bin/pygmentize -l python -f terminal -o /dev/null $sample"
    "yamllint" "/usr/bin/yamllint doc.yaml")
for t in opt other; do
    [ -d "$t" ] || continue
    cmds+=("$t hello" "$(exe $t hello)"
        "$t import_all" "$(exe $t import_all)"
        "$t hg version -q" "$(exe $t hg) version -q"
        "$t hg log" "$(exe $t hg) -R repo log"
        "$t hg status" "$(exe $t hg) -R repo status"
        "$t pygmentize" "$(exe $t pygmentize) -l python -f terminal -o /dev/null $sample"
        "$t yamllint" "$(exe $t yamllint) doc.yaml")
done
"$PY" -I -S "$BENCH/interleave.py" --runs "$runs" --warmup 3 fast.json "${cmds[@]}"

"$PY" -I -S - fast.json <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
cpu = lambda n: r[n]["median_cpu_ms"]
bad = [n for n in r if r[n]["failures"]]
if bad:
    print("exited non-zero: " + ", ".join(bad))
pairs = [("hello", "python3.11 -I -S -c pass", 0.75), ("import_all", "python3.11 -I -S import_all.py", 0.80),
         ("hg version -q", "hg version -q", 0.85), ("hg log", "hg log", 0.85),
         ("hg status", "hg status", 0.85), ("pygmentize", "pygmentize", 0.85), ("yamllint", "yamllint", 0.85)]
print("Median CPU time (user + system) over %d rounds; each round runs every command once, in turn."
      % len(r["opt hello"]["cpu_ms"]))
print("| app | Debian's (CPU ms) | pyhost (CPU ms) | ratio | target | other pyhost (CPU ms) | ratio |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for mine, theirs, target in pairs:
    row = "| %s | %.1f | %.1f | **%.2f** | %.2f |" % (mine, cpu(theirs), cpu("opt " + mine),
                                                  cpu("opt " + mine) / cpu(theirs), target)
    if "other " + mine in r:
        row += " %.1f | %.2f |" % (cpu("other " + mine), cpu("other " + mine) / cpu(theirs))
    print(row)
PY

[ "${FAST_SUITE:-1}" = 1 ] || exit 0
# Mercurial's own tests: Debian's source package of the installed version, through apt.
mkdir src
version=$(dpkg-query -W -f '${source:Version}' mercurial)
"$ROOT/runtime/cpython/apt_source.sh" mercurial "$version" src >/dev/null
tar -xzf src/mercurial_"${version%-*}".orig.tar.gz -C src
tests=$(echo src/mercurial-*/tests)
suite() { # HG: CPU seconds (user + system) of the whole run, and its summary line
    (cd "$tests" && /usr/bin/time -f 'cpu %U %S' -o "$WORK/suite.time" \
        "$PY" run-tests.py --with-hg="$1" -j"$(nproc)" $(grep -v '^#' "$BENCH/hg-tests.txt") \
        >"$WORK/suite.out" 2>&1) || true
    echo "$(awk '{print $2 + $3}' "$WORK/suite.time") $(grep '^# Ran' "$WORK/suite.out")"
}
for round in $(seq "${SUITE_ROUNDS:-2}"); do
    d=$(suite /usr/bin/hg)
    p=$(suite "$(exe opt hg)")
    echo "Mercurial test suite, round $round: Debian's hg ${d%% *} s CPU (${d#* }), pyhost's hg ${p%% *} s (${p#* }): $(echo "${p%% *} ${d%% *}" | awk '{printf "%.3f", $1 / $2}')"
done
