#!/usr/bin/env bash
# End-to-end with real Debian packages: pack installed distributions (pygments, requests,
# jinja2, PyYAML, numpy) and the stdlib's C extensions, run the app with `pyhost run`, and
# compare its output byte for byte with $PYTHON running the same code from disk. The Debian
# packages' tests skip on another Python (test_pypi.sh has PyPI's for every version); the
# vendored-library fixture is compiled for whichever Python it is.
. "$(dirname "$0")/lib.sh"

# $PYTHON with its site directories (site on), the script's directory first, no user site.
python_with_site() { (cd "$1" && shift && "$PYTHON" -E -s "$@"); }

# app DIR ENTRY DISTRIBUTIONS [EXTRA]: manifest for the code in DIR packing those distributions
app() {
    make_app "$1" "$(basename "$1")" "$2" "distributions = $3
${4:-}"
}

compare_with_python() { # DIR PYR ARGS...: same stdout, stderr and status as $PYTHON
    local dir=$1 pyr=$2
    shift 2
    run_capture "$PYHOST" run "$pyr" "$@"
    local out=$OUT err=$ERR status=$STATUS
    run_capture python_with_site "$dir" "$dir/$(basename "$pyr" .pyr).py" "$@"
    expect_eq "status" "$STATUS" "$status"
    expect_eq "stdout" "$OUT" "$out"
    expect_eq "stderr" "$ERR" "$err"
}

test_pygments_entry_points_and_highlighting() {
    debian_python_only python3-pygments
    mkdir -p "$WORK/pyg"
    cat >"$WORK/pyg/pyg.py" <<'PY'
import sys
from importlib import metadata
import pygments
from pygments import highlight, lexers, formatters
print(metadata.version("Pygments"), pygments.__version__)
scripts = metadata.entry_points(group="console_scripts")
mine = sorted(ep.value for ep in scripts if ep.name == "pygmentize")
print(mine, callable(scripts["pygmentize"].load()))
print(len(list(lexers.get_all_lexers())), lexers.get_lexer_by_name("c").name)
print(metadata.distribution("pygments").metadata["Name"], "pygments" in metadata.packages_distributions())
print(highlight(open(sys.argv[1]).read(), lexers.PythonLexer(), formatters.TerminalFormatter()))
PY
    printf 'def add(a, b):\n    return a + b  # sum\n' >"$WORK/sample.py"
    app "$WORK/pyg" pyg pygments
    build_app "$WORK/pyg" || return
    compare_with_python "$WORK/pyg" "$WORK/pyg/pyg.pyr" "$WORK/sample.py"
}

test_requests_certifi_and_a_loopback_server() {
    debian_python_only python3-requests
    mkdir -p "$WORK/req/site"
    printf 'hello over http\n' >"$WORK/req/site/index.txt"
    cat >"$WORK/req/req.py" <<'PY'
import os, sys
import certifi, requests
with open(certifi.where()) as f:
    print("CA bundle readable:", f.read(27))
r = requests.get(sys.argv[1], timeout=10)
print(r.status_code, r.text.strip(), requests.__version__)
PY
    app "$WORK/req" req requests
    build_app "$WORK/req" || return
    local port=$((20000 + RANDOM % 20000))
    (cd "$WORK/req/site" && exec "$PYTHON" -m http.server "$port" --bind 127.0.0.1) \
        >/dev/null 2>&1 &
    local server=$!
    for _ in $(seq 50); do
        "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" \
            2>/dev/null && break
        sleep 0.1
    done
    compare_with_python "$WORK/req" "$WORK/req/req.pyr" "http://127.0.0.1:$port/index.txt"
    expect_contains "GET worked" "$OUT" "200 hello over http"
    kill "$server"
}

test_jinja2_package_loader() {
    debian_python_only python3-jinja2
    mkdir -p "$WORK/tpl/site_tpl/templates"
    printf '' >"$WORK/tpl/site_tpl/__init__.py"
    printf 'Hello {{ name }}!{%% for i in items %%} {{ i }}{%% endfor %%}\n' \
        >"$WORK/tpl/site_tpl/templates/page.txt"
    cat >"$WORK/tpl/tpl.py" <<'PY'
import jinja2
env = jinja2.Environment(loader=jinja2.PackageLoader("site_tpl", "templates"))
print(env.get_template("page.txt").render(name="pyhost", items=[1, 2, 3]))
print(env.list_templates())
PY
    # Jinja2's PackageLoader wants a real directory: placement puts the templates on disk,
    # where the package's __path__ says, with no routing needed.
    app "$WORK/tpl" tpl jinja2
    build_app "$WORK/tpl" || return
    compare_with_python "$WORK/tpl" "$WORK/tpl/tpl.pyr"
}

test_yaml_c_loader_and_numpy() {
    debian_python_only python3-yaml python3-numpy
    mkdir -p "$WORK/sci"
    cat >"$WORK/sci/sci.py" <<'PY'
import numpy as np
import yaml
doc = yaml.load("matrix: [[3, 1], [1, 2]]\nrhs: [9, 8]\n", Loader=yaml.CLoader)
print(yaml.__with_libyaml__, yaml.CLoader.__module__, doc)
a = np.array(doc["matrix"], dtype=float)
x = np.linalg.solve(a, np.array(doc["rhs"], dtype=float))
print(np.__version__, x, np.allclose(a @ x, doc["rhs"]), round(float(np.linalg.det(a)), 6))
PY
    app "$WORK/sci" sci "pyyaml, numpy"
    build_app "$WORK/sci" || return
    compare_with_python "$WORK/sci" "$WORK/sci/sci.pyr"
}

test_stdlib_extension_modules() {
    mkdir -p "$WORK/ext"
    cat >"$WORK/ext/ext.py" <<'PY'
import ctypes, ctypes.util, decimal, hashlib, multiprocessing, sqlite3, ssl, sys, zoneinfo
from datetime import datetime

def square(x):
    return x * x

def main():
    db = sqlite3.connect(":memory:")
    print(db.execute("select sqlite_version() is not null, 6 * 7").fetchone())
    ctx = ssl.create_default_context()
    print(ctx.verify_mode == ssl.CERT_REQUIRED, ctx.check_hostname)
    decimal.getcontext().prec = 30
    print(decimal.Decimal(1) / decimal.Decimal(7))
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    print(libc.abs(-42), libc.strlen(b"pyhost"))
    print(hashlib.sha256(b"pyhost").hexdigest(), hashlib.blake2b(b"x").hexdigest()[:16])
    print(datetime(2026, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")).utcoffset())
    for method in ("fork", "spawn"):
        with multiprocessing.get_context(method).Pool(2) as pool:
            print(method, pool.map(square, range(8)))

if __name__ == "__main__":
    main()
PY
    app "$WORK/ext" ext ""
    build_app "$WORK/ext" || return
    compare_with_python "$WORK/ext" "$WORK/ext/ext.pyr"
}

test_in_memory_app_writes_nothing() {
    debian_python_only python3-yaml
    mkdir -p "$WORK/quiet"
    printf 'import decimal, json, sqlite3, yaml\nprint(json.dumps([str(decimal.Decimal(1) / 3)]), yaml.CLoader.__name__)\n' \
        >"$WORK/quiet/quiet.py"
    app "$WORK/quiet" quiet pyyaml
    build_app "$WORK/quiet" || return
    # -y names each descriptor's file: the only writes allowed are to stdout and to memfds
    strace -f -y -o "$WORK/trace" -e trace=%file,write "$PYHOST" run "$WORK/quiet/quiet.pyr" \
        >"$WORK/quiet.out" || fail "run under strace failed"
    expect_contains "ran" "$(cat "$WORK/quiet.out")" "CLoader"
    local opened_for_writing
    opened_for_writing=$(grep -E -e 'O_WRONLY|O_RDWR|O_CREAT' \
        -e ' (mkdir|mkdirat|rename|renameat2?|unlink|unlinkat|link|linkat|symlink|symlinkat)\(' \
        "$WORK/trace" | grep -v -e '/dev/null' -e '/dev/tty' || true)
    expect_eq "no file opened for writing" "" "$opened_for_writing"
    local writes_elsewhere
    writes_elsewhere=$(grep -E ' write\(' "$WORK/trace" | grep -v -E 'write\([0-9]+<(/memfd:|pipe:|/dev/pts|/dev/null)' |
        grep -v -E "write\([0-9]+<$WORK/quiet.out>" || true)
    expect_eq "writes only to stdout and memfds" "" "$writes_elsewhere"
    [ "$(grep -c 'memfd_create\|/memfd:' "$WORK/trace")" -gt 0 ] ||
        fail "expected extension modules to be loaded from memfds"
}

test_extraction_cache_under_200_concurrent_launches() {
    mkdir -p "$WORK/xc"
    printf 'import decimal, _json, sqlite3\nprint(decimal.Decimal(2).sqrt())\n' >"$WORK/xc/xc.py"
    app "$WORK/xc" xc ""
    build_app "$WORK/xc" || return
    local cache="$WORK/xcache" pids=() failures=0
    for i in $(seq 200); do
        PYHOST_NO_MEMFD=1 PYHOST_CACHE_DIR="$cache" "$PYHOST" run "$WORK/xc/xc.pyr" \
            >"$WORK/xc.$i.out" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || failures=$((failures + 1)); done
    expect_eq "every launch succeeded" 0 "$failures"
    expect_eq "same output" 1 "$(cat "$WORK"/xc.*.out | sort -u | wc -l)"
    local dirs files tmp
    dirs=$(find "$cache/extracted" -mindepth 1 -maxdepth 1 -type d | wc -l)
    files=$(find "$cache/extracted" -type f | wc -l)
    tmp=$(find "$cache/extracted" -name '*.tmp-*' | wc -l)
    [ "$dirs" -gt 0 ] || fail "nothing was extracted"
    expect_eq "one copy of each file" "$dirs" "$files"
    expect_eq "no temporary files left" 0 "$tmp"
    expect_eq "cache directories are private" "700" "$(stat -c %a "$cache/extracted")"
    PYHOST_NO_MEMFD=1 PYHOST_CACHE_DIR=/proc/version/cannot run_capture "$PYHOST" run "$WORK/xc/xc.pyr"
    expect_eq "unusable cache: status" 1 "$STATUS"
    expect_contains "unusable cache: names the location" "$ERR" "/proc/version/cannot"
    expect_contains "unusable cache: hint" "$ERR" "PYHOST_CACHE_DIR"
}

# vendored_app DIR [EXTRA_INI [OLD]]: DIR/app/app.pyr, an app using phdemo from DIR/site
# (OLD: vendored_site's)
vendored_app() {
    vendored_site "$1/site" -Wl,-soname,libphdemo-5e1f0a.so.1 "${3:-}"
    mkdir -p "$1/app"
    cat >"$1/app/vend.py" <<'PY'
import sys
from importlib import metadata
import phdemo
print(metadata.version("phdemo"), phdemo.answer())
if sys.argv[1:] == ["maps"]:
    with open("/proc/self/maps") as f:
        print(*sorted({line.split()[-1] if "memfd" not in line else "memfd" for line in f
                       if "libph" in line}))
PY
    app "$1/app" vend phdemo "site_packages = ../site
${2:-}"
}

test_vendored_shared_libraries_load_from_memory() {
    vendored_app "$WORK/vend"
    "$PYHOST" build -c "$WORK/vend/app/pyhost.ini" --explain >"$WORK/explain" 2>&1 || {
        cat "$WORK/explain"
        fail "build"
        return
    }
    expect_contains "explained" "$(cat "$WORK/explain")" \
        "shared library phdemo.libs/libphdemo-5e1f0a.so.1: needed by phdemo._native"
    expect_contains "explained" "$(cat "$WORK/explain")" \
        "shared library phdemo.libs/libphbase-77aa01.so.2: needed by phdemo.libs/libphdemo-5e1f0a.so.1"
    run_capture env PYTHONPATH="$WORK/vend/site" "$PYTHON" -s "$WORK/vend/app/vend.py"
    local expected=$OUT
    expect_eq "python runs the fixture" "1.0 42" "$expected"
    mv "$WORK/vend/site" "$WORK/vend/site.hidden" # nothing left on disk to load from
    run_capture "$PYHOST" run "$WORK/vend/app/app.pyr"
    expect_eq "status" 0 "$STATUS"
    expect_eq "same output as python" "$expected" "$OUT"
    run_capture "$PYHOST" run "$WORK/vend/app/app.pyr" maps
    expect_eq "both libraries mapped from memfds only" "$expected
memfd" "$OUT"
}

# The loader's DT_RPATH inheritance, as older auditwheel wheels need it (pyzmq's for 3.9):
# libphbase, needed by libphdemo, is found through the extension's DT_RPATH only.
test_vendored_shared_libraries_found_through_the_loaders_rpath() {
    vendored_app "$WORK/old" "" old
    readelf -d "$WORK/old/site/phdemo.libs/libphdemo-5e1f0a.so.1" | grep -q 'RPATH.*\[phdemo.libs\]' ||
        fail "the fixture's libphdemo has no DT_RPATH phdemo.libs"
    run_capture env PYTHONPATH="$WORK/old/site" "$PYTHON" -s "$WORK/old/app/vend.py"
    expect_eq "python runs the fixture" "1.0 42" "$OUT"
    run_capture "$PYHOST" build -c "$WORK/old/app/pyhost.ini" --explain
    expect_eq "build status" 0 "$STATUS"
    expect_contains "explained" "$OUT" \
        "shared library phdemo.libs/libphbase-77aa01.so.2: needed by phdemo.libs/libphdemo-5e1f0a.so.1"
    mv "$WORK/old/site" "$WORK/old/site.hidden"
    run_capture "$PYHOST" run "$WORK/old/app/app.pyr" maps
    expect_eq "status" 0 "$STATUS"
    expect_eq "both libraries from memory" "1.0 42
memfd" "$OUT"
    expect_eq "stderr" "" "$ERR"
}

test_vendored_shared_libraries_through_the_extraction_cache() {
    vendored_app "$WORK/vx"
    build_app "$WORK/vx/app" || return
    rm -rf "$WORK/vx/site"
    PYHOST_NO_MEMFD=1 PYHOST_CACHE_DIR="$WORK/vxcache" run_capture "$PYHOST" run "$WORK/vx/app/app.pyr"
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "1.0 42" "$OUT"
    expect_eq "each library extracted once" 2 \
        "$(find "$WORK/vxcache" -type f -name 'libph*' | wc -l)"
}

test_vendored_shared_libraries_routed_to_the_filesystem() {
    vendored_app "$WORK/vr" "
[routing]
phdemo.* = filesystem-relative:lib"
    build_app "$WORK/vr/app" || return
    local lib="$WORK/vr/app/lib"
    [ -f "$lib/phdemo/_native$PY_EXT_SUFFIX" ] || fail "extension not routed"
    [ -f "$lib/phdemo.libs/libphdemo-5e1f0a.so.1" ] || fail "library not routed beside it"
    [ -f "$lib/phdemo.libs/libphbase-77aa01.so.2" ] || fail "its own library not routed"
    rm -rf "$WORK/vr/site"
    run_capture "$PYHOST" run "$WORK/vr/app/app.pyr"
    expect_eq "output" "1.0 42" "$OUT"
    expect_eq "status" 0 "$STATUS"
}

test_vendored_library_shared_by_in_memory_and_routed_extensions() {
    # _twin on disk, _native in memory, one libphdemo: it must be where _twin's run path looks
    vendored_app "$WORK/vm" "
[routing]
phdemo._twin = filesystem-relative:lib"
    printf 'import sys\nif sys.argv[1] == "twin":\n    from phdemo._twin import answer\nelse:\n    from phdemo import answer\nprint(answer())\n' \
        >"$WORK/vm/app/vend.py"
    build_app "$WORK/vm/app" || return
    [ -f "$WORK/vm/app/lib/phdemo/_twin$PY_EXT_SUFFIX" ] || fail "_twin not routed"
    [ -f "$WORK/vm/app/lib/phdemo.libs/libphdemo-5e1f0a.so.1" ] || fail "shared library not on disk"
    [ -f "$WORK/vm/app/lib/phdemo.libs/libphbase-77aa01.so.2" ] || fail "its own library not on disk"
    [ ! -e "$WORK/vm/app/lib/phdemo/_native$PY_EXT_SUFFIX" ] || fail "_native routed"
    rm -rf "$WORK/vm/site"
    for which in twin native; do
        run_capture "$PYHOST" run "$WORK/vm/app/app.pyr" "$which"
        expect_eq "$which alone: output" "42" "$OUT"
        expect_eq "$which alone: stderr" "" "$ERR"
    done
}

test_vendored_library_without_soname_is_refused_in_memory() {
    mkdir -p "$WORK/ns/app"
    vendored_site "$WORK/ns/site" ""
    printf 'import phdemo\n' >"$WORK/ns/app/ns.py"
    app "$WORK/ns/app" ns phdemo "site_packages = ../site"
    run_capture "$PYHOST" build -c "$WORK/ns/app/pyhost.ini"
    expect_eq "status" 1 "$STATUS"
    expect_contains "names the library" "$ERR" "libphdemo-5e1f0a.so.1, needed by phdemo._native"
    expect_contains "says why" "$ERR" "has no DT_SONAME"
    expect_contains "hint" "$ERR" "filesystem-relative"
    [ ! -e "$WORK/ns/app/app.pyr" ] || fail "a .pyr was written"
}

run_tests "$@"
