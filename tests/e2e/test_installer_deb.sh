#!/usr/bin/env bash
# End-to-end: `pyhost installer deb` makes a package that lintian accepts, that dpkg installs,
# upgrades and removes without a trace, whose app runs from /usr/bin and through its menu
# entry with an empty environment, and whose bytes depend on the input only. Installs into
# the real system (root, as in CI) under a name nothing else uses, always purged at the end.
. "$(dirname "$0")/lib.sh"

PKG=pyhost-test-hello
trap 'dpkg --purge "$PKG" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
export SOURCE_DATE_EPOCH=1700000000

fresh() { WORK=$(mktemp -d "$WORK/t.XXXXXX"); }

# make_hello DIR VERSION [EXTRA_INI]: the test app, which prints its version and arguments.
make_hello() {
    mkdir -p "$1"
    cat >"$1/hello.py" <<PY
import sys
def main():
    print("hello $2", sys.argv[1:], sys.frozen)
PY
    make_app "$1" "$PKG" hello:main "${3:-}"
    sed -i "s/^name = .*/&\nversion = $2/" "$1/pyhost.ini"
    cat >>"$1/pyhost.ini" <<'INI'

[installer.deb]
maintainer = Ada Lovelace <ada@example.com>
description = Says hello from a packed Python app
    This package is built by the pyhost test suite. It holds one small
    application and the Python interpreter it runs on.
homepage = https://example.com/hello
keywords = hello, greeting
menu = true
INI
}

# build_deb DIR OUT: pyhost installer deb; the .deb's path in DEB.
build_deb() {
    "$PYHOST" installer deb -c "$1/pyhost.ini" -o "$2" >"$WORK/.deb.log" 2>&1 || {
        cat "$WORK/.deb.log" >&2
        fail "pyhost installer deb $1"
        return 1
    }
    DEB=$(ls "$2"/*.deb)
}

need_root() {
    [ "$(id -u)" = 0 ] || skip "dpkg -i needs root"
}

# What a package could leave behind: every path under the directories it installs into.
snapshot() { find /usr/lib /usr/share /usr/bin /opt 2>/dev/null | sort; }

# Runs the menu entry's Exec line the way a desktop does, from / with an empty environment.
run_exec_line() {
    local exec
    exec=$(sed -n 's/^Exec=//p' "/usr/share/applications/$PKG.desktop" | sed 's/ %[fFuU]//g')
    run_capture env -i PATH=/usr/bin:/bin sh -c "cd / && $exec from-menu"
}

test_lintian_clean() {
    fresh
    make_hello "$WORK/app" 1.0
    build_deb "$WORK/app" "$WORK/out" || return
    expect_eq "name" "$WORK/out/${PKG}_1.0_$(dpkg --print-architecture).deb" "$DEB"
    run_capture lintian -I --pedantic "$DEB"
    expect_eq "lintian status" 0 "$STATUS"
    expect_eq "lintian tags" "" "$OUT"
}

# Defaults only: no description, no menu key. The generated synopsis must not start with the
# package name, and a command-line app gets no menu entry (or icon).
test_lintian_clean_with_defaults() {
    fresh
    make_hello "$WORK/app" 1.0
    sed -i '/^description = /,/^homepage/{/^homepage/!d}; /^menu = /d' "$WORK/app/pyhost.ini"
    build_deb "$WORK/app" "$WORK/out" || return
    run_capture lintian -I --pedantic "$DEB"
    expect_eq "lintian status" 0 "$STATUS"
    expect_eq "lintian tags" "" "$OUT"
    local synopsis contents
    synopsis=$(dpkg-deb -f "$DEB" Description | head -1)
    expect_eq "synopsis" "Python application packaged with pyhost" "$synopsis"
    contents=$(dpkg-deb -c "$DEB")
    expect_not_contains "no menu entry for a command-line app" "$contents" "applications/"
    expect_not_contains "no icon either" "$contents" "icons/hicolor"
}

test_control_and_contents() {
    fresh
    make_hello "$WORK/app" 1.0
    build_deb "$WORK/app" "$WORK/out" || return
    local control
    control=$(dpkg-deb -f "$DEB")
    expect_contains "package" "$control" "Package: $PKG"
    expect_contains "maintainer" "$control" "Maintainer: Ada Lovelace <ada@example.com>"
    expect_contains "depends (dpkg-shlibdeps)" "$control" "Depends: libc6 (>= "
    expect_contains "long description" "$control" " application and the Python interpreter"
    dpkg-deb -R "$DEB" "$WORK/x"
    # Installed-Size: each file's size rounded up to KiB, 1 per directory and symlink.
    local size
    size=$(cd "$WORK/x" && find . -mindepth 1 -path ./DEBIAN -prune -o \( -type f -printf '%s\n' \
        -o -printf '0\n' \) | awk '{ s += $1 ? int(($1 + 1023) / 1024) : 1 } END { print s }')
    expect_eq "Installed-Size" "$size" "$(dpkg-deb -f "$DEB" Installed-Size)"
    (cd "$WORK/x" && md5sum --quiet -c DEBIAN/md5sums) || fail "md5sums do not match"
    expect_eq "one time stamp" "$SOURCE_DATE_EPOCH" "$(dpkg-deb --fsys-tarfile "$DEB" | "$PYTHON" -c '
import sys, tarfile
print(*sorted({m.mtime for m in tarfile.open(fileobj=sys.stdin.buffer, mode="r|")}))')"
    expect_eq "link" "../lib/$PKG/$PKG" "$(readlink "$WORK/x/usr/bin/$PKG")"
    # the libc floor is the highest glibc symbol version the stub needs (GLIBC_ABI_DT_RELR: 2.36)
    local floor
    floor=$(objdump -T "$WORK/x/usr/lib/$PKG/$PKG" | grep -o 'GLIBC_2\.[0-9]*' | sort -uV | tail -1)
    objdump -p "$WORK/x/usr/lib/$PKG/$PKG" | grep -q GLIBC_ABI_DT_RELR && floor=GLIBC_2.36
    expect_contains "libc6 floor = the stub's" "$control" "Depends: libc6 (>= ${floor#GLIBC_})"
    expect_not_contains "the stub needs the C library only" "$control" "libzstd"
    expect_not_contains "the stub needs the C library only" "$control" "libinih"
    local desktop="$WORK/x/usr/share/applications/$PKG.desktop"
    expect_contains "terminal app" "$(cat "$desktop")" "Terminal=true"
    expect_contains "keywords" "$(cat "$desktop")" "Keywords=hello;greeting;"
    if command -v desktop-file-validate >/dev/null; then
        desktop-file-validate "$desktop" || fail "desktop-file-validate"
    fi
    expect_eq "icon" "PNG image data, 256 x 256, 8-bit/color RGBA, non-interlaced" \
        "$(file -b "$WORK/x/usr/share/icons/hicolor/256x256/apps/$PKG.png")"
    # gzip -9n: no name, a zero time stamp
    expect_eq "changelog mtime" "00000000" \
        "$(od -An -tx1 -j4 -N4 "$WORK/x/usr/share/doc/$PKG/changelog.gz" | tr -d ' ')"
    expect_contains "changelog" "$(zcat "$WORK/x/usr/share/doc/$PKG/changelog.gz")" \
        "$PKG (1.0) unstable; urgency=medium"
}

test_gui_app_and_icon() {
    fresh
    make_hello "$WORK/app" 1.0
    sed -i 's/^entry = .*/&\ngui = true\nicon = icon.png/' "$WORK/app/pyhost.ini"
    "$PYTHON" - "$WORK/app/icon.png" <<'PY'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
raw = b"".join(b"\0" + b"\x20\x80\xc0\xff" * 48 for _ in range(48))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 48, 48, 8, 6, 0, 0, 0))
open(sys.argv[1], "wb").write(png + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
    build_deb "$WORK/app" "$WORK/out" || return
    dpkg-deb -x "$DEB" "$WORK/x"
    expect_contains "gui" "$(cat "$WORK/x/usr/share/applications/$PKG.desktop")" "Terminal=false"
    cmp -s "$WORK/app/icon.png" "$WORK/x/usr/share/icons/hicolor/48x48/apps/$PKG.png" ||
        fail "the [app] icon is not installed as the 48x48 hicolor icon"
}

test_reproducible() {
    fresh
    make_hello "$WORK/app" 1.0
    build_deb "$WORK/app" "$WORK/one" || return
    sleep 1
    build_deb "$WORK/app" "$WORK/two" || return
    cmp "$WORK/one/"*.deb "$WORK/two/"*.deb || fail "two builds differ"
}

test_install_upgrade_remove() {
    need_root || return 0
    fresh
    dpkg --purge "$PKG" >/dev/null 2>&1
    local before
    before=$(snapshot)
    make_hello "$WORK/v1" 1.0
    make_hello "$WORK/v2" 1.1
    build_deb "$WORK/v1" "$WORK/o1" || return
    local deb1=$DEB
    build_deb "$WORK/v2" "$WORK/o2" || return
    local deb2=$DEB

    dpkg -i "$deb1" >"$WORK/.dpkg.log" 2>&1 || { cat "$WORK/.dpkg.log" >&2; fail "dpkg -i 1.0"; }
    run_capture env -i PATH=/usr/bin:/bin sh -c "cd / && $PKG 'a b' é"
    expect_eq "run from /usr/bin" "hello 1.0 ['a b', 'é'] True" "$OUT"
    run_exec_line
    expect_eq "run through the .desktop Exec line" "hello 1.0 ['from-menu'] True" "$OUT"

    dpkg -i "$deb2" >"$WORK/.dpkg.log" 2>&1 || { cat "$WORK/.dpkg.log" >&2; fail "dpkg -i 1.1"; }
    expect_eq "upgraded" "1.1" "$(dpkg-query -W -f='${Version}' "$PKG")"
    run_capture env -i PATH=/usr/bin:/bin "/usr/bin/$PKG"
    expect_eq "new version runs" "hello 1.1 [] True" "$OUT"

    dpkg -r "$PKG" >/dev/null 2>&1 || fail "dpkg -r"
    expect_eq "dpkg -r leaves nothing" "$before" "$(snapshot)"
    dpkg -i "$deb2" >/dev/null 2>&1 || fail "dpkg -i again"
    dpkg --purge "$PKG" >/dev/null 2>&1 || fail "dpkg --purge"
    expect_eq "dpkg --purge leaves nothing" "$before" "$(snapshot)"
    expect_eq "no dpkg record" "" "$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null)"
}

test_manifest_errors() {
    fresh
    make_hello "$WORK/app" 1.0
    sed -i '/^maintainer = /d' "$WORK/app/pyhost.ini"
    run_capture "$PYHOST" installer deb -c "$WORK/app/pyhost.ini" -o "$WORK/out"
    expect_eq "no maintainer" 1 "$STATUS"
    expect_contains "message" "$ERR" "[installer.deb] maintainer: required for a .deb"
    expect_contains "hint" "$ERR" "hint: add 'maintainer = Your Name <you@example.com>'"
    make_hello "$WORK/bad" 1.0-beta
    run_capture "$PYHOST" installer deb -c "$WORK/bad/pyhost.ini" -o "$WORK/out"
    expect_eq "bad version" 1 "$STATUS"
    expect_contains "message" "$ERR" "pyhost.ini:3: [app] version: '1.0-beta' is not a Debian version"
    expect_eq "nothing left in the output" "" "$(ls -A "$WORK/out" 2>/dev/null)"
    run_capture "$PYHOST" installer rpm
    expect_eq "unknown kind" 2 "$STATUS"
    expect_contains "message" "$ERR" "unknown installer kind 'rpm'"
}

run_tests "$@"
