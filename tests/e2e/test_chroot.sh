#!/usr/bin/env bash
# End-to-end where users are (issue 18): minimal Debian 12 and 13 systems without Python,
# made with `debootstrap --variant=minbase` from the apt mirror this machine is configured with.
# In each, the single-file bundle, the directory bundle (adjacent .pyr) and the onefile with a
# compressed runtime of examples/notes run, and so does the installed .deb of an app that
# imports the stdlib's C extensions (json, decimal, sqlite3), after apt installs what the deb
# declares. Chroots are cached as ${PYHOST_TEST_CACHE:-/var/cache/pyhost-tests}/chroot-SUITE.tar.zst
# and reused; each test prints what making and unpacking its chroot cost.
# Needs root (chroot, mount /proc), debootstrap and zstd; SKIPs otherwise.
. "$(dirname "$0")/lib.sh"

CACHE=${PYHOST_TEST_CACHE:-/var/cache/pyhost-tests}
SOURCES=/etc/apt/sources.list.d/debian.sources
# Every mount under $WORK goes before anything is removed (a test runs in a subshell: the
# mounts are found in /proc/mounts, not remembered), and rm never leaves this file system.
unmount_all() {
    awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
}
trap 'unmount_all; rm -rf --one-file-system "$WORK"' EXIT

# The mirror apt uses here (the first non-security URI), never a name written in this file.
mirror() {
    if [ -f "$SOURCES" ]; then
        awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$SOURCES"
    else
        awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
            /etc/apt/sources.list 2>/dev/null
    fi
}

need_tools() {
    [ "$(id -u)" = 0 ] || skip "chroot and mounting /proc need root"
    command -v debootstrap >/dev/null || skip "debootstrap is not installed (.ci/install-deps --tests)"
    command -v zstd >/dev/null || skip "zstd is not installed"
    [ -n "$(mirror)" ] || skip "no apt mirror configured in $SOURCES"
}

# make_root SUITE: ROOT is a fresh copy of the cached minbase chroot of SUITE (made first if
# the cache has none). Returns 2 (with WHY) when the mirror does not have SUITE.
make_root() {
    local suite=$1 tar="$CACHE/chroot-$1.tar.zst" t0 t1
    mkdir -p "$CACHE"
    exec 9>"$CACHE/chroot-$suite.lock"
    flock 9
    if [ ! -s "$tar" ]; then
        t0=$(date +%s)
        local mk="$CACHE/.chroot-$suite.tmp"
        rm -rf "$mk"
        if ! debootstrap --variant=minbase "$suite" "$mk" "$(mirror)" >"$WORK/debootstrap-$suite.log" 2>&1; then
            rm -rf "$mk"
            flock -u 9
            WHY="debootstrap $suite from the configured mirror failed: $(tail -1 "$WORK/debootstrap-$suite.log")"
            return 2
        fi
        rm -rf "$mk/var/cache/apt/archives/"*.deb
        tar -C "$mk" --zstd -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
        rm -rf "$mk"
        t1=$(date +%s)
        echo "    chroot $suite: made with debootstrap in $((t1 - t0)) s ($(du -h "$tar" | cut -f1) cached)"
    fi
    flock -u 9
    t0=$(date +%s)
    ROOT="$WORK/root-$suite"
    mkdir -p "$ROOT"
    tar -C "$ROOT" --zstd -xf "$tar" || { WHY="cannot unpack $tar"; return 1; }
    t1=$(date +%s)
    echo "    chroot $suite: reused from the cache in $((t1 - t0)) s"
    mount -t proc proc "$ROOT/proc" || { WHY="cannot mount /proc in $ROOT"; return 1; }
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null
    return 0
}

# The apps, built once on this machine (with its Python) and copied into each chroot.
build_apps() {
    [ -f "$WORK/apps/.done" ] && return 0
    mkdir -p "$WORK/apps"
    cp -r "$REPO/examples/notes" "$WORK/apps/notes"
    (cd "$WORK/apps/notes" &&
        "$PYHOST" bundle -o "$WORK/apps/single" &&
        "$PYHOST" bundle --adjacent -o "$WORK/apps/dir" &&
        printf '\n[bundle]\ncompress_runtime = true\n' >>pyhost.ini &&
        "$PYHOST" bundle -o "$WORK/apps/onefile") >"$WORK/.bundle.log" 2>&1 ||
        { cat "$WORK/.bundle.log" >&2; fail "bundling examples/notes"; return 1; }
    mkdir -p "$WORK/apps/cext"
    cat >"$WORK/apps/cext/cext.py" <<'PY'
import json, decimal, sqlite3
def main():
    db = sqlite3.connect(":memory:")
    db.execute("create table t (x text)")
    db.execute("insert into t values (?)", (str(decimal.Decimal("1.10") * 3),))
    print(json.dumps({"total": db.execute("select x from t").fetchone()[0]}))
PY
    make_app "$WORK/apps/cext" pyhost-test-cext cext:main
    cat >>"$WORK/apps/cext/pyhost.ini" <<'INI'

[python]
stdlib_exclude = test.*, idlelib.*, tkinter.*, _tkinter, turtle, turtledemo.*, curses.*, _curses, _curses_panel, dbm.*, _dbm, _gdbm, readline, nis, ensurepip.*, lib2to3.*

[installer.deb]
maintainer = Ada Lovelace <ada@example.com>
INI
    sed -i 's/^name = .*/&\nversion = 1.0/' "$WORK/apps/cext/pyhost.ini"
    "$PYHOST" installer deb -c "$WORK/apps/cext/pyhost.ini" -o "$WORK/apps/deb" >"$WORK/.deb.log" 2>&1 ||
        { cat "$WORK/.deb.log" >&2; fail "pyhost installer deb"; return 1; }
    cp "$WORK/.deb.log" "$WORK/apps/deb.log"
    touch "$WORK/apps/.done"
}

in_root() { run_capture chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

check_suite() {
    local suite=$1 rc
    need_tools
    make_root "$suite"
    rc=$?
    [ $rc = 2 ] && skip "$WHY"
    [ $rc = 0 ] || { fail "$WHY"; return; }
    build_apps || return
    in_root sh -c 'command -v python3 python; ls /usr/lib/python3* 2>/dev/null'
    expect_eq "no Python in the $suite chroot" "" "$OUT"
    mkdir -p "$ROOT/opt/t"
    cp -a "$WORK/apps/single/notes" "$ROOT/opt/t/single"
    cp -a "$WORK/apps/dir/notes" "$ROOT/opt/t/dir"
    cp -a "$WORK/apps/onefile/notes" "$ROOT/opt/t/onefile"
    cp "$WORK/apps/deb/"*.deb "$ROOT/opt/t/"
    local want
    want=$(cd "$WORK/apps/notes" && "$WORK/apps/single/notes/notes" list 2>&1)
    for kind in single dir onefile; do
        in_root sh -c "cd / && /opt/t/$kind/notes list"
        expect_eq "$suite: $kind bundle status ($ERR)" 0 "$STATUS"
        expect_eq "$suite: $kind bundle output" "$want" "$OUT"
    done
    in_root sh -c 'cd / && /opt/t/single/notes templates'
    expect_eq "$suite: package data through importlib.resources" 0 "$STATUS"

    local deb
    deb=$(basename "$WORK/apps/deb/"*.deb)
    in_root dpkg -i "/opt/t/$deb"
    expect_eq "$suite: dpkg -i ($ERR)" 0 "$STATUS"
    # dpkg -i installs what Depends names (libc6 only: the stub needs nothing else); without
    # the Recommends only the import of the module that needs one fails, naming the library
    in_root pyhost-test-cext
    [ "$STATUS" = 0 ] || expect_contains "$suite: a missing Recommends, named" "$ERR" "libsqlite3.so.0"
    in_root dpkg -r pyhost-test-cext
    # apt installs the deb with what it declares, from the mirror
    in_root apt-get update -qq
    in_root apt-get install -y -qq "/opt/t/$deb"
    expect_eq "$suite: apt-get install the deb ($ERR)" 0 "$STATUS"
    in_root dpkg-query -W -f='${Status}' libsqlite3-0
    expect_eq "$suite: libsqlite3-0 came with it" "install ok installed" "$OUT"
    in_root pyhost-test-cext
    expect_eq "$suite: the installed deb's app ($ERR)" 0 "$STATUS"
    expect_eq "$suite: json, decimal, sqlite3" '{"total": "3.30"}' "$OUT"
    in_root dpkg -r pyhost-test-cext
    expect_eq "$suite: dpkg -r" 0 "$STATUS"
    unmount_all
    rm -rf --one-file-system "$ROOT"
}

test_bookworm() { check_suite bookworm; }
test_trixie() { check_suite trixie; }

run_tests "$@"
