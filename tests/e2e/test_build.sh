#!/usr/bin/env bash
# End-to-end tests of `pyhost build`: builds small apps in a temporary directory and checks the
# .pyr through `pyhost inspect --json`, the error messages, determinism and rebuild speed.
#
# usage: tests/e2e/test_build.sh [PATH/TO/pyhost]     (default: $PYHOST or build/launcher/pyhost)
# Exits non-zero when a check fails; prints "N passed, N failed" last.
set -u

PYHOST=${1:-${PYHOST:-build/launcher/pyhost}}
PYHOST=$(cd "$(dirname "$PYHOST")" && pwd)/$(basename "$PYHOST")
PY=${PYTHON:-/usr/bin/python3.11} # the embedded Python's interpreter (meson passes it); never a pyenv shim
[ -x "$PYHOST" ] || { echo "no pyhost at $PYHOST (pass its path)"; exit 2; }
CACHE_TAG=$("$PY" -c 'import sys; print(sys.implementation.cache_tag)') # cpython-312

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export PYHOST_CACHE_DIR=$TMP/cache # cold cache, and the user's cache stays untouched
passed=0
failed=0

check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $what"
    fi
}

# "kind name slot slot..." per entry, from pyhost inspect --json
entries() {
    "$PYHOST" inspect "$1" --json | "$PY" -c '
import json, sys
for e in json.load(sys.stdin)["entries"]:
    print(e["kind"], e["name"], *sorted(e.get("blobs", {})))'
}

has_line() { grep -qxF -- "$2" <<<"$1"; }
lacks() { ! grep -q -- "$2" <<<"$1"; }
contains() { [[ $1 == *"$2"* ]]; }
differ() { ! cmp -s "$1" "$2"; }
in_order() { [[ $1 == *"$2"*"$3"* ]]; } # in_order TEXT FIRST THEN

now() { date +%s.%N; }
elapsed() { "$PY" -c "print(f'{$2 - $1:.2f} s')"; }

# ---- a small app: a package with data, a namespace package, a top-level module ----------
make_app() {
    local d=$1
    mkdir -p "$d/src/notes/data/templates" "$d/src/notes/sub" "$d/src/ns/sub" \
        "$d/src/notes/__pycache__" "$d/src/.hidden" "$d/tools"
    cat >"$d/pyhost.ini" <<'EOF'
[app]
name = notes
entry = notes.cli:main

[python]
stdlib = false

[resources]
paths = src
EOF
    echo '"""Notes."""' >"$d/src/notes/__init__.py"
    printf 'def main():\n    print("notes")\n' >"$d/src/notes/cli.py"
    echo 'Hello {name}' >"$d/src/notes/data/templates/a.txt"
    echo '{"a": 1}' >"$d/src/notes/data/b.json"
    echo 'X = 1' >"$d/src/notes/sub/m.py"
    echo 'Y = 2' >"$d/src/ns/sub/mod.py"
    echo 'Z = 3' >"$d/src/top.py"
    echo 'not packed: outside any package' >"$d/src/README.md"
    echo 'junk' >"$d/src/notes/__pycache__/cli.$CACHE_TAG.pyc"
    echo 'junk' >"$d/src/notes/old.pyc"
    echo 'H = 1' >"$d/src/.hidden/h.py"
    echo 'print("run")' >"$d/tools/run_app.py"
}

APP=$TMP/app
make_app "$APP"
cd "$APP" || exit 2

# ---- what gets packed, and under which names --------------------------------------------
out=$("$PYHOST" build 2>"$TMP/stderr")
check "build succeeds" test $? -eq 0
check "default output is NAME.pyr next to the manifest" test -f "$APP/notes.pyr"
check "summary line" grep -qE '^wrote notes\.pyr: [0-9,]+ entries, [0-9.]+ (kB|MB) \(zstd:3\), [0-9.]+ s$' <<<"$out"
check "nothing on stderr when it is not a terminal" test ! -s "$TMP/stderr"

got=$(entries notes.pyr | sort)
expected=$(sort <<'EOF'
file .pyhost/manifest.ini data
file .pyhost/placed data
package notes bytecode-opt0 source
module notes.cli bytecode-opt0 source
namespace-package notes.sub
module notes.sub.m bytecode-opt0 source
namespace-package notes.data
package-resource notes/data/b.json data
package-resource notes/data/templates/a.txt data
namespace-package ns
namespace-package ns.sub
module ns.sub.mod bytecode-opt0 source
module top bytecode-opt0 source
EOF
)
check "exactly the expected entries (no README, __pycache__, .pyc, hidden dirs)" test "$got" = "$expected"
[ "$got" = "$expected" ] || diff <(echo "$expected") <(echo "$got")

# ---- manifest options -------------------------------------------------------------------
sed 's/^stdlib = false/stdlib = false\noptimize = 2\ninclude_source = false\ncompress = none/' \
    pyhost.ini >opt.ini
"$PYHOST" build -c opt.ini -o opt.pyr >/dev/null
got=$(entries opt.pyr)
check "optimize = 2 fills the bytecode-opt2 slot, include_source = false drops source" \
    has_line "$got" "module notes.cli bytecode-opt2"

sed 's/^paths = src/paths = src\nexclude = notes.sub.*/' pyhost.ini >excl.ini
"$PYHOST" build -c excl.ini -o excl.pyr >/dev/null
got=$(entries excl.pyr)
check "exclude drops the module and its now-empty namespace package" lacks "$got" "notes.sub"
check "exclude keeps the rest" has_line "$got" "module notes.cli bytecode-opt0 source"

sed 's#^entry = .*#entry = tools/run_app.py#' pyhost.ini >script.ini
"$PYHOST" build -c script.ini -o script.pyr >/dev/null
check "a script entry is packed as a module named by its stem" \
    has_line "$(entries script.pyr)" "module run_app bytecode-opt0 source"

# ---- determinism ------------------------------------------------------------------------
"$PYHOST" build -o again.pyr >/dev/null
check "two builds give identical bytes" cmp -s notes.pyr again.pyr
rm -rf "$PYHOST_CACHE_DIR"
"$PYHOST" build -o cold.pyr >/dev/null
check "a build with an empty bytecode cache gives identical bytes" cmp -s notes.pyr cold.pyr

# ---- errors -----------------------------------------------------------------------------
expect_error() { # expect_error DESCRIPTION MESSAGE-FRAGMENT HINT-FRAGMENT pyhost-args...
    local what=$1 message=$2 hint=$3
    shift 3
    local err rc
    err=$("$PYHOST" "$@" 2>&1 >/dev/null)
    rc=$?
    check "$what: non-zero exit" test $rc -ne 0
    check "$what: message" in_order "$err" "pyhost: error: " "$message"
    check "$what: hint" in_order "$err" "hint: " "$hint"
}

printf '[app]\nname = x\nentry = x:main\n[python]\noptimize = 3\n' >bad.ini
expect_error "bad manifest value" "bad.ini:5: [python] optimize: '3' is not 0, 1 or 2" \
    "accepted" build -c bad.ini
printf '[app]\nname = x\nentyr = x:main\n' >typo.ini
expect_error "unknown manifest key" "typo.ini:3: [app] entyr: unknown key" "did you mean 'entry'" \
    build -c typo.ini
expect_error "missing manifest" "cannot read manifest 'none.ini'" "pyhost init" build -c none.ini

sed 's/^entry = .*/entry = notes.nothere:main/' pyhost.ini >entry.ini
expect_error "missing entry module" \
    "entry.ini:3: [app] entry: entry module 'notes.nothere' is not among the packed modules" \
    "notes" build -c entry.ini
sed 's/^entry = .*/entry = notes/' pyhost.ini >pkgentry.ini
expect_error "package entry without __main__" "'notes' is a package without a __main__ module" \
    "notes/__main__.py" build -c pkgentry.ini
sed 's/^paths = src/paths = src, vendor/' pyhost.ini >paths.ini
expect_error "missing paths directory" \
    "paths.ini:9: [resources] paths: directory 'vendor' does not exist" "relative to" \
    build -c paths.ini
sed 's#^entry = .*#entry = tools/top.py#' pyhost.ini >clash.ini
echo 'print(1)' >tools/top.py
expect_error "script stem colliding with a module" "is packed as module 'top'" "rename" \
    build -c clash.ini
expect_error "unwritable output" "cannot create $TMP/nodir/x.pyr" "-o" build -o "$TMP/nodir/x.pyr"
expect_error "unknown option" "unexpected argument '--frobnicate'" "pyhost build --help" \
    build --frobnicate

# A failing build leaves neither a partial output nor a temporary file, and keeps the old one.
cp notes.pyr before.pyr
printf 'def broken(:\n' >src/notes/broken.py
expect_error "syntax error in app code" "src/notes/broken.py:1: SyntaxError" "fix the file" build
check "a failed build keeps the previous output" cmp -s notes.pyr before.pyr
expect_error "syntax error, fresh output" "SyntaxError" "fix the file" build -o fresh.pyr
check "a failed build creates no output" test ! -e fresh.pyr
check "a failed build leaves no temporary file" test -z "$(find . -name '*.tmp.*')"
rm src/notes/broken.py

# An unusable cache is one warning, and the build still succeeds.
err=$(PYHOST_CACHE_DIR=/dev/null/cache "$PYHOST" build -o nocache.pyr 2>&1 >/dev/null)
check "unwritable cache: build succeeds" test -f nocache.pyr
check "unwritable cache: one warning line" \
    test "$(grep -c '^pyhost: warning: bytecode cache .* is not usable' <<<"$err")" -eq 1
check "unwritable cache: hint" contains "$err" "hint: set PYHOST_CACHE_DIR"
check "unwritable cache: same bytes" cmp -s notes.pyr nocache.pyr

# ---- with the standard library, and rebuild speed ---------------------------------------
sed 's/^stdlib = false/stdlib = true/' pyhost.ini >std.ini
rm -rf "$PYHOST_CACHE_DIR"
t0=$(now)
out=$("$PYHOST" build -c std.ini -o std.pyr)
t1=$(now)
check "stdlib build succeeds" test -f std.pyr
got=$(entries std.pyr)
check "stdlib: json package" has_line "$got" "package json bytecode-opt0 source"
check "stdlib: json.decoder module" has_line "$got" "module json.decoder bytecode-opt0 source"
check "stdlib: _json extension module from lib-dynload" has_line "$got" "extension-module _json data"
# email/architecture.rst: in every stdlib from 3.9 to 3.13 (lib2to3 is gone in 3.13)
check "stdlib: package data files are resources" \
    has_line "$got" "package-resource email/architecture.rst data"
check "stdlib: default stdlib_exclude drops test.*" lacks "$got" " test\.support"
check "stdlib: default stdlib_exclude drops idlelib.*" lacks "$got" " idlelib"
check "stdlib: lib-dynload is not a package" lacks "$got" "lib-dynload"
"$PYHOST" build -c std.ini -o std2.pyr >/dev/null
t2=$(now)
check "stdlib: warm build gives identical bytes" cmp -s std.pyr std2.pyr
printf 'def main():\n    print("edited")\n' >src/notes/cli.py
"$PYHOST" build -c std.ini -o std3.pyr >/dev/null
t3=$(now)
check "stdlib: edited build differs" differ std.pyr std3.pyr
# What was compressed is reused (the dictionary and each blob, from the cache): a rebuild gives
# the bytes of a build from an empty cache, and costs far less than compressing again.
sed 's/^stdlib = true/stdlib = true\ncompress = zstd:19\ndictionary = true/' std.ini >dict.ini
rm -rf "$PYHOST_CACHE_DIR"
"$PYHOST" build -c std.ini -o warm.pyr >/dev/null # the bytecode: the builds below compile nothing
t4=$(now)
"$PYHOST" build -c dict.ini -o dict1.pyr >/dev/null
t5=$(now)
"$PYHOST" build -c dict.ini -o dict2.pyr >/dev/null
t6=$(now)
check "zstd:19+dict: the compression is in the .pyr" contains "$("$PYHOST" inspect dict1.pyr)" "zstd-dict"
# Bytecode and extension modules, which imports read, are stored as they are unless
# compress_modules says otherwise; sources are compressed either way.
check "bytecode stored as it is by default, source compressed" grep -qE \
    '^argparse module source=[0-9]+/[0-9]+,zstd,memory bytecode-opt0=([0-9]+)/\1,none,' <("$PYHOST" inspect std.pyr)
check "extension modules stored as they are by default" grep -qE \
    ' extension-module data=([0-9]+)/\1,none,' <("$PYHOST" inspect std.pyr)
check "no extension module compressed by default" lacks "$("$PYHOST" inspect std.pyr)" "extension-module data=[0-9/]*,zstd"
sed 's/^stdlib = true/stdlib = true\ncompress_modules = true/' std.ini >cbc.ini
"$PYHOST" build -c cbc.ini -o cbc.pyr >/dev/null
check "compress_modules = true: bytecode compressed" grep -qE \
    '^argparse module source=[0-9]+/[0-9]+,zstd,memory bytecode-opt0=[0-9]+/[0-9]+,zstd,' <("$PYHOST" inspect cbc.pyr)
check "compress_modules = true: extension modules compressed" grep -qE \
    ' extension-module data=[0-9]+/[0-9]+,zstd,' <("$PYHOST" inspect cbc.pyr)
check "compress_modules = true: a smaller .pyr" test "$(stat -c %s cbc.pyr)" -lt "$(stat -c %s std.pyr)"
check "zstd:19+dict: a rebuild from the cache gives identical bytes" cmp -s dict1.pyr dict2.pyr
check "zstd:19+dict: a rebuild from the cache takes under half the time ($(elapsed "$t4" "$t5") vs $(elapsed "$t5" "$t6"))" \
    "$PY" -c "import sys; sys.exit(not ($t6 - $t5) * 2 < ($t5 - $t4))"
echo "stdlib app: ${out#wrote }"
echo "timing: cold $(elapsed "$t0" "$t1"), warm $(elapsed "$t1" "$t2"), one file edited $(elapsed "$t2" "$t3")"

# ---- installed distributions ([resources] distributions, site_packages, routing) ----------
# A fake site directory: metadata, RECORD, markers and extras, independent of the machine.
SITE=$TMP/site
mkdir -p "$SITE/fancy_pkg/data" "$SITE/fancy_pkg-1.0.dist-info/licenses" \
    "$SITE/dep_a-2.0.dist-info" "$SITE/extra_dep-0.1.egg-info" "$SITE/deep"
echo 'A = 1' >"$SITE/fancy_pkg/__init__.py"
echo 'payload' >"$SITE/fancy_pkg/data/x.txt"
echo 'B = 1' >"$SITE/dep_a.py"
echo 'C = 1' >"$SITE/extra_mod.py"
echo 'D = 1' >"$SITE/deep/__init__.py" # installed, never required
cat >"$SITE/fancy_pkg-1.0.dist-info/METADATA" <<'END'
Metadata-Version: 2.1
Name: fancy-pkg
Version: 1.0
Requires-Dist: Dep_A (>=1.0)
Requires-Dist: old-backport ; python_version < "3.8"
Requires-Dist: winonly ; sys_platform == "win32" or os_name == "nt"
Requires-Dist: Extra.Dep ; extra == 'Fancy' and python_full_version >= "3.6"
Requires-Dist: not-wanted ; extra == "other"

Requires-Dist: not a header any more
END
printf 'fancy_pkg/__init__.py,,\nfancy_pkg/data/x.txt,,\nfancy_pkg-1.0.dist-info/METADATA,,\n../../bin/fancy,,\n' \
    >"$SITE/fancy_pkg-1.0.dist-info/RECORD"
echo 'MIT' >"$SITE/fancy_pkg-1.0.dist-info/licenses/LICENSE"
printf 'Metadata-Version: 2.1\nName: dep-a\nVersion: 2.0\n' >"$SITE/dep_a-2.0.dist-info/METADATA"
printf 'Metadata-Version: 1.2\nName: extra.dep\nVersion: 0.1\n' \
    >"$SITE/extra_dep-0.1.egg-info/PKG-INFO"
printf 'extra_mod\n' >"$SITE/extra_dep-0.1.egg-info/top_level.txt"
printf '\n[:python_version < "3"]\nnever\n' >"$SITE/extra_dep-0.1.egg-info/requires.txt"

printf '[app]\nname = fake\nentry = notes.cli:main\n[python]\nstdlib = false\n[resources]\npaths = src\nsite_packages = %s\ndistributions = fancy-pkg[fancy]\n' \
    "$SITE" >fake.ini
out=$("$PYHOST" build -c fake.ini -o fake.pyr --explain 2>&1)
check "fake site: build succeeds" test -f fake.pyr
got=$(entries fake.pyr)
for line in "package fancy_pkg bytecode-opt0 source" "package-resource fancy_pkg/data/x.txt data" \
    "distribution-file fancy_pkg-1.0.dist-info/METADATA data" \
    "distribution-file fancy_pkg-1.0.dist-info/RECORD data" \
    "distribution-file fancy_pkg-1.0.dist-info/licenses/LICENSE data" \
    "module dep_a bytecode-opt0 source" "distribution-file dep_a-2.0.dist-info/METADATA data" \
    "module extra_mod bytecode-opt0 source" \
    "distribution-file extra_dep-0.1.egg-info/PKG-INFO data"; do
    check "fake site: $line" has_line "$got" "$line"
done
check "fake site: what nothing requires is not packed" lacks "$got" " deep"
check "explain: named in the manifest" \
    has_line "$out" "distribution fancy_pkg: [resources] distributions"
check "explain: Requires-Dist" \
    has_line "$out" "distribution dep_a: required by fancy_pkg (Requires-Dist: Dep_A (>=1.0))"
check "explain: an extra's requirement" contains "$out" \
    "distribution extra_dep: required by fancy_pkg (Requires-Dist: Extra.Dep ; extra == 'Fancy'"
check "explain: app module" has_line "$out" "module notes: [resources] paths src"
check "explain: distribution module" has_line "$out" "module extra_mod: distribution extra_dep"
check "explain: sorted" test "$(grep -E '^(module|distribution) ' <<<"$out")" = \
    "$(grep -E '^(module|distribution) ' <<<"$out" | LC_ALL=C sort)"

sed 's/fancy-pkg\[fancy\]/fancy-pkg/' fake.ini >noextra.ini
"$PYHOST" build -c noextra.ini -o noextra.pyr >/dev/null 2>&1
check "without the extra, its requirement is not packed" lacks "$(entries noextra.pyr)" "extra_mod"
# the apt-get hint only where the embedded Python is Debian's (its site directories are
# dist-packages); elsewhere pip's
if "$PY" -c 'import site, sys; sys.exit(not any(p.endswith("dist-packages") for p in site.getsitepackages()))'; then
    install_hint() { echo "apt-get install python3-$1"; }
else
    install_hint() { echo "pip install --target DIR $1"; }
fi
sed 's/fancy-pkg\[fancy\]/fancy-pkg[other]/' fake.ini >other.ini
expect_error "missing required distribution" \
    "other.ini:9: [resources] distributions: distribution 'not-wanted', required by fancy_pkg (Requires-Dist: not-wanted ; extra == \"other\"), is not installed in $SITE" \
    "$(install_hint not-wanted)" build -c other.ini -o other.pyr
check "a failed build writes no output" test ! -e other.pyr
sed 's/fancy-pkg\[fancy\]/fancy-pkg, nosuchdist/' fake.ini >missing.ini
expect_error "missing distribution" \
    "missing.ini:9: [resources] distributions: distribution 'nosuchdist' is not installed in $SITE" \
    "$(install_hint nosuchdist)" build -c missing.ini
sed "s#^site_packages = .*#site_packages = nowhere#" fake.ini >nosite.ini
expect_error "missing site directory" \
    "nosite.ini:8: [resources] site_packages: directory 'nowhere' does not exist" \
    "relative to" build -c nosite.ini

# Routing: filesystem-relative copies next to the .pyr, in memory for the rest.
mkdir -p routed
printf '[routing]\nfancy_pkg.* = filesystem-relative:lib\n' | cat fake.ini - >routed/r.ini
sed -i "s#^paths = src#paths = $APP/src#" routed/r.ini
"$PYHOST" build -c routed/r.ini >/dev/null 2>&1
check "routing: the data file is copied next to the .pyr" \
    cmp -s routed/lib/fancy_pkg/data/x.txt "$SITE/fancy_pkg/data/x.txt"
json=$("$PYHOST" inspect routed/fake.pyr --json)
check "routing: the entry is filesystem-relative" \
    contains "$json" '"location":"filesystem","path":"lib/fancy_pkg/data/x.txt"'
check "routing: other entries stay in memory" contains "$json" '"location":"memory"'

# Real Debian packages (CI installs python3-pygments, -requests, -yaml; skipped elsewhere, and
# for a Python whose site directories are not Debian's: pyenv's 3.12 must not pack 3.11's).
DIST=/usr/lib/python3/dist-packages
if "$PY" -I -c 'import site, sys; sys.exit(sys.argv[1] not in site.getsitepackages())' "$DIST" &&
    [ -d "$DIST/pygments" ] && [ -d "$DIST/requests" ] && [ -d "$DIST/yaml" ]; then
    printf '[app]\nname = real\nentry = notes.cli:main\n[python]\nstdlib = false\n[resources]\npaths = src\ndistributions = pygments\n' >pyg.ini
    "$PYHOST" build -c pyg.ini -o pyg.pyr >/dev/null
    got=$(entries pyg.pyr)
    check "pygments: package" has_line "$got" "package pygments bytecode-opt0 source"
    check "pygments: lexers" has_line "$got" "module pygments.lexers.python bytecode-opt0 source"
    check "pygments: metadata" grep -qE \
        '^distribution-file Pygments-[^/]*(\.egg-info/PKG-INFO|\.dist-info/METADATA) data$' <<<"$got"
    check "pygments: entry points" \
        grep -qE '^distribution-file Pygments-[^/]*-info/entry_points.txt data$' <<<"$got"

    sed 's/^distributions = .*/distributions = requests/' pyg.ini >req.ini
    out=$("$PYHOST" build -c req.ini -o req.pyr --explain)
    got=$(entries req.pyr)
    for pkg in requests urllib3 idna certifi; do
        check "requests: package $pkg" has_line "$got" "package $pkg bytecode-opt0 source"
        check "requests: $pkg metadata" grep -qiE "^distribution-file $pkg-[^/]*-info/" <<<"$got"
        check "requests: explain $pkg" has_line "$out" "module $pkg: distribution $pkg"
    done
    check "requests: charset_normalizer or chardet" \
        grep -qE '^package (charset_normalizer|chardet) ' <<<"$got"
    check "requests: explain the request" \
        has_line "$out" "distribution requests: [resources] distributions"
    check "requests: explain why urllib3" \
        grep -qE '^distribution urllib3: required by requests \(.*urllib3' <<<"$out"

    mkdir -p yamlapp
    sed "s/^distributions = .*/distributions = pyyaml\n[routing]\nyaml.* = filesystem-relative:lib/; s#^paths = src#paths = $APP/src#" \
        pyg.ini >yamlapp/pyhost.ini
    "$PYHOST" build -c yamlapp/pyhost.ini >/dev/null
    so=$(cd yamlapp && ls lib/yaml/_yaml.*.so 2>/dev/null)
    check "yaml: the extension module is copied under lib/ with its real name" test -n "$so"
    check "yaml: the copy is executable" test -x "yamlapp/$so"
    json=$("$PYHOST" inspect yamlapp/real.pyr --json)
    check "yaml: filesystem location in the .pyr" \
        contains "$json" "\"location\":\"filesystem\",\"path\":\"$so\""
    cp yamlapp/real.pyr yaml1.pyr
    "$PYHOST" build -c yamlapp/pyhost.ini >/dev/null
    check "yaml: a rebuild gives identical bytes" cmp -s yaml1.pyr yamlapp/real.pyr
else
    echo "SKIP: real distributions (Debian's Python with python3-pygments python3-requests python3-yaml)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
