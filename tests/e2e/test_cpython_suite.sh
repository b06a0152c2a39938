#!/usr/bin/env bash
# End-to-end: CPython's own tests (Debian's libpython3.X-testsuite) run inside a .pyr, packed
# with the whole stdlib, and compared test by test with the same tests under python3.X.
# Every test that passes under python must pass under pyhost, or be listed in
# tests/e2e/cpython/differences.txt with a reason that docs/runtime.md explains.
. "$(dirname "$0")/lib.sh"

MODULES="test_csv test_re test_pickle test_pkgutil test_inspect test_traceback test_importlib
test_zoneinfo test_email test_decimal"
DIFFERENCES="$REPO/tests/e2e/cpython/differences.txt"

need_testsuite() {
    local version stdlib
    version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    stdlib=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
    if [ ! -f "$stdlib/test/test_csv.py" ]; then
        [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "libpython$version-testsuite" >"$WORK/.apt.log" 2>&1
        [ -f "$stdlib/test/test_csv.py" ] ||
            skip "CPython's test suite is not in $stdlib (Debian: libpython$version-testsuite)"
    fi
}

# failures FILE: the ids of the tests that errored or failed, sorted
failures() { awk '$1 == "ERROR" || $1 == "FAIL" { print $2 }' "$1" | sort -u; }

test_cpython_tests_give_pythons_results() {
    need_testsuite
    mkdir -p "$WORK/cpt"
    cp "$REPO/tests/e2e/cpython/runtests.py" "$WORK/cpt/"
    printf '[app]\nname = cpt\nentry = runtests:main\n[resources]\npaths = .\n' >"$WORK/cpt/pyhost.ini"
    # the whole stdlib, the test package included (it is excluded by default)
    printf '[python]\nstdlib = all\nstdlib_exclude = idlelib.*\n' >>"$WORK/cpt/pyhost.ini"
    build_app "$WORK/cpt" || return
    # shellcheck disable=SC2086
    (cd / && "$PYTHON" -I "$WORK/cpt/runtests.py" $MODULES) >"$WORK/python.out" 2>&1
    # shellcheck disable=SC2086
    (cd / && "$PYHOST" run "$WORK/cpt/cpt.pyr" $MODULES) >"$WORK/pyhost.out" 2>&1
    grep -q '^test_csv: ' "$WORK/python.out" || { fail "python did not run the tests"; return; }
    grep -q '^test_csv: ' "$WORK/pyhost.out" || {
        tail -20 "$WORK/pyhost.out" >&2
        fail "pyhost did not run the tests"
        return
    }
    local known new
    known=$(grep -v '^#' "$DIFFERENCES" | awk 'NF { print $1 }' | sort -u)
    new=$(comm -13 <(failures "$WORK/python.out") <(failures "$WORK/pyhost.out") |
        comm -23 - <(echo "$known"))
    if [ -n "$new" ]; then
        grep -F -f <(echo "$new") "$WORK/pyhost.out" | head -40 >&2
        fail "tests that pass under python fail under pyhost, and are not explained in $DIFFERENCES:
$new"
    fi
    grep -E "^test_" "$WORK/pyhost.out" | sed "s/^/    pyhost: /"
    grep -E "^test_" "$WORK/python.out" | sed "s/^/    python: /"
    [ -n "${KEEP:-}" ] && cp "$WORK/python.out" "$WORK/pyhost.out" "$KEEP/"
    local fixed
    fixed=$(comm -23 <(echo "$known") <(failures "$WORK/pyhost.out"))
    [ -z "$fixed" ] || echo "    listed as different but now passing (remove them from the list):
$fixed"
}

run_tests "$@"
