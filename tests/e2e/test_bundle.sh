#!/usr/bin/env bash
# End-to-end: `pyhost bundle` real apps into dist/<name>/ and run them the way an end user
# would: from anywhere, through symlinks, with an empty environment, with the system's Python
# hidden, and check that a damaged bundle fails cleanly.
. "$(dirname "$0")/lib.sh"

# Every test works in its own directory (tests run in subshells, so this stays local to one).
fresh() { WORK=$(mktemp -d "$WORK/t.XXXXXX"); }

copy_example() { cp -r "$REPO/examples/$1" "$WORK/$1" && rm -rf "$WORK/$1"/*.pyr "$WORK/$1/dist"; }

# bundle_app DIR OUTDIR [FLAGS...]: pyhost bundle, the summary line in BUNDLE_OUT.
bundle_app() {
    local dir=$1 out=$2
    shift 2
    BUNDLE_OUT=$("$PYHOST" bundle -c "$dir/pyhost.ini" -o "$out" "$@" 2>"$WORK/.bundle.err") || {
        cat "$WORK/.bundle.err" >&2
        fail "pyhost bundle $dir $*"
        return 1
    }
}

# A small app that shows what a frozen app sees, and exits with a status on demand.
make_probe() {
    mkdir -p "$WORK/probe"
    cat >"$WORK/probe/probe.py" <<'PY'
import os, sys
def main():
    if sys.argv[1:2] == ["exit"]:
        sys.exit(int(sys.argv[2]))
    print(repr(sys.argv))
    print(sys.frozen, sys.executable, sys._MEIPASS, sep="\n")
    print(os.getcwd())
PY
    make_app "$WORK/probe" probe probe:main
}

test_summary_layout_and_replace() {
    fresh
    copy_example hello
    bundle_app "$WORK/hello" "$WORK/dist" || return
    expect_contains "summary" "$BUNDLE_OUT" "bundled $WORK/dist/hello/hello: "
    expect_contains "summary" "$BUNDLE_OUT" " MB, 1 file, embedded"
    expect_eq "files" "hello" "$(ls -A "$WORK/dist/hello")"
    expect_eq "mode" "755" "$(stat -c %a "$WORK/dist/hello/hello")"
    expect_eq "no temporary directory left" "hello" "$(ls -A "$WORK/dist")"
    bundle_app "$WORK/hello" "$WORK/dist" --adjacent || return
    expect_contains "summary" "$BUNDLE_OUT" " MB, 2 files, adjacent"
    expect_eq "replaced" "hello hello.pyr" "$(ls -A "$WORK/dist/hello" | tr '\n' ' ' | xargs)"
    expect_eq "no temporary directory left" "hello" "$(ls -A "$WORK/dist")"
    mkdir -p "$WORK/d2/hello" && : >"$WORK/d2/hello/precious"
    run_capture "$PYHOST" bundle -c "$WORK/hello/pyhost.ini" -o "$WORK/d2"
    expect_eq "refuses to replace a foreign directory" 1 "$STATUS"
    expect_contains "error" "$ERR" "is not a bundle of 'hello'"
    expect_eq "foreign directory kept" "precious" "$(ls -A "$WORK/d2/hello")"
    expect_eq "nothing left behind" "hello" "$(ls -A "$WORK/d2")"
}

test_hello_with_system_python_hidden() {
    fresh
    copy_example hello
    for mode in embedded adjacent; do
        bundle_app "$WORK/hello" "$WORK/$mode" "--$mode" || return
        run_capture "$WORK/$mode/hello/hello" Ada "Grace Hopper"
        expect_eq "$mode: output" "Hello, Ada, Grace Hopper!" "$OUT"
        run_hidden "$WORK/$mode/hello/hello" Ada "Grace Hopper"
        expect_eq "$mode, hidden: status" 0 "$STATUS"
        expect_eq "$mode, hidden: output" "Hello, Ada, Grace Hopper!" "$OUT"
        expect_eq "$mode, hidden: stderr" "" "$ERR"
    done
}

test_notes_with_system_python_hidden() {
    fresh
    copy_example notes
    for mode in embedded adjacent; do
        bundle_app "$WORK/notes" "$WORK/$mode" "--$mode" || return
        for args in "list" "show 2" "templates"; do
            run_capture "$WORK/$mode/notes/notes" $args
            local expected=$OUT
            expect_eq "$mode $args: status" 0 "$STATUS"
            run_hidden "$WORK/$mode/notes/notes" $args
            expect_eq "$mode $args, hidden: status" 0 "$STATUS"
            expect_eq "$mode $args, hidden: output" "$expected" "$OUT"
        done
        run_hidden "$WORK/$mode/notes/notes" show 9
        expect_eq "$mode: the app's status" 2 "$STATUS"
    done
}

# A real app built from Debian packages (pygments with its entry points, PyYAML's C loader):
# bundled, it runs the same with /usr/lib/python3 (dist-packages) and the stdlib hidden.
test_real_package_app_with_system_python_hidden() {
    # Debian's packages are for Debian's Python: another one would need its own (PyPI wheels)
    case ":$PY_SITES:" in
        *:/usr/lib/python3/dist-packages:*) ;;
        *) echo "    SKIP: Debian's python3-pygments and python3-yaml are not for Python $PY_VERSION" >&2
           return 0 ;;
    esac
    fresh
    mkdir -p "$WORK/pyg"
    cat >"$WORK/pyg/pyg.py" <<'PY'
import sys
from importlib import metadata
import yaml
from pygments import highlight, lexers, formatters
print(metadata.version("Pygments"), metadata.entry_points(group="console_scripts")["pygmentize"].value)
print(yaml.load("a: [1, 2]", Loader=yaml.CLoader), yaml.CLoader.__module__)
print(highlight("x = 1  # one\n", lexers.get_lexer_by_name("python"), formatters.TerminalFormatter()))
PY
    make_app "$WORK/pyg" pyg pyg "distributions = pygments, pyyaml"
    bundle_app "$WORK/pyg" "$WORK/dist" || return
    local expected
    expected=$(cd "$WORK/pyg" && "$PYTHON" -E -s pyg.py)
    run_hidden "$WORK/dist/pyg/pyg"
    expect_eq "hidden: status" 0 "$STATUS"
    expect_eq "hidden: same output as python with dist-packages" "$expected" "$OUT"
    expect_eq "hidden: stderr" "" "$ERR"
}

test_vendored_shared_libraries_with_their_site_gone() {
    fresh
    vendored_site "$WORK/site"
    mkdir -p "$WORK/vend"
    printf 'import phdemo\nprint(phdemo.answer(), phdemo._native.__file__.endswith(".so"))\n' \
        >"$WORK/vend/vend.py"
    make_app "$WORK/vend" vend vend "distributions = phdemo
site_packages = ../site"
    bundle_app "$WORK/vend" "$WORK/dist" || return
    rm -rf "$WORK/site"
    run_hidden "$WORK/dist/vend/vend"
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "42 True" "$OUT"
    expect_eq "stderr" "" "$ERR"
}

test_frozen_attributes_from_anywhere() {
    fresh
    make_probe
    bundle_app "$WORK/probe" "$WORK/dist" || return
    local exe="$WORK/dist/probe/probe" dir="$WORK/dist/probe"
    run_capture sh -c 'cd / && exec "$0" "two words" "ünï €"' "$exe"
    expect_eq "from /" "['$exe', 'two words', 'ünï €']
True
$exe
$dir
/" "$OUT"
    mkdir -p "$WORK/elsewhere" && ln -s "$exe" "$WORK/elsewhere/probe-link"
    run_capture sh -c 'cd "$1" && exec ./probe-link x' sh "$WORK/elsewhere"
    expect_eq "through a symlink: argv[0] as invoked, the real executable and directory" \
        "['./probe-link', 'x']
True
$exe
$dir
$WORK/elsewhere" "$OUT"
    run_capture env -i "$WORK/elsewhere/probe-link" "ünï"
    expect_eq "env -i: status" 0 "$STATUS"
    expect_contains "env -i" "$OUT" "['$WORK/elsewhere/probe-link', 'ünï']"
    for code in 0 3 42 255; do
        run_capture env -i "$exe" exit "$code"
        expect_eq "exit status" "$code" "$STATUS"
    done
}

# Everything in memory: the run opens nothing for writing, creates or removes nothing, and
# writes only to stdout and stderr.
# With the plain runtime (the default), a single file that never writes anything.
test_single_file_writes_nothing() {
    fresh
    command -v strace >/dev/null || { fail "strace is not installed"; return; }
    copy_example hello
    bundle_app "$WORK/hello" "$WORK/dist" || return
    local log="$WORK/strace.log"
    run_capture sh -c 'cd / && exec strace -f -e trace=%file,write -o "$1" "$2" Ada' \
        sh "$log" "$WORK/dist/hello/hello"
    expect_eq "output" "Hello, Ada!" "$OUT"
    expect_eq "the log has file syscalls" "yes" "$(grep -q 'openat(' "$log" && echo yes)"
    local bad
    bad=$(grep -E 'O_WRONLY|O_RDWR|O_CREAT|(^|[^a-z_])(mkdir|rename|unlink|rmdir|link|symlink|truncate|chmod|chown|utime)[a-z0-9]*\(' "$log" |
        grep -v '^[0-9]* *execve(')
    expect_eq "no file written, created or removed" "" "$bad"
    bad=$(grep -E '^[0-9]+ +write\(' "$log" | grep -Ev '^[0-9]+ +write\([12],')
    expect_eq "write() only to fds 1 and 2" "" "$bad"
}

# [bundle] compress_runtime: the interpreter is stored zstd-compressed behind pyhost-loader and
# unpacked once per user into the cache; the app sees the onefile as itself, and a cache it
# cannot use costs speed, never the start.
test_compressed_runtime() {
    fresh
    make_probe
    cp "$WORK/probe/pyhost.ini" "$WORK/probe/compressed.ini"
    printf '\n[bundle]\ncompress_runtime = true\n' >>"$WORK/probe/compressed.ini"
    bundle_app "$WORK/probe" "$WORK/plain" || return # the plain runtime is the default
    bundle_app "$WORK/probe" "$WORK/dist" -c "$WORK/probe/compressed.ini" || return
    local exe="$WORK/dist/probe/probe" dir="$WORK/dist/probe" cache="$WORK/cache"
    local plain_size size
    plain_size=$(stat -c %s "$WORK/plain/probe/probe")
    size=$(stat -c %s "$exe")
    # Debian's libpython has most extension modules built in (a 6.8 MB stub, 2.1 MB compressed);
    # pyenv's keeps them in lib-dynload, so its stub is smaller and gains less
    local min_gain=1000000
    case ":$PY_SITES:" in *:/usr/lib/python3/dist-packages:*) min_gain=3000000 ;; esac
    expect_eq "at least $min_gain bytes smaller than the plain onefile ($size vs $plain_size)" yes \
        "$([ $((plain_size - size)) -gt $min_gain ] && echo yes)"
    local expected="['$exe', 'a b']
True
$exe
$dir
$WORK"
    run_capture sh -c 'cd "$1" && PYHOST_CACHE_DIR="$2" exec "$3" "a b"' sh "$WORK" "$cache" "$exe"
    expect_eq "first start: the frozen attributes name the onefile" "$expected" "$OUT"
    local runtime
    runtime=$(ls "$cache/runtime" | grep -v "\.verified$")
    expect_eq "one runtime unpacked, nothing left aside" 1 "$(echo "$runtime" | wc -l)"
    expect_eq "the runtime is executable" yes "$([ -x "$cache/runtime/$runtime" ] && echo yes)"
    local before
    before=$(stat -c %i:%Y "$cache/runtime/$runtime")
    run_capture sh -c 'cd "$1" && PYHOST_CACHE_DIR="$2" exec "$3" "a b"' sh "$WORK" "$cache" "$exe"
    expect_eq "second start" "$expected" "$OUT"
    expect_eq "the second start reuses the runtime" "$before" \
        "$(stat -c %i:%Y "$cache/runtime/$runtime")"
    : >"$cache/runtime/$runtime"
    run_capture env PYHOST_CACHE_DIR="$cache" "$exe" exit 7
    expect_eq "a damaged cached runtime is replaced: status" 7 "$STATUS"
    expect_eq "a damaged cached runtime is replaced" yes \
        "$([ -s "$cache/runtime/$runtime" ] && echo yes)"
    mkdir -p "$WORK/ro" && chmod 0555 "$WORK/ro"
    run_capture env PYHOST_CACHE_DIR="$WORK/ro/cache" "$exe" "x"
    if [ "$(id -u)" != 0 ]; then
        expect_eq "unwritable cache: nothing written" "" "$(ls -A "$WORK/ro")"
    fi
    expect_contains "unwritable cache: runs from memory" "$OUT" "['$exe', 'x']"
    run_capture env -u XDG_CACHE_HOME -u PYHOST_CACHE_DIR HOME=/proc/nonexistent "$exe" exit 0
    expect_eq "no usable cache at all (runs from memory): status" 0 "$STATUS"
    head -c $(($(stat -c %s "$exe") - 5000)) "$exe" >"$WORK/truncated" && chmod +x "$WORK/truncated"
    run_capture env PYHOST_CACHE_DIR="$WORK/cache2" "$WORK/truncated"
    expect_eq "truncated onefile: status" 1 "$STATUS"
    expect_contains "truncated onefile: message" "$ERR" "truncated: error: the compressed runtime cannot be found"
    expect_eq "truncated onefile: nothing unpacked" "" "$(ls -A "$WORK/cache2" 2>/dev/null)"
}

# The compressed runtime is not compressed at every bundle: it comes with pyhost
# (pyhost-stub.zst) or from the build cache, and either way a onefile holds the bytes that
# compressing the stub gives; a seed that is not this stub's frame is not used.
test_runtime_frame_comes_with_pyhost() {
    fresh
    make_probe
    printf '\n[bundle]\ncompress_runtime = true\n' >>"$WORK/probe/pyhost.ini"
    local bin v # v: the version suffix of -Dsuffix_version builds (pyhost3.12, pyhost-stub3.12)
    bin=$(dirname "$(realpath "$PYHOST")")
    v=$(basename "$(realpath "$PYHOST")")
    v=${v#pyhost}
    [ -f "$bin/pyhost-stub$v.zst" ] || {
        fail "pyhost-stub$v.zst is not built next to pyhost-stub$v ($bin)"
        return
    }
    PYHOST_CACHE_DIR="$WORK/c1" bundle_app "$WORK/probe" "$WORK/seeded" || return
    expect_eq "the seed leaves nothing in the cache" "" \
        "$(find "$WORK/c1" -type f -size +1000k 2>/dev/null)"
    # the same pyhost without the seed: compresses, and caches the frame
    mkdir -p "$WORK/bin"
    cp "$bin/pyhost$v" "$bin/pyhost-stub$v" "$bin/pyhost-loader$v" "$WORK/bin/"
    PYHOST_CACHE_DIR="$WORK/c2" PYHOST="$WORK/bin/pyhost$v" bundle_app "$WORK/probe" "$WORK/fresh" ||
        return
    # the runtime part: everything before the .pyr (whose bytecode 3.9 and 3.10 do not marshal
    # the same way twice from empty caches)
    local at
    at=$("$PYHOST" inspect "$WORK/seeded/probe/probe" | sed -n 's/.*embedded at offset \([0-9]*\).*/\1/p')
    expect_eq "the .pyr starts at the same offset" "$at" \
        "$("$PYHOST" inspect "$WORK/fresh/probe/probe" | sed -n 's/.*embedded at offset \([0-9]*\).*/\1/p')"
    expect_eq "the seeded onefile's runtime is the freshly compressed one" same \
        "$(cmp -s -n "$at" "$WORK/seeded/probe/probe" "$WORK/fresh/probe/probe" && echo same)"
    expect_eq "the frame was cached" 1 "$(find "$WORK/c2" -type f -size +1000k | wc -l)"
    # a seed that is not this stub's frame: ignored; the cached frame is used
    head -c 100000 /dev/urandom >"$WORK/bin/pyhost-stub$v.zst"
    PYHOST_CACHE_DIR="$WORK/c2" PYHOST="$WORK/bin/pyhost$v" bundle_app "$WORK/probe" "$WORK/cached" ||
        return
    expect_eq "a wrong seed is ignored, the cached frame gives the same runtime" same \
        "$(cmp -s -n "$at" "$WORK/seeded/probe/probe" "$WORK/cached/probe/probe" && echo same)"
    run_capture env PYHOST_CACHE_DIR="$WORK/run" "$WORK/cached/probe/probe" exit 3
    expect_eq "it runs" 3 "$STATUS"
}

test_multiprocessing_spawn() {
    fresh
    mkdir -p "$WORK/mp"
    cat >"$WORK/mp/mpapp.py" <<'PY'
import multiprocessing, os, sys

def square(x):
    return x * x, sys.frozen, os.getpid()

def main():
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(square, range(6))
    print([r[0] for r in results], all(r[1] for r in results),
          all(r[2] != os.getpid() for r in results))
PY
    make_app "$WORK/mp" mpapp mpapp:main
    bundle_app "$WORK/mp" "$WORK/dist" || return
    run_capture timeout 120 env -i "$WORK/dist/mpapp/mpapp"
    expect_eq "status" 0 "$STATUS"
    expect_eq "Pool.map in spawned children" "[0, 1, 4, 9, 16, 25] True True" "$OUT"
}

# expect_clean_failure WHAT FILE NEEDLE: one error line naming the app, one hint, status 1.
expect_clean_failure() {
    run_capture "$2"
    expect_eq "$1: status" 1 "$STATUS"
    expect_contains "$1: message" "$ERR" "$(basename "$2"): error: "
    expect_contains "$1: message" "$ERR" "$3"
    expect_eq "$1: two lines (error, hint)" "2" "$(printf '%s\n' "$ERR" | wc -l)"
    expect_contains "$1: hint" "$(printf '%s\n' "$ERR" | tail -n 1)" "hint: "
}

# The plain runtime's own reader (the compressed one's loader is tested in
# test_compressed_runtime).
test_damaged_bundles_fail_cleanly() {
    fresh
    copy_example hello
    bundle_app "$WORK/hello" "$WORK/dist" || return
    local exe="$WORK/dist/hello/hello" b="$WORK/bad"
    mkdir -p "$b"
    "$PYTHON" - "$exe" "$b" "$REPO/tests/e2e" <<'PY' || fail "crafting damaged bundles"
import os, struct, sys
exe, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from pyr_patch import xxh64  # pure Python: pyenv's Pythons have no xxhash module
data = open(exe, "rb").read()
magic, offset, size, checksum = struct.unpack("<8sQQQ", data[-32:])
assert magic == b"PYRTRAIL" and offset % 8 == 0 and offset + size + 32 == len(data)
assert checksum == xxh64(data[-32:-8])
def write(name, content):
    with open(os.path.join(out, name), "wb") as f:
        f.write(content)
    os.chmod(os.path.join(out, name), 0o755)
def trailer(offset, size):
    head = b"PYRTRAIL" + struct.pack("<QQ", offset, size)
    return head + struct.pack("<Q", xxh64(head))
write("truncated", data[: offset + size // 2])
write("outside", data + trailer(len(data) + 4096, 4096))
write("overlong", data[:-32] + trailer(offset, size + 10**9))
damaged = bytearray(data); damaged[-20] ^= 0xFF
write("damagedtrailer", damaged)
index = bytearray(data); index[offset + 256 : offset + 320] = b"\xff" * 64
write("corruptindex", index)
header = bytearray(data); header[offset : offset + 8] = b"\0" * 8
write("nomagic", header)
PY
    expect_clean_failure "truncated" "$b/truncated" "holds no embedded resources"
    expect_clean_failure "trailer pointing outside the file" "$b/outside" "trailer is damaged"
    expect_clean_failure "trailer with a wrong size" "$b/overlong" "trailer is damaged"
    expect_clean_failure "damaged trailer" "$b/damagedtrailer" "trailer is damaged"
    expect_clean_failure "corrupt index" "$b/corruptindex" "corrupt"
    expect_clean_failure "no .pyr magic" "$b/nomagic" "not a .pyr file"
    bundle_app "$WORK/hello" "$WORK/adj" --adjacent || return
    mv "$WORK/adj/hello/hello.pyr" "$WORK/adj/hello/hello.pyr.away"
    expect_clean_failure "missing adjacent .pyr" "$WORK/adj/hello/hello" "hello.pyr does not exist"
    head -c 1000 "$WORK/adj/hello/hello.pyr.away" >"$WORK/adj/hello/hello.pyr"
    expect_clean_failure "truncated adjacent .pyr" "$WORK/adj/hello/hello" "hello.pyr"
}

test_icon_is_copied() {
    fresh
    copy_example hello
    printf 'not really a png' >"$WORK/hello/hello-icon.png"
    printf 'gui = true\nicon = hello-icon.png\n' >"$WORK/hello/extra.ini"
    sed -i '/^entry = hello$/r '"$WORK/hello/extra.ini" "$WORK/hello/pyhost.ini"
    rm "$WORK/hello/extra.ini"
    bundle_app "$WORK/hello" "$WORK/dist" || return
    expect_eq "icon next to the executable" "not really a png" "$(cat "$WORK/dist/hello/hello.png")"
    expect_contains "summary" "$BUNDLE_OUT" "2 files, embedded"
    run_capture "$WORK/dist/hello/hello" Ada
    expect_eq "gui app runs the same" "Hello, Ada!" "$OUT"
}

# [resources] routing sends extension modules and data files to lib/ next to the .pyr: in a
# bundle that is dist/<name>/lib/, found from the executable's directory wherever it runs.
test_routed_files_in_lib() {
    fresh
    mkdir -p "$WORK/r/rapp/data"
    printf 'data file\n' >"$WORK/r/rapp/data/info.txt"
    cat >"$WORK/r/rapp/__init__.py" <<'PY'
import _bz2, bz2, os, sys
from importlib import resources
def main():
    print(bz2.decompress(bz2.compress(b"round trip")).decode())
    print(os.path.relpath(_bz2.__file__, sys._MEIPASS), os.path.isfile(_bz2.__file__))
    print(resources.files("rapp").joinpath("data/info.txt").read_text().strip())
PY
    make_app "$WORK/r" rapp rapp:main 'routing = filesystem-relative:lib
'
    bundle_app "$WORK/r" "$WORK/dist" || return
    expect_eq "lib/ in the bundle" "yes" \
        "$(ls "$WORK/dist/rapp/lib/"_bz2.*.so >/dev/null 2>&1 && echo yes)"
    run_hidden sh -c 'cd / && exec "$0"' "$WORK/dist/rapp/rapp"
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "round trip
lib/_bz2$PY_EXT_SUFFIX True
data file" "$OUT"
}

# [bundle] in the manifest: resources and output; the command line wins.
test_manifest_bundle_section() {
    fresh
    copy_example hello
    printf '\n[bundle]\nresources = adjacent\noutput = ../out\n' >>"$WORK/hello/pyhost.ini"
    run_capture "$PYHOST" bundle -c "$WORK/hello/pyhost.ini"
    expect_eq "status" 0 "$STATUS"
    expect_contains "summary" "$OUT" "2 files, adjacent"
    expect_eq "files" "hello hello.pyr" "$(ls -A "$WORK/out/hello" | xargs)"
    bundle_app "$WORK/hello" "$WORK/dist" --embedded || return
    expect_contains "the command line wins" "$BUNDLE_OUT" "1 file, embedded"
    run_capture "$WORK/out/hello/hello" Ada
    expect_eq "output" "Hello, Ada!" "$OUT"
    # an output inside [resources] paths (cd app && pyhost bundle) is never packed itself
    sed -i 's/^output = .*/output = dist/' "$WORK/hello/pyhost.ini"
    run_capture "$PYHOST" bundle --adjacent -c "$WORK/hello/pyhost.ini"
    expect_eq "bundle into the app's own dist/" 0 "$STATUS"
    local first second
    first=$(stat -c %s "$WORK/hello/dist/hello/hello.pyr")
    run_capture "$PYHOST" bundle --adjacent -c "$WORK/hello/pyhost.ini"
    expect_eq "bundle again" 0 "$STATUS"
    second=$(stat -c %s "$WORK/hello/dist/hello/hello.pyr")
    expect_eq "the second bundle did not pack the first" "$first" "$second"
    run_capture "$PYHOST" inspect --json "$WORK/hello/dist/hello/hello.pyr"
    expect_not_contains "no dist package" "$OUT" '"name":"dist"'
    expect_not_contains "no dist.* modules" "$OUT" '"name":"dist.'

}

# A tkinter app, bundled, started under Xvfb with the system Python hidden: its window
# appears, and clicking its Quit button ends it.
test_tkhello_window_under_xvfb() {
    fresh
    for tool in Xvfb xdotool; do
        command -v $tool >/dev/null || { fail "$tool is not installed (apt-get install xvfb xdotool)"; return; }
    done
    "$PYTHON" -c 'import tkinter' 2>/dev/null || { fail "python3-tk is not installed"; return; }
    copy_example tkhello
    bundle_app "$WORK/tkhello" "$WORK/dist" || return
    # -displayfd: Xvfb picks a free display and writes its number once it accepts clients
    Xvfb -displayfd 3 -screen 0 800x600x24 -nolisten tcp 3>"$WORK/display" >"$WORK/xvfb.log" 2>&1 &
    local xvfb=$! i
    for i in $(seq 100); do [ -s "$WORK/display" ] && break; sleep 0.1; done
    [ -s "$WORK/display" ] || { fail "Xvfb did not start: $(cat "$WORK/xvfb.log")"; kill $xvfb; return; }
    export DISPLAY=:$(cat "$WORK/display")
    ( run_hidden timeout 60 "$WORK/dist/tkhello/tkhello" Ada; printf '%s\n%s\n%s' "$STATUS" "$OUT" "$ERR" >"$WORK/tk.result" ) &
    local app=$!
    local win
    win=$(timeout 20 xdotool search --sync --name '^tkhello$' 2>/dev/null | head -n 1)
    expect_contains "the window appears" "$(xwininfo -root -tree 2>/dev/null)" '"tkhello"'
    if [ -n "$win" ]; then
        # the Quit button: centred, its bottom edge 12 pixels above the window's
        local WIDTH HEIGHT
        eval "$(xdotool getwindowgeometry --shell "$win" | grep -E '^(WIDTH|HEIGHT)=')"
        sleep 0.3
        xdotool mousemove --window "$win" $((WIDTH / 2)) $((HEIGHT - 20)) click 1
    fi
    timeout 10 tail --pid="$app" -f /dev/null || fail "the app did not quit"
    kill "$app" "$xvfb" 2>/dev/null
    wait "$xvfb" 2>/dev/null
    expect_eq "status, output" "0
tkhello: closed (Tcl 8.6)" "$(head -n 2 "$WORK/tk.result")"
}

run_tests "$@"
