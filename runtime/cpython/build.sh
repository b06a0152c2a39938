#!/bin/sh
# The optimized libpython pyhost embeds by default: a static library made from Debian's own
# source package of the installed python3.X (upstream source + Debian's patches and its set of
# built-in modules), profile-guided (train.py, a run shaped like what pyhost executables do) and
# link-time optimized, as Debian optimizes /usr/bin/python3.X but not the libpython3.X-pic.a it
# ships (pure-Python code runs 17-46% slower in a program embedding that one: bench/RESULTS.md).
# The result is ABI-identical to Debian's interpreter, so pyhost keeps packing Debian's stdlib
# and lib-dynload extension modules.
#
# Usage: runtime/cpython/build.sh PYTHON LOG      (meson setup runs it: -Dlibpython=auto|optimized)
# Prints the path of the library on its last line. Built once per machine and user, then found
# in the cache: /var/cache/pyhost/libpython for root, else $XDG_CACHE_HOME/pyhost/libpython
# ($PYHOST_LIBPYTHON_CACHE overrides), keyed by the Python's source version, the compiler and
# the training run. About 12 minutes of two cores the first time; the build log goes to LOG.
# The source comes through apt from the archive apt is configured with (deb-src lines are added
# in a private apt configuration; the system's is not touched), checked by apt against the
# archive's signed index.
set -eu

python=$1
log=$2
here=$(cd "$(dirname "$0")" && pwd)
exec 3>&1 4>&2 # the caller's stdout and stderr: the build's own output goes to LOG
die() {
    echo "error: $1" >&4
    [ $# -lt 2 ] || echo "hint: $2" >&4
    exit 1
}

minor=$("$python" -I -c 'import sys; print("%d.%d" % sys.version_info[:2])')
package=python$minor
version=$(dpkg-query -W -f '${source:Version}' "$package" 2>/dev/null) ||
    die "$python is not Debian's $package: no source package to build an optimized libpython from" \
        "pass -Dlibpython=system to embed its own libpython"
upstream=${version%-*}
jobs=$(nproc 2>/dev/null || echo 2)
# The cache key: what the library is made of. RECIPE changes with any change to the steps below
# that changes the library (not with comments or messages).
RECIPE=2 # 2: only the installed revision's source (1 took the nearest when it was missing)
key=$({
    echo "$package $version recipe $RECIPE"
    # PYHOST_PGO_TRAINING=regrtest trains on CPython's --pgo test subset instead, to compare
    # (bench/RESULTS.md); the default key is the same as before the knob existed
    [ "${PYHOST_PGO_TRAINING:-pyhost}" = pyhost ] || echo "training $PYHOST_PGO_TRAINING"
    gcc --version | head -1
    cat "$here/train.py"
} | sha256sum | cut -c1-16)

# The cache is a trust boundary (docs/security.md): the library is linked into every pyhost, so
# the directory and every ancestor must be the user's or root's and writable by nobody else
# (sticky directories aside), and nothing on the way may be a symlink.
if [ -n "${PYHOST_LIBPYTHON_CACHE:-}" ]; then
    cache=$PYHOST_LIBPYTHON_CACHE
elif [ "$(id -u)" = 0 ]; then
    cache=/var/cache/pyhost/libpython
else
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/pyhost/libpython
fi
case $cache in /*) ;; *) die "the libpython cache $cache is not an absolute path" ;; esac
mkdir -p -m 700 "$cache"
check_dir() { # DIR OWN: OWN=1 when it must be ours, else ours or root's
    [ ! -L "$1" ] || die "the libpython cache path has a symlink: $1" "use a directory of your own (PYHOST_LIBPYTHON_CACHE)"
    set -- "$1" "$2" $(stat -c '%u %a' "$1")
    [ "$3" = "$(id -u)" ] || { [ "$2" = 0 ] && [ "$3" = 0 ]; } ||
        die "$1 belongs to user $3: not using it as the libpython cache" "use a directory of your own (PYHOST_LIBPYTHON_CACHE)"
    mode=$((0$4))
    if [ $((mode & 022)) != 0 ] && { [ "$2" = 1 ] || [ $((mode & 01000)) = 0 ]; }; then
        die "$1 is writable by other users: not using it as the libpython cache" "chmod go-w $1"
    fi
}
dir=$cache
check_dir "$dir" 1
while [ "$dir" != / ]; do
    dir=$(dirname "$dir")
    check_dir "$dir" 0
done
out=$cache/$minor-$key
lib=$out/libpython$minor.a
if [ -f "$lib" ] && [ ! -L "$lib" ]; then
    echo "$lib"
    exit 0
fi

# One build at a time per cache (two meson setups at once wait for each other).
exec 9>"$cache/.lock"
flock 9
if [ -f "$lib" ]; then
    echo "$lib"
    exit 0
fi
rm -rf "$cache"/.build-* # what a killed build left: none can be running, we hold the lock
work=$(mktemp -d "$cache/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP
exec >"$log" 2>&1
started=$(date +%s)
step() { echo "== $(($(date +%s) - started)) s: $*"; }

# Only the installed revision: its C code goes with the installed stdlib and lib-dynload. Another
# revision of the same upstream version has the same ABI but not the same behaviour (Debian's
# 3.11.2-6+deb12u9 fixed _sre, which its own csv.Sniffer relies on; a libpython built from
# deb12u8 fails CPython's test_csv with deb12u9's stdlib). Without that source the build stops
# here, and is not tried again for a day (a missing source is not a network glitch).
step "$package $version: source package through apt"
missing=$cache/$minor-$key.no-source
if [ -f "$missing" ] && [ -n "$(find "$missing" -mmin -1440)" ]; then
    die "the archive has no source of $package $version, the installed revision (checked $(date -r "$missing" '+%F %R'))" \
        "pass -Dlibpython=system, or remove $missing to ask the archive again"
fi
used=$("$here/apt_source.sh" --exact "$package" "$version" "$work/download") || {
    touch "$missing"
    die "the archive has no source of $package $version, the installed revision; an optimized libpython must be built from exactly that" \
        "pass -Dlibpython=system, or run again when the archive has it (remove $missing to ask again before a day has passed)"
}

step "unpacking, applying Debian's patches"
mkdir -p "$work/src" "$work/build"
tar -xzf "$work/download/${package}_$upstream.orig.tar.gz" -C "$work/src" --strip-components=1
tar -xJf "$work/download/${package}_$version.debian.tar.xz" -C "$work/src"
cd "$work/src"
grep -v '^\s*\(#\|$\)' debian/patches/series | while read -r p _; do
    patch -p1 -s -N <"debian/patches/$p"
done

step "configuring as Debian's static interpreter"
cd "$work/build"
../src/configure --prefix=/usr --libdir=/usr/lib/x86_64-linux-gnu --enable-ipv6 \
    --enable-loadable-sqlite-extensions --with-computed-gotos --without-ensurepip \
    --with-system-expat --with-ssl-default-suites=openssl >configure.log
# Debian's built-in modules (debian/rules, __post_configure): those its README lists as
# "extension" are compiled into libpython, so they are not in lib-dynload.
exts=$(awk -v ORS='|' '$2 ~ /^extension$/ {print $1}' ../src/debian/PVER-minimal.README.Debian.in)
grep -E "^#(${exts}XX)" ../src/Modules/Setup |
    sed -e 's/^#//' -e 's/-Wl,-Bdynamic//;s/-Wl,-Bstatic//' >>Modules/Setup.local
../src/Modules/makesetup -c ../src/Modules/config.c.in -s Modules Modules/Setup.local \
    Modules/Setup.bootstrap Modules/Setup.stdlib ../src/Modules/Setup >/dev/null 2>&1
mv config.c Modules/
make Makefile Modules/config.c >/dev/null
sed '/^Modules\/_math.o: .*PY_STDMODULE_CFLAGS/d' Makefile >Makefile.fixed
touch -r Makefile Makefile.fixed
mv -f Makefile.fixed Makefile

# Only what the embedding needs is built: the interpreter and libpython, never the shared
# extension modules (pyhost packs Debian's); the training run imports those from lib-dynload.
# No -g: the library goes into stripped executables, and debug information is a fifth of the
# compile time.
opt="-DNDEBUG -fwrapv -O3 -Wall"
step "instrumented build"
make -j"$jobs" OPT="$opt" CFLAGS_NODIST="-fprofile-generate -fprofile-update=prefer-atomic" \
    LDFLAGS_NODIST=-fprofile-generate python pybuilddir.txt
# The same built-in modules as Debian's interpreter, or extension modules would go missing.
ours=$(./python -c 'import sys; print(" ".join(sorted(sys.builtin_module_names)))')
debian=$("$python" -c 'import sys; print(" ".join(sorted(sys.builtin_module_names)))')
[ "$ours" = "$debian" ] || die "built-in modules differ from $python's: ours: $ours; Debian's: $debian"

dynload=$("$python" -I -c 'import sysconfig; print(sysconfig.get_config_var("DESTSHARED"))')
if [ "${PYHOST_PGO_TRAINING:-pyhost}" = regrtest ]; then
    step "training run (CPython's regrtest --pgo)"
    PYTHONPATH=$dynload ./python -m test --pgo --timeout=1200 || echo "regrtest: status $?"
else
    step "training run (runtime/cpython/train.py)"
    ./python -I "$here/train.py" "$dynload"
fi

step "optimized build (profile use, link-time optimization)"
find . -name '*.o' -delete
rm -f "libpython$minor.a" python
flags="-fprofile-use -fprofile-correction -Wno-missing-profile -flto=$jobs -fno-fat-lto-objects"
# The frozen modules the instrumented build generated are kept (-o): regenerating them would
# link _freeze_module with link-time optimization, minutes for nothing.
make -j"$jobs" -o Programs/_freeze_module OPT="$opt" CFLAGS_NODIST="$flags" "libpython$minor.a"
# Link-time optimization once, here: the archive's objects become one ordinary object, so every
# program that links it (pyhost, the stub, the tests) links at normal speed and needs no LTO.
gcc -r -O3 $flags -flinker-output=nolto-rel -o libpython-lto.o \
    -Wl,--whole-archive "libpython$minor.a" -Wl,--no-whole-archive
ar rcsD "libpython-opt.a" libpython-lto.o
mkdir -p "$work/out"
mv "libpython-opt.a" "$work/out/libpython$minor.a"
echo "$package $version $(gcc --version | head -1)" >"$work/out/SOURCE"
rm -rf "$out"
mv "$work/out" "$out"
step "done: $lib"
echo "$lib" >&3
