#!/usr/bin/env bash
# End-to-end: `pyhost installer dmg` on Linux. What Linux can check: the .app's Info.plist,
# that the HFS+ volume of the xorriso hybrid holds exactly the staged tree (contents, exec
# bits, symlinks), that the UDIF written by udif.c decodes (dmg2img) to that same hybrid and
# passes 7-Zip's CRC checks, that the same SOURCE_DATE_EPOCH gives the same bytes, and that the
# app inside runs (the stub is a Linux executable here).
. "$(dirname "$0")/lib.sh"

export SOURCE_DATE_EPOCH=1700000000
NAME=pyhost-test-hello

fresh() { WORK=$(mktemp -d "$WORK/t.XXXXXX"); }

make_hello() {
    mkdir -p "$1"
    printf 'import sys\ndef main():\n    print("hello", sys.argv[1:])\n' >"$1/hello.py"
    make_app "$1" "$NAME" hello:main
    sed -i "s/^name = .*/&\nversion = 1.2.3rc1/" "$1/pyhost.ini"
}

# build_dmg DIR OUT [FLAGS...]: the images' paths in DMG and HYBRID, the staged tree in STAGE.
build_dmg() {
    local dir=$1 out=$2
    shift 2
    "$PYHOST" installer dmg -c "$dir/pyhost.ini" -o "$out" "$@" >"$WORK/.dmg.log" 2>&1 || {
        cat "$WORK/.dmg.log" >&2
        fail "pyhost installer dmg $dir $*"
        return 1
    }
    DMG=$out/$NAME-1.2.3rc1.dmg HYBRID=$out/$NAME-1.2.3rc1.hybrid.dmg
    STAGE=$out/$NAME-1.2.3rc1.stage
    # never a plain success for an app that cannot start where the image installs (issue 18)
    expect_contains "honest summary" "$(cat "$WORK/.dmg.log")" \
        "not runnable on macOS yet: the app inside runs only on Linux"
}

# extract_hfs IMAGE DIR: the HFS+ volume of IMAGE (a UDIF or the raw hybrid) into DIR, through
# the partition 7-Zip finds (UDIF: N.hfs; hybrid: -tapm then NAME.hfs).
extract_hfs() {
    mkdir -p "$2/parts"
    # xorriso's driver descriptor map claims a huge block count, so 7-Zip's APM reader reports
    # "Unexpected end of archive" (status 2) after extracting every partition: allowed here.
    local type=()
    [[ $1 == *.hybrid.dmg ]] && type=(-tapm) # else 7-Zip opens the ISO 9660 side
    7zz x -y "${type[@]}" "-o$2/parts" "$1" >"$WORK/.7z.log" 2>&1 ||
        { [ $? = 2 ] && grep -q "Unexpected end of archive" "$WORK/.7z.log"; } ||
        { cat "$WORK/.7z.log" >&2; fail "7zz x $1"; return 1; }
    HFS=$(ls "$2/parts/"*.hfs)
    # -snld: keep the relative links inside the .app (7-Zip calls links with '..' dangerous)
    7zz x -y -thfs -snld "-o$2/tree" "$HFS" >"$WORK/.7z.log" 2>&1 ||
        { cat "$WORK/.7z.log" >&2; fail "7zz x -thfs $HFS"; return 1; }
}

# Every path of the staged tree, with its type, mode and content (a hash, or a link's target);
# links in the extracted tree are read back from the HFS+ image, since 7-Zip re-roots absolute
# targets under the output directory.
describe_tree() {
    local root=$1 hfs=${2:-} p
    (cd "$root" && find . -mindepth 1 | sort) | while read -r p; do
        if [ -L "$root/$p" ]; then
            if [ -n "$hfs" ]; then
                echo "$p link $(7zz x -so -thfs "$hfs" "$NAME/${p#./}" 2>/dev/null)"
            else
                echo "$p link $(readlink "$root/$p")"
            fi
        elif [ -d "$root/$p" ]; then
            echo "$p dir"
        else
            echo "$p $(stat -c %a "$root/$p") $(sha256sum <"$root/$p" | cut -c1-16)"
        fi
    done
}

test_info_plist_and_layout() {
    fresh
    make_hello "$WORK/app"
    build_dmg "$WORK/app" "$WORK/out" --keep-stage || return
    local contents="$STAGE/$NAME.app/Contents"
    run_capture "$PYTHON" -c '
import plistlib, sys
p = plistlib.load(open(sys.argv[1], "rb"))
for k in ("CFBundleIdentifier", "CFBundleExecutable", "CFBundleIconFile", "CFBundleVersion",
          "CFBundleShortVersionString", "CFBundlePackageType", "LSMinimumSystemVersion",
          "NSHighResolutionCapable"):
    print(k, p[k])' "$contents/Info.plist"
    expect_eq "Info.plist" "CFBundleIdentifier org.pyhost.$NAME
CFBundleExecutable $NAME
CFBundleIconFile $NAME.icns
CFBundleVersion 1.2.3
CFBundleShortVersionString 1.2.3
CFBundlePackageType APPL
LSMinimumSystemVersion 10.13
NSHighResolutionCapable True" "$OUT"
    expect_eq "PkgInfo" "APPL????" "$(cat "$contents/PkgInfo")"
    expect_eq "executable" "755" "$(stat -c %a "$contents/MacOS/$NAME")"
    expect_eq "resources link" "../Resources/$NAME.pyr" "$(readlink "$contents/MacOS/$NAME.pyr")"
    expect_contains "icns" "$(file -b "$contents/Resources/$NAME.icns")" "Mac OS X icon"
    expect_eq "Applications link" "/Applications" "$(readlink "$STAGE/Applications")"
    # On Linux the stub is a Linux program: the .app really runs, finding its resources in
    # Resources/ through the link.
    run_capture env -i PATH=/usr/bin:/bin sh -c "cd / && '$contents/MacOS/$NAME' x 'y z'"
    expect_eq "the app runs" "hello ['x', 'y z']" "$OUT"
}

test_bundle_identifier_from_manifest() {
    fresh
    make_hello "$WORK/app"
    printf '\n[installer.dmg]\nbundle_identifier = com.example.hello\nminimum_system_version = 11.0\n' \
        >>"$WORK/app/pyhost.ini"
    build_dmg "$WORK/app" "$WORK/out" --keep-stage || return
    run_capture "$PYTHON" -c 'import plistlib, sys
p = plistlib.load(open(sys.argv[1], "rb"))
print(p["CFBundleIdentifier"], p["LSMinimumSystemVersion"])' "$STAGE/$NAME.app/Contents/Info.plist"
    expect_eq "identifier" "com.example.hello 11.0" "$OUT"
}

test_hybrid_holds_the_staged_tree() {
    fresh
    make_hello "$WORK/app"
    build_dmg "$WORK/app" "$WORK/out" --hybrid --keep-stage || return
    extract_hfs "$HYBRID" "$WORK/h" || return
    local expected
    expected=$(describe_tree "$STAGE")
    expect_contains "staged tree" "$expected" "./$NAME.app/Contents/MacOS/$NAME 755 "
    expect_eq "HFS+ volume == staged tree" "$expected" \
        "$(describe_tree "$WORK/h/tree/$NAME" "$HFS")"
}

test_udif_decodes_and_checks() {
    fresh
    make_hello "$WORK/app"
    build_dmg "$WORK/app" "$WORK/out" --hybrid --keep-stage || return
    expect_eq "koly trailer" "koly" "$(tail -c 512 "$DMG" | head -c 4)"
    run_capture dmg2img "$DMG" "$WORK/decoded.img"
    expect_eq "dmg2img" 0 "$STATUS"
    cmp "$WORK/decoded.img" "$HYBRID" || fail "dmg2img does not give back the hybrid image"
    run_capture 7zz t "$DMG"
    expect_eq "7zz t" 0 "$STATUS"
    expect_contains "7zz t" "$OUT" "Everything is Ok"
    expect_not_contains "7zz t" "$OUT$ERR" "CRC Failed"
    expect_not_contains "7zz t" "$OUT$ERR" "Warnings"
    expect_contains "partitions" "$(7zz l "$DMG")" ".hfs"
    extract_hfs "$DMG" "$WORK/u" || return
    expect_eq "UDIF HFS+ volume == staged tree" "$(describe_tree "$STAGE")" \
        "$(describe_tree "$WORK/u/tree/$NAME" "$HFS")"
    expect_lt_size=$(($(stat -c %s "$DMG") < $(stat -c %s "$HYBRID")))
    expect_eq "compressed" 1 "$expect_lt_size"
}

test_udif_detects_damage() {
    fresh
    make_hello "$WORK/app"
    build_dmg "$WORK/app" "$WORK/out" || return
    # flip one byte in the middle of the data fork
    local at=$(($(stat -c %s "$DMG") / 2))
    printf '\x55' | dd of="$DMG" bs=1 seek="$at" conv=notrunc status=none
    run_capture 7zz t "$DMG"
    expect_eq "7zz t on a damaged image" 2 "$STATUS"
}

test_reproducible() {
    fresh
    make_hello "$WORK/app"
    build_dmg "$WORK/app" "$WORK/one" --hybrid || return
    local one=$DMG one_hybrid=$HYBRID
    sleep 1
    build_dmg "$WORK/app" "$WORK/two" --hybrid || return
    cmp "$one_hybrid" "$HYBRID" || fail "two hybrid images differ"
    cmp "$one" "$DMG" || fail "two .dmg files differ"
    SOURCE_DATE_EPOCH=1800000000 build_dmg "$WORK/app" "$WORK/three" || return
    cmp -s "$one" "$DMG" && fail "another SOURCE_DATE_EPOCH gives the same image"
    return 0
}

test_icon_must_fit_icns() {
    fresh
    make_hello "$WORK/app"
    sed -i 's/^entry = .*/&\nicon = icon.png/' "$WORK/app/pyhost.ini"
    "$PYTHON" - "$WORK/app/icon.png" <<'PY'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
raw = b"".join(b"\0" + b"\x20\x80\xc0\xff" * 40 for _ in range(40))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 40, 8, 6, 0, 0, 0))
open(sys.argv[1], "wb").write(png + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
    run_capture "$PYHOST" installer dmg -c "$WORK/app/pyhost.ini" -o "$WORK/out"
    expect_eq "status" 1 "$STATUS"
    expect_contains "message" "$ERR" "[app] icon: 40x40 pixels cannot make a macOS .icns icon"
    expect_contains "hint" "$ERR" "hint: use a square PNG of 16, 32, 48, 128, 256, 512 or 1024"
    expect_eq "nothing left" "" "$(ls -A "$WORK/out")"
}

run_tests "$@"
