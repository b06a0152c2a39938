#!/usr/bin/env bash
# Differential: every app under tests/pyinstaller/apps/NAME/ is built by the real PyInstaller
# (pinned in tests/pyinstaller/requirements.txt, with pyinstaller-hooks-contrib) and by
# `pyhost pyinstaller` with the same command line, in the same activated venv; both are run and
# their stdout and exit status must be the same (issue 16). A fixture listed in
# tests/pyinstaller/differences.txt (with its reason, explained in
# docs/migrating-from-pyinstaller.md) is a known difference: reported, not failing, and reported
# as removable once it matches. Any other difference fails.
#
# A fixture: `cmd` (the PyInstaller arguments, one shell-quoted line; @SITE@ is the venv's
# site-packages), the sources, and optionally `run` (the program's arguments, one line), `setup.sh`
# (run in the fixture's copy before the build, e.g. to compile a library with cc) and `buildenv`
# (VAR=VALUE lines for both builds). tests/pyinstaller/pyiprobe.py is copied beside the script: it
# prints `key: value` lines with these normalizations, each because the value legitimately
# differs between two builds of one app:
#   sys._MEIPASS -> <MEIPASS>   PyInstaller's onefile unpacks into a fresh /tmp/_MEIxxxxxx at each
#                               start, and the two builds sit in different directories;
#   exe dir      -> <EXEDIR>    the two builds sit in different directories;
#   0x12345678   -> 0xADDR      object addresses change from run to run.
# Nothing else is normalized; stderr is not compared (PyInstaller's and pyhost's tracebacks and
# warnings are worded differently) but shown on a failure. Where _MEIPASS lies (a temporary
# directory, the executable's, a cache) is compared only by the fixtures that print meipass_rel.
#
# Cost: PyInstaller's side of a fixture is built once per content hash and its dist/ kept under
# ${PYHOST_TEST_CACHE:-/var/cache/pyhost-tests}/pyi-dist/ (the venv under pyi-venv/); builds run 2
# at a time. PYHOST_PYIDIFF_KEEP=DIR keeps each side's build log, stdout and stderr there.
. "$(dirname "$0")/lib.sh"

APPS="$REPO/tests/pyinstaller/apps"
PROBE="$REPO/tests/pyinstaller/pyiprobe.py"
REQS="$REPO/tests/pyinstaller/requirements.txt"
DIFFERENCES="$REPO/tests/pyinstaller/differences.txt"
CACHE_ROOT=${PYHOST_TEST_CACHE:-/var/cache/pyhost-tests}
VENV="$CACHE_ROOT/pyi-venv"
SITE="$VENV/lib/python3.11/site-packages"
KEEP=${PYHOST_PYIDIFF_KEEP:-}
FILTER=${1:-}
JOBS=2

# ---- the oracle venv: made once, reused while requirements.txt is unchanged -----------------
setup_venv() {
    mkdir -p "$CACHE_ROOT" 2>/dev/null || { echo "cannot create $CACHE_ROOT (set PYHOST_TEST_CACHE)"; return 1; }
    (
        flock 9
        cmp -s "$REQS" "$VENV/.requirements.txt" && [ -x "$VENV/bin/pyinstaller" ] && exit 0
        rm -rf "$VENV"
        "$PYTHON" -m venv "$VENV" &&
            "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input \
                --require-hashes --only-binary=:all: -r "$REQS" &&
            cp "$REQS" "$VENV/.requirements.txt" || { rm -rf "$VENV"; exit 1; }
    ) 9>"$CACHE_ROOT/pyi-venv.lock" >"$WORK/.venv.log" 2>&1 || {
        echo "the PyInstaller venv could not be made: $(grep -v '^\s*$' "$WORK/.venv.log" | tail -n 1)"
        return 1
    }
}
VENV_PROBLEM=""
command -v cc >/dev/null || VENV_PROBLEM="no C compiler (cc) for the fixtures' libraries"
[ -z "$VENV_PROBLEM" ] && { VENV_PROBLEM=$(setup_venv) || true; }

# ---- building ----------------------------------------------------------------------------------
fixtures() {
    local d
    for d in "$APPS"/*/; do
        d=${d%/}
        [ -f "$d/cmd" ] || continue
        [ -n "$FILTER" ] && [[ test_${d##*/} != *"$FILTER"* ]] && continue
        echo "${d##*/}"
    done
}

# The hash of everything that makes PyInstaller's dist of fixture $1.
fixture_key() {
    {
        (cd "$APPS/$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
        (cd "$APPS/$1" && find . -type f -perm -u+x | LC_ALL=C sort)
        sha256sum "$PROBE" "$REQS"
        echo "python $("$PYTHON" -c 'import sys; print(sys.version)')"
    } | sha256sum | cut -c1-32
}

# prepare NAME SIDE: a copy of the fixture in $WORK/NAME/SIDE, set up.
prepare() {
    local src="$APPS/$1" dst="$WORK/$1/$2"
    mkdir -p "$dst" && cp -a "$src/." "$dst/" && cp "$PROBE" "$dst/" &&
        rm -f "$dst/cmd" "$dst/run" "$dst/buildenv" &&
        { [ ! -f "$src/setup.sh" ] || (cd "$dst" && sh ./setup.sh && rm setup.sh); }
}

# build NAME SIDE (pyi|pyhost): in the activated venv, the fixture's command line; writes
# $WORK/NAME/SIDE.rc and leaves dist/ in $WORK/NAME/SIDE (pyi: a copy of the cached one).
build() {
    local name=$1 side=$2 dir="$WORK/$1/$2" log="$WORK/$1/$2.build.log" key cached args
    mkdir -p "$WORK/$name"
    args=$(sed "s|@SITE@|$SITE|g" "$APPS/$name/cmd")
    if [ "$side" = pyi ]; then
        key=$(fixture_key "$name")
        cached="$CACHE_ROOT/pyi-dist/$key"
        if [ -f "$cached/ok" ]; then
            mkdir -p "$dir" && cp -a "$cached/dist" "$dir/" && cp "$cached/build.log" "$log" &&
                echo 0 >"$WORK/$name/$side.rc"
            return
        fi
    fi
    prepare "$name" "$side" >"$log" 2>&1 || { echo setup >"$WORK/$name/$side.rc"; return; }
    (
        cd "$dir" || exit 1
        export VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" PYINSTALLER_CONFIG_DIR="$CACHE_ROOT/pyi-config"
        [ -f "$APPS/$name/buildenv" ] && while IFS= read -r kv; do [ -n "$kv" ] && export "${kv?}"; done <"$APPS/$name/buildenv"
        eval "set -- $args"
        if [ "$side" = pyi ]; then
            timeout 600 "$VENV/bin/pyinstaller" "$@"
        else
            timeout 600 "$PYHOST" pyinstaller "$@"
        fi
    ) </dev/null >>"$log" 2>&1
    echo $? >"$WORK/$name/$side.rc"
    if [ "$side" = pyi ] && [ "$(cat "$WORK/$name/$side.rc")" = 0 ]; then
        local tmp="$CACHE_ROOT/pyi-dist/.tmp.$$.$name"
        rm -rf "$tmp" && mkdir -p "$tmp" && cp -a "$dir/dist" "$tmp/" && cp "$log" "$tmp/build.log" &&
            touch "$tmp/ok" && { mv -T "$tmp" "$cached" 2>/dev/null || rm -rf "$tmp"; }
    fi
}

build_all() {
    local name side running=0
    mkdir -p "$CACHE_ROOT/pyi-dist"
    # entries not used for 14 days belong to fixtures that changed since
    find "$CACHE_ROOT/pyi-dist" -mindepth 1 -maxdepth 1 -mtime +14 -exec rm -rf {} + 2>/dev/null
    for name in $(fixtures); do
        for side in pyi pyhost; do
            if [ $running -ge $JOBS ]; then
                wait -n
                running=$((running - 1))
            fi
            build "$name" "$side" &
            running=$((running + 1))
        done
    done
    wait
}

# ---- running and comparing -------------------------------------------------------------------
# the_exe DIR: dist/X (onefile) or dist/X/X (onedir), whichever the build left.
the_exe() {
    local e
    for e in "$1"/dist/*; do
        [ -f "$e" ] && [ -x "$e" ] && { echo "$e"; return; }
        [ -d "$e" ] && [ -x "$e/${e##*/}" ] && { echo "$e/${e##*/}"; return; }
    done
}

# run_side NAME SIDE: runs the built program in an empty directory; SIDE.out, SIDE.err, SIDE.status
run_side() {
    local name=$1 side=$2 base="$WORK/$1/$2" exe args=""
    exe=$(the_exe "$base")
    [ -n "$exe" ] || { echo "no executable in dist/" >"$base.err"; : >"$base.out"; echo none >"$base.status"; return; }
    [ -f "$APPS/$name/run" ] && args=$(cat "$APPS/$name/run")
    mkdir -p "$base.cwd"
    (
        cd "$base.cwd" && eval "set -- $args" &&
            exec env -u VIRTUAL_ENV LC_ALL=C.UTF-8 timeout 120 "$exe" "$@"
    ) </dev/null >"$base.out" 2>"$base.err"
    echo $? >"$base.status"
}

keep() {
    [ -n "$KEEP" ] || return 0
    mkdir -p "$KEEP/$1"
    local s f
    for s in pyi pyhost; do
        for f in build.log out err status rc; do
            [ -f "$WORK/$1/$s.$f" ] && cp "$WORK/$1/$s.$f" "$KEEP/$1/$s.$f"
        done
    done
}

# known_difference NAME: the reason tests/pyinstaller/differences.txt gives for NAME (lines
# "FIXTURE  reason", '#' comments), empty when it is not listed. A listed fixture's stdout or
# status may differ (printed, not failing): docs/migrating-from-pyinstaller.md explains each.
known_difference() {
    [ -f "$DIFFERENCES" ] || return 0
    awk -v f="$1" '$1 == f { $1 = ""; sub(/^ +/, ""); print; exit }' "$DIFFERENCES"
}

compare_fixture() {
    local name=$1 w="$WORK/$1"
    [ -n "$VENV_PROBLEM" ] && { skip "$VENV_PROBLEM"; return; }
    if [ "$(cat "$w/pyi.rc" 2>/dev/null)" != 0 ]; then
        tail -n 5 "$w/pyi.build.log" >&2
        fail "the real PyInstaller could not build this fixture (rc $(cat "$w/pyi.rc" 2>/dev/null)): the fixture is wrong"
        return
    fi
    run_side "$name" pyi
    if [ "$(cat "$w/pyhost.rc")" != 0 ]; then
        keep "$name"
        tail -n 5 "$w/pyhost.build.log" >&2
        fail "pyhost pyinstaller failed (rc $(cat "$w/pyhost.rc")) where PyInstaller built"
        return
    fi
    run_side "$name" pyhost
    keep "$name"
    local known
    known=$(known_difference "$name")
    if [ -n "$known" ]; then
        if [ "$(cat "$w/pyi.status")" = "$(cat "$w/pyhost.status")" ] &&
            cmp -s "$w/pyi.out" "$w/pyhost.out"; then
            echo "    $name now matches PyInstaller: remove it from tests/pyinstaller/differences.txt"
        else
            echo "    known difference: $known"
            diff -u --label PyInstaller --label pyhost "$w/pyi.out" "$w/pyhost.out" |
                sed 's/^/      /' | head -n 20
        fi
        return 0
    fi
    expect_eq "exit status" "$(cat "$w/pyi.status")" "$(cat "$w/pyhost.status")"
    if ! cmp -s "$w/pyi.out" "$w/pyhost.out"; then
        diff -u --label PyInstaller --label pyhost "$w/pyi.out" "$w/pyhost.out" | head -n 40 >&2
        fail "stdout differs"
    fi
    [ "$_failures" -gt 0 ] && [ -s "$w/pyhost.err" ] && { echo "    pyhost stderr:" >&2; tail -n 5 "$w/pyhost.err" | sed 's/^/      /' >&2; }
    return 0
}

for _name in $(fixtures); do
    eval "test_$_name() { compare_fixture $_name; }"
done
[ -z "$VENV_PROBLEM" ] && build_all
run_tests "$FILTER"
