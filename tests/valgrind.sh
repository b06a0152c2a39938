#!/usr/bin/env bash
# valgrind over the runtime path: build real apps, run them under memcheck, fail on any error.
# The apps cover module loading (examples/hello, examples/notes with its resources), extension
# modules loaded from memfds (the stdlib's _decimal, _json, _sqlite3) and the shared libraries
# a wheel's extension carries (the auditwheel-style fixture of tests/e2e/lib.sh).
# Debian's python3.supp silences pymalloc's deliberate reads of foreign arenas, nothing else.
# Usage: tests/valgrind.sh PATH/TO/pyhost
set -eu
PYHOST=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(cd "$(dirname "$0")" && pwd)/e2e/lib.sh" # WORK, make_app, vendored_site
root=$REPO
cp -r "$root/examples/hello" "$root/examples/notes" "$WORK/"
passed=0
failed=0
check() {
    if valgrind -q --error-exitcode=99 --suppressions=/usr/lib/valgrind/python3.supp \
        "$PYHOST" run "$@" >"$WORK/out" 2>"$WORK/err"; then
        passed=$((passed + 1))
        echo "ok   valgrind pyhost run $*"
    else
        failed=$((failed + 1))
        echo "FAIL valgrind pyhost run $*"
        cat "$WORK/err"
    fi
}
mkdir -p "$WORK/exts/app"
printf 'import decimal, json, sqlite3, phdemo\nprint(decimal.Decimal(1) / 7, json.dumps([1]), sqlite3.connect(":memory:").execute("select 6 * 7").fetchone(), phdemo.answer())\n' \
    >"$WORK/exts/app/exts.py"
vendored_site "$WORK/exts/site"
make_app "$WORK/exts/app" exts exts "distributions = phdemo
site_packages = ../site"
for app in hello/pyhost.ini notes/pyhost.ini exts/app/pyhost.ini; do
    "$PYHOST" build -c "$WORK/$app" >/dev/null
done
rm -rf "$WORK/exts/site" # the vendored libraries can only come from the .pyr
check "$WORK/hello/hello.pyr" Ada
check "$WORK/notes/notes.pyr" show 2
check "$WORK/notes/notes.pyr" templates
check "$WORK/exts/app/exts.pyr"
grep -q "42$" "$WORK/out" || { echo "FAIL exts printed: $(cat "$WORK/out")"; failed=$((failed + 1)); }
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
