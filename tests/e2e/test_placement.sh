#!/usr/bin/env bash
# End-to-end: automatic placement (docs/runtime.md#files-on-disk). Files that code opens by
# path (templates read beside __file__, Jinja2's PackageLoader over the app's own package, a
# library loaded with ctypes from dirname(__file__)) are real files where __file__ says, under
# `pyhost run`, in a directory bundle and in a single-file bundle with the system Python hidden;
# `placement = memory` writes nothing; a second start extracts nothing.
. "$(dirname "$0")/lib.sh"

fresh() { WORK=$(mktemp -d "$WORK/t.XXXXXX"); }

EXPECTED="isfile True
text plain template text
Hello pyhost!
ctypes 42
extension False
in sources False"

# The app: placeapp/templates/{x.txt,page.html}, placeapp/native/_add.abi3.so (no PyInit_: a
# ctypes library, named like an extension module), run from its source directory.
make_placeapp() {
    local app=$WORK/app
    mkdir -p "$app/placeapp/templates" "$app/placeapp/native" "$WORK/src"
    : >"$app/placeapp/__init__.py"
    : >"$app/placeapp/native/__init__.py"
    echo 'plain template text' >"$app/placeapp/templates/x.txt"
    echo 'Hello {{ name }}!' >"$app/placeapp/templates/page.html"
    echo 'int placeapp_add(int a, int b) { return a + b; }' >"$WORK/src/add.c"
    cc -shared -fPIC -o "$app/placeapp/native/_add.abi3.so" "$WORK/src/add.c" || fail "cc"
    cat >"$app/placeapp/main.py" <<'PY'
import ctypes, importlib.util, os, sys

def main():
    here = os.path.dirname(__file__)
    path = os.path.join(here, "templates", "x.txt")
    print("isfile", os.path.isfile(path))
    with open(path) as f:
        print("text", f.read().strip())
    import jinja2
    env = jinja2.Environment(loader=jinja2.PackageLoader("placeapp", "templates"))
    print(env.get_template("page.html").render(name="pyhost"))
    import placeapp.native
    lib = ctypes.CDLL(os.path.join(os.path.dirname(placeapp.native.__file__), "_add.abi3.so"))
    print("ctypes", lib.placeapp_add(2, 40))
    print("extension", importlib.util.find_spec("placeapp.native._add") is not None)
    src = os.environ.get("SRC", "/nonexistent")
    print("in sources", os.path.realpath(here).startswith(os.path.realpath(src)))
    if os.environ.get("SHOW_ROOT"):
        print("root", os.path.dirname(here), file=sys.stderr)
PY
    make_app "$app" placeapp placeapp.main:main "distributions = jinja2
${1:-}"
}

test_explain_says_where_each_file_goes() {
    fresh
    make_placeapp
    run_capture "$PYHOST" build --explain -c "$WORK/app/pyhost.ini"
    expect_eq "status" 0 "$STATUS"
    expect_contains "package data" "$OUT" "placement placeapp: 2 files on disk beside __file__ (package data)"
    expect_contains "ctypes library" "$OUT" "placement placeapp/native/_add.abi3.so: on disk, a shared object that exports no PyInit_"
    expect_contains "stdlib data" "$OUT" "placement (standard library): "
    expect_contains "stdlib data" "$OUT" "in memory (standard library data stays in memory)"
    # the inspect listing: a resource under its real name, not an extension module
    run_capture "$PYHOST" inspect "$WORK/app/placeapp.pyr"
    expect_contains "inspect" "$OUT" "placeapp/native/_add.abi3.so"
    expect_not_contains "inspect" "$OUT" "placeapp.native._add "
}

test_pyhost_run_extracts_once_never_into_sources() {
    fresh
    make_placeapp
    build_app "$WORK/app" || return
    cd "$WORK/app" || return
    run_capture env SRC="$WORK/app" SHOW_ROOT=1 "$PYHOST" run placeapp.pyr
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "$EXPECTED" "$OUT"
    local dir
    dir=$(ls -d "$PYHOST_CACHE_DIR"/apps/*/)
    expect_contains "root is the extraction" "$ERR" "root ${dir%/}"
    expect_eq "marker" "yes" "$([ -f "$dir/.pyhost-complete" ] && echo yes)"
    expect_eq "mode of the library" "755" "$(stat -c %a "$dir/placeapp/native/_add.abi3.so")"
    local before after
    before=$(stat -c '%i %Y' "$dir" "$dir/placeapp/templates/x.txt")
    sleep 1.1
    run_capture strace -f -e trace=mkdir,mkdirat,rename,renameat,renameat2 -o "$WORK/strace" \
        "$PYHOST" run placeapp.pyr
    expect_eq "second start" "$EXPECTED" "$OUT"
    after=$(stat -c '%i %Y' "$dir" "$dir/placeapp/templates/x.txt")
    expect_eq "second start extracts nothing (same inode and mtime)" "$before" "$after"
    expect_eq "second start creates nothing" "" "$(grep -v ENOENT "$WORK/strace" | grep -E 'mkdir|rename' || true)"
}

test_memory_placement_writes_nothing() {
    fresh
    make_placeapp "placement = memory"
    build_app "$WORK/app" || return
    run_capture "$PYHOST" build --explain -c "$WORK/app/pyhost.ini"
    expect_contains "explain" "$OUT" "placement placeapp: 3 files in memory ([resources] placement = memory)"
    cd "$WORK/app" || return
    run_capture env SRC="$WORK/app" "$PYHOST" run placeapp.pyr
    expect_eq "status: the app cannot find its files" 1 "$STATUS"
    expect_contains "output" "$OUT" "isfile False"
    expect_eq "the cache holds no app" "" "$(ls -A "$PYHOST_CACHE_DIR/apps" 2>/dev/null)"
}

test_routing_overrides_placement() {
    fresh
    make_placeapp "
[routing]
placeapp = in-memory"
    run_capture "$PYHOST" build --explain -c "$WORK/app/pyhost.ini"
    expect_contains "explain" "$OUT" "placement placeapp: 3 files in memory ([routing], line"
    expect_contains "jinja2 still placed" "$OUT" "placement jinja2: 1 file on disk"
}

test_single_file_bundle_with_python_hidden() {
    fresh
    make_placeapp
    "$PYHOST" bundle -c "$WORK/app/pyhost.ini" -o "$WORK/dist" >/dev/null || fail "bundle"
    expect_eq "one file" "placeapp" "$(ls -A "$WORK/dist/placeapp")"
    run_hidden sh -c 'cd / && exec "$0"' "$WORK/dist/placeapp/placeapp"
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "$EXPECTED" "$OUT"
    expect_eq "one extraction" 1 "$(ls "$PYHOST_CACHE_DIR/apps" | wc -l)"
    # an unusable cache: one line, and the files stay in memory
    run_capture env PYHOST_CACHE_DIR=relative "$WORK/dist/placeapp/placeapp"
    expect_eq "fallback status" 1 "$STATUS"
    expect_contains "fallback" "$OUT" "isfile False"
    expect_contains "one warning" "$ERR" "pyhost: warning: files the app reads by path stay in memory: PYHOST_CACHE_DIR=relative is not an absolute path"
}

test_directory_bundle_holds_the_files() {
    fresh
    make_placeapp
    "$PYHOST" bundle --adjacent -c "$WORK/app/pyhost.ini" -o "$WORK/dist" >/dev/null || fail "bundle"
    local d=$WORK/dist/placeapp
    expect_eq "beside the modules' paths, in lib/" "yes" \
        "$([ -f "$d/lib/placeapp/templates/x.txt" ] && [ -f "$d/lib/placeapp/native/_add.abi3.so" ] && echo yes)"
    run_hidden sh -c 'cd / && SHOW_ROOT=1 exec "$0"' "$d/placeapp"
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "$EXPECTED" "$OUT"
    expect_contains "root" "$ERR" "root $d/lib"
    expect_eq "nothing extracted" "" "$(ls -A "$PYHOST_CACHE_DIR/apps" 2>/dev/null)"
}

run_tests "$@"
