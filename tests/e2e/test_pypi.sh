#!/usr/bin/env bash
# End-to-end with real PyPI wheels for the embedded Python, whichever version it is (3.9 to
# 3.13: .ci/pyversions runs this for each). One venv of $PYTHON holds the wheels below, pinned
# by version and sha256 (one hash per CPython version for the version-specific wheels; pip
# installs the one its tags pick and checks it against the list). Each app is packed with the
# manifest the docs suggest (`entry`, `distributions = NAME`, `site_packages = VENV's site`)
# and its stdout and exit status must equal the venv's own python's (or console script's):
#   - under `pyhost run APP.pyr`,
#   - as a single-file bundle with every Python and the venv hidden.
# What the apps cover:
#   - C extensions from manylinux wheels: PyYAML's _yaml (libyaml linked in) and pyzmq's
#     Cython backend with the libraries auditwheel vendored into pyzmq.libs/ (libzmq,
#     libsodium), all mapped from memory, never from the venv;
#   - data files of pure-Python packages: Jinja2's PackageLoader over an app's templates/,
#     certifi's cacert.pem through importlib.resources, MarkupSafe's C speedups;
#   - a real command-line app: yamllint's console script with its real arguments (it reads
#     conf/default.yaml beside its __file__).
# The venv is cached as ${PYHOST_TEST_CACHE:-/var/cache/pyhost-tests}/venv-pypi-pyX.Y; when it
# cannot be made (no network) the tests SKIP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apps_lib.sh"

# Hashes of the cp39, cp310, cp311, cp312 and cp313 wheels of the version-specific ones.
PYPI_REQS="PyYAML==6.0.2 \
--hash=sha256:3b1fdb9dc17f5a7677423d508ab4f243a726dea51fa5e70992e59a7411c89d19 \
--hash=sha256:ec031d5d2feb36d1d1a24380e4db6d43695f3748343d99434e6f5f9156aaa2ed \
--hash=sha256:3ad2a3decf9aaba3d29c8f537ac4b243e36bef957511b4766cb0057d32b0be85 \
--hash=sha256:80bab7bfc629882493af4aa31a4cfa43a4c57c83813253626916b8c7ada83476 \
--hash=sha256:70b189594dbe54f75ab3a1acec5f1e3faa7e8cf2f1e08d9b561cb41b845f69d5
pyzmq==26.2.0 \
--hash=sha256:05590cdbc6b902101d0e65d6a4780af14dc22914cc6ab995d99b85af45362cc9 \
--hash=sha256:a2224fa4a4c2ee872886ed00a571f5e967c85e078e8e8c2530a2fb01b3309b88 \
--hash=sha256:689c5d781014956a4a6de61d74ba97b23547e431e9e7d64f27d4922ba96e9d6e \
--hash=sha256:7f98f6dfa8b8ccaf39163ce872bddacca38f6a67289116c8937a02e30bbe9711 \
--hash=sha256:bea2acdd8ea4275e1278350ced63da0b166421928276c7c8e3f9729d7402a57b
MarkupSafe==3.0.2 \
--hash=sha256:88b49a3b9ff31e19998750c38e030fc7bb937398b1f78cfa599aaef92d693144 \
--hash=sha256:bbcb445fa71794da8f178f0f6d66789a28d7319071af7a496d4d507ed566270d \
--hash=sha256:a123e330ef0853c6e822384873bef7507557d8e4a082961e1defa947aa59ba84 \
--hash=sha256:e17c96c14e19278594aa4841ec148115f9c7615a47382ecb6b82bd8fea3ab0c8 \
--hash=sha256:15ab75ef81add55874e7ab7055e9c397312385bd9ced94920f2802310c930396
Jinja2==3.1.4 --hash=sha256:bc5dd2abb727a5319567b7a813e6a2e7318c39f4f487cfe6c89c6f9c7d25197d
certifi==2024.8.30 --hash=sha256:922820b53db7a7257ffbda3f597266d435245903d80737e34f8a45ff3e3230d8
yamllint==1.35.1 --hash=sha256:2e16e504bb129ff515b37823b472750b36b6de07963bd74b307341ef5ad8bdc3
pathspec==0.12.1 --hash=sha256:a0d503e138a4c123b27490a4f7beda6a01c6f288df0e4a8b79c7eb0dc7b4cc08"

# pypi_app NAME ENTRY DISTRIBUTIONS: new_app over the venv, its python the reference, the venv
# hidden from the bundle.
pypi_app() {
    need_venv pypi "$PYPI_REQS"
    new_app "$1" "$2" "$3" "site_packages = $SITE
"
    REF_PYTHON=$VENV/bin/python
    HIDE_ALSO=$VENV
}

# run_and_bundle ARGS...: one reference, then pyhost run and the bundle against it.
run_and_bundle() {
    reference "$@"
    SKIP_REFERENCE=1 check_run "$@"
    SKIP_REFERENCE=1 check_bundle "$@"
}

# ---- C extensions: PyYAML's CLoader and pyzmq over its vendored libzmq and libsodium. `maps`
# says where the process mapped each native library from.
test_c_extensions_with_vendored_libraries() {
    pypi_app native native:main "pyyaml, pyzmq"
    cat >"$APP/native.py" <<'PY'
import sys
import yaml, zmq

def maps():
    where = {}
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split(None, 5)[5].strip() if len(line.split(None, 5)) > 5 else ""
            for key in ("_yaml", "_zmq", "libzmq", "libsodium"):
                if key in path:
                    where[key] = "memory" if path.startswith("/memfd:") else path
    for key in sorted(where):
        print(key, where[key])

def main():
    doc = yaml.load("a: [1, 2]\nb: {c: d}\n", Loader=yaml.CLoader)
    print(yaml.__with_libyaml__, yaml.CLoader.__module__, doc)
    print(yaml.dump(doc, Dumper=yaml.CDumper), end="")
    print(zmq.zmq_version(), zmq.pyzmq_version(), zmq.has("curve"), len(zmq.curve_keypair()[0]))
    ctx = zmq.Context()
    a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    a.bind("inproc://pyhost")
    b.connect("inproc://pyhost")
    a.send_multipart([b"hello", b"from", sys.argv[1].encode()])
    print(b.recv_multipart())
    a.close()
    b.close()
    ctx.term()
    if sys.argv[2:] == ["maps"]:
        maps()
PY
    run_and_bundle pyhost || return
    expect_contains "libyaml used" "$REF_OUT" "True yaml.cyaml {'a': [1, 2], 'b': {'c': 'd'}}"
    expect_contains "libsodium used" "$REF_OUT" " True 40"
    # the reference maps them from the venv; pyhost from the .pyr, through memfds
    run_capture "$REF_PYTHON" -E -s "$REF" x maps
    expect_contains "python: _yaml from the venv" "$OUT" "_yaml $SITE/yaml/_yaml"
    run_capture "$PYHOST" run "$APP/native.pyr" x maps
    expect_eq "pyhost: every native library from memory" "_yaml memory
_zmq memory
libsodium memory
libzmq memory" "$(tail -n 4 <<<"$OUT")"
}

# ---- Jinja2's PackageLoader over the app's own templates/, certifi's CA bundle through
# importlib.resources and where(), MarkupSafe's C speedups.
test_package_data_jinja2_certifi() {
    pypi_app tplapp tplapp.cli:main "jinja2, certifi"
    mkdir -p "$APP/tplapp/templates"
    : >"$APP/tplapp/__init__.py"
    printf 'Hello {{ name }}!{%% for i in items %%} {{ i }}{%% endfor %%} {{ "<b>" }}\n' \
        >"$APP/tplapp/templates/page.txt"
    cat >"$APP/tplapp/cli.py" <<'PY'
import hashlib, sys
import certifi, jinja2, markupsafe

def main():
    env = jinja2.Environment(loader=jinja2.PackageLoader("tplapp"), autoescape=True)
    print(env.get_template("page.txt").render(name=sys.argv[1], items=[1, 2, 3]))
    print(env.list_templates(), markupsafe._escape_inner.__module__)
    pem = certifi.contents()
    with open(certifi.where(), encoding="ascii") as f:
        print(f.read() == pem, pem.count("BEGIN CERTIFICATE") > 100)
    print(certifi.__version__, hashlib.sha256(pem.encode()).hexdigest())
PY
    run_and_bundle "<pyhost>" || return
    expect_contains "autoescaped, MarkupSafe's C speedups" "$REF_OUT" "&lt;b&gt;"
    expect_contains "MarkupSafe's C speedups" "$REF_OUT" "['page.txt'] markupsafe._speedups"
    expect_contains "certifi" "$REF_OUT" "True True"
}

# ---- yamllint: the console script the wheel installed is the reference, run with its real
# command line; the app finds conf/default.yaml beside yamllint/config.py.
test_yamllint_console_script() {
    pypi_app yamllint yamllint.cli:run yamllint
    REF=$VENV/bin/yamllint
    printf 'key: value\nkey: again\nlist: [1,2]\ntrailing: x   \n' >"$IN/bad.yaml"
    printf -- '---\nok: true\n' >"$IN/good.yaml"
    REF_EXPECT_STATUS=1
    run_and_bundle -f parsable bad.yaml good.yaml || return
    expect_contains "the lint found the duplicated key" "$REF_OUT" \
        'bad.yaml:2:1: [error] duplication of key "key" in mapping (key-duplicates)'
}

run_tests "$@"
