#!/usr/bin/env bash
# End-to-end with real applications, packed the way a new user would after reading the docs:
# a manifest with `[app] name/entry` and `[resources] distributions = THE_APP` only (plus
# `site_packages = VENV` for apps installed from PyPI into a venv). Each app runs
#   - under $PYTHON (the reference: Debian's dist-packages, or the venv),
#   - with `pyhost run APP.pyr`,
#   - as a single-file bundle (`pyhost bundle`, default: embedded) with every Python hidden,
# and stdout and the exit status must be equal to the reference's.
#
# What the apps cover (issue 15): a Debian package not named python3-* (yamllint, gcovr,
# httpie), dotted distribution names and a namespace package spread over several distributions
# (python3-zope.testrunner + zope.interface + zope.exceptions), a single-file NAME.egg-info
# whose module is not named like the distribution (python3-lzo) or that has two top-level names
# (python3-selinux), a library loaded with ctypes
# (pycryptodomex from PyPI), Jinja2's PackageLoader (gcovr, and a small app of our own), data
# read beside __file__ (yamllint's conf/, pdoc's templates/), an app re-running sys.executable
# (zope-testrunner runs a layer that cannot be torn down in `sys.executable ARGV0 --resume-layer`).
#
# Prerequisites install themselves when missing: Debian packages with apt-get (the same list is
# in .ci/install-deps --tests), PyPI wheels pinned by version and sha256 into venvs cached under
# ${PYHOST_TEST_CACHE:-/var/cache/pyhost-tests}/venv-NAME-pyX.Y. A prerequisite that cannot be
# had makes its tests SKIP with the reason (Debian's packages: with a Python other than
# Debian's). The machinery is in apps_lib.sh; test_pypi.sh runs PyPI apps on every version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apps_lib.sh"

# ---- yamllint (Debian `yamllint`): not a python3-* package; reads conf/default.yaml beside
# yamllint/config.py's __file__ (os.path.realpath(__file__)).
yamllint_app() {
    need_debs yamllint
    new_app yamllint yamllint.cli:run yamllint
    printf 'key: value\nkey: again\nlist: [1,2]\ntrailing: x   \n' >"$IN/bad.yaml"
    printf -- '---\nok: true\n' >"$IN/good.yaml"
    REF_EXPECT_STATUS=1
}
test_yamllint_run() { yamllint_app && check_run -f parsable bad.yaml good.yaml; }
test_yamllint_bundle() { yamllint_app && check_bundle -f parsable bad.yaml good.yaml; }

# ---- gcovr (Debian `gcovr`): not python3-*; the HTML report comes from Jinja2's
# PackageLoader("gcovr") over gcovr/templates/; runs gcov.
gcovr_app() {
    need_debs gcovr gcc
    new_app gcovr gcovr.__main__:main gcovr
    printf 'int twice(int x) { return 2 * x; }\nint main(int c, char **v) {\n    if (c > 5)\n        return 1;\n    return twice(c) - 2;\n}\n' \
        >"$IN/prog.c"
    (cd "$IN" && gcc --coverage -O0 -o prog prog.c && ./prog) || fail "compiling the fixture"
}
gcovr_args=(-r . --html --timestamp 2024-01-01T00:00:00+00:00 --html-title realapps)
test_gcovr_run() { gcovr_app && check_run "${gcovr_args[@]}"; }
test_gcovr_bundle() { gcovr_app && check_bundle "${gcovr_args[@]}"; }

# ---- httpie (Debian `httpie`): not python3-*; a request built offline, printed.
httpie_app() {
    need_debs httpie
    new_app http httpie.__main__:main httpie
}
httpie_args=(--offline --ignore-stdin --print=HBhb POST example.org/api name=pyhost n:=3)
test_httpie_run() { httpie_app && check_run "${httpie_args[@]}"; }
test_httpie_bundle() { httpie_app && check_bundle "${httpie_args[@]}"; }

# ---- zope-testrunner (Debian python3-zope.testrunner): dotted distribution names, the `zope`
# namespace package over zope.testrunner, zope.interface and zope.exceptions (pkg_resources
# style), and a layer that cannot be torn down, so the next layer runs in a subprocess:
# [sys.executable, abspath(sys.argv[0]), '--resume-layer', ...] (zope/testrunner/runner.py:
# spawn_layer_in_subprocess).
zope_app() {
    need_debs python3-zope.testrunner
    new_app zope-testrunner zope.testrunner:run zope.testrunner
    mkdir -p "$IN/tests/demo"
    : >"$IN/tests/demo/__init__.py"
    cat >"$IN/tests/demo/tests.py" <<'PY'
import unittest
import zope.interface

class IGreeter(zope.interface.Interface):
    def greet(name): "say hello"

@zope.interface.implementer(IGreeter)
class Greeter:
    def greet(self, name):
        return "hello " + name

class Sticky:
    """A layer that cannot be torn down: the layers after it run in a subprocess."""
    @classmethod
    def setUp(cls): pass
    @classmethod
    def tearDown(cls): raise NotImplementedError

class Tidy:
    @classmethod
    def setUp(cls): pass
    @classmethod
    def tearDown(cls): pass

class StickyTests(unittest.TestCase):
    layer = Sticky
    def test_interface(self):
        self.assertTrue(IGreeter.providedBy(Greeter()))

class TidyTests(unittest.TestCase):
    layer = Tidy
    def test_greet(self):
        self.assertEqual(Greeter().greet("ada"), "hello ada")
PY
}
# timings differ from run to run
normalize_zope() { sed -E 's/[0-9]+\.[0-9]+ seconds/N seconds/g'; }
test_zope_testrunner_run() {
    normalize() { normalize_zope; }
    zope_app && check_run --path tests -vv
}
test_zope_testrunner_bundle() {
    normalize() { normalize_zope; }
    zope_app && check_bundle --path tests -vv
}

# ---- python3-lzo: metadata is one file, python_lzo-1.14.egg-info (no top_level.txt, no
# installed-files.txt, no RECORD), and the module it installs is `lzo`, not its name.
lzo_app() {
    need_debs python3-lzo
    new_app lzoapp lzoapp:main python-lzo
    cat >"$APP/lzoapp.py" <<'PY'
import lzo
from importlib import metadata

def main():
    data = b"pyhost packs python apps " * 64
    packed = lzo.compress(data)
    print(metadata.version("python-lzo"), len(data), len(packed), lzo.adler32(data))
    print(lzo.decompress(packed) == data)
PY
}
test_lzo_single_file_egg_info_run() { lzo_app && check_run; }
test_lzo_single_file_egg_info_bundle() { lzo_app && check_bundle; }

# ---- python3-selinux: metadata is one file, selinux-3.4.egg-info, and the distribution has
# two top-level names: the package selinux and the extension module _selinux beside it, which
# selinux/__init__.py imports; losing either breaks `import selinux`.
selinux_app() {
    need_debs python3-selinux
    new_app seapp seapp:main selinux
    cat >"$APP/seapp.py" <<'PY'
import selinux
from importlib import metadata

def main():
    print(metadata.version("selinux"), selinux.is_selinux_enabled(), selinux.is_selinux_mls_enabled())
    print(sorted(n for n in ("selinux", "_selinux") if n in __import__("sys").modules))
PY
}
test_selinux_single_file_egg_info_two_tops_run() { selinux_app && check_run; }
test_selinux_single_file_egg_info_two_tops_bundle() { selinux_app && check_bundle; }

# ---- our own package app over Jinja2's PackageLoader (Debian's python3-jinja2): the loader
# wants the package's templates/ as a real directory beside its __file__.
tpl_app() {
    need_debs python3-jinja2
    new_app tplapp tplapp.cli:main jinja2
    mkdir -p "$APP/tplapp/templates"
    : >"$APP/tplapp/__init__.py"
    printf 'Hello {{ name }}!{%% for i in items %%} {{ i }}{%% endfor %%}\n' \
        >"$APP/tplapp/templates/page.txt"
    cat >"$APP/tplapp/cli.py" <<'PY'
import sys
import jinja2

def main():
    env = jinja2.Environment(loader=jinja2.PackageLoader("tplapp"))
    print(env.get_template("page.txt").render(name=sys.argv[1], items=[1, 2, 3]))
    print(env.list_templates())
PY
}
test_jinja2_package_loader_app_run() { tpl_app && check_run pyhost; }
test_jinja2_package_loader_app_bundle() { tpl_app && check_bundle pyhost; }

# ---- pycryptodomex 3.20.0 from PyPI: Cryptodome/Util/_raw_api.py loads its C code with
# ctypes.CDLL from .so files it finds with os.path.isfile() beside Cryptodome's __file__.
CRYPTO_REQS="pycryptodomex==3.20.0 --hash=sha256:bca649483d5ed251d06daf25957f802e44e6bb6df2e8f218ae71968ff8f8edc4"
crypto_app() {
    need_venv pycryptodomex "$CRYPTO_REQS"
    new_app cryptoapp cryptoapp:main pycryptodomex "site_packages = $SITE
"
    REF_PYTHON=$VENV/bin/python
    cat >"$APP/cryptoapp.py" <<'PY'
from Cryptodome.Cipher import AES
from Cryptodome.Hash import SHA256, BLAKE2s
import Cryptodome

def main():
    print(Cryptodome.__version__, SHA256.new(b"pyhost").hexdigest())
    print(BLAKE2s.new(data=b"pyhost", digest_bits=128).hexdigest())
    cipher = AES.new(bytes(range(16)), AES.MODE_GCM, nonce=bytes(12))
    ct, tag = cipher.encrypt_and_digest(b"real applications")
    print(ct.hex(), tag.hex())
    print(AES.new(bytes(range(16)), AES.MODE_GCM, nonce=bytes(12)).decrypt_and_verify(ct, tag))
PY
}
test_pycryptodomex_ctypes_run() { crypto_app && check_run; }
test_pycryptodomex_ctypes_bundle() { crypto_app && check_bundle; }

# ---- pdoc 14.4.0 from PyPI (with Jinja2, MarkupSafe, Pygments): renders the HTML docs of a
# packed module (markupsafe) from templates it finds with
# FileSystemLoader(Path(__file__).parent / "templates").
PDOC_REQS="pdoc==14.4.0 --hash=sha256:6ea4fe07620b1f7601e2708a307a257636ec206e20b5611640b30f2e3cab47d6
Jinja2==3.1.3 --hash=sha256:7d6d50dd97d52cbc355597bd845fabfbac3f551e1f99619e39a35ce8c370b5fa
MarkupSafe==2.1.5 --hash=sha256:b91c037585eba9095565a3556f611e3cbfaa42ca1e865f7b8015fe5c7336d5a5
Pygments==2.17.2 --hash=sha256:b27c2826c47d0f3219f29554824c30c5e8945175d888647acd804ddd04af846c"
pdoc_app() {
    need_venv pdoc "$PDOC_REQS"
    new_app pdoc pdoc.__main__:cli pdoc "site_packages = $SITE
"
    REF_PYTHON=$VENV/bin/python
}
pdoc_prepare() { rm -rf out; }
pdoc_collect() { [ -d out ] && (cd out && find . -type f | sort | xargs sha256sum); }
test_pdoc_templates_beside_file_run() {
    prepare() { pdoc_prepare; }
    collect() { pdoc_collect; }
    pdoc_app && check_run markupsafe -o out
}
test_pdoc_templates_beside_file_bundle() {
    prepare() { pdoc_prepare; }
    collect() { pdoc_collect; }
    pdoc_app && check_bundle markupsafe -o out
}

run_tests "$@"
