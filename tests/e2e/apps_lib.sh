# Shared by the real-application e2e tests (test_realapps.sh, test_pypi.sh), sourced after
# lib.sh (which has the prerequisites, need_debs and need_venv): an app checked three ways,
# its reference (python with the app's site, or the venv's own console script), `pyhost run
# APP.pyr`, and a single-file bundle run with every Python on the machine hidden; stdout and
# exit status must be equal.

# ---- the app, its reference and its runs ---------------------------------------------------

# new_app NAME ENTRY DISTRIBUTION [EXTRA_RESOURCES_LINES]: $APP/pyhost.ini as the docs suggest,
# $REF (a script that calls ENTRY like its console script does: the reference, run by
# $REF_PYTHON, by default $PYTHON) and $IN, an empty directory the app runs in.
new_app() {
    local name=$1 entry=$2 dist=$3 extra=${4:-}
    T="$WORK/$name"
    APP="$T/app" REF="$T/ref/$name" IN="$T/in"
    mkdir -p "$APP" "$T/ref" "$IN"
    NAME=$name
    printf '[app]\nname = %s\nentry = %s\n\n[resources]\ndistributions = %s\n%s' \
        "$name" "$entry" "$dist" "$extra" >"$APP/pyhost.ini"
    # [resources] paths defaults to the manifest's directory: the app's own modules live there
    printf 'import sys\nsys.path.insert(0, %s)\nfrom %s import %s\nsys.exit(%s())\n' \
        "'$APP'" "${entry%%:*}" "${entry##*:}" "${entry##*:}" >"$REF"
    REF_PYTHON=$PYTHON
}

# Hooks a test may redefine: prepare (before each run, in $IN), collect (after each run: what
# the app wrote, appended to its stdout) and normalize (filters stdout, e.g. timings).
prepare() { :; }
collect() { :; }
normalize() { cat; }

# reference ARGS...: the app under $REF_PYTHON, site on; sets REF_OUT and REF_STATUS.
reference() {
    (cd "$IN" && prepare)
    run_capture sh -c 'cd "$1" && shift && exec "$@"' sh "$IN" "$REF_PYTHON" -E -s "$REF" "$@"
    REF_STATUS=$STATUS
    REF_OUT="$(printf '%s\n' "$OUT" | normalize)$(cd "$IN" && collect)"
    # the reference must work, or the comparison means nothing
    expect_eq "the reference's status ($REF_PYTHON: $ERR)" "${REF_EXPECT_STATUS:-0}" "$REF_STATUS"
}

# compare WHAT: OUT/STATUS (just captured) against the reference.
compare() {
    local out
    out="$(printf '%s\n' "$OUT" | normalize)$(cd "$IN" && collect)"
    expect_eq "$1: status" "$REF_STATUS" "$STATUS"
    [ "$REF_OUT" == "$out" ] ||
        fail "$1: stdout differs from python's (-python$PY_VERSION +pyhost):
$(diff -u <(printf '%s\n' "$REF_OUT") <(printf '%s\n' "$out") | sed -n '3,14p')"
    [ "$REF_STATUS" == "$STATUS" ] && [ "$REF_OUT" == "$out" ] ||
        echo "    $1 stderr: $(printf '%s' "$ERR" | tail -n 3)" >&2
}

# check_run ARGS...: pyhost build + pyhost run, compared with the reference (run first
# unless SKIP_REFERENCE=1: it was just run with the same ARGS).
check_run() {
    [ "${SKIP_REFERENCE:-}" = 1 ] || reference "$@"
    "$PYHOST" build -c "$APP/pyhost.ini" >"$T/build.log" 2>&1 || {
        cat "$T/build.log" >&2
        fail "pyhost build $NAME"
        return 1
    }
    (cd "$IN" && prepare)
    run_capture sh -c 'cd "$1" && shift && exec "$@"' sh "$IN" "$PYHOST" run "$APP/$NAME.pyr" "$@"
    compare "pyhost run"
}

# check_bundle ARGS...: pyhost bundle (one file), run with every Python hidden (and the
# directories of $HIDE_ALSO: the venv), compared with the reference (see check_run).
check_bundle() {
    [ "${SKIP_REFERENCE:-}" = 1 ] || reference "$@"
    "$PYHOST" bundle -c "$APP/pyhost.ini" -o "$T/dist" >"$T/bundle.log" 2>&1 || {
        cat "$T/bundle.log" >&2
        fail "pyhost bundle $NAME"
        return 1
    }
    expect_eq "one file" "$NAME" "$(ls -A "$T/dist/$NAME")"
    (cd "$IN" && prepare)
    run_hidden sh -c 'cd "$1" && shift && exec "$@"' sh "$IN" "$T/dist/$NAME/$NAME" "$@"
    [ "$STATUS" = 97 ] && skip "cannot hide the system Python (unshare -m and mount --bind need root)"
    compare "bundle, every Python hidden"
}
