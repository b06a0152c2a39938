#!/usr/bin/env bash
# `pyhost pyinstaller` against the real PyInstaller (the PyPI one pinned in
# tests/pyinstaller/requirements.txt, in the venv the differential test keeps under
# ${PYHOST_TEST_CACHE:-/var/cache/pyhost-tests}/pyi-venv, made here when missing), side by side in
# one run, same scripts, same command lines (issue 16's targets: onefile start at most 0.1x
# PyInstaller's, sizes at most PyInstaller's, build time at most PyInstaller's):
#   - build CPU time (user+sys, /usr/bin/time: on a shared machine wall time measures the other
#     workers as much as the build) and wall time, cold (fresh work directory and caches:
#     PyInstaller's build/ and config dir, pyhost's PYHOST_CACHE_DIR) and rebuild (the same
#     command again, work directory and caches kept), of hello, import_all and a real app
#     (tests/pyinstaller/apps/real_cryptodome_onedir: pycryptodomex through its hooks-contrib
#     hook, built in the venv as a release script would);
#   - size of dist/ (onefile: the file; onedir: the directory);
#   - start + exit of a hello script (`pass`) and of an import-all-stdlib script;
# for --onefile and --onedir; each line ends with the ratio pyhost / PyInstaller.
#
# Usage: bench/pyinstaller_vs.sh [PATH/TO/pyhost]   (default: build-rel/launcher/pyhost)
# BUILD_RUNS (default 3) timed cold builds, each followed by a rebuild, per case. A benchmark, not a test: prints numbers, exits 0.
set -eu
PYHOST=$(realpath "${1:-build-rel/launcher/pyhost}")
PY=/usr/bin/python3.11
REPO=$(cd "$(dirname "$0")/.." && pwd)
REQS="$REPO/tests/pyinstaller/requirements.txt"
CACHE_ROOT=${PYHOST_TEST_CACHE:-/var/cache/pyhost-tests}
VENV="$CACHE_ROOT/pyi-venv"
RUNS=${BUILD_RUNS:-3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

mkdir -p "$CACHE_ROOT"
(
    flock 9
    cmp -s "$REQS" "$VENV/.requirements.txt" && [ -x "$VENV/bin/pyinstaller" ] && exit 0
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" &&
        "$VENV/bin/python" -m pip install -q --no-input --require-hashes --only-binary=:all: -r "$REQS" &&
        cp "$REQS" "$VENV/.requirements.txt"
) 9>"$CACHE_ROOT/pyi-venv.lock"
PYI="$VENV/bin/pyinstaller"
echo "== pyhost pyinstaller vs PyInstaller $("$PYI" --version): $(nproc) cores, $(date -u +%Y-%m-%d)"

echo pass >hello.py
{
    printf 'import warnings\nwarnings.simplefilter("ignore")\n'
    "$PY" -I -S "$REPO/bench/stdlib_modules.py" | tr ' ' '\n' |
        grep -E '^[A-Za-z_][A-Za-z0-9_.]*$' | sed 's/^/import /'
} >import_all.py
echo "import_all.py: $(($(wc -l <import_all.py) - 2)) modules"

# tool_cmd TOOL: the command that stands for `pyinstaller` (each tool keeps its caches in $WORK).
tool_cmd() {
    case $1 in
    pyi) echo "env PYINSTALLER_CONFIG_DIR=$WORK/cache-pyi $PYI" ;;
    pyhost) echo "env PYHOST_CACHE_DIR=$WORK/cache-pyhost $PYHOST pyinstaller" ;;
    esac
}

# build_cmd TOOL MODE SCRIPT: the build, in its own dist/work directories.
build_cmd() {
    echo "$(tool_cmd "$1") -y --log-level WARN --$2 --distpath $WORK/$1-$2 --workpath $WORK/$1-$2-build --specpath $WORK/$1-$2-spec $WORK/$3.py"
}

# ratio JSON: pyhost's mean / PyInstaller's mean from a hyperfine export (PyInstaller first).
ratio() {
    "$PY" -c 'import json, sys
try:
    r = json.load(open(sys.argv[1]))["results"]
except (OSError, ValueError, KeyError):
    sys.exit(print("  no ratio: a program failed (above)"))
print("  ratio pyhost/PyInstaller: %.2fx (%.3f s vs %.3f s)" % (r[1]["mean"] / r[0]["mean"], r[1]["mean"], r[0]["mean"]))' "$1"
}

hf() { hyperfine -N --style basic "$@" | grep -v '^\s*$' | grep -E 'Time|±|Benchmark' || true; }

cp "$REPO/tests/pyinstaller/apps/real_cryptodome_onedir/app.py" cryptodome.py
cp "$REPO/tests/pyinstaller/pyiprobe.py" .

# cpu LABEL COMMAND...: runs it, appends "user+sys wall" to $WORK/LABEL.
cpu() {
    local label=$1
    shift
    /usr/bin/time -f '%U %S %e' -o "$WORK/.time" "$@" >/dev/null 2>"$WORK/.err" || {
        echo "  $label failed:"
        tail -n 5 "$WORK/.err"
        return 0
    }
    awk '{printf "%.2f %.2f\n", $1 + $2, $3}' "$WORK/.time" >>"$WORK/$label"
}

# mean FILE: "CPU s (wall s)" over its lines.
mean() { awk '{c += $1; w += $2; n++} END {if (n) printf "%.2f s CPU (%.2f s wall)", c / n, w / n}' "$1"; }
ratio_cpu() { awk '{c += $1; n++} END {print c / n}' "$1"; }

export VIRTUAL_ENV="$VENV" # as the release script runs: PyInstaller in its venv, pyhost sees it
for mode in onefile onedir; do
    for s in hello cryptodome import_all; do
        [ "$mode/$s" = onedir/import_all ] && [ "$RUNS" -lt 2 ] && continue
        for t in pyi pyhost; do
            for i in $(seq "$RUNS"); do
                rm -rf "$WORK/$t-$mode" "$WORK/$t-$mode-build" "$WORK/cache-$t"
                # shellcheck disable=SC2046
                cpu "cold-$t-$mode-$s" $(build_cmd "$t" "$mode" "$s")
                # what is run below: a cold build's output, as a release build makes it.
                # (PyInstaller 6.11's rebuild here sometimes collects libpython3.11.so.1.0
                # under that name where its bootloader loads libpython3.11.so: the program
                # then exits 255 at start, "Failed to load Python shared library".)
                rm -rf "$WORK/out-$t-$mode-$s"
                cp -a "$WORK/$t-$mode" "$WORK/out-$t-$mode-$s"
                # shellcheck disable=SC2046
                cpu "re-$t-$mode-$s" $(build_cmd "$t" "$mode" "$s")
                built="$WORK/$t-$mode/$s"
                [ "$mode" = onefile ] || built="$built/$s"
                "$built" >/dev/null 2>"$WORK/.start" ||
                    echo "  $t $mode $s: the rebuild's program does not start: $(tail -n 1 "$WORK/.start")"
            done
        done
        echo
        for k in cold re; do
            a="$WORK/$k-pyi-$mode-$s" b="$WORK/$k-pyhost-$mode-$s"
            [ -s "$a" ] && [ -s "$b" ] || continue
            printf '== build %s %s, %s: PyInstaller %s, pyhost %s, CPU ratio pyhost/PyInstaller %sx\n' \
                "$mode" "$s" "$([ $k = cold ] && echo cold || echo rebuild)" "$(mean "$a")" \
                "$(mean "$b")" "$("$PY" -c "print('%.2f' % ($(ratio_cpu "$b") / $(ratio_cpu "$a")))")"
        done
    done
done
unset VIRTUAL_ENV

exe() { [ "$2" = onefile ] && echo "$WORK/out-$1-$2-$3/$3" || echo "$WORK/out-$1-$2-$3/$3/$3"; }
echo
echo "== sizes (bytes; onedir: the whole directory)"
for mode in onefile onedir; do
    for s in hello cryptodome import_all; do
        [ -d "$WORK/out-pyi-$mode-$s" ] || continue
        a=$(du -sb "$WORK/out-pyi-$mode-$s" | cut -f1)
        b=$(du -sb "$WORK/out-pyhost-$mode-$s" | cut -f1)
        echo "$mode $s: PyInstaller $a, pyhost $b, ratio $("$PY" -c "print('%.2f' % ($b / $a))")x"
    done
done

export PYHOST_CACHE_DIR="$WORK/cache-run"
for mode in onefile onedir; do
    echo
    echo "== start + exit, $mode hello (warm: the warm-up runs unpack pyhost's runtime cache)"
    hf --warmup 5 --runs 40 --export-json "start-$mode-hello.json" \
        -n "PyInstaller" "$(exe pyi "$mode" hello)" -n "pyhost" "$(exe pyhost "$mode" hello)"
    ratio "start-$mode-hello.json"
    [ -d "$WORK/out-pyi-$mode-import_all" ] || continue
    echo "== start + exit, $mode import_all"
    hf --warmup 2 --runs 10 --export-json "start-$mode-all.json" \
        -n "PyInstaller" "$(exe pyi "$mode" import_all)" -n "pyhost" "$(exe pyhost "$mode" import_all)"
    ratio "start-$mode-all.json"
done
