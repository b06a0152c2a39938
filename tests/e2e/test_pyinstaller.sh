#!/usr/bin/env bash
# End-to-end: `pyhost pyinstaller` with PyInstaller's command lines and spec files, checked
# against what PyInstaller 6 produces (layout, warn file, spec file) and what its apps see at
# run time (sys.frozen, sys._MEIPASS, __file__, data files found through _MEIPASS).
. "$(dirname "$0")/lib.sh"

COMPAT="$REPO/launcher/pyinstaller/pyinstaller_compat"
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

# A onefile without data files writes one thing, once: the runtime its loader unpacks into the
# cache (docs/bundle.md, "A compressed runtime"), shared by every onefile of this pyhost.
test_onefile_without_data_writes_only_the_runtime_once() {
    fresh
    export PYHOST_CACHE_DIR="$WORK/cache"
    printf 'import sys\nprint(sys._MEIPASS)\n' >plain.py
    pyi --onefile plain.py || return
    export PYHOST_CACHE_DIR="$WORK/run-cache" # the build's own cache (bytecode) stays apart
    run_capture dist/plain
    expect_eq "meipass is the executable's directory" "$WORK/dist" "$OUT"
    [ ! -e "$PYHOST_CACHE_DIR/meipass" ] || fail "a onefile app without data wrote to the cache"
    expect_eq "the cache holds the unpacked runtime and its verification stamp only" \
        "runtime 1 1" "$(ls "$PYHOST_CACHE_DIR") $(ls "$PYHOST_CACHE_DIR/runtime" | grep -vc '\.verified$') $(ls "$PYHOST_CACHE_DIR/runtime" | grep -c '\.verified$')"
    local before
    before=$(find "$PYHOST_CACHE_DIR" -printf '%p %i %T@\n' | sort)
    run_capture dist/plain
    expect_eq "second start: status" 0 "$STATUS"
    expect_eq "the second start writes nothing" "$before" \
        "$(find "$PYHOST_CACHE_DIR" -printf '%p %i %T@\n' | sort)"
}

# Only the stdlib modules the analysis reaches are packed, as PyInstaller packs them; the rest
# fails with ModuleNotFoundError until --hidden-import names it.
test_onefile_packs_what_the_analysis_found() {
    fresh
    cat >dyn.py <<'PY'
import importlib, json, sys
import dynhelp
print(json.dumps([importlib.import_module(sys.argv[1]).__name__]))
if len(sys.argv) > 2 and sys.argv[2] == "json":
    dynhelp.parse("{")
if len(sys.argv) > 2:
    raise ValueError(sys.argv[2])
PY
    cat >dynhelp.py <<'PY'
import json

def parse(text):
    return json.loads(text)
PY
    pyi -F dyn.py || return
    local entries
    entries=$("$PYHOST" inspect dist/dyn | awk '{print $1}')
    for m in json json.decoder _json encodings.utf_8 encodings.latin_1 encodings.idna traceback \
        linecache tokenize _pyhost_pyi_boot; do
        grep -qx "$m" <<<"$entries" || fail "$m is not packed"
    done
    for m in xml.dom xml.dom.minidom xml.etree.ElementTree tkinter test.support idlelib; do
        ! grep -qx "$m" <<<"$entries" || fail "$m is packed, but dyn.py does not import it"
    done
    run_capture dist/dyn csv
    expect_eq "a module the analysis found" '["csv"]' "$OUT"
    run_capture dist/dyn xml.dom.minidom
    expect_eq "a module it did not: status" 1 "$STATUS"
    expect_contains "a module it did not" "$ERR" "ModuleNotFoundError: No module named 'xml.dom"
    # an uncaught exception prints as under python: traceback and linecache are packed
    run_capture dist/dyn csv boom
    expect_eq "uncaught exception: status" 1 "$STATUS"
    expect_contains "uncaught exception" "$ERR" "ValueError: boom"
    expect_contains "uncaught exception: source line" "$ERR" "    raise ValueError(sys.argv[2])"
    # like PyInstaller, no source of the stdlib is packed, only its bytecode; the app's own
    # modules and script keep theirs ([python] include_source = app), so tracebacks show the
    # app's source lines and none of the stdlib's
    local inspect
    inspect=$("$PYHOST" inspect dist/dyn)
    grep -q '^json\.decoder module bytecode-opt0=' <<<"$inspect" || fail "json.decoder: no bytecode"
    ! grep -q '^json\.decoder .*source=' <<<"$inspect" || fail "json.decoder's source is packed"
    grep -q '^dynhelp module source=' <<<"$inspect" || fail "the app's module has no source"
    grep -q '^_pyhost_scripts\.dyn module source=' <<<"$inspect" || fail "the script has no source"
    run_capture dist/dyn csv json
    expect_eq "error in the stdlib: status" 1 "$STATUS"
    expect_contains "error in the stdlib" "$ERR" "json.decoder.JSONDecodeError: Expecting"
    expect_contains "error in the stdlib: the script's line" "$ERR" '    dynhelp.parse("{")'
    expect_contains "error in the stdlib: the app module's line" "$ERR" "    return json.loads(text)"
    expect_contains "error in the stdlib: its frames" "$ERR" "json/decoder.py\", line"
    ! grep -q "raise JSONDecodeError" <<<"$ERR" || fail "a stdlib source line is shown: $ERR"
    pyi -y -F --hidden-import xml.dom.minidom dyn.py || return
    entries=$("$PYHOST" inspect dist/dyn | awk '{print $1}')
    grep -qx xml.dom.minidom <<<"$entries" || fail "--hidden-import xml.dom.minidom not packed"
    run_capture dist/dyn xml.dom.minidom
    expect_eq "hidden import" '["xml.dom.minidom"]' "$OUT"
    expect_contains "the generated manifest" "$(cat build/dyn/pyhost/pyhost.ini)" "stdlib_include ="
}

# An installed distribution is packed as PyInstaller packs it when a hook covers it: the modules
# the analysis and the hook reach, not the rest of the distribution (pycryptodomex's SelfTest);
# data files stay. A distribution no hook covers is packed whole, since PyInstaller's own
# standard hooks (pygments') may name modules the analysis cannot see.
test_hooked_distribution_packs_what_is_reached() {
    fresh
    local minor site
    minor=$("$PYHOST" --version | sed -n 's/^embeds CPython \([0-9]*\.[0-9]*\).*/\1/p')
    site="venv/lib/python$minor/site-packages"
    mkdir -p "$site/hooked/tests" "$site/hooked/data" "$site/hooked-1.0.dist-info" \
        "$site/plain" "$site/plain-1.0.dist-info" hooks
    printf 'include-system-site-packages = false\n' >venv/pyvenv.cfg
    printf 'from . import used\n' >"$site/hooked/__init__.py"
    echo 'NAME = "used"' >"$site/hooked/used.py"
    echo 'NAME = "hidden"' >"$site/hooked/hidden.py"
    echo 'NAME = "unused"' >"$site/hooked/unused.py"
    : >"$site/hooked/tests/__init__.py"
    echo 'import hooked.unused' >"$site/hooked/tests/test_x.py"
    echo "data next to the module" >"$site/hooked/data/x.txt"
    : >"$site/plain/__init__.py"
    echo 'NAME = "plugin"' >"$site/plain/plugin.py"
    local d
    for d in hooked plain; do
        printf 'Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n' "$d" >"$site/$d-1.0.dist-info/METADATA"
        (cd "$site" && find "$d" "$d-1.0.dist-info" -type f | sed 's/$/,,/') >"$site/$d-1.0.dist-info/RECORD"
    done
    echo "hiddenimports = ['hooked.hidden']" >hooks/hook-hooked.py
    cat >app.py <<'PY'
import importlib, sys
import hooked, plain
print(hooked.used.NAME, importlib.import_module(sys.argv[1]).NAME)
PY
    VIRTUAL_ENV="$WORK/venv" pyi -F --additional-hooks-dir hooks app.py || return
    local entries
    entries=$("$PYHOST" inspect dist/app | awk '{print $1}')
    for m in hooked hooked.used hooked.hidden hooked/data/x.txt plain plain.plugin; do
        grep -qx "$m" <<<"$entries" || fail "$m is not packed"
    done
    for m in hooked.unused hooked.tests hooked.tests.test_x; do
        ! grep -qx "$m" <<<"$entries" || fail "$m is packed, but nothing reaches it"
    done
    run_capture dist/app hooked.hidden
    expect_eq "the hook's hidden import" "used hidden" "$OUT"
    run_capture dist/app plain.plugin
    expect_eq "an unhooked distribution, whole" "used plugin" "$OUT"
    run_capture dist/app hooked.unused
    expect_contains "unreached: not packed" "$ERR" "No module named 'hooked.unused'"
}

# The spawn start method (and concurrent.futures' process pool) starts the executable again:
# the child imports the script's module by the name its __spec__ gives, as under python.
test_multiprocessing_spawn() {
    fresh
    cat >mpapp.py <<'PY'
import concurrent.futures, multiprocessing

def square(x):
    return x * x

if __name__ == '__main__':
    multiprocessing.freeze_support()
    multiprocessing.set_start_method('spawn')
    with multiprocessing.Pool(2) as pool:
        print(pool.map(square, range(5)))
    with concurrent.futures.ProcessPoolExecutor(2) as ex:
        print(list(ex.map(square, range(3))))
PY
    pyi -F mpapp.py || return
    run_capture timeout 60 dist/mpapp
    expect_eq "spawned workers: status" 0 "$STATUS"
    expect_eq "spawned workers" "$("$PYTHON" -I mpapp.py)" "$OUT"
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

# A square PNG of SIZE pixels at PATH, as an icon.
make_png() {
    "$PYTHON" - "$1" "$2" <<'PY'
import struct, sys, zlib
path, n = sys.argv[1], int(sys.argv[2])
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
rows = b''.join(b'\0' + b'\x20\x60\xc0\xff' * n for _ in range(n))
with open(path, 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', n, n, 8, 6, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
PY
}

# --debug imports: the app runs like python -v (PyInstaller passes 'v' to its interpreter);
# --icon: a Linux executable has none, so a PNG becomes [app] icon for pyhost's installers.
test_debug_imports_and_icon() {
    fresh
    printf 'import sys\nprint("verbose", sys.flags.verbose)\n' >tool.py
    make_png icon.png 48 || { fail "icon fixture"; return; }
    pyi --onefile -w --debug imports --icon icon.png tool.py || return
    local log ini
    log=$(cat "$WORK/.pyi.log")
    ini=build/tool/pyhost/pyhost.ini
    expect_contains "icon notice" "$log" "INFO: pyhost: icon icon.png is [app] icon in $ini, for 'pyhost installer deb|dmg|msi -c $ini' (a Linux executable carries no icon)"
    expect_not_contains "no --debug notice" "$log" "--debug"
    expect_not_contains "piped: no progress line" "$log" "] analyzing"
    expect_not_contains "piped: no carriage return" "$log" $'\r'
    expect_contains "spec: python option v" "$(cat tool.spec)" "[('v', None, 'OPTION')],"
    expect_contains "spec: no bootloader debug" "$(cat tool.spec)" "debug=False,"
    expect_contains "manifest: icon" "$(cat "$ini")" "icon = $WORK/icon.png"
    expect_contains "manifest: verbose" "$(cat "$ini")" "verbose = 1"
    run_capture dist/tool
    expect_eq "sys.flags.verbose" "verbose 1" "$OUT"
    expect_contains "imports traced" "$ERR" \
        "import '_pyhost_pyi_boot' # <pyhost finder for $WORK/dist/tool>"
    # the installer made from the generated manifest ships that icon
    if command -v dpkg-deb >/dev/null; then
        printf '\n[installer.deb]\nmaintainer = Test <test@example.com>\n' >>"$ini"
        run_capture "$PYHOST" installer deb -c "$ini" -o debs
        expect_eq "installer deb" 0 "$STATUS" || echo "$ERR" >&2
        dpkg-deb --fsys-tarfile debs/tool_0.0.0_amd64.deb |
            tar -xO ./usr/share/icons/hicolor/48x48/apps/tool.png | cmp -s - icon.png ||
            fail "the deb's icon is not --icon's PNG"
    fi
    # an .ico (Windows only) is not taken for a PNG; --debug all includes imports
    fresh
    printf 'print(1)\n' >tool.py
    printf '\0\0\1\0' >app.ico
    pyi --onedir --debug all --icon app.ico tool.py || return
    log=$(cat "$WORK/.pyi.log")
    expect_contains "ico notice" "$log" "INFO: pyhost: icon app.ico not used: a Linux executable carries no icon, and pyhost's installers take a square PNG ([app] icon)"
    expect_contains "bootloader notice" "$log" "INFO: pyhost: EXE(debug=True) (--debug bootloader): pyhost has no bootloader to debug; tracebacks are always shown"
    expect_contains "noarchive notice" "$log" "INFO: pyhost: Analysis(noarchive=True) (--debug noarchive): pyhost always packs the modules in its .pyr"
    expect_eq "each notice once" 2 "$(grep -c 'debug \(bootloader\|noarchive\)' <<<"$log")"
    expect_not_contains "no icon line" "$(cat build/tool/pyhost/pyhost.ini)" "icon ="
    expect_contains "all: verbose" "$(cat build/tool/pyhost/pyhost.ini)" "verbose = 1"
    expect_contains "all: spec debug" "$(cat tool.spec)" "debug=True,"
}

# The compatibility package is compiled into pyhost and served ahead of sys.path: a pyhost
# copied alone runs it, the binary holds no path into the source tree, and a PyInstaller
# installed in the environment's site-packages does not shadow it.
test_compat_package_is_compiled_in() {
    fresh
    if grep -qaF "$COMPAT" "$PYHOST"; then fail "pyhost names the source tree's $COMPAT"; fi
    mkdir bin
    cp "$PYHOST" bin/pyhost
    run_capture bin/pyhost pyinstaller -v
    expect_eq "a copy alone runs it" "6.11.1" "$OUT"
    local minor
    minor=$("$PYHOST" --version | sed -n 's/^embeds CPython \([0-9]*\.[0-9]*\).*/\1/p')
    mkdir -p "venv/lib/python$minor/site-packages/PyInstaller"
    printf 'include-system-site-packages = false\n' >venv/pyvenv.cfg
    echo 'raise SystemExit("the installed PyInstaller shadowed pyhost'"'"'s")' \
        >"venv/lib/python$minor/site-packages/PyInstaller/__init__.py"
    run_capture env VIRTUAL_ENV="$WORK/venv" "$PYHOST" pyinstaller -v
    expect_eq "not shadowed: status" 0 "$STATUS"
    expect_eq "not shadowed" "6.11.1" "$OUT"
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
    debian_python_only python3-pygments
    [ -x /usr/bin/pygmentize ] || skip "no /usr/bin/pygmentize (apt-get install python3-pygments)"
    cp /usr/bin/pygmentize .
    printf 'def f(x):\n    return x + 1\n' >t.py
    pyi -F --copy-metadata Pygments --hidden-import pygments.cmdline pygmentize || return
    expect_eq "same output as under python" "$("$PYTHON" pygmentize -l python -f html t.py)" \
        "$(dist/pygmentize -l python -f html t.py)"
    cd / && expect_eq "from /" "$("$PYTHON" "$WORK/pygmentize" -l python "$WORK/t.py" | md5sum)" \
        "$("$WORK/dist/pygmentize" -l python "$WORK/t.py" | md5sum)"
}

# httpie from Debian, as its release builds it: /usr/bin/http finds its entry point through
# importlib.metadata, and the script is named like the stdlib package `http` that requests
# imports (PyInstaller keeps scripts out of the PYZ, so the name must not shadow it).
test_httpie_from_debian() {
    fresh
    debian_python_only httpie
    [ -x /usr/bin/http ] || { fail "httpie is not installed (apt-get install httpie)"; return; }
    export HTTPIE_CONFIG_DIR="$WORK/httpie-config"
    cp /usr/bin/http .
    pyi --copy-metadata httpie --hidden-import httpie.__main__ http || return
    expect_eq "onedir" "_internal http" "$(ls dist/http | xargs)"
    local req=(--ignore-stdin --offline POST example.org/api a=1 b:=2 X-Trace:e2e)
    expect_eq "--offline: same request as under python" \
        "$("$PYTHON" http "${req[@]}" 2>&1)" "$(dist/http/http "${req[@]}" 2>&1)"
    expect_eq "--version" "$("$PYTHON" http --version)" "$(dist/http/http --version)"
    # a real exchange with a server on loopback: port 0 picks a free high port, bounded by timeout
    cat >server.py <<'PY'
import http.server, json, sys

class H(http.server.BaseHTTPRequestHandler):
    def reply(self, body):
        data = json.dumps({"method": self.command, "path": self.path, "body": body,
                           "agent": self.headers["User-Agent"]}, sort_keys=True).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.reply(None)
    def do_POST(self):
        self.reply(self.rfile.read(int(self.headers["Content-Length"])).decode())
    def log_message(self, *args):
        pass

s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_port, flush=True)
s.serve_forever()
PY
    timeout 120 "$PYTHON" server.py >port 2>server.log &
    local server=$! i
    for i in $(seq 50); do [ -s port ] && break; sleep 0.1; done
    local url="127.0.0.1:$(cat port)"
    [ -s port ] || { fail "the loopback server did not start: $(cat server.log)"; kill $server; return; }
    for args in "--print=b GET $url/get?q=1" "--print=b --check-status POST $url/post x=y n:=3" \
        "--print=h --pretty=none HEAD $url/nothing"; do
        # shellcheck disable=SC2086
        expect_eq "http $args" "$("$PYTHON" http --ignore-stdin $args 2>&1 | grep -v '^Date:')" \
            "$(dist/http/http --ignore-stdin $args 2>&1 | grep -v '^Date:')"
    done
    run_capture dist/http/http --ignore-stdin --print=b "$url/frozen"
    expect_contains "a real response" "$OUT" '"path": "/frozen"'
    kill $server
    wait $server 2>/dev/null
}

# A tkinter app built with --windowed: its window appears on an X server and closes on a click.
test_tkinter_windowed_under_xvfb() {
    fresh
    for tool in Xvfb xdotool xwininfo; do
        command -v $tool >/dev/null || { fail "$tool is not installed (apt-get install xvfb xdotool x11-utils)"; return; }
    done
    "$PYTHON" -c 'import tkinter' 2>/dev/null || { fail "python3-tk is not installed"; return; }
    cat >tkapp.py <<'PY'
import sys
import tkinter as tk

root = tk.Tk()
root.title("pyi-tkapp")
root.geometry("240x120")
tk.Button(root, text="Close", command=root.destroy).pack(expand=True, fill="both")
root.mainloop()
print("closed, frozen:", getattr(sys, "frozen", False), "Tk", tk.TkVersion)
PY
    pyi --windowed tkapp.py || return
    expect_eq "onedir" "_internal tkapp" "$(ls dist/tkapp | xargs)"
    expect_contains "spec" "$(cat tkapp.spec)" "console=False"
    Xvfb -displayfd 3 -screen 0 800x600x24 -nolisten tcp 3>"$WORK/display" >"$WORK/xvfb.log" 2>&1 &
    local xvfb=$! i
    for i in $(seq 100); do [ -s "$WORK/display" ] && break; sleep 0.1; done
    [ -s "$WORK/display" ] || { fail "Xvfb did not start: $(cat "$WORK/xvfb.log")"; kill $xvfb; return; }
    export DISPLAY=:$(cat "$WORK/display")
    timeout 60 dist/tkapp/tkapp >"$WORK/tk.out" 2>"$WORK/tk.err" &
    local app=$! win
    win=$(timeout 20 xdotool search --sync --name '^pyi-tkapp$' 2>/dev/null | head -n 1)
    expect_contains "the window appears" "$(xwininfo -root -tree 2>/dev/null)" '"pyi-tkapp"'
    if [ -n "$win" ]; then
        sleep 0.3
        xdotool mousemove --window "$win" 120 60 click 1
    fi
    timeout 10 tail --pid="$app" -f /dev/null || fail "the app did not quit"
    kill "$app" "$xvfb" 2>/dev/null
    wait "$xvfb" 2>/dev/null
    expect_eq "output" "closed, frozen: True Tk 8.6" "$(cat "$WORK/tk.out")"
    expect_eq "no errors" "" "$(cat "$WORK/tk.err")"
}

# A multi-file app (a package with a subpackage, a module, data files found next to the package
# and through sys._MEIPASS) built from a hand-written spec with Analysis/PYZ/EXE/COLLECT.
test_multifile_app_from_spec() {
    fresh
    mkdir -p inventory/store inventory/data conf
    cat >inventory/__init__.py <<'PY'
import os
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
PY
    cat >inventory/store/__init__.py <<'PY'
import csv, json, os
from .. import DATA

def load():
    with open(os.path.join(DATA, "items.csv"), newline="") as f:
        items = list(csv.DictReader(f))
    with open(os.path.join(DATA, "prices.json")) as f:
        prices = json.load(f)
    return [(i["name"], int(i["qty"]), prices[i["name"]]) for i in items]
PY
    printf 'name,qty\napple,3\npear,5\nplum,12\n' >inventory/data/items.csv
    printf '{"apple": 0.5, "pear": 0.75, "plum": 0.2}\n' >inventory/data/prices.json
    cat >report.py <<'PY'
from decimal import Decimal

def render(rows, title):
    lines = [title, "-" * len(title)]
    total = Decimal(0)
    for name, qty, price in rows:
        cost = qty * Decimal(str(price))
        total += cost
        lines.append(f"{name:<6}{qty:>4} x {price:<5} = {cost:>6}")
    lines.append(f"total {total}")
    return "\n".join(lines)
PY
    printf '[report]\ntitle = Stock report\n' >conf/settings.ini
    cat >main.py <<'PY'
import configparser, os, sys
import report
from inventory import store

base = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(__file__)))
cfg = configparser.ConfigParser()
cfg.read(os.path.join(base, "conf", "settings.ini"))
print(report.render(store.load(), cfg["report"]["title"]))
print("args", sys.argv[1:])
PY
    cat >inventory.spec <<'PY'
# -*- mode: python ; coding: utf-8 -*-
a = Analysis(
    ['main.py'],
    pathex=[],
    binaries=[],
    datas=[('inventory/data/*.csv', 'inventory/data'), ('inventory/data/*.json', 'inventory/data'),
           ('conf', 'conf')],
    hiddenimports=[],
    hookspath=[],
    hooksconfig={},
    runtime_hooks=[],
    excludes=['tkinter'],
    noarchive=False,
    optimize=0,
)
pyz = PYZ(a.pure)
exe = EXE(
    pyz,
    a.scripts,
    [],
    exclude_binaries=True,
    name='inventory',
    debug=False,
    bootloader_ignore_signals=False,
    strip=False,
    upx=True,
    console=True,
    disable_windowed_traceback=False,
    argv_emulation=False,
    target_arch=None,
    codesign_identity=None,
    entitlements_file=None,
)
coll = COLLECT(exe, a.binaries, a.datas, strip=False, upx=True, upx_exclude=[], name='inventory')
PY
    pyi --noconfirm --clean inventory.spec || return
    expect_eq "dist" "inventory" "$(ls dist)"
    expect_eq "onedir" "_internal inventory" "$(ls dist/inventory | xargs)"
    [ -x dist/inventory/inventory ] || fail "dist/inventory/inventory is not executable"
    local f
    for f in inventory/data/items.csv inventory/data/prices.json conf/settings.ini; do
        [ -f "dist/inventory/_internal/$f" ] || fail "datas: no _internal/$f"
    done
    [ -f build/inventory/warn-inventory.txt ] || fail "no build/inventory/warn-inventory.txt"
    local want
    want=$("$PYTHON" main.py one "two words")
    expect_contains "the script works" "$want" "total 7.65"
    run_capture dist/inventory/inventory one "two words"
    expect_eq "status" 0 "$STATUS"
    expect_eq "same output as under python" "$want" "$OUT"
    cd / && expect_eq "from /" "$want" "$("$WORK/dist/inventory/inventory" one "two words")"
}

run_tests "$@"
