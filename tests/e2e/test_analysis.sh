#!/usr/bin/env bash
# End-to-end: `pyhost build`'s import analysis. An installed distribution the app imports is
# packed without being named; an import of the app's that resolves nowhere is a FILE:LINE
# warning; [python] stdlib = auto packs what the imports reach.
. "$(dirname "$0")/lib.sh"

test_imported_distribution_is_packed_unnamed() {
    mkdir -p "$WORK/y"
    cat >"$WORK/y/y.py" <<'PY'
import yaml
print(yaml.safe_dump({"a": [1, 2]}), end="")
print(type(yaml.safe_load("b: 3")["b"]).__name__)
PY
    make_app "$WORK/y" y y.py
    "$PYHOST" build -c "$WORK/y/pyhost.ini" --explain >"$WORK/out" 2>&1 || {
        cat "$WORK/out" >&2
        fail "pyhost build failed"
        return
    }
    expect_contains "explain" "$(cat "$WORK/out")" "packed PyYAML: imported by y.py:1 (analysis)"
    run_capture "$PYHOST" run "$WORK/y/y.pyr"
    expect_eq "status" "$STATUS" 0
    expect_eq "stdout" "$OUT" "$(printf 'a:\n- 1\n- 2\nint')"
}

test_unresolved_import_is_a_warning_with_file_and_line() {
    mkdir -p "$WORK/m/pkg"
    printf 'import os\nimport doesnotexist\n' >"$WORK/m/m.py"
    printf 'def f():\n    import alsomissing\n' >"$WORK/m/pkg/__init__.py"
    make_app "$WORK/m" m m.py
    run_capture "$PYHOST" build -c "$WORK/m/pyhost.ini"
    expect_eq "status" "$STATUS" 0
    expect_contains "warning" "$ERR" "m.py:2: cannot resolve import doesnotexist"
    expect_not_contains "delayed import, without -v" "$ERR" "alsomissing"
    run_capture "$PYHOST" build -c "$WORK/m/pyhost.ini" -v
    expect_contains "-v" "$ERR" "pkg/__init__.py:2: cannot resolve import alsomissing (delayed)"
    run_capture "$PYHOST" run "$WORK/m/m.pyr"
    expect_contains "the app still fails where python would" "$ERR" "doesnotexist"
}

test_stdlib_auto_packs_what_is_reached() {
    mkdir -p "$WORK/s"
    printf 'import json\nprint(json.dumps([1]))\n' >"$WORK/s/s.py"
    make_app "$WORK/s" s s.py
    build_app "$WORK/s" || return
    run_capture "$PYHOST" inspect "$WORK/s/s.pyr"
    expect_contains "json" "$OUT" "json.decoder module"
    expect_contains "every codec" "$OUT" "encodings.cp1252 module"
    expect_not_contains "unreached" "$OUT" "tkinter"
    run_capture "$PYHOST" run "$WORK/s/s.pyr"
    expect_eq "stdout" "$OUT" "[1]"
    make_app "$WORK/s" s s.py "$(printf '[python]\nstdlib = all\n')"
    build_app "$WORK/s" || return
    run_capture "$PYHOST" inspect "$WORK/s/s.pyr"
    expect_contains "all" "$OUT" "tkinter"
}

# pyhost pyinstaller uses the same analysis: namespace packages over several --paths (PEP 420
# crashed modulefinder; pkgutil-style ones were missed), a missing relative import reported
# as such, hooks' collect_submodules seeing the script's own packages.
test_pyinstaller_namespace_packages_over_paths() {
    local d=$WORK/pyi
    mkdir -p "$d/p1/ns" "$d/p2/ns" "$d/p3/pk" "$d/p4/pk" "$d/own/plugins" "$d/hooks"
    echo 'A = 1' >"$d/p1/ns/a.py"
    echo 'B = 2' >"$d/p2/ns/b.py"
    for p in p3 p4; do
        echo "__path__ = __import__('pkgutil').extend_path(__path__, __name__)" >"$d/$p/pk/__init__.py"
    done
    echo 'C = 3' >"$d/p3/pk/c.py"
    echo 'D = 4' >"$d/p4/pk/d.py"
    echo 'try:
    from . import gone
except ImportError:
    pass' >"$d/own/__init__.py"
    echo '' >"$d/own/plugins/__init__.py"
    echo 'N = 5' >"$d/own/plugins/five.py"
    echo 'from PyInstaller.utils.hooks import collect_submodules
hiddenimports = collect_submodules("own.plugins")' >"$d/hooks/hook-own.py"
    cat >"$d/app.py" <<'PY'
import importlib
import own
from ns import a, b
from pk import c, d
print(a.A + b.B + c.C + d.D + importlib.import_module("own.plugins.five").N)
PY
    (cd "$d" && "$PYHOST" pyinstaller --noconfirm --paths p1 --paths p2 --paths p3 --paths p4 \
        --additional-hooks-dir hooks app.py >"$WORK/pyi.log" 2>&1) || {
        cat "$WORK/pyi.log" >&2
        fail "pyhost pyinstaller failed"
        return
    }
    run_capture "$d/dist/app/app"
    expect_eq "status" "$STATUS" 0
    expect_eq "stdout" "$OUT" 15
    expect_contains "warn file" "$(cat "$d/build/app/warn-app.txt")" \
        "missing module named 'own.gone' - imported by own (optional)"
}

run_tests "$@"
