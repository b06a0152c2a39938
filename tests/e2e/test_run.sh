#!/usr/bin/env bash
# End-to-end: `pyhost build` real apps with the real stdlib, `pyhost run` them, and compare with
# what $PYTHON (the embedded Python's interpreter) does with the same code.
. "$(dirname "$0")/lib.sh"

copy_example() { cp -r "$REPO/examples/$1" "$WORK/$1" && rm -f "$WORK/$1"/*.pyr; }

test_module_entry_runs_like_python() {
    copy_example hello
    build_app "$WORK/hello" || return
    run_capture "$PYHOST" run "$WORK/hello/hello.pyr" Ada "Grace Hopper"
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "Hello, Ada, Grace Hopper!" "$OUT"
}

test_function_entry_and_package_resources() {
    copy_example notes
    build_app "$WORK/notes" || return
    for args in "list" "show 2" "templates"; do
        run_capture "$PYHOST" run "$WORK/notes/notes.pyr" $args
        local expected
        expected=$(cd "$WORK/notes" && "$PYTHON" -E -s -S -c \
            'import sys; from notes.cli import main; sys.exit(main(sys.argv[1:]))' $args)
        expect_eq "notes $args status" 0 "$STATUS"
        expect_eq "notes $args output" "$expected" "$OUT"
    done
    run_capture "$PYHOST" run "$WORK/notes/notes.pyr" show 9
    expect_eq "function's return value is the exit status" 2 "$STATUS"
    expect_contains "stderr" "$ERR" "no note number 9"
}

# An app that re-runs itself as `[sys.executable, *sys.argv]` (reloaders, test runners running
# a layer in a subprocess) and imports from a directory it puts on sys.path itself: both as
# under python, in `pyhost run` and in a bundle.
test_rerun_itself_and_import_from_an_added_path() {
    mkdir -p "$WORK/rr/plugins"
    cat >"$WORK/rr/rerun.py" <<'PY'
import subprocess, sys
def main():
    if sys.argv[1:2] == ["child"]:
        print("child", sys.argv[2:])
        return 3
    r = subprocess.run([sys.executable, *sys.argv[:1], "child", "a b"])
    print("child status", r.returncode)
    sys.path.insert(0, sys.argv[1])
    import plugin
    print(plugin.NAME)
if __name__ == "__main__":
    sys.exit(main())
PY
    echo 'NAME = "plugin from an added path"' >"$WORK/plugin.py"
    make_app "$WORK/rr" rerun rerun:main
    build_app "$WORK/rr" || return
    local expected
    expected=$(cd / && "$PYTHON" -I "$WORK/rr/rerun.py" "$WORK")
    expect_eq "python's own output" "child ['a b']
child status 3
plugin from an added path" "$expected"
    run_capture "$PYHOST" run "$WORK/rr/rerun.pyr" "$WORK"
    expect_eq "pyhost run: status" 0 "$STATUS"
    expect_eq "pyhost run: output" "$expected" "$OUT"
    "$PYHOST" bundle -c "$WORK/rr/pyhost.ini" -o "$WORK/dist" >/dev/null || { fail "bundle"; return; }
    run_capture "$WORK/dist/rerun/rerun" "$WORK"
    expect_eq "bundle: status" 0 "$STATUS"
    expect_eq "bundle: output" "$expected" "$OUT"
}

# zipimport is imported on the first zip file met on sys.path, not at start-up (runtime/
# zip_hook.c): a zip archive added to sys.path imports as under python, the real zipimporter then
# stands in sys.path_hooks, and `import zipimport` works before that.
test_zip_archive_on_sys_path() {
    mkdir -p "$WORK/zp"
    cat >"$WORK/zp/zipapp.py" <<'PY'
import os, sys, zipfile
def main():
    started = "zipimport" in sys.modules
    z = os.path.join(sys.argv[1], "lib.zip")
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("zmod.py", "X = 42\n")
        f.writestr("zpkg/__init__.py", "Y = 7\n")
        f.writestr("zpkg/data.txt", "zipped data")
    sys.path.append(z)
    import zmod, zpkg, importlib.resources
    print(zmod.X, zpkg.Y, type(zmod.__loader__).__name__, zmod.__file__ == os.path.join(z, "zmod.py"))
    print(importlib.resources.files("zpkg").joinpath("data.txt").read_text())
    print("zipimporter" in [getattr(h, "__name__", "") for h in sys.path_hooks])
    return started
if __name__ == "__main__":
    sys.exit(main())
PY
    make_app "$WORK/zp" zipapp zipapp:main
    build_app "$WORK/zp" || return
    mkdir -p "$WORK/zp/a" "$WORK/zp/b"
    local expected="42 7 zipimporter True
zipped data
True"
    run_capture "$PYTHON" -I "$WORK/zp/zipapp.py" "$WORK/zp/a"
    expect_eq "python's own output" "$expected" "$OUT"
    run_capture "$PYHOST" run "$WORK/zp/zipapp.pyr" "$WORK/zp/b"
    expect_eq "pyhost run: output" "$expected" "$OUT"
    expect_eq "pyhost run: zipimport not imported at start-up" 0 "$STATUS"
    run_capture env PYHOST_VERBOSE=1 "$PYHOST" run "$WORK/zp/zipapp.pyr" "$WORK/zp/b"
    expect_contains "traced start: zipimport's hook installed, as python -v shows it" "$ERR" \
        "# installing zipimport hook"
}

# The objects made while Python starts are moved to the oldest generation instead of being
# collected over and over (runtime/interp.c, gc_pause): the app still finds the collector as
# python leaves it: enabled, every object visible to gc, as many frozen as under python (none
# before 3.12), and cycles collected.
test_collector_as_python_leaves_it() {
    mkdir -p "$WORK/gcapp"
    cat >"$WORK/gcapp/gcapp.py" <<'PY'
import gc, sys
class Node:
    pass
def main():
    ids = {id(o) for o in gc.get_objects()}
    print(gc.isenabled(), gc.get_freeze_count(), id(sys.modules["encodings"]) in ids,
          id(sys.stdout) in ids, gc.get_threshold())
    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    print(gc.collect() >= 2)
if __name__ == "__main__":
    main()
PY
    make_app "$WORK/gcapp" gcapp gcapp:main
    build_app "$WORK/gcapp" || return
    local expected
    expected=$("$PYTHON" -I -S "$WORK/gcapp/gcapp.py")
    # (3.12 freezes a few hundred objects of its own while it starts: the count is python's)
    expect_eq "python's own output: enabled, start-up objects seen, cycles collected" \
        "True True True True" "$(echo $expected | awk '{print $1, $3, $4, $NF}')"
    run_capture "$PYHOST" run "$WORK/gcapp/gcapp.pyr"
    expect_eq "pyhost run: the collector as python leaves it" "$expected" "$OUT"
}

# [python] huge_pages: pymalloc's arenas on transparent huge pages where the kernel allows them
# (runtime/arena.c), and memory still given back when objects go, as pymalloc gives it back.
test_huge_pages_and_memory_given_back() {
    local thp
    thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
    case $thp in *"[always]"* | *"[madvise]"*) ;; *)
        skip "transparent huge pages are off here ($thp)"
        return
        ;;
    esac
    mkdir -p "$WORK/hp"
    cat >"$WORK/hp/hp.py" <<'PY'
import gc
def kb(key):
    for line in open("/proc/self/smaps_rollup"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
def main():
    huge = kb("AnonHugePages")
    data = [[i, str(i)] for i in range(1_000_000)]
    peak = kb("Rss")
    del data
    gc.collect()
    print("huge pages:", huge > 0, "given back:", peak - kb("Rss") > 50_000)
if __name__ == "__main__":
    main()
PY
    make_app "$WORK/hp" hp hp:main
    build_app "$WORK/hp" || return
    run_capture "$PYTHON" -I -S "$WORK/hp/hp.py"
    expect_eq "python: no huge pages, memory given back" "huge pages: False given back: True" "$OUT"
    run_capture "$PYHOST" run "$WORK/hp/hp.pyr"
    expect_eq "pyhost: huge pages, memory given back" "huge pages: True given back: True" "$OUT"
    printf '[python]\nhuge_pages = false\n' >>"$WORK/hp/pyhost.ini"
    build_app "$WORK/hp" || return
    run_capture "$PYHOST" run "$WORK/hp/hp.pyr"
    expect_eq "huge_pages = false: as python" "huge pages: False given back: True" "$OUT"
}

# A Python upgrade under a built pyhost: the stdlib on disk no longer matches the interpreter
# inside pyhost, and packing it would run new stdlib code on old built-in modules. Simulated in
# a private mount namespace: one stdlib file replaced by a copy with another timestamp.
test_a_changed_stdlib_is_refused() {
    [ "$(id -u)" = 0 ] || skip "needs root for a private mount namespace"
    local stdlib
    stdlib=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
    copy_example hello
    printf '[python]\nstdlib = true\n' >>"$WORK/hello/pyhost.ini"
    cp "$stdlib/csv.py" "$WORK/csv.py" && touch -d '2001-01-01' "$WORK/csv.py"
    run_capture unshare -m sh -c 'mount --bind "$1" "$2/csv.py" && exec "$3" build -c "$4"' \
        sh "$WORK/csv.py" "$stdlib" "$PYHOST" "$WORK/hello/pyhost.ini"
    expect_eq "status" 1 "$STATUS"
    expect_contains "message" "$ERR" "pyhost: error: the standard library in $stdlib changed since this pyhost was built"
    expect_contains "hint" "$ERR" "hint: rebuild pyhost against the installed Python"
    expect_eq "no .pyr written" "" "$(ls "$WORK/hello"/*.pyr 2>/dev/null)"
    # and the unchanged stdlib builds
    build_app "$WORK/hello"
}

# CPython's C traceback printer (sys.__excepthook__, threading's excepthook) reads source lines
# from disk by path: for packed modules it must show them as python does.
test_c_printed_tracebacks_show_source_lines() {
    mkdir -p "$WORK/ct"
    cat >"$WORK/ct/ct.py" <<'PY'
import sys, threading
def boom():
    return 1 / 0
def main():
    try:
        boom()
    except ZeroDivisionError:
        sys.__excepthook__(*sys.exc_info())
    t = threading.Thread(target=boom, name="worker")
    t.start()
    t.join()
if __name__ == "__main__":
    main()
PY
    make_app "$WORK/ct" ct ct:main
    build_app "$WORK/ct" || return
    local expected got
    expected=$(cd / && "$PYTHON" -I "$WORK/ct/ct.py" 2>&1 | grep -v -e '^  File ' -e '^    main()$' -e '^    ~*^*$' | sed '/^Traceback/,$!d')
    run_capture "$PYHOST" run "$WORK/ct/ct.pyr"
    got=$(printf '%s\n' "$ERR" | grep -v '^  File ')
    expect_contains "source line of the raise" "$ERR" "    return 1 / 0"
    expect_eq "the thread's traceback shows threading's source lines too" 2 \
        "$(grep -c -e '^    self.run()$' -e '^    self._target(\*self._args, \*\*self._kwargs)$' <<<"$ERR")"
    # 3.13 prints these in Python (traceback._print_exception_bltin), which under python omits
    # the carets of a call that spans its whole line and under pyhost shows them, as
    # traceback.print_exc does under both (docs/python-versions.md); before 3.13 it is C
    if "$PYTHON" -c 'import sys; sys.exit(sys.version_info >= (3, 13))'; then
        expect_eq "as python prints them, paths aside" "$expected" "$got"
    fi
}

# [python] fast_exit skips tearing the heap down, and keeps what programs rely on: an unclosed
# buffered file reaches the disk, atexit and weakref.finalize run, a non-daemon thread
# finishes, a NamedTemporaryFile is removed, a generator's finally runs, the exit status stays.
test_fast_exit_loses_nothing() {
    mkdir -p "$WORK/fx"
    cat >"$WORK/fx/fx.py" <<'PY'
import atexit, os, sys, tempfile, threading, time, weakref
class Res:
    pass
def gen():
    try:
        yield 1
    finally:
        print("generator finally ran")
def main():
    out = sys.argv[1]
    f = open(os.path.join(out, "unclosed.txt"), "w")
    f.write("written but never closed\n")
    tmp = tempfile.NamedTemporaryFile(dir=out, prefix="ntf-")
    tmp.write(b"x")
    r = Res()
    globals()["keep"] = (f, tmp, r)
    atexit.register(print, "atexit ran")
    weakref.finalize(r, print, "weakref.finalize ran")
    def late():
        time.sleep(0.3)
        with open(os.path.join(out, "thread.txt"), "w") as t:
            t.write("thread finished\n")
    threading.Thread(target=late).start()
    g = gen()
    next(g)
    globals()["g"] = g
    print("main done", flush=True)
    return 3
PY
    local mode
    for mode in false true; do
        printf '[app]\nname = fx\nentry = fx:main\n[resources]\npaths = .\n[python]\nfast_exit = %s\n' \
            "$mode" >"$WORK/fx/pyhost.ini"
        build_app "$WORK/fx" || return
        rm -rf "$WORK/out-$mode" && mkdir "$WORK/out-$mode"
        run_capture "$PYHOST" run "$WORK/fx/fx.pyr" "$WORK/out-$mode"
        expect_eq "fast_exit=$mode: status" 3 "$STATUS"
        expect_eq "fast_exit=$mode: output" "main done
weakref.finalize ran
atexit ran
generator finally ran" "$OUT"
        expect_eq "fast_exit=$mode: files" "thread.txt unclosed.txt" "$(ls "$WORK/out-$mode" | tr '\n' ' ' | sed 's/ $//')"
        expect_eq "fast_exit=$mode: the unclosed file's writes" "written but never closed" \
            "$(cat "$WORK/out-$mode/unclosed.txt")"
        expect_eq "fast_exit=$mode: the thread finished" "thread finished" "$(cat "$WORK/out-$mode/thread.txt")"
    done
}

# The other ways programs end, each under both exits: a logging FileHandler (flushed by
# logging's atexit), a multiprocessing child and a thread pool's work finished, a large buffered
# stdout through a pipe, sys.exit with a message, an uncaught exception, an os.fork child that
# exits through the interpreter.
test_fast_exit_endings_match_a_normal_exit() {
    mkdir -p "$WORK/fe"
    cat >"$WORK/fe/fe.py" <<'PY'
import concurrent.futures, logging, multiprocessing, os, sys
def child(path):
    with open(path, "w") as f:
        f.write("child ran\n")
def slow(path):
    import time
    time.sleep(0.2)
    with open(path, "a") as f:
        f.write("pool task\n")
def main():
    how, out = sys.argv[1], sys.argv[2]
    log = logging.getLogger("fe")
    log.addHandler(logging.FileHandler(os.path.join(out, "log.txt")))
    log.warning("logged")
    if how == "mp":
        multiprocessing.set_start_method("fork")
        multiprocessing.Process(target=child, args=(os.path.join(out, "child.txt"),)).start()
    elif how == "pool":
        pool = concurrent.futures.ThreadPoolExecutor(1)
        pool.submit(slow, os.path.join(out, "pool.txt"))
    elif how == "big":
        sys.stdout.write("x" * 200000 + "\n")
    elif how == "msg":
        sys.exit("stopped with a message")
    elif how == "raise":
        raise RuntimeError("uncaught")
    elif how == "fork":
        pid = os.fork()
        if pid == 0:
            print("in the child")
            return 5
        print("child status", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    return 0
PY
    local mode how
    for how in mp pool big msg raise fork; do
        for mode in false true; do
            printf '[app]\nname = fe\nentry = fe:main\n[resources]\npaths = .\n[python]\nfast_exit = %s\n' \
                "$mode" >"$WORK/fe/pyhost.ini"
            build_app "$WORK/fe" || return
            rm -rf "$WORK/fe-$mode" && mkdir "$WORK/fe-$mode"
            "$PYHOST" run "$WORK/fe/fe.pyr" "$how" "$WORK/fe-$mode" >"$WORK/fe-$mode.out" 2>"$WORK/fe-$mode.err"
            echo "status $?" >>"$WORK/fe-$mode.out"
            for f in "$WORK/fe-$mode"/*; do
                echo "== ${f##*/}: $(cat "$f")" >>"$WORK/fe-$mode.out"
            done
        done
        expect_eq "$how: stdout, status and files, fast_exit against a normal exit" \
            "$(cat "$WORK/fe-false.out")" "$(cat "$WORK/fe-true.out")"
        expect_eq "$how: stderr, fast_exit against a normal exit" \
            "$(cat "$WORK/fe-false.err")" "$(cat "$WORK/fe-true.err")"
    done
    expect_eq "fork: the child's status" "child status 5" "$(grep 'child status' "$WORK/fe-true.out")"
}

# Python's behaviour at the edges of the stdlib and of packages: sys._stdlib_dir is set, frozen
# stdlib modules have a __file__ under it, and a data-only directory inside a package imports
# as a namespace package (importlib.resources.files("pkg.data")).
test_stdlib_dir_frozen_files_and_data_directories() {
    mkdir -p "$WORK/sd/pkg/data"
    echo "packed data" >"$WORK/sd/pkg/data/file.txt"
    : >"$WORK/sd/pkg/__init__.py"
    cat >"$WORK/sd/sd.py" <<'PY'
import codecs, os, sys
import importlib.resources as resources
def main():
    d = getattr(sys, "_stdlib_dir", None)  # 3.11 and later
    if d is not None:
        print(os.__file__ == os.path.join(d, "os.py"),
              codecs.__file__ == os.path.join(d, "codecs.py"), os.__spec__.origin)
    print(os.path.basename(os.__file__), os.path.basename(codecs.__file__))
    if sys.version_info >= (3, 10):  # 3.9's files() cannot take a namespace package
        print(resources.files("pkg.data").joinpath("file.txt").read_text().strip())
    import pkg.data
    print(pkg.data.__spec__.origin, pkg.data.__file__ if hasattr(pkg.data, "__file__") else None)
if __name__ == "__main__":
    main()
PY
    make_app "$WORK/sd" sd sd:main
    build_app "$WORK/sd" || return
    local expected
    expected=$(cd "$WORK/sd" && "$PYTHON" -E -s sd.py)
    run_capture "$PYHOST" run "$WORK/sd/sd.pyr"
    expect_eq "status" 0 "$STATUS"
    expect_eq "as under python" "$expected" "$OUT"
}

test_script_entry() {
    mkdir -p "$WORK/s/tools"
    printf 'import sys\nprint("script", __name__, sys.argv[1:])\n' >"$WORK/s/tools/run_app.py"
    make_app "$WORK/s" s tools/run_app.py
    build_app "$WORK/s" || return
    run_capture "$PYHOST" run "$WORK/s/s.pyr" x
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "script __main__ ['x']" "$OUT"
}

test_argv_and_exit_codes() {
    mkdir -p "$WORK/e"
    cat >"$WORK/e/codes.py" <<'PY'
import sys
if sys.argv[1] == "argv":
    print(repr(sys.argv))
elif sys.argv[1] == "message":
    sys.exit("fatal: it broke")
elif sys.argv[1] == "none":
    raise SystemExit
else:
    sys.exit(int(sys.argv[1]))
PY
    make_app "$WORK/e" codes codes
    build_app "$WORK/e" || return
    run_capture "$PYHOST" run "$WORK/e/codes.pyr" argv "two words" "ünï"
    expect_eq "argv" "['$WORK/e/codes.pyr', 'argv', 'two words', 'ünï']" "$OUT"
    run_capture "$PYHOST" run "$WORK/e/codes.pyr" 42
    expect_eq "sys.exit(42)" 42 "$STATUS"
    run_capture "$PYHOST" run "$WORK/e/codes.pyr" message
    expect_eq "sys.exit(str) status" 1 "$STATUS"
    expect_eq "sys.exit(str) stderr" "fatal: it broke" "$ERR"
    run_capture "$PYHOST" run "$WORK/e/codes.pyr" none
    expect_eq "SystemExit() status" 0 "$STATUS"
}

test_traceback_is_pythons_with_source_lines() {
    mkdir -p "$WORK/t/pkg"
    printf '' >"$WORK/t/pkg/__init__.py"
    printf 'def inner(x):\n    return 1 / x\n' >"$WORK/t/pkg/util.py"
    printf 'from pkg.util import inner\n\ndef outer():\n    inner(0)\n\nouter()\n' \
        >"$WORK/t/crash.py"
    make_app "$WORK/t" crash crash
    build_app "$WORK/t" || return
    run_capture "$PYHOST" run "$WORK/t/crash.pyr"
    expect_eq "status" 1 "$STATUS"
    local expected
    expected=$(cd "$WORK/t" && "$PYTHON" -E -s -S -m crash 2>&1)
    # python -m adds runpy's own frames on top; the app's frames must read the same
    expected=$(printf '%s\n' "$expected" | strip_runpy_frames)
    # pyhost run roots modules at the app's extraction directory, never in its sources
    expect_contains "root" "$ERR" "  File \"$PYHOST_CACHE_DIR/apps/"
    expect_eq "traceback" "$expected" \
        "$(sed -E "s|$PYHOST_CACHE_DIR/apps/[0-9a-f]{16}/|$WORK/t/|" <<<"$ERR")"
    expect_contains "source line shown" "$ERR" "    return 1 / x"
}

test_inspect_and_pkgutil_see_packed_modules() {
    copy_example notes
    cat >"$WORK/notes/probe.py" <<'PY'
import inspect, json, pkgutil
import notes
print(sorted(m.name for m in pkgutil.iter_modules(notes.__path__)))
top = {m.name for m in pkgutil.iter_modules()}
print("json" in top, "notes" in top, "probe" in top)
print(inspect.getsource(json.dumps).splitlines()[0])
print(notes.__file__ == __file__.replace("probe.py", "notes/__init__.py"))
PY
    make_app "$WORK/notes" probe probe
    build_app "$WORK/notes" || return
    run_capture "$PYHOST" run "$WORK/notes/probe.pyr"
    expect_eq "status" 0 "$STATUS"
    local expected
    expected=$(cd "$WORK/notes" && "$PYTHON" -E -s -S probe.py 2>&1)
    expect_eq "probe output" "$expected" "$OUT"
}

# PEP 420: one namespace package whose portions come from two [resources] paths.
test_namespace_package_across_paths() {
    mkdir -p "$WORK/nsapp/one/plugins" "$WORK/nsapp/two/plugins/deep"
    printf 'NAME = "alpha"\n' >"$WORK/nsapp/one/plugins/alpha.py"
    printf 'NAME = "beta"\n' >"$WORK/nsapp/two/plugins/beta.py"
    printf 'NAME = "gamma"\n' >"$WORK/nsapp/two/plugins/deep/gamma.py"
    cat >"$WORK/nsapp/one/main.py" <<'PY'
import importlib, pkgutil
import plugins
names = sorted(m.name for m in pkgutil.iter_modules(plugins.__path__))
print(names, [importlib.import_module("plugins." + n).NAME for n in names if n != "deep"])
import plugins.deep.gamma
print(plugins.deep.gamma.NAME, getattr(plugins, "__file__", None))
PY
    printf '[app]\nname = nsapp\nentry = main\n\n[resources]\npaths = one, two\n' \
        >"$WORK/nsapp/pyhost.ini"
    build_app "$WORK/nsapp" || return
    run_capture "$PYHOST" run "$WORK/nsapp/nsapp.pyr"
    expect_eq "status" 0 "$STATUS"
    local expected
    expected=$(cd "$WORK/nsapp" && PYTHONPATH=one:two "$PYTHON" -s -S one/main.py)
    expect_eq "same as python with both directories on sys.path" "$expected" "$OUT"
}

test_keyboard_interrupt_exits_like_python() {
    mkdir -p "$WORK/k"
    printf 'import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(5)\n' \
        >"$WORK/k/k.py"
    make_app "$WORK/k" k k
    build_app "$WORK/k" || return
    run_capture "$PYHOST" run "$WORK/k/k.pyr"
    expect_eq "status (killed by SIGINT, as python)" 130 "$STATUS"
    expect_contains "traceback" "$ERR" "KeyboardInterrupt"
}

test_isolated_from_environment_and_cwd() {
    mkdir -p "$WORK/i" "$WORK/hijack"
    printf 'import json, sys\nprint(json.dumps([1]), sys.flags.isolated, sys.path)\n' >"$WORK/i/app.py"
    make_app "$WORK/i" app app
    build_app "$WORK/i" || return
    local clean
    clean=$("$PYHOST" run "$WORK/i/app.pyr" 2>&1)
    expect_contains "runs" "$clean" "[1]"
    printf 'print("HIJACKED")\nimport sys; sys.exit(9)\n' >"$WORK/hijack/json.py"
    cp "$WORK/hijack/json.py" "$WORK/hijack/sitecustomize.py"
    local dirty
    dirty=$(cd "$WORK/hijack" && PYTHONPATH="$WORK/hijack" PYTHONHOME=/nonexistent/junk \
        PYTHONSTARTUP="$WORK/hijack/json.py" PYTHONSAFEPATH= PYTHONINSPECT=1 \
        "$PYHOST" run "$WORK/i/app.pyr" 2>&1)
    expect_eq "same behaviour with a hostile environment" "$clean" "$dirty"
    expect_not_contains "no hijack" "$dirty" "HIJACKED"
}

test_stdlib_comes_from_the_pyr() {
    command -v unshare >/dev/null || { fail "unshare (util-linux) is required"; return; }
    "$PYTHON" -I -S "$REPO/bench/stdlib_modules.py" >"$WORK/modules.txt"
    mkdir -p "$WORK/all" "$WORK/empty"
    cat >"$WORK/all/import_all.py" <<'PY'
import importlib, sys
names = sys.argv[1:] or open(sys.argv[0].replace(".pyr", ".txt")).read().split()
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except BaseException as e:
        failed.append(f"{name}: {e!r}")
print(len(names), "imported", len(names) - len(failed))
print("\n".join(failed))
PY
    # computed names: the analysis cannot see them, so the whole stdlib is asked for
    make_app "$WORK/all" import_all import_all "$(printf '[python]\nstdlib = all\n')"
    build_app "$WORK/all" || return
    cp "$WORK/modules.txt" "$WORK/all/import_all.txt"
    local n
    n=$(wc -l <"$WORK/modules.txt")
    run_capture unshare -m sh -c "mount --bind '$WORK/empty' '$PY_STDLIB' &&
        test ! -e '$PY_STDLIB/os.py' && exec '$PYHOST' run '$WORK/all/import_all.pyr'"
    expect_eq "status with $PY_STDLIB hidden" 0 "$STATUS"
    expect_eq "every stdlib module imported from the .pyr" "$n imported $n" "$(echo "$OUT" | head -1)"
}

test_bad_inputs_fail_clearly() {
    run_capture "$PYHOST" run "$WORK/missing.pyr"
    expect_eq "missing: status" 1 "$STATUS"
    expect_contains "missing: names file" "$ERR" "pyhost: error: cannot open $WORK/missing.pyr"
    expect_contains "missing: hint" "$ERR" "hint: "

    printf 'not a pyr at all, just text\n' >"$WORK/text.pyr"
    run_capture "$PYHOST" run "$WORK/text.pyr"
    expect_eq "text: status" 1 "$STATUS"
    expect_contains "text: message" "$ERR" "not a .pyr file"

    copy_example hello
    build_app "$WORK/hello" || return
    local pyr="$WORK/hello/hello.pyr"
    head -c 100000 "$pyr" >"$WORK/truncated.pyr"
    run_capture "$PYHOST" run "$WORK/truncated.pyr"
    expect_eq "truncated: status" 1 "$STATUS"
    expect_contains "truncated: message" "$ERR" "truncated"

    # a .pyr from another Python (3.8's magic and version): the message names both versions and
    # the hint the pyhost for the file's
    "$PYTHON" "$REPO/tests/e2e/pyr_patch.py" "$pyr" "$WORK/othermagic.pyr" magic=3413 version=3.8
    run_capture "$PYHOST" run "$WORK/othermagic.pyr"
    expect_eq "other magic: status" 1 "$STATUS"
    expect_contains "other magic: message" "$ERR" \
        "othermagic.pyr was built for Python 3.8 (bytecode magic 3413), but this pyhost embeds Python $PY_VERSION"
    expect_contains "other magic: hint" "$ERR" "hint: run it with the pyhost that embeds Python 3.8"
    expect_contains "other magic: pyhost to use" "$ERR" "as pyhost3.8)"
    expect_contains "other magic: or rebuild" "$ERR" "rebuild it with this one (Python $PY_VERSION)"
    expect_eq "one line + hint" 2 "$(printf '%s\n' "$ERR" | wc -l)"

    # a damaged blob of a module CPython imports while it starts (encodings and the codecs it
    # needs): pyhost's one line naming the file and the module, never CPython's "Fatal Python
    # error: init_fs_encoding" and its path dump
    local m
    for m in encodings encodings.aliases encodings.utf_8; do
        "$PYTHON" "$REPO/tests/e2e/pyr_patch.py" "$pyr" "$WORK/badinit.pyr" corrupt=$m
        run_capture "$PYHOST" run "$WORK/badinit.pyr"
        expect_eq "corrupt $m: status" 1 "$STATUS"
        expect_eq "corrupt $m: stderr" "pyhost: error: $WORK/badinit.pyr: corrupt .pyr: source of '$m' fails its checksum (a module Python needs to start)
hint: the file is damaged or not a .pyr; rebuild it with 'pyhost build'" "$ERR"
        expect_eq "corrupt $m: no output" "" "$OUT"
    done

    # a forged index that passes every checksum (the entry module's name points outside the
    # names section): reported as damage, never as "not packed"
    "$PYTHON" "$REPO/tests/e2e/pyr_patch.py" "$pyr" "$WORK/forged.pyr" forge=hello
    run_capture "$PYHOST" run "$WORK/forged.pyr"
    expect_eq "forged entry: status" 1 "$STATUS"
    expect_contains "forged entry: corrupt" "$ERR" "$WORK/forged.pyr: corrupt .pyr: index entry"
    expect_not_contains "forged entry: not 'not packed'" "$ERR" "not packed"
}

# The same under a locale whose codec is a module of its own: CPython starts with
# encodings.iso8859_15 under en_US.ISO-8859-15, so a damaged copy of it is pyhost's one line too.
# The locale is compiled into a private directory (LOCPATH) from the locales package's sources.
test_damaged_codec_of_the_locale_fails_clearly() {
    [ -f /usr/share/i18n/locales/en_US ] && command -v localedef >/dev/null ||
        { skip "no locale sources to compile en_US.ISO-8859-15 from (the locales package)"; return; }
    mkdir -p "$WORK/locale"
    localedef -i en_US -f ISO-8859-15 "$WORK/locale/en_US.ISO-8859-15" 2>/dev/null ||
        [ -d "$WORK/locale/en_US.ISO-8859-15" ] || { fail "localedef en_US.ISO-8859-15"; return; }
    mkdir -p "$WORK/loc"
    printf 'import sys\nprint(sys.getfilesystemencoding())\n' >"$WORK/loc/loc.py"
    make_app "$WORK/loc" loc loc
    build_app "$WORK/loc" || return
    local pyr="$WORK/loc/loc.pyr"
    run_capture env LOCPATH="$WORK/locale" LC_ALL=en_US.ISO-8859-15 "$PYHOST" run "$pyr"
    expect_eq "the locale's codec is the file system's" "iso8859-15" "$OUT"
    "$PYTHON" "$REPO/tests/e2e/pyr_patch.py" "$pyr" "$WORK/badcodec.pyr" corrupt=encodings.iso8859_15
    run_capture env LOCPATH="$WORK/locale" LC_ALL=en_US.ISO-8859-15 "$PYHOST" run "$WORK/badcodec.pyr"
    expect_eq "damaged codec: status" 1 "$STATUS"
    expect_eq "damaged codec: stderr" "pyhost: error: $WORK/badcodec.pyr: corrupt .pyr: source of 'encodings.iso8859_15' fails its checksum (a module Python needs to start with this locale)
hint: the file is damaged or not a .pyr; rebuild it with 'pyhost build'" "$ERR"
    run_capture env LC_ALL=C.UTF-8 "$PYHOST" run "$WORK/badcodec.pyr"
    expect_eq "under a UTF-8 locale the codec is not needed: status" 0 "$STATUS"
}

test_bad_manifest_and_missing_entry_fail_at_build() {
    mkdir -p "$WORK/m"
    printf 'print(1)\n' >"$WORK/m/m.py"
    printf '[app]\nname = m\nentyr = m\n' >"$WORK/m/pyhost.ini"
    run_capture "$PYHOST" build -c "$WORK/m/pyhost.ini"
    expect_eq "typo: status" 1 "$STATUS"
    expect_contains "typo: file:line and key" "$ERR" "pyhost.ini:3"
    expect_contains "typo: suggestion" "$ERR" "entry"
    make_app "$WORK/m" m nosuchmodule
    run_capture "$PYHOST" build -c "$WORK/m/pyhost.ini"
    expect_eq "missing entry: status" 1 "$STATUS"
    expect_contains "missing entry: names it" "$ERR" "nosuchmodule"
    [ ! -e "$WORK/m/m.pyr" ] || fail "a failed build left m.pyr behind"
    # a function the module's source never names is refused at build time (test_cli.sh has the
    # run-time message for what the build cannot tell)
    make_app "$WORK/m" m m:nosuchfunction
    run_capture "$PYHOST" build -c "$WORK/m/pyhost.ini"
    expect_eq "missing function: status" 1 "$STATUS"
    expect_contains "missing function: names it" "$ERR" "has no 'nosuchfunction'"
}

run_tests "$@"
