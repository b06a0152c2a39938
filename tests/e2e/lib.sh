# Shared helpers for the end-to-end tests: real pyhost, real Python, real files.
# A test script sources this, defines test_* functions, and ends with `run_tests "$@"`.
set -u

PYHOST=${PYHOST:?set PYHOST to the pyhost executable (meson test does)}
PYTHON=${PYTHON:-/usr/bin/python3.11}
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

# Runs every test_* function (or those matching $1) in its own subshell, so one test's state
# cannot leak into the next; a test fails when any expectation in it failed.
run_tests() {
    local passed=0 failed=0 filter=${1:-}
    for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
        [ -n "$filter" ] && [[ $t != *"$filter"* ]] && continue
        if ( _failures=0; "$t"; exit $((_failures > 0)) ); then
            passed=$((passed + 1))
            echo "ok   $t"
        else
            failed=$((failed + 1))
            echo "FAIL $t"
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}
