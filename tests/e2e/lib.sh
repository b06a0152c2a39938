# Shared helpers for the end-to-end tests: real pyhost, real Python, real files.
# A test script sources this, defines test_* functions, and ends with `run_tests "$@"`.
set -u

PYHOST=${PYHOST:?set PYHOST to the pyhost executable (meson test does)}
PYTHON=${PYTHON:-/usr/bin/python3.11}
# What the tests know about the embedded Python comes from $PYTHON (the interpreter meson was
# configured with), never from a hard-coded version: PY_VERSION (3.12), PY_TAG (cp312),
# PY_EXT_SUFFIX (.cpython-312-x86_64-linux-gnu.so), PY_STDLIB, PY_DYNLOAD, PY_INCLUDE, PY_SITES
# (site directories, ':'-separated), PY_FROZEN_RUNPY (1 from 3.11: runpy is frozen).
eval "$("$PYTHON" -I -c '
import shlex, site, sys, sysconfig
v = sys.version_info
for name, value in (("PY_VERSION", "%d.%d" % v[:2]), ("PY_TAG", "cp%d%d" % v[:2]),
                    ("PY_EXT_SUFFIX", sysconfig.get_config_var("EXT_SUFFIX")),
                    ("PY_STDLIB", sysconfig.get_paths()["stdlib"]),
                    ("PY_DYNLOAD", sysconfig.get_config_var("DESTSHARED")),
                    ("PY_INCLUDE", sysconfig.get_paths()["include"]),
                    ("PY_SITES", ":".join(site.getsitepackages())),
                    ("PY_FROZEN_RUNPY", str(int(v >= (3, 11))))):
    print("%s=%s" % (name, shlex.quote(value)))
')" || { echo "cannot ask $PYTHON about itself" >&2; exit 1; }

# Drops runpy's frames (and, before 3.11 where runpy is not frozen, their source lines) from a
# traceback of `python -m`: pyhost runs the entry module without runpy.
strip_runpy_frames() {
    awk '/^  File ".*runpy\.py", line|^  File "<frozen runpy>", line/ { skip = 1; next }
         skip && /^    / { next }
         { skip = 0; print }'
}
REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pyhost-e2e.XXXXXX")
export PYHOST_CACHE_DIR="$WORK/cache"
trap 'rm -rf "$WORK"' EXIT

_failures=0
_current=""

fail() {
    echo "    FAIL: $*" >&2
    _failures=$((_failures + 1))
    return 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    [ "$2" == "$3" ] && return 0
    fail "$1: expected [$2], got [$3]"
}

# expect_contains WHAT HAYSTACK NEEDLE
expect_contains() {
    case "$2" in *"$3"*) return 0 ;; esac
    fail "$1: [$3] not found in [$2]"
}

expect_not_contains() {
    case "$2" in *"$3"*) fail "$1: [$3] unexpectedly found in [$2]" ;; esac
    return 0
}

# run_capture CMD...: sets OUT, ERR, STATUS
run_capture() {
    local out_file="$WORK/.out" err_file="$WORK/.err"
    "$@" >"$out_file" 2>"$err_file"
    STATUS=$?
    OUT=$(cat "$out_file")
    ERR=$(cat "$err_file")
}

# make_app DIR NAME ENTRY [EXTRA_INI_LINES]: a manifest for the code already in DIR.
make_app() {
    mkdir -p "$1"
    printf '[app]\nname = %s\nentry = %s\n\n[resources]\npaths = .\n%s' "$2" "$3" "${4:-}" \
        >"$1/pyhost.ini"
}

build_app() {
    "$PYHOST" build -c "$1/pyhost.ini" >"$WORK/.build.log" 2>&1 || {
        cat "$WORK/.build.log" >&2
        fail "pyhost build $1 failed"
        return 1
    }
}

# run_hidden CMD...: runs CMD in a private mount namespace where the system's Python and the
# embedded one ($PYTHON, which may be pyenv's) are gone: empty directories over their library
# directories and over each directory of $HIDE_ALSO (space-separated: a venv, a site), an
# empty file over every libpython and python3 executable. Sets OUT, ERR, STATUS; status 97
# means the hiding itself failed (it needs root).
run_hidden() {
    mkdir -p "$WORK/empty" && : >"$WORK/empty-file"
    local script='
        for d in "$S" /usr/lib/python3.11 /usr/lib/python3 $H; do
            [ -d "$d" ] && { mount --bind "$E/empty" "$d" || exit 97; }
        done
        for f in /usr/lib/x86_64-linux-gnu/libpython3* /usr/bin/python3* "$P" \
                 "${S%/*}"/libpython3*; do
            [ -e "$f" ] && { mount --bind "$E/empty-file" "$f" || exit 97; }
        done
        # really gone: the interpreter cannot start, the stdlib directory is empty
        if "$P" -c pass 2>/dev/null || [ -n "$(ls -A "$S")" ]; then
            echo "the system Python is still usable" >&2
            exit 97
        fi
        exec "$@"'
    run_capture env E="$WORK" S="$PY_STDLIB" P="$PYTHON" H="${HIDE_ALSO:-}" \
        unshare -m sh -c "$script" sh "$@"
}

# A distribution laid out as auditwheel leaves a wheel with vendored libraries: the extensions
# phdemo/_native and phdemo/_twin need libphdemo (DT_RUNPATH $ORIGIN/../phdemo.libs), which
# needs libphbase (DT_RPATH $ORIGIN), both renamed with a hash and answering to that name
# (DT_SONAME). phdemo.answer() imports _native only when called.
# vendored_site SITE [SONAME_FLAG [OLD]]: SONAME_FLAG "" builds libphdemo without a DT_SONAME;
# OLD "old" lays it out as older auditwheel versions did (pyzmq's cp39 wheel): DT_RPATH, not
# RUNPATH, in the extensions, and in libphdemo a DT_RPATH "phdemo.libs" that finds nothing,
# so libphbase is found only through the extension's DT_RPATH, which the loader searches for
# the needs of what the extension loads.
vendored_site() {
    local site=$1 soname=${2--Wl,-soname,libphdemo-5e1f0a.so.1} libs="$1/phdemo.libs"
    local lib_rpath='$ORIGIN' ext_tags=--enable-new-dtags
    [ "${3:-}" = old ] && lib_rpath=phdemo.libs ext_tags=--disable-new-dtags
    mkdir -p "$libs" "$site/phdemo" "$site/phdemo-1.0.dist-info" "$WORK/src"
    printf 'int phbase_value(void) { return 40; }\n' >"$WORK/src/base.c"
    printf 'int phbase_value(void);\nint phdemo_answer(void) { return phbase_value() + 2; }\n' \
        >"$WORK/src/demo.c"
    cat >"$WORK/src/native.c" <<'C'
#include <Python.h>
int phdemo_answer(void);
static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(phdemo_answer()); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "phdemo." NAME, NULL, -1, methods};
PyMODINIT_FUNC INIT(void) { return PyModule_Create(&def); }
C
    cc -shared -fPIC -o "$libs/libphbase-77aa01.so.2" -Wl,-soname,libphbase-77aa01.so.2 \
        "$WORK/src/base.c" &&
        cc -shared -fPIC -o "$libs/libphdemo-5e1f0a.so.1" $soname "$WORK/src/demo.c" \
            -L"$libs" -l:libphbase-77aa01.so.2 -Wl,--disable-new-dtags -Wl,-rpath,"$lib_rpath" &&
        for ext in _native _twin; do
            cc -shared -fPIC -I"$PY_INCLUDE" -DNAME="\"$ext\"" -DINIT=PyInit_$ext \
                -o "$site/phdemo/$ext$PY_EXT_SUFFIX" "$WORK/src/native.c" \
                -L"$libs" -l:libphdemo-5e1f0a.so.1 \
                -Wl,$ext_tags -Wl,-rpath,'$ORIGIN/../phdemo.libs' || return
        done || fail "compiling the fixture"
    printf 'def answer():\n    from phdemo._native import answer\n    return answer()\n' \
        >"$site/phdemo/__init__.py"
    printf 'Metadata-Version: 2.1\nName: phdemo\nVersion: 1.0\n' >"$site/phdemo-1.0.dist-info/METADATA"
    printf 'phdemo\n' >"$site/phdemo-1.0.dist-info/top_level.txt"
    (cd "$site" && find phdemo phdemo.libs phdemo-1.0.dist-info -type f | sed 's/$/,,/') \
        >"$site/phdemo-1.0.dist-info/RECORD"
}


# ---- prerequisites that install themselves, or skip --------------------------------------
# Cached across runs under $CACHE_ROOT (venvs of pinned wheels, one per Python version).
CACHE_ROOT=${PYHOST_TEST_CACHE:-/var/cache/pyhost-tests}

# debian_python_only PKG...: skips the test unless $PYTHON is Debian's (its site directories
# hold Debian's python3-* packages, which are built for it).
debian_python_only() {
    case ":$PY_SITES:" in
        *:/usr/lib/python3/dist-packages:*) ;;
        *) skip "Debian's packages ($*) are for Debian's Python, not $PYTHON (Python $PY_VERSION)" ;;
    esac
}

# need_debs PKG...: installs the Debian packages that are missing, or skips the test. Debian's
# python3-* packages are for Debian's Python: with another one (pyenv's) the test skips.
need_debs() {
    local missing="" p
    debian_python_only "$@"
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        # shellcheck disable=SC2086
        (
            flock 9
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing ||
                { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                    apt-get install -y -qq --no-install-recommends $missing; }
        ) 9>"/tmp/pyhost-tests-apt.lock" >"$WORK/.apt.log" 2>&1
    fi
    for p in $missing; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            skip "Debian package $p is not installed and could not be installed ($(tail -n 1 "$WORK/.apt.log" 2>/dev/null))"
    done
}

# need_venv NAME REQUIREMENTS: a venv of $PYTHON holding exactly REQUIREMENTS (pip
# --require-hashes lines, wheels only), made once and cached as $CACHE_ROOT/venv-NAME-pyX.Y
# (a venv belongs to one Python version: each gets its own; its stamp names the interpreter,
# so another X.Y installation remakes it); sets VENV and SITE. Skips when it cannot be made
# (no network, no pip, no wheel for that version).
need_venv() {
    local name=$1-py$PY_VERSION reqs=$2 stamp
    local dir="$CACHE_ROOT/venv-$name"
    stamp="# $PYTHON
$reqs"
    mkdir -p "$CACHE_ROOT" 2>/dev/null || skip "cannot create the venv cache $CACHE_ROOT (set PYHOST_TEST_CACHE)"
    (
        flock 9
        [ -f "$dir/.requirements.txt" ] && [ "$(cat "$dir/.requirements.txt")" == "$stamp" ] &&
            [ -x "$dir/bin/python" ] && exit 0
        rm -rf "$dir"
        printf '%s\n' "$reqs" >"$WORK/requirements-$name.txt"
        "$PYTHON" -m venv "$dir" &&
            "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-input \
                --require-hashes --only-binary=:all: -r "$WORK/requirements-$name.txt" &&
            printf '%s\n' "$stamp" >"$dir/.requirements.txt" || { rm -rf "$dir"; exit 1; }
    ) 9>"$CACHE_ROOT/venv-$name.lock" >"$WORK/.venv.log" 2>&1 ||
        skip "venv $name could not be made ($(grep -v '^\s*$' "$WORK/.venv.log" | tail -n 1))"
    VENV=$dir
    SITE=$dir/lib/python$PY_VERSION/site-packages
}

# Runs every test_* function (or those matching $1) in its own subshell, so one test's state
# cannot leak into the next; a test fails when any expectation in it failed.
# skip REASON: ends the current test as skipped (it cannot run here: not root, a tool missing).
# Each test runs in a subshell, so this exits that subshell with 77, the status meson reads as
# SKIP; run_tests prints "SKIP name: REASON". Outside a test (a script's setup) it skips the
# whole script: "SKIP: REASON", status 77.
_skip_file="$WORK/.skip" # not $WORK/...: a test may point WORK elsewhere in its subshell
_in_test=""
skip() {
    [ -n "$_in_test" ] || { echo "SKIP: $*"; exit 77; }
    echo "$*" >"$_skip_file"
    exit 77
}

run_tests() {
    local passed=0 failed=0 skipped=0 filter=${1:-} status
    for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
        [ -n "$filter" ] && [[ $t != *"$filter"* ]] && continue
        rm -f "$_skip_file"
        ( _failures=0; _in_test=$t; "$t"; exit $((_failures > 0)) )
        status=$?
        if [ "$status" = 77 ] && [ -f "$_skip_file" ]; then
            skipped=$((skipped + 1))
            echo "SKIP $t: $(cat "$_skip_file")"
        elif [ "$status" = 0 ]; then
            passed=$((passed + 1))
            echo "ok   $t"
        else
            failed=$((failed + 1))
            echo "FAIL $t"
        fi
    done
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" = 0 ] || return 1
    # nothing ran at all: the whole script is a SKIP for meson
    [ "$passed" = 0 ] && [ "$skipped" -gt 0 ] && return 77
    return 0
}
