#!/usr/bin/env bash
# End-to-end: `pyhost pyinstaller` with PyInstaller's command lines and spec files, checked
# against what PyInstaller 6 produces (layout, warn file, spec file) and what its apps see at
# run time (sys.frozen, sys._MEIPASS, __file__, data files found through _MEIPASS).
. "$(dirname "$0")/lib.sh"

COMPAT="$REPO/launcher/pyinstaller_compat"
fresh() { WORK=$(mktemp -d "$WORK/t.XXXXXX"); cd "$WORK" || exit 1; }

# An app with a helper module, a data directory, a hidden import and an optional import that
# cannot be resolved; it prints what a frozen app sees.
make_src() {
    mkdir -p assets/sub hooks
    echo "hello from data" >assets/greeting.txt
    echo "nested" >assets/sub/deep.txt
    cat >helper.py <<'PY'
def greet():
    return "helper ok"
PY
    cat >probe.py <<'PY'
import importlib, os, sys
import helper
try:
    import missing_mod_for_warn
except ImportError:
    pass
print("frozen", getattr(sys, "frozen", False))
print("meipass", sys._MEIPASS)
print("file", __file__)
print("executable", sys.executable)
print(open(os.path.join(sys._MEIPASS, "assets", "greeting.txt")).read().strip())
print(open(os.path.join(sys._MEIPASS, "assets", "sub", "deep.txt")).read().strip())
print(helper.greet())
print("hidden", importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "csv").__name__)
sys.exit(7)
PY
}

# pyi ARGS...: pyhost pyinstaller, output in LOG; fails the test when it fails.
pyi() {
    "$PYHOST" pyinstaller "$@" >"$WORK/.pyi.log" 2>&1 || {
        cat "$WORK/.pyi.log" >&2
        fail "pyhost pyinstaller $*"
        return 1
    }
}

# check_probe EXE MEIPASS: the program's output as PyInstaller's apps see it.
check_probe() {
    run_capture "$1" decimal
    expect_eq "exit status" 7 "$STATUS"
    expect_contains "frozen" "$OUT" "frozen True"
    expect_contains "_MEIPASS" "$OUT" "meipass $2"
    expect_contains "__file__" "$OUT" "file $2/probe.py"
    expect_contains "executable" "$OUT" "executable $(realpath "$1")"
    expect_contains "data file" "$OUT" "hello from data"
    expect_contains "data dir" "$OUT" "nested"
    expect_contains "helper" "$OUT" "helper ok"
    expect_contains "hidden import" "$OUT" "hidden decimal"
}

test_onedir_layout_and_runtime() {
    fresh
    make_src
    pyi --add-data assets:assets --hidden-import decimal probe.py || return
    expect_eq "dist" "probe" "$(ls dist)"
    expect_eq "onedir" "_internal probe" "$(ls dist/probe | xargs)"
    [ -x dist/probe/probe ] || fail "dist/probe/probe is not executable"
    [ -f dist/probe/_internal/assets/sub/deep.txt ] || fail "data not under _internal"
    [ -f probe.spec ] || fail "no probe.spec"
    [ -f build/probe/warn-probe.txt ] || fail "no build/probe/warn-probe.txt"
    expect_contains "warn file" "$(cat build/probe/warn-probe.txt)" \
        "missing module named missing_mod_for_warn - imported by __main__ (optional)"
    expect_contains "log" "$(cat .pyi.log)" "Build complete! The results are available in: $WORK/dist"
    check_probe dist/probe/probe "$WORK/dist/probe/_internal"
    cd / && check_probe "$WORK/dist/probe/probe" "$WORK/dist/probe/_internal"
}

test_onefile() {
    fresh
    make_src
    pyi -F --add-data "assets:assets" --hidden-import decimal probe.py || return
    expect_eq "dist" "probe" "$(ls dist)"
    [ -f dist/probe ] && [ -x dist/probe ] || fail "dist/probe is not a single executable"
    expect_contains "spec onefile" "$(cat probe.spec)" "a.datas,"
    expect_not_contains "spec onefile" "$(cat probe.spec)" "COLLECT("
    local meipass
    meipass=$(dist/probe | sed -n 's/^meipass //p')
    expect_contains "data extracted once to the cache" "$meipass" "$PYHOST_CACHE_DIR/meipass/probe-"
    check_probe dist/probe "$meipass"
}

test_onefile_without_data_writes_nothing() {
    fresh
    export PYHOST_CACHE_DIR="$WORK/cache"
    printf 'import sys\nprint(sys._MEIPASS)\n' >plain.py
    pyi --onefile plain.py || return
    run_capture dist/plain
    expect_eq "meipass is the executable's directory" "$WORK/dist" "$OUT"
    [ ! -e "$PYHOST_CACHE_DIR/meipass" ] || fail "a onefile app without data wrote to the cache"
}

test_contents_directory() {
    fresh
    make_src
    pyi --contents-directory lib --add-data assets:assets -n renamed probe.py || return
    expect_eq "renamed contents" "lib renamed" "$(ls dist/renamed | xargs)"
    check_probe dist/renamed/renamed "$WORK/dist/renamed/lib"
    pyi -y --contents-directory . --add-data assets:assets probe.py || return
    [ -f dist/probe/probe.pyr ] && [ -d dist/probe/assets ] || fail "flat layout"
    check_probe dist/probe/probe "$WORK/dist/probe"
}

test_generated_spec_rebuilds() {
    fresh
    make_src
    pyi --add-data assets:assets --hidden-import decimal --specpath specs probe.py || return
    [ -f specs/probe.spec ] || fail "--specpath: no specs/probe.spec"
    expect_contains "relative paths" "$(cat specs/probe.spec)" "['../probe.py']"
    local first
    first=$(cd dist && find . | sort)
    rm -rf dist build
    pyi specs/probe.spec || return
    expect_eq "same layout from the spec" "$first" "$(cd dist && find . | sort)"
    check_probe dist/probe/probe "$WORK/dist/probe/_internal"
    run_capture "$PYHOST" pyinstaller --onefile specs/probe.spec
    expect_eq "makespec option with a spec" 2 "$STATUS"
    expect_contains "message" "$ERR" "makespec options not valid when a .spec file is given"
}

test_handwritten_spec() {
    fresh
    make_src
    mkdir -p src/mylib
    printf 'VALUE = "from mylib"\n' >src/mylib/__init__.py
    printf 'import mylib, sys, os\nprint(mylib.VALUE)\nprint(open(os.path.join(sys._MEIPASS, "conf", "greeting.txt")).read().strip())\n' >main.py
    cat >tool.spec <<'PY'
# -*- mode: python ; coding: utf-8 -*-
block_cipher = None
a = Analysis(['main.py'], pathex=['src'], binaries=[], datas=[('assets/greeting.txt', 'conf')],
             hiddenimports=['csv'], hookspath=[], runtime_hooks=[], excludes=['tkinter'],
             cipher=block_cipher, noarchive=False)
a.datas += [('extra/note.txt', os.path.join(SPECPATH, 'assets', 'sub', 'deep.txt'), 'DATA')]
pyz = PYZ(a.pure, a.zipped_data, cipher=block_cipher)
exe = EXE(pyz, a.scripts, [], exclude_binaries=True, name='tool', debug=False, strip=False,
          upx=True, console=True)
coll = COLLECT(exe, a.binaries, a.zipfiles, a.datas, strip=False, upx=True, name='tooldir')
PY
    pyi tool.spec || return
    expect_eq "COLLECT name / EXE name" "_internal tool" "$(ls dist/tooldir | xargs)"
    [ -f dist/tooldir/_internal/extra/note.txt ] || fail "a.datas += entry missing"
    run_capture dist/tooldir/tool
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "from mylib
hello from data" "$OUT"
    # onefile style: EXE with a.binaries and a.datas, no COLLECT
    sed -e 's/\[\], exclude_binaries=True,/a.binaries, a.datas, [],/' -e '/^coll = /d' tool.spec >one.spec
    pyi one.spec || return
    [ -f dist/tool ] || fail "onefile spec did not make dist/tool"
    run_capture dist/tool
    expect_contains "onefile output" "$OUT" "hello from data"
}

test_hooks_dir_and_runtime_hook() {
    fresh
    make_src
    printf 'hiddenimports = ["decimal"]\ndatas = [("../assets/greeting.txt", "hooked")]\n' \
        >hooks/hook-helper.py
    printf 'import sys\nsys.rth_ran = True\n' >rth.py
    printf 'import helper, importlib, os, sys\nprint(sys.rth_ran)\nprint(open(os.path.join(sys._MEIPASS, "hooked", "greeting.txt")).read().strip())\n' >app.py
    pyi --additional-hooks-dir hooks --runtime-hook rth.py app.py || return
    expect_contains "hook processed" "$(cat .pyi.log)" "Processing hook hook-helper.py"
    run_capture dist/app/app
    expect_eq "runtime hook + hook datas" "True
hello from data" "$OUT"
    # the hook's hidden import is packed even with the stdlib trimmed out around it
    expect_contains "spec hookspath" "$(cat app.spec)" "hookspath=['hooks']"
}

test_usage_errors() {
    fresh
    printf 'print(1)\n' >a.py
    run_capture "$PYHOST" pyinstaller a.py --bogus
    expect_eq "status" 2 "$STATUS"
    expect_contains "usage" "$ERR" "usage: pyinstaller [-h] [-v] [-D | -F]"
    expect_contains "error" "$ERR" "pyinstaller: error: unrecognized arguments: --bogus"
    [ ! -e dist ] || fail "a usage error built something"
    run_capture "$PYHOST" pyinstaller -v
    expect_eq "version" "6.11.1" "$OUT"
    run_capture "$PYHOST" pyinstaller --upx-dir /nowhere --noupx --key k -y a.py
    expect_eq "ignored options build" 0 "$STATUS"
    expect_contains "notice" "$ERR" "--upx-dir: pyhost compresses with zstd"
    expect_contains "notice" "$ERR" "--key: bytecode encryption was removed"
}

test_invoked_as_pyinstaller() {
    fresh
    printf 'import sys\nprint("argv0 ok", sys.frozen)\n' >a.py
    ln -s "$PYHOST" pyinstaller
    run_capture ./pyinstaller --onefile a.py
    expect_eq "status" 0 "$STATUS"
    run_capture dist/a
    expect_eq "output" "argv0 ok True" "$OUT"
}

test_python_m_pyinstaller() {
    fresh
    make_src
    run_capture env PYHOST="$PYHOST" PYTHONPATH="$COMPAT" "$PYTHON" -m PyInstaller \
        --add-data assets:assets --hidden-import decimal -y probe.py
    expect_eq "python -m PyInstaller" 0 "$STATUS"
    check_probe dist/probe/probe "$WORK/dist/probe/_internal"
    # yt-dlp's release script: PyInstaller.__main__.run(opts)
    run_capture env PYHOST="$PYHOST" PYTHONPATH="$COMPAT" "$PYTHON" -c \
        'from PyInstaller.__main__ import run; run(["--onefile", "-n", "viarun", "probe.py", "--add-data", "assets:assets"])'
    expect_eq "run()" 0 "$STATUS"
    [ -x dist/viarun ] || fail "run() built nothing"
    run_capture env PYHOST="$PYHOST" PYTHONPATH="$COMPAT" "$PYTHON" -c \
        'from PyInstaller.__main__ import run; run(["--bogus", "probe.py"])'
    expect_eq "run() raises SystemExit(2)" 2 "$STATUS"
    # --install-compat: a copy that finds this pyhost without $PYHOST
    run_capture "$PYHOST" pyinstaller --install-compat "$WORK/site"
    expect_eq "install-compat" 0 "$STATUS"
    run_capture env PYTHONPATH="$WORK/site" PATH=/usr/bin:/bin "$PYTHON" -m PyInstaller -v
    expect_eq "installed copy finds pyhost" "6.11.1" "$OUT"
}

# A real console script from a Debian package: pygmentize looks its entry point up through
# importlib.metadata, so (as with PyInstaller) it needs its metadata and the entry module named.
test_pygmentize_from_debian() {
    fresh
    [ -x /usr/bin/pygmentize ] || { echo "    (skipped: no /usr/bin/pygmentize)"; return 0; }
    cp /usr/bin/pygmentize .
    printf 'def f(x):\n    return x + 1\n' >t.py
    pyi -F --copy-metadata Pygments --hidden-import pygments.cmdline pygmentize || return
    expect_eq "same output as under python3.11" "$("$PYTHON" pygmentize -l python -f html t.py)" \
        "$(dist/pygmentize -l python -f html t.py)"
    cd / && expect_eq "from /" "$("$PYTHON" "$WORK/pygmentize" -l python "$WORK/t.py" | md5sum)" \
        "$("$WORK/dist/pygmentize" -l python "$WORK/t.py" | md5sum)"
}

run_tests "$@"
