#!/usr/bin/env bash
# End-to-end: [resources] wheels and requirements. Wheels built here from local sources (pip
# wheel --no-index) and crafted with zipfile, served by a loopback HTTP(S) server this script
# starts (127.0.0.1, a port the kernel picks), fetched into the cache, packed and run. Failure
# cases must fail with a clear message and leave no file under the digest's final name.
# The C extension's wheel is built by $PYTHON (so tagged for the embedded Python, whichever
# version); its setuptools comes from $PYTHON, or where it cannot make wheels (pyenv's: no
# setuptools from 3.12, no bdist_wheel before), from a venv of $PYTHON with setuptools pinned,
# cached like test_pypi.sh's.
. "$(dirname "$0")/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

SRV=$WORK/srv  # what the servers serve
WHL=$WORK/whl  # the wheels built from source
# The servers' pids, one a line: start_server runs in a command substitution (a subshell), so
# a variable would not reach this trap.
SERVERS=$WORK/servers.pids
trap 'while read -r p; do kill "$p" 2>/dev/null; done <"$SERVERS"; rm -rf "$WORK"' EXIT
: >"$SERVERS"
mkdir -p "$SRV" "$WHL"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- The server ----------------------------------------------------------------------------

cat >"$WORK/server.py" <<'PY'
# Loopback HTTP(S) server for test_wheels.sh. Serves ROOT with byte ranges, and:
#   /flaky/NAME   the first request closes half-way, later ones are served (with Range)
#   /broken/NAME  every request closes half-way through what it asked for
#   /loop/N       redirects to /loop/N+1 forever
#   /moved/NAME   redirects to /NAME
# Logs "METHOD PATH RANGE" per request to LOG; writes its port to PORTFILE once listening.
import http.server, os, socketserver, ssl, sys, threading

root, log_path, port_file = sys.argv[1], sys.argv[2], sys.argv[3]
cert = sys.argv[4] if len(sys.argv) > 4 else None
seen = set()
lock = threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range", "-")
        with lock, open(log_path, "a") as f:
            f.write(f"GET {self.path} {rng}\n")
        parts = self.path.split("/")
        if parts[1] == "loop":
            return self.redirect(f"/loop/{int(parts[2]) + 1}")
        if parts[1] == "moved":
            return self.redirect("/" + parts[2])
        mode, name = (parts[1], parts[2]) if len(parts) == 3 else (None, parts[1])
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            self.send_error(404)
            return
        data = open(path, "rb").read()
        start = 0
        if rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
        body = data[start:]
        with lock:
            first = (mode, name) not in seen
            seen.add((mode, name))
        cut = (mode == "flaky" and first) or mode == "broken"
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if cut else body)
        if cut:
            self.wfile.flush()
            self.close_connection = True

    def redirect(self, to):
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

server = Server(("127.0.0.1", 0), Handler)
if cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, sys.argv[5])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
PY

# start_server LOG [CERT KEY]: starts a server over $SRV; prints its port.
start_server() {
    local portfile="$WORK/port.$RANDOM$RANDOM"
    "$PYTHON" "$WORK/server.py" "$SRV" "$1" "$portfile" "${2:-}" "${3:-}" >/dev/null 2>&1 &
    echo "$!" >>"$SERVERS"
    for _ in $(seq 100); do
        [ -s "$portfile" ] && break
        sleep 0.05
    done
    cat "$portfile"
}

# ---- Wheels ------------------------------------------------------------------------------

SETUPTOOLS_REQS="setuptools==75.3.0 --hash=sha256:f2504966861356aa38616760c0f66568e535562374995367b4e69c7143cf6bcd"
FASTMATH=fastmath-0.3-$PY_TAG-$PY_TAG-linux_x86_64.whl
# A tag for another CPython: the wheel renamed to claim it must be refused.
OTHER_TAG=cp39
[ "$PY_TAG" = cp39 ] && OTHER_TAG=cp310

# the interpreter that builds the wheels: $PYTHON when its setuptools can make wheels (it has
# bdist_wheel from 70.1, or the wheel package beside it: pyenv's 3.9-3.11 have neither), else a
# venv of it with setuptools pinned
wheel_builder() {
    if "$PYTHON" -c 'import importlib.util as u, sys
sys.exit(not u.find_spec("setuptools") or
         not (u.find_spec("wheel") or u.find_spec("setuptools.command.bdist_wheel")))' 2>/dev/null; then
        BUILDER=$PYTHON
    else
        need_venv setuptools "$SETUPTOOLS_REQS"
        BUILDER=$VENV/bin/python
    fi
}

build_wheels() {
    local src=$WORK/src
    mkdir -p "$src/greet/greet/data" "$src/fastmath"
    cat >"$src/greet/setup.py" <<'PY'
from setuptools import setup
setup(name="greet", version="1.2.0", packages=["greet"], package_data={"greet": ["data/*.txt"]},
      entry_points={"console_scripts": ["greet = greet.cli:main"]})
PY
    printf 'def hello(n):\n    return "hello " + n\n' >"$src/greet/greet/__init__.py"
    printf 'import sys\nfrom greet import hello\ndef main():\n    print(hello("entry point"))\n' \
        >"$src/greet/greet/cli.py"
    echo "packaged data" >"$src/greet/greet/data/msg.txt"
    cat >"$src/fastmath/setup.py" <<'PY'
from setuptools import setup, Extension
setup(name="fastmath", version="0.3", ext_modules=[Extension("fastmath", ["fastmath.c"])])
PY
    cat >"$src/fastmath/fastmath.c" <<'C'
#define PY_SSIZE_T_CLEAN
#include <Python.h>
static PyObject *add(PyObject *self, PyObject *args)
{
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b))
        return NULL;
    return PyLong_FromLong(a + b);
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "add"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "fastmath", NULL, -1, methods};
PyMODINIT_FUNC PyInit_fastmath(void) { return PyModule_Create(&mod); }
C
    for s in greet fastmath; do
        "$BUILDER" -m pip wheel -q --no-deps --no-build-isolation --no-index -w "$WHL" \
            "$src/$s" >"$WORK/pip.log" 2>&1 || { cat "$WORK/pip.log" >&2; return 1; }
    done
    # Crafted with zipfile: a 4 MB wheel (for interrupted and parallel downloads), one whose
    # member climbs out with "../", and one that is not a zip at all.
    "$PYTHON" - "$SRV" <<'PY'
import os, sys, zipfile
out = sys.argv[1]
def wheel(path, files):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
meta = {"METADATA": "Metadata-Version: 2.1\nName: {n}\nVersion: 1.0\n",
        "WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n", "RECORD": ""}
def dist(n, files):
    files.update({f"{n}-1.0.dist-info/{k}": v.format(n=n) for k, v in meta.items()})
    wheel(f"{out}/{n}-1.0-py3-none-any.whl", files)
dist("bigdata", {"bigdata/__init__.py": "SIZE = 4 << 20\n", "bigdata/blob.bin": os.urandom(4 << 20)})
dist("evil", {"evil/__init__.py": "", "../escaped.py": "print('escaped')\n"})
with open(f"{out}/corrupt-1.0-py3-none-any.whl", "wb") as f:
    f.write(b"PK\x03\x04 this is not a zip file" * 40)
PY
    cp "$WHL"/*.whl "$SRV/"
    [ -f "$WHL/$FASTMATH" ] || { echo "pip wheel did not make $FASTMATH: $(ls "$WHL")" >&2; return 1; }
    # The C extension renamed to claim another CPython: must be refused by its tags.
    cp "$WHL/$FASTMATH" "$SRV/fastmath-0.3-$OTHER_TAG-$OTHER_TAG-linux_x86_64.whl"
}

# ---- Helpers -----------------------------------------------------------------------------

APP_PY='import sys
from importlib import metadata, resources
import greet, fastmath
print(greet.hello("pyhost"))
print(resources.files("greet").joinpath("data/msg.txt").read_text().strip())
eps = metadata.entry_points()  # 3.9: a dict by group, no select()
eps = eps.select(group="console_scripts") if hasattr(eps, "select") else eps["console_scripts"]
ep = [e for e in eps if e.name == "greet"][0]
print(ep.value, metadata.version("greet"), metadata.version("fastmath"))
ep.load()()
print("2 + 40 =", fastmath.add(2, 40))
print("greet/data/msg.txt" in [str(f) for f in metadata.files("greet")])'

APP_OUT='hello pyhost
packaged data
greet.cli:main 1.2.0 0.3
hello entry point
2 + 40 = 42
True'

# wheel_app DIR WHEELS_VALUE [EXTRA]: an app importing greet and fastmath.
wheel_app() {
    mkdir -p "$1"
    printf '%s\n' "$APP_PY" >"$1/main.py"
    make_app "$1" app main.py "wheels = $2
${3:-}"
}

# fetch_app DIR WHEELS_VALUE: a manifest that only names wheels (for pyhost fetch).
fetch_app() {
    mkdir -p "$1"
    printf '[app]\nname = f\nentry = os\n\n[resources]\npaths = .\nwheels = %s\n' "$2" \
        >"$1/pyhost.ini"
}

url() { echo "http://127.0.0.1:$PORT/$1#sha256=$(sha "$SRV/$(basename "$1")")"; }

# expect_clean_cache SHA: nothing under the digest's final name, no .part either.
expect_clean_cache() {
    local left
    left=$(ls -d "$PYHOST_CACHE_DIR/downloads/$1"* 2>/dev/null)
    expect_eq "files left in the cache for $1" "" "$left"
}

own_cache() { export PYHOST_CACHE_DIR="$WORK/cache.$1"; }

# ---- Tests -------------------------------------------------------------------------------

test_local_wheels_build_and_run() {
    wheel_app "$WORK/local" "$WHL/greet-1.2.0-py3-none-any.whl, $WHL/$FASTMATH"
    build_app "$WORK/local" || return
    run_capture "$PYHOST" run "$WORK/local/app.pyr"
    expect_eq "status" 0 "$STATUS"
    expect_eq "output" "$APP_OUT" "$OUT"
    run_capture "$PYHOST" inspect "$WORK/local/app.pyr"
    expect_contains "dist-info packed" "$OUT" "greet-1.2.0.dist-info/METADATA"
}

test_fetch_then_offline_build_from_requirements() {
    own_cache req
    local dir=$WORK/req
    mkdir -p "$dir"
    cat >"$dir/requirements.txt" <<EOF
# pinned wheels, by direct URL
greet @ http://127.0.0.1:$PORT/moved/greet-1.2.0-py3-none-any.whl \\
    --hash=sha256:$(sha "$SRV/greet-1.2.0-py3-none-any.whl")
fastmath @ file://$SRV/$FASTMATH --hash=sha256:$(sha "$SRV/$FASTMATH")  # a comment
EOF
    wheel_app "$dir" "" "requirements = requirements.txt"
    run_capture "$PYHOST" build --offline -c "$dir/pyhost.ini"
    expect_eq "offline build status" 1 "$STATUS"
    expect_contains "offline: which input" "$ERR" "requirements.txt:2: greet-1.2.0-py3-none-any.whl is not in the download cache"
    expect_contains "offline: hint" "$ERR" "hint: run 'pyhost fetch' first"
    run_capture "$PYHOST" fetch -c "$dir/pyhost.ini"
    expect_eq "fetch status" 0 "$STATUS"
    expect_contains "fetch line 1" "$OUT" "downloaded  greet-1.2.0-py3-none-any.whl: "
    expect_contains "fetch line 2" "$OUT" "downloaded  $FASTMATH: "
    expect_eq "no progress bar off a terminal" "" "$ERR"
    run_capture "$PYHOST" fetch -c "$dir/pyhost.ini"
    expect_eq "second fetch" "cached      greet-1.2.0-py3-none-any.whl
cached      $FASTMATH" "$OUT"
    run_capture "$PYHOST" build --offline -c "$dir/pyhost.ini"
    expect_eq "offline build after fetch" 0 "$STATUS"
    run_capture "$PYHOST" run "$dir/app.pyr"
    expect_eq "output" "$APP_OUT" "$OUT"
}

test_requirements_errors_name_file_and_line() {
    own_cache reqerr
    local dir=$WORK/reqerr
    wheel_app "$dir" "" "requirements = r.txt"
    printf '# ok\n\ngreet==1.2.0 --hash=sha256:%064d\n' 0 >"$dir/r.txt"
    run_capture "$PYHOST" fetch -c "$dir/pyhost.ini"
    expect_contains "version pin refused" "$ERR" "r.txt:3: 'greet==1.2.0 --hash=sha256:"
    expect_contains "only direct URLs" "$ERR" "only direct URL references are supported"
    printf 'greet @ http://127.0.0.1:1/greet-1.2.0-py3-none-any.whl\n' >"$dir/r.txt"
    run_capture "$PYHOST" fetch -c "$dir/pyhost.ini"
    expect_contains "hash mandatory" "$ERR" "r.txt:1: http://127.0.0.1:1/greet-1.2.0-py3-none-any.whl has no --hash=sha256"
}

test_url_without_sha256_is_a_manifest_error() {
    fetch_app "$WORK/nosha" "http://127.0.0.1:$PORT/greet-1.2.0-py3-none-any.whl"
    run_capture "$PYHOST" fetch -c "$WORK/nosha/pyhost.ini"
    expect_eq "status" 1 "$STATUS"
    expect_contains "file:line" "$ERR" "pyhost.ini:7: [resources] wheels:"
    expect_contains "why" "$ERR" "the SHA-256 is mandatory for URLs"
}

test_wrong_hash_deletes_the_download_and_names_both() {
    own_cache badhash
    local wrong=0000000000000000000000000000000000000000000000000000000000000000
    fetch_app "$WORK/badhash" "http://127.0.0.1:$PORT/greet-1.2.0-py3-none-any.whl#sha256=$wrong"
    run_capture "$PYHOST" fetch -c "$WORK/badhash/pyhost.ini"
    expect_eq "status" 1 "$STATUS"
    expect_contains "both digests" "$ERR" "expected $wrong, got $(sha "$SRV/greet-1.2.0-py3-none-any.whl")"
    expect_contains "deleted" "$ERR" "the download was deleted"
    expect_clean_cache "$wrong"
}

test_404_and_connection_refused() {
    own_cache 404
    local s=1111111111111111111111111111111111111111111111111111111111111111
    fetch_app "$WORK/404" "http://127.0.0.1:$PORT/nothing-1.0-py3-none-any.whl#sha256=$s"
    run_capture "$PYHOST" fetch -c "$WORK/404/pyhost.ini"
    expect_contains "404" "$ERR" "nothing-1.0-py3-none-any.whl failed: HTTP 404"
    expect_clean_cache "$s"
    # A port nobody listens on: bind one, note it, close it.
    local closed
    closed=$("$PYTHON" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
    fetch_app "$WORK/refused" "http://127.0.0.1:$closed/x-1.0-py3-none-any.whl#sha256=$s"
    run_capture "$PYHOST" fetch -c "$WORK/refused/pyhost.ini"
    expect_eq "status" 1 "$STATUS"
    expect_contains "refused" "$ERR" "Failed to connect to 127.0.0.1 port $closed"
    expect_clean_cache "$s"
}

test_redirect_loop() {
    own_cache loop
    local s=2222222222222222222222222222222222222222222222222222222222222222
    fetch_app "$WORK/loop" "http://127.0.0.1:$PORT/loop/0/x-1.0-py3-none-any.whl#sha256=$s"
    run_capture "$PYHOST" fetch -c "$WORK/loop/pyhost.ini"
    expect_eq "status" 1 "$STATUS"
    expect_contains "loop" "$ERR" "more than 10 redirects"
    expect_clean_cache "$s"
}

test_interrupted_transfers_resume_with_a_range_request() {
    own_cache resume
    local s
    s=$(sha "$SRV/bigdata-1.0-py3-none-any.whl")
    # Closed half-way once: resumed within the same run.
    fetch_app "$WORK/flaky" "$(url flaky/bigdata-1.0-py3-none-any.whl)"
    run_capture "$PYHOST" fetch -c "$WORK/flaky/pyhost.ini"
    expect_eq "flaky status" 0 "$STATUS"
    expect_contains "a range request" "$(cat "$LOG")" "GET /flaky/bigdata-1.0-py3-none-any.whl bytes="
    expect_eq "intact" "$s" "$(sha "$PYHOST_CACHE_DIR/downloads/$s/bigdata-1.0-py3-none-any.whl")"
    # Always closed half-way: gives up, keeps the .part, never the final name; the next
    # run resumes from the bytes kept.
    own_cache resume2
    fetch_app "$WORK/broken" "$(url broken/bigdata-1.0-py3-none-any.whl)"
    run_capture "$PYHOST" fetch -c "$WORK/broken/pyhost.ini"
    expect_eq "broken status" 1 "$STATUS"
    expect_contains "clear message" "$ERR" "run 'pyhost fetch' again to resume"
    expect_eq "no final file" "" "$(ls "$PYHOST_CACHE_DIR/downloads/$s" 2>/dev/null)"
    [ -s "$PYHOST_CACHE_DIR/downloads/$s.part" ] || fail "the partial download was not kept"
    fetch_app "$WORK/resume" "$(url bigdata-1.0-py3-none-any.whl)"
    run_capture "$PYHOST" fetch -c "$WORK/resume/pyhost.ini"
    expect_eq "resume status" 0 "$STATUS"
    expect_contains "resumed" "$OUT" "(resumed after "
    expect_contains "range on resume" "$(cat "$LOG")" "GET /bigdata-1.0-py3-none-any.whl bytes="
    expect_eq "intact after resume" "$s" "$(sha "$PYHOST_CACHE_DIR/downloads/$s/bigdata-1.0-py3-none-any.whl")"
    expect_eq ".part gone" "" "$(ls "$PYHOST_CACHE_DIR/downloads/" | grep part)"
}

test_tls_with_a_throwaway_ca() {
    own_cache tls
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/ca.pem" \
        >/dev/null 2>&1 || { fail "openssl req"; return; }
    local tport
    tport=$(start_server "$WORK/tls.log" "$WORK/ca.pem" "$WORK/key.pem")
    local s
    s=$(sha "$SRV/greet-1.2.0-py3-none-any.whl")
    fetch_app "$WORK/tls" "https://127.0.0.1:$tport/greet-1.2.0-py3-none-any.whl#sha256=$s"
    run_capture "$PYHOST" fetch -c "$WORK/tls/pyhost.ini"
    expect_eq "unknown CA refused" 1 "$STATUS"
    expect_contains "hint names the variable" "$ERR" "PYHOST_CA_BUNDLE"
    expect_clean_cache "$s"
    PYHOST_CA_BUNDLE="$WORK/ca.pem" run_capture "$PYHOST" fetch -c "$WORK/tls/pyhost.ini"
    expect_eq "with PYHOST_CA_BUNDLE" 0 "$STATUS"
    rm -rf "$PYHOST_CACHE_DIR"
    SSL_CERT_FILE="$WORK/ca.pem" run_capture "$PYHOST" fetch -c "$WORK/tls/pyhost.ini"
    expect_eq "with SSL_CERT_FILE" 0 "$STATUS"
}

test_bad_wheels_are_refused_by_build() {
    local name
    for name in fastmath-0.3-$OTHER_TAG-$OTHER_TAG-linux_x86_64.whl corrupt-1.0-py3-none-any.whl \
        evil-1.0-py3-none-any.whl; do
        mkdir -p "$WORK/bad"
        printf 'print(1)\n' >"$WORK/bad/main.py"
        make_app "$WORK/bad" bad main.py "wheels = $(url "$name")"
        run_capture "$PYHOST" build -c "$WORK/bad/pyhost.ini"
        expect_eq "$name: status" 1 "$STATUS"
        expect_not_contains "$name: no .pyr" "$(ls "$WORK/bad")" "bad.pyr"
        case $name in
        fastmath*)
            expect_contains "tags" "$ERR" "wheel $name does not run on the embedded Python $PY_VERSION"
            expect_contains "accepted tags" "$ERR" "accepted: $PY_TAG-$PY_TAG-PLATFORM" ;;
        corrupt*) expect_contains "corrupt" "$ERR" "$name: not a valid zip file" ;;
        evil*)
            expect_contains "escape" "$ERR" "wheel $name: member '../escaped.py' would be written outside"
            [ -z "$(find "$WORK" "${TMPDIR:-/tmp}" -maxdepth 3 -name escaped.py 2>/dev/null)" ] ||
                fail "escaped.py was written" ;;
        esac
    done
    expect_eq "no unpack directories left" "" "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'pyhost-wheels.*' -newer "$WORK/server.py" 2>/dev/null)"
}

test_thirty_parallel_fetches_leave_one_intact_copy() {
    own_cache parallel
    local big greet dir=$WORK/par
    big=$(sha "$SRV/bigdata-1.0-py3-none-any.whl")
    greet=$(sha "$SRV/greet-1.2.0-py3-none-any.whl")
    fetch_app "$dir" "$(url bigdata-1.0-py3-none-any.whl)
  $(url greet-1.2.0-py3-none-any.whl)"
    : >"$LOG"
    local pids="" i failed=0
    for i in $(seq 30); do
        "$PYHOST" fetch -c "$dir/pyhost.ini" >"$WORK/par.$i.out" 2>&1 &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p" || failed=$((failed + 1)); done
    expect_eq "failed runs" 0 "$failed"
    expect_eq "big: one file" "bigdata-1.0-py3-none-any.whl" "$(ls "$PYHOST_CACHE_DIR/downloads/$big")"
    expect_eq "big intact" "$big" "$(sha "$PYHOST_CACHE_DIR/downloads/$big/bigdata-1.0-py3-none-any.whl")"
    expect_eq "greet intact" "$greet" "$(sha "$PYHOST_CACHE_DIR/downloads/$greet/greet-1.2.0-py3-none-any.whl")"
    expect_eq "nothing else" "2" "$(ls "$PYHOST_CACHE_DIR/downloads" | wc -l)"
    expect_eq "downloaded once" 1 "$(grep -c "GET /bigdata" "$LOG")"
    expect_eq "30 reports" 30 "$(cat "$WORK"/par.*.out | grep -c "bigdata-1.0-py3-none-any.whl")"
}

wheel_builder
build_wheels || exit 1
LOG=$WORK/server.log
PORT=$(start_server "$LOG")
[ -n "$PORT" ] || { echo "the test server did not start" >&2; exit 1; }
run_tests "$@"
