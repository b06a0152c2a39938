#!/bin/sh
# Builds the libpython that release builds of pyhost embed: a static library made from Debian's
# own source package of the installed python3.11 (upstream tarball + Debian's patches and its
# set of built-in modules), optimized the way Debian optimizes /usr/bin/python3.11 — profile
# guided (CPython's --pgo training run) and link-time optimized — which Debian does not do for
# the libpython3.11-pic.a it ships (bench/RESULTS.md: pure-Python code runs 17-46% slower in any
# program embedding that one).
#
# The result is ABI-identical to Debian's interpreter (same version, patches and built-in
# modules), so pyhost keeps packing Debian's stdlib and lib-dynload extension modules.
#
# Usage: runtime/cpython/build.sh [OUTDIR]        (default: build-cpython; ~25 min on 2 cores)
# Then:  meson setup build-pgo --buildtype=release -Dtests=disabled \
#            -Dlibpython=$PWD/build-cpython/libpython3.11.a && ninja -C build-pgo
# Needs: curl, xz-utils, patch, gcc, make, and Debian's build dependencies for the built-in
# modules (libexpat1-dev, zlib1g-dev); the source comes from deb.debian.org, checked against
# the SHA-256 sums of the archive's Sources index.
set -eu

out=$(mkdir -p "${1:-build-cpython}" && cd "${1:-build-cpython}" && pwd)
package=python3.11
version=$(dpkg-query -W -f '${source:Version}' "$package")
echo "== $package $version: source package from deb.debian.org"

# Source packages of the same upstream version, from the archive's Sources indices: one line per
# file, "VERSION BASE DIRECTORY SHA256 FILE". The installed revision comes first; an archive
# mirror may lack its files (security updates), and then the nearest other revision is used.
upstream=${version%-*}
list_sources() { # BASE SUITE
    curl -fsS --max-time 120 "$1/dists/$2/main/source/Sources.xz" | xz -d |
        awk -v pkg="$package" -v up="$upstream" -v base="$1" '
            function flush() {
                if (p == pkg && index(v, up "-") == 1) { n = split(sums, f, "\n")
                    for (i = 1; i <= n; i++) if (f[i] != "") print v, base, dir, f[i] }
                p = v = dir = sums = ""; s = 0 }
            /^$/ { flush(); next }
            /^Package: / { p = $2 } /^Version: / { v = $2 } /^Directory: / { dir = $2 }
            /^Checksums-Sha256:/ { s = 1; next } /^[^ ]/ { s = 0 }
            s && /^ / { sums = sums $1 " " $3 "\n" }
            END { flush() }'
}
download() { # VERSION: fetches and checks that revision's files; fails if any is missing
    grep "^$1 " "$out/sources.txt" | while read -r _ base dir sum file; do
        if [ ! -f "$file" ]; then
            curl -fsS --max-time 600 -o "$file.part" "$base/$dir/$file" || exit 1
            mv "$file.part" "$file"
        fi
        echo "$sum  $file" | sha256sum -c --quiet - || { rm -f "$file"; exit 1; }
    done
}
{
    list_sources http://deb.debian.org/debian-security bookworm-security || true
    list_sources http://deb.debian.org/debian bookworm-updates || true
    list_sources http://deb.debian.org/debian bookworm || true
} >"$out/sources.txt"
mkdir -p "$out/src-download"
cd "$out/src-download"
used=""
for v in "$version" $(cut -d' ' -f1 "$out/sources.txt" | sort -u -r -V | grep -v -x -F "$version"); do
    grep -q "^$v " "$out/sources.txt" && download "$v" && used=$v && break
    rm -f ./*.part
done
[ -n "$used" ] || {
    echo "error: no source package of $package $upstream could be downloaded from deb.debian.org" >&2
    echo "hint: check the network, or apt-get install --only-upgrade $package and run again" >&2
    exit 1
}
[ "$used" = "$version" ] || echo "note: $version's files are not on the mirror; using $used (same upstream version, same ABI)"

echo "== unpacking, applying Debian's patches"
rm -rf "$out/src" "$out/build"
mkdir -p "$out/src" "$out/build"
tar -xzf "$out/src-download/${package}_$upstream.orig.tar.gz" -C "$out/src" --strip-components=1
tar -xJf "$out/src-download/${package}_$used.debian.tar.xz" -C "$out/src"
cd "$out/src"
grep -v '^\s*\(#\|$\)' debian/patches/series | while read -r p _; do
    patch -p1 -s -N <"debian/patches/$p"
done

echo "== configuring as Debian's static interpreter, plus PGO and LTO"
cd "$out/build"
../src/configure --prefix=/usr --libdir=/usr/lib/x86_64-linux-gnu --enable-ipv6 \
    --enable-loadable-sqlite-extensions --with-computed-gotos --without-ensurepip \
    --with-system-expat --with-ssl-default-suites=openssl \
    --enable-optimizations --with-lto >configure.log
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

# The training run is CPython's --pgo test subset. A test that fails in it (test_generators did
# once here) still produced its profile, but regrtest's exit status would stop make: run it
# through a script that reports the status and exits 0.
cat >pgo_task.py <<'EOF'
import sys
from test.libregrtest import main
sys.argv[1:] = ['--pgo', '--timeout=1200']
try:
    main()
except SystemExit as e:
    print('pgo training run: regrtest exit status %s (the profile is used either way)' % e.code)
EOF
echo "== building (instrumented build, training run, optimized build): make.log"
make -j"$(nproc)" PROFILE_TASK="$out/build/pgo_task.py" >make.log 2>&1 || {
    tail -30 make.log >&2
    exit 1
}

# The same built-in modules as Debian's interpreter, or extension modules would go missing.
ours=$(./python -c 'import sys; print(" ".join(sorted(sys.builtin_module_names)))')
debian=$(/usr/bin/$package -c 'import sys; print(" ".join(sorted(sys.builtin_module_names)))')
[ "$ours" = "$debian" ] || {
    echo "error: built-in modules differ from /usr/bin/$package's:" >&2
    echo " ours:   $ours" >&2
    echo " debian: $debian" >&2
    exit 1
}
cp "libpython3.11.a" "$out/libpython3.11.a"
echo "== $out/libpython3.11.a"
echo "next: meson setup build-pgo --buildtype=release -Dtests=disabled -Dlibpython=$out/libpython3.11.a"
