#!/bin/sh
# valgrind over the runtime path: build the examples, run them under memcheck, fail on any error.
# Debian's python3.supp silences pymalloc's deliberate reads of foreign arenas, nothing else.
# Usage: tests/valgrind.sh PATH/TO/pyhost
set -eu
pyhost=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pyhost-valgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PYHOST_CACHE_DIR="$work/cache"
cp -r "$root/examples/hello" "$root/examples/notes" "$work/"
passed=0
failed=0
check() {
    if valgrind -q --error-exitcode=99 --suppressions=/usr/lib/valgrind/python3.supp \
        "$pyhost" run "$@" >"$work/out" 2>"$work/err"; then
        passed=$((passed + 1))
        echo "ok   valgrind pyhost run $*"
    else
        failed=$((failed + 1))
        echo "FAIL valgrind pyhost run $*"
        cat "$work/err"
    fi
}
"$pyhost" build -c "$work/hello/pyhost.ini" >/dev/null
"$pyhost" build -c "$work/notes/pyhost.ini" >/dev/null
check "$work/hello/hello.pyr" Ada
check "$work/notes/notes.pyr" show 2
check "$work/notes/notes.pyr" templates
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
