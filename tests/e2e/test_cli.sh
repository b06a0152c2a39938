#!/usr/bin/env bash
# End-to-end: the everyday loop as a user meets it (issue 17): every message below is checked
# word for word where it matters, because a message that stops short is the bug.
. "$(dirname "$0")/lib.sh"

# A one-module app: app.py with main(), and its manifest.
small_app() {
    mkdir -p "$1"
    printf 'import sys\ndef main():\n    print("hello from app", sys.argv[1:])\n    return 0\n' \
        >"$1/app.py"
    make_app "$1" app "${2:-app:main}" "${3:-}"
}

test_unknown_command_suggests() {
    run_capture "$PYHOST" biuld
    expect_eq "status" 2 "$STATUS"
    expect_contains "message" "$ERR" "pyhost: error: unknown command 'biuld'"
    expect_contains "hint" "$ERR" "hint: did you mean 'build'?"
    run_capture "$PYHOST" frobnicate
    expect_contains "no guess" "$ERR" "hint: run 'pyhost --help' for the list"
}

test_help_command_prints_its_help() {
    run_capture "$PYHOST" help build
    expect_eq "status" 0 "$STATUS"
    expect_contains "build's usage" "$OUT" "usage: pyhost build"
    run_capture "$PYHOST" help inspect
    expect_contains "inspect's usage" "$OUT" "usage: pyhost inspect"
    run_capture "$PYHOST" help
    expect_contains "top-level help" "$OUT" "usage: pyhost COMMAND"
    run_capture "$PYHOST" help biuld
    expect_contains "typo in help" "$ERR" "did you mean 'build'?"
}

test_manifest_found_in_parent_directories() {
    small_app "$WORK/proj"
    mkdir -p "$WORK/proj/deep/er" "$WORK/proj/.git"
    (cd "$WORK/proj/deep/er" && "$PYHOST" build -v) >"$WORK/out" 2>"$WORK/err"
    expect_eq "status" 0 "$?"
    expect_contains "-v names it" "$(cat "$WORK/err")" "manifest: ../../pyhost.ini"
    [ -f "$WORK/proj/app.pyr" ] || fail "the .pyr goes next to the manifest"
    # .git is the top: a manifest above it is not this project's
    mkdir -p "$WORK/outer/inner/.git"
    small_app "$WORK/outer"
    run_capture sh -c 'cd "$1" && "$2" build' sh "$WORK/outer/inner" "$PYHOST"
    expect_eq "stops at .git" 1 "$STATUS"
    expect_contains "message" "$ERR" "cannot read manifest 'pyhost.ini'"
}

test_entry_function_missing_is_a_manifest_error() {
    small_app "$WORK/typo" app:mian
    # at build time, when the name is nowhere in the module's source
    run_capture "$PYHOST" build -c "$WORK/typo/pyhost.ini"
    expect_eq "build status" 1 "$STATUS"
    expect_contains "build: message" "$ERR" \
        "pyhost.ini:3: [app] entry: module 'app' ($WORK/typo/app.py) has no 'mian'"
    expect_contains "build: hint" "$ERR" "hint: did you mean 'app:main'?"
    # at run time, whatever the build could not tell (the word is in a comment here)
    echo "# mian is not defined here" >>"$WORK/typo/app.py"
    build_app "$WORK/typo" || return
    run_capture "$PYHOST" run "$WORK/typo/app.pyr"
    expect_eq "status" 1 "$STATUS"
    expect_contains "message" "$ERR" \
        "pyhost: error: the entry point 'app:mian' does not resolve: module 'app' has no attribute 'mian'"
    expect_contains "hint names [app] entry" "$ERR" "hint: fix [app] entry (line 3 of the manifest"
    expect_not_contains "no bare traceback" "$ERR" "Traceback"
    # an AttributeError raised inside the function is the app's own, with its traceback
    printf 'def main():\n    return {}.nope\n' >"$WORK/typo/app.py"
    sed -i 's/app:mian/app:main/' "$WORK/typo/pyhost.ini"
    build_app "$WORK/typo" || return
    run_capture "$PYHOST" run "$WORK/typo/app.pyr"
    expect_contains "the app's own error" "$ERR" "Traceback"
    expect_not_contains "not blamed on the manifest" "$ERR" "does not resolve"
}

test_init_refuses_a_script_path_with_a_function() {
    run_capture "$PYHOST" init --entry src/x.py:main -o "$WORK/p.ini"
    expect_eq "status" 1 "$STATUS"
    expect_contains "message" "$ERR" \
        "'src/x.py:main' is a script path and a function at once: write module:function ('x:main'"
    expect_contains "the other form" "$ERR" "or a script path ('src/x.py'), not both"
    [ ! -e "$WORK/p.ini" ] || fail "nothing is written"
}

test_no_hint_names_an_unread_variable() {
    # PYHOST_DEBUG was named in a hint and read by nothing
    local hits
    hits=$(grep -rn "PYHOST_DEBUG" "$REPO/runtime" "$REPO/launcher" "$REPO/config" \
        "$REPO/installers" --include='*.c' --include='*.h' || true)
    expect_eq "PYHOST_DEBUG in the sources" "" "$hits"
}

test_run_takes_a_bundle_and_explains_a_directory() {
    small_app "$WORK/b"
    "$PYHOST" bundle -c "$WORK/b/pyhost.ini" -o "$WORK/dist" >/dev/null || { fail "bundle"; return; }
    run_capture "$PYHOST" run "$WORK/dist/app/app" x y
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "hello from app ['x', 'y']" "$OUT"
    "$PYHOST" bundle --adjacent -c "$WORK/b/pyhost.ini" -o "$WORK/dista" >/dev/null || fail "adjacent"
    run_capture "$PYHOST" run "$WORK/dista/app/app" z
    expect_eq "adjacent bundle: output" "hello from app ['z']" "$OUT"
    run_capture sh -c 'cd "$1" && "$2" run .' sh "$WORK/b" "$PYHOST"
    expect_eq "directory: status" 1 "$STATUS"
    expect_contains "directory: message" "$ERR" "pyhost: error: . is a directory"
    expect_contains "directory: hint" "$ERR" "hint: run 'pyhost build' there first"
    build_app "$WORK/b" || return
    run_capture sh -c 'cd "$1" && "$2" run .' sh "$WORK/b" "$PYHOST"
    expect_contains "directory with a .pyr" "$ERR" "hint: did you mean 'pyhost run app.pyr'?"
}

test_distribution_typo_suggests_an_installed_one() {
    # a site directory of our own, so the test does not depend on what the machine has
    local site="$WORK/site"
    mkdir -p "$site/richer" "$site/richer-13.3.1.dist-info"
    printf 'Metadata-Version: 2.1\nName: richer\nVersion: 13.3.1\n' \
        >"$site/richer-13.3.1.dist-info/METADATA"
    small_app "$WORK/d" app:main "distributions = rihcer
site_packages = $site
"
    run_capture "$PYHOST" build -c "$WORK/d/pyhost.ini"
    expect_eq "status" 1 "$STATUS"
    expect_contains "message" "$ERR" "distribution 'rihcer' is not installed in $site"
    expect_contains "hint" "$ERR" "hint: did you mean 'richer'? it is installed in $site"
    expect_not_contains "no apt for a typo" "$ERR" "apt-get"
}

test_interrupt_says_so_and_exits_130() {
    small_app "$WORK/i"
    # SIGINT from a shell's background job is ignored; send it to a process of our own
    "$PYHOST" bundle -c "$WORK/i/pyhost.ini" -o "$WORK/dist" >"$WORK/out" 2>"$WORK/err" &
    local pid=$!
    sleep 0.3
    kill -INT "$pid"
    wait "$pid"
    local status=$?
    if [ "$status" = 0 ]; then
        skip "the bundle finished before the signal"
    fi
    expect_eq "status" 130 "$status"
    expect_contains "message" "$(cat "$WORK/err")" "pyhost: interrupted"
}

test_data_files_are_packed_and_explained() {
    local d="$WORK/data"
    mkdir -p "$d/assets/img"
    echo hello >"$d/assets/greeting.txt"
    echo png >"$d/assets/img/a.png"
    echo top >"$d/NOTICE.txt"
    cat >"$d/app.py" <<'PY'
import os
def main():
    top = os.path.dirname(os.path.abspath(__file__))
    for rel in ("assets/greeting.txt", "assets/img/a.png", "NOTICE.txt", "pics/a.png"):
        print(rel, __loader__.get_data(os.path.join(top, rel)).decode().strip())
PY
    make_app "$d" app app:main "data =
    assets:assets
    NOTICE.txt:.
    assets/img/*.png:pics
"
    run_capture "$PYHOST" build --explain -c "$d/pyhost.ini"
    expect_eq "build status" 0 "$STATUS"
    expect_contains "explain: directory" "$OUT" "data assets/img/a.png: [resources] data assets:assets"
    expect_contains "explain: file to the top" "$OUT" "data NOTICE.txt: [resources] data NOTICE.txt:."
    expect_contains "explain: glob" "$OUT" "data pics/a.png: [resources] data assets/img/*.png:pics"
    rm -rf "$d/assets" "$d/NOTICE.txt" # read from the .pyr, not from the disk
    run_capture "$PYHOST" run "$d/app.pyr"
    expect_eq "run status" 0 "$STATUS"
    expect_eq "files" "assets/greeting.txt hello
assets/img/a.png png
NOTICE.txt top
pics/a.png png" "$OUT"
    make_app "$d" app app:main "data = nothing/*.txt:x
"
    run_capture "$PYHOST" build -c "$d/pyhost.ini"
    expect_contains "no match" "$ERR" "[resources] data: 'nothing/*.txt:x': no file matches 'nothing/*.txt'"
    make_app "$d" app app:main "data = a.txt:../up
"
    run_capture "$PYHOST" build -c "$d/pyhost.ini"
    expect_contains "no .. in DEST" "$ERR" "[resources] data: 'a.txt:../up' is not SRC:DEST"
}

# Progress: one line rewritten in place on a terminal, nothing extra through a pipe; -q prints
# nothing at all. PYHOST_PROGRESS_DELAY=0 shows it at once (by default a step must run for a
# second first, which a fast machine may not need).
test_progress_on_a_terminal_only() {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    small_app "$WORK/pg"
    local cmd="PYHOST_PROGRESS_DELAY=0 '$PYHOST' build -c '$WORK/pg/pyhost.ini'"
    script -q -c "$cmd" /dev/null >"$WORK/pty.out" 2>&1 </dev/null || fail "build under a pty"
    local pty
    pty=$(tr '\r' '\n' <"$WORK/pty.out")
    expect_contains "the analysis's line" "$pty" "[1] analyzing app"
    grep -qE '\] (packing|compressing and writing)' <<<"$pty" || fail "no progress line: [$pty]" # compiling may all come from the cache
    expect_contains "erased in place" "$(cat -v "$WORK/pty.out")" "^M^[[K"
    expect_contains "the summary" "$pty" "wrote $WORK/pg/app.pyr"
    run_capture env PYHOST_PROGRESS_DELAY=0 "$PYHOST" build -c "$WORK/pg/pyhost.ini"
    expect_eq "piped: status" 0 "$STATUS"
    expect_eq "piped: nothing on stderr" "" "$ERR"
    expect_eq "piped: one summary line" 1 "$(printf '%s\n' "$OUT" | wc -l)"
    expect_contains "piped: the summary" "$OUT" "wrote $WORK/pg/app.pyr"
    script -q -c "PYHOST_PROGRESS_DELAY=0 '$PYHOST' build -q -c '$WORK/pg/pyhost.ini'" /dev/null \
        >"$WORK/quiet.out" 2>&1 </dev/null || fail "build -q under a pty"
    expect_eq "-q: nothing" "" "$(cat "$WORK/quiet.out")"
    run_capture "$PYHOST" build -q -v -c "$WORK/pg/pyhost.ini"
    expect_contains "-q with -v" "$ERR" "-q and -v say opposite things"
}

# bundle --explain: why each module is packed, then what the bundle needs where it runs, the
# same lines inspect prints (one piece of code) and the floor the executable's symbols set.
test_bundle_explain_says_the_glibc_floor_and_system_libraries() {
    mkdir -p "$WORK/be"
    printf 'import lzma\ndef main():\n    print(len(lzma.compress(b"x")) > 0)\n' >"$WORK/be/app.py"
    make_app "$WORK/be" app app:main
    run_capture sh -c 'cd "$1" && "$2" bundle --explain' sh "$WORK/be" "$PYHOST"
    expect_eq "status" 0 "$STATUS" || { echo "$ERR" >&2; return; }
    expect_contains "why a module is packed" "$OUT" "module lzma: "
    expect_contains "system library" "$OUT" "system library: liblzma.so.5 (needed by _lzma)"
    expect_contains "the summary last" "$(tail -n 1 <<<"$OUT")" "bundled dist/app/app: "
    local floor own inspected
    floor=$(grep '^runs on:    glibc >= 2\.' <<<"$OUT") || { fail "no floor: [$OUT]"; return; }
    inspected=$("$PYHOST" inspect "$WORK/be/dist/app/app" | grep '^runs on:')
    expect_eq "the line inspect prints" "$inspected" "$floor"
    # at least what the stub references (a onefile's loader is static and unpacks it;
    # extension modules may raise the floor)
    own=$(readelf -V --wide "$(dirname "$PYHOST")/pyhost-stub" | grep -o 'GLIBC_2\.[0-9]*' |
        cut -d. -f2 | sort -n | tail -n 1)
    [ "$(sed -E 's/.*>= 2\.([0-9]+) .*/\1/' <<<"$floor")" -ge "$own" ] ||
        fail "floor [$floor] below the executable's GLIBC_2.$own"
    run_capture sh -c 'cd "$1" && "$2" bundle' sh "$WORK/be" "$PYHOST"
    expect_not_contains "only with --explain" "$OUT" "runs on:"
}

# pty_run FILE CMD: CMD under a pseudo-terminal (script), its output in FILE.raw as written and
# in FILE with each redraw of the line (\r, then the erase ESC [K) as a line of its own.
pty_run() {
    local file=$1
    shift
    script -q -c "$*" /dev/null >"$file.raw" 2>&1 </dev/null
    local status=$?
    tr '\r' '\n' <"$file.raw" | sed 's/\x1b\[K//g' >"$file"
    return $status
}

# The installers' own tools (dpkg-shlibdeps, dpkg-deb, xorriso, wixl) and the dmg's compression
# are seconds of silence otherwise; piped, nothing of it shows.
test_installer_progress_on_a_terminal_only() {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null ||
        skip "dpkg-deb and dpkg-shlibdeps are not installed (apt-get install dpkg-dev)"
    small_app "$WORK/ip" app:main "$(printf '[installer.deb]\nmaintainer = Ada <ada@example.com>')"
    pty_run "$WORK/deb.out" "cd '$WORK/ip' && PYHOST_PROGRESS_DELAY=0 '$PYHOST' installer deb" ||
        { fail "installer deb under a pty: $(cat "$WORK/deb.out")"; return; }
    local pty
    pty=$(cat "$WORK/deb.out")
    grep -Eq '^running dpkg-deb\.\.\. [0-9]+ s' <<<"$pty" || fail "dpkg-deb's run shown: [$pty]"
    grep -Eq '^running dpkg-shlibdeps\.\.\. [0-9]+ s' <<<"$pty" || fail "dpkg-shlibdeps shown"
    expect_contains "erased in place" "$(cat -v "$WORK/deb.out.raw")" "^M^[[K"
    expect_contains "the summary" "$pty" "built dist/app_0.0.0_amd64.deb: "
    run_capture sh -c 'cd "$1" && PYHOST_PROGRESS_DELAY=0 "$2" installer deb' sh "$WORK/ip" "$PYHOST"
    expect_eq "piped: status" 0 "$STATUS"
    expect_not_contains "piped: no progress" "$OUT$ERR" "running "
    expect_not_contains "piped: no carriage return" "$OUT$ERR" $'\r'
    command -v xorriso >/dev/null || return 0
    pty_run "$WORK/dmg.out" "cd '$WORK/ip' && PYHOST_PROGRESS_DELAY=0 '$PYHOST' installer dmg" ||
        { fail "installer dmg under a pty: $(cat "$WORK/dmg.out")"; return; }
    pty=$(cat "$WORK/dmg.out")
    grep -Eq '^running xorriso\.\.\. [0-9]+ s' <<<"$pty" || fail "xorriso's run shown: [$pty]"
    grep -Eq '^\[ *[0-9]+/[0-9]+\] compressing the disk image' <<<"$pty" ||
        fail "the UDIF compression shown: [$pty]"
}

# pyhost pyinstaller: the analysis (a child process, PyInstaller's log lines around it) and the
# bundle's compiling and compression, as build shows them; piped, the log only
# (test_pyinstaller.sh checks that its logs hold no progress).
test_pyinstaller_progress_on_a_terminal_only() {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    mkdir -p "$WORK/pp"
    printf 'import json\nprint(json.dumps(1))\n' >"$WORK/pp/tool.py"
    pty_run "$WORK/pyi.out" \
        "cd '$WORK/pp' && PYHOST_PROGRESS_DELAY=0 '$PYHOST' pyinstaller --onedir tool.py" ||
        { fail "pyinstaller under a pty: $(cat "$WORK/pyi.out")"; return; }
    local pty
    pty=$(cat "$WORK/pyi.out")
    grep -Eq '^\[1\] analyzing [a-z_.]+$' <<<"$pty" || fail "the analysis shown: [$pty]"
    grep -Eq '^\[ *[0-9]+/[0-9]+\] compiling _pyhost_pyi_boot\.py$' <<<"$pty" ||
        fail "the bundle's compiling shown"
    grep -Eq '^\[ *[0-9]+/[0-9]+\] compressing and writing$' <<<"$pty" ||
        fail "the compression shown"
    # every log line starts on a line of its own: the progress line was erased first
    grep -Eq '^[0-9]+ INFO: Warnings written to ' <<<"$pty" ||
        fail "a log line after the progress line: [$pty]"
    grep -Eq '^[0-9]+ INFO: Build complete! ' <<<"$pty" || fail "the last log line"
}

# PYHOST_VERBOSE and PYHOST_IMPORTTIME (python's -v and -X importtime) for an app already packed,
# the imports pyhost's finder serves included; [python] verbose bakes the trace in.
test_import_trace_and_import_time() {
    mkdir -p "$WORK/it"
    printf 'import json\ndef main():\n    print(json.dumps([1]))\n' >"$WORK/it/app.py"
    make_app "$WORK/it" app app:main
    build_app "$WORK/it" || return
    local pyr="$WORK/it/app.pyr" cache
    run_capture "$PYHOST" run "$pyr"
    expect_eq "quiet by default" "" "$ERR"
    run_capture env PYHOST_VERBOSE=1 "$PYHOST" run "$pyr"
    expect_eq "the app's output" "[1]" "$OUT"
    expect_contains "module: where its code came from" "$ERR" \
        "# code object from $pyr entry 'app' (bytecode in memory)"
    expect_contains "module: python's import line" "$ERR" "import 'app' # <pyhost finder for $pyr>"
    expect_contains "stdlib module" "$ERR" "import 'json.decoder' # <pyhost finder for $pyr>"
    expect_contains "extension module" "$ERR" \
        "# extension module from $pyr entry '_json' (in memory, through a memfd)"
    expect_contains "builtin modules as python says" "$ERR" \
        "import 'posix' # <class '_frozen_importlib.BuiltinImporter'>"
    run_capture env PYHOST_VERBOSE=1 PYHOST_NO_MEMFD=1 "$PYHOST" run "$pyr"
    cache=$(realpath "$PYHOST_CACHE_DIR")
    expect_contains "extension module extracted" "$ERR" \
        "# extension module from $pyr entry '_json' (extracted to $cache/extracted/"
    run_capture env PYHOST_VERBOSE=0 "$PYHOST" run "$pyr"
    expect_eq "PYHOST_VERBOSE=0 is off" "" "$ERR"
    run_capture env PYHOST_IMPORTTIME=1 "$PYHOST" run "$pyr"
    expect_contains "import-time header" "$ERR" \
        "import time: self [us] | cumulative | imported package"
    grep -Eq '^import time: +[0-9]+ \| +[0-9]+ \| app$' <<<"$ERR" ||
        fail "import-time line of the app's module: [$ERR]"
    grep -Eq '^import time: +[0-9]+ \| +[0-9]+ \|   json$' <<<"$ERR" ||
        fail "import-time line of json under the app's: [$ERR]"
    # the manifest's [python] verbose: a build that always traces (pyhost pyinstaller --debug
    # imports writes it)
    printf '[python]\nverbose = 1\n' >>"$WORK/it/pyhost.ini"
    build_app "$WORK/it" || return
    run_capture "$PYHOST" run "$pyr"
    expect_contains "[python] verbose" "$ERR" "import 'app' # <pyhost finder for $pyr>"
    sed -i 's/verbose = 1/verbose = 4/' "$WORK/it/pyhost.ini"
    run_capture "$PYHOST" build -c "$WORK/it/pyhost.ini"
    expect_contains "verbose out of range" "$ERR" "[python] verbose: '4' is not 0, 1, 2 or 3"
}

# A bundle's arguments are the app's own: the variables are how its imports are seen.
test_import_trace_of_a_bundle() {
    small_app "$WORK/ib"
    (cd "$WORK/ib" && "$PYHOST" bundle -q) || { fail "bundle"; return; }
    run_capture env PYHOST_VERBOSE=1 "$WORK/ib/dist/app/app" -v
    expect_eq "the app keeps -v" "hello from app ['-v']" "$OUT"
    expect_contains "trace" "$ERR" "import 'app' # <pyhost finder for $WORK/ib/dist/app/app>"
}

test_inspect_sizes() {
    small_app "$WORK/sz"
    build_app "$WORK/sz" || return
    run_capture "$PYHOST" inspect --sizes "$WORK/sz/app.pyr"
    expect_eq "status" 0 "$STATUS"
    expect_contains "by package" "$OUT" "by package (stored, raw, share of the file):"
    expect_contains "a package row" "$OUT" "  encodings "
    expect_contains "by kind" "$OUT" "by kind (stored, raw, share of the file):"
    expect_contains "by blob" "$OUT" "  bytecode "
    expect_not_contains "no entry lines" "$OUT" "bytecode-opt0="
    run_capture "$PYHOST" inspect --sizes --json "$WORK/sz/app.pyr"
    local summary
    summary=$(printf '%s' "$OUT" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
s = d["sizes"]
stored = sum(p["stored_size"] for p in s["packages"])
assert stored == s["blobs_stored_size"] == sum(k["stored_size"] for k in s["kinds"]), s
assert stored + s["overhead"] == d["size"], (stored, s["overhead"], d["size"])
assert sum(p["entries"] for p in s["packages"]) == d["entry_count"] == len(d["entries"])
print("app" in [p["name"] for p in s["packages"]])')
    expect_eq "json adds up" "True" "$summary"
}

# ---- pyproject.toml -------------------------------------------------------------------------

pyproject_app() {
    mkdir -p "$1/src/ppdemo"
    cat >"$1/pyproject.toml" <<'TOML'
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "ppdemo"
version = "1.2.3"
description = "Demonstrates pyproject.toml as a manifest"
dependencies = [
    "tomli >= 1.1; python_version < '3.11'",  # a marker: left out
]
authors = [{ name = "Ada", email = "ada@example.org" }]
readme = { file = "README.md", content-type = "text/markdown" }

[project.scripts]
ppdemo-tool = "ppdemo.other:main"
ppdemo = "ppdemo.cli:main"

[tool.pyhost.python]
optimize = 1

[tool.black]
line-length = 100
TOML
    : >"$1/src/ppdemo/__init__.py"
    printf 'import sys\ndef main():\n    print("ppdemo", __debug__, sys.argv[1:])\n' \
        >"$1/src/ppdemo/cli.py"
}

test_pyproject_only_builds_and_runs() {
    pyproject_app "$WORK/pp"
    (cd "$WORK/pp" && "$PYHOST" build -v) >"$WORK/out" 2>"$WORK/err" || {
        cat "$WORK/err" >&2
        fail "build"
        return
    }
    expect_contains "-v names it" "$(cat "$WORK/err")" "manifest: pyproject.toml"
    run_capture "$PYHOST" run "$WORK/pp/ppdemo.pyr" a b
    expect_eq "status" 0 "$STATUS"
    # the script named like the project, src/ layout, [tool.pyhost.python] optimize = 1
    expect_eq "output" "ppdemo False ['a', 'b']" "$OUT"
    run_capture "$PYHOST" inspect --json "$WORK/pp/ppdemo.pyr"
    expect_contains "packed" "$OUT" "ppdemo.cli"
}

test_pyproject_errors_point_into_it() {
    pyproject_app "$WORK/pe"
    sed -i 's/optimize = 1/optimize = 5/' "$WORK/pe/pyproject.toml"
    run_capture "$PYHOST" build -c "$WORK/pe/pyproject.toml"
    expect_contains "schema error, TOML line" "$ERR" \
        "pyproject.toml:20: [python] optimize: '5' is not 0, 1 or 2"
    sed -i 's/optimize = 5/optimze = 1/' "$WORK/pe/pyproject.toml"
    run_capture "$PYHOST" build -c "$WORK/pe/pyproject.toml"
    expect_contains "typo of a key" "$ERR" "hint: did you mean 'optimize'?"
    sed -i 's/optimze = 1/optimize = = 1/' "$WORK/pe/pyproject.toml"
    run_capture "$PYHOST" build -c "$WORK/pe/pyproject.toml"
    expect_contains "TOML syntax" "$ERR" "pyproject.toml:20: expected a value, found '='"
    sed -i 's/optimize = = 1/optimize = 1/; /^ppdemo/d' "$WORK/pe/pyproject.toml"
    run_capture "$PYHOST" build -c "$WORK/pe/pyproject.toml"
    expect_contains "no script" "$ERR" "[app] entry: required key is missing"
    expect_contains "no script: hint" "$ERR" "add a console script to [project.scripts]"
}

test_pyhost_ini_wins_over_pyproject() {
    pyproject_app "$WORK/both"
    printf '[app]\nname = fromini\nentry = ppdemo.cli:main\n[resources]\npaths = src\n' \
        >"$WORK/both/pyhost.ini"
    (cd "$WORK/both" && "$PYHOST" build) >/dev/null 2>&1 || fail "build"
    [ -f "$WORK/both/fromini.pyr" ] || fail "pyhost.ini was not the one used"
}

test_init_fills_the_manifest_from_pyproject() {
    pyproject_app "$WORK/pi"
    (cd "$WORK/pi" && "$PYHOST" init) >"$WORK/out" 2>"$WORK/err" || fail "init"
    local ini
    ini=$(cat "$WORK/pi/pyhost.ini")
    expect_contains "name" "$ini" "name = ppdemo"
    expect_contains "version" "$ini" "version = 1.2.3"
    expect_contains "entry" "$ini" "entry = ppdemo.cli:main"
    expect_contains "paths" "$ini" "paths = src"
    expect_contains "optimize" "$ini" "optimize = 1"
    expect_contains "deb description" "$ini" "description = Demonstrates pyproject.toml"
    rm "$WORK/pi/pyproject.toml"
    (cd "$WORK/pi" && "$PYHOST" build) >/dev/null 2>&1 || fail "the written pyhost.ini builds"
}

run_tests "$@"
