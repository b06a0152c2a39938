#!/usr/bin/env bash
# End-to-end: `pyhost installer msi` makes a real MSI (wixl) with a real Windows stub (mingw-w64),
# checked with msiinfo and installed, upgraded, downgraded and removed by wine's msiexec in a
# fresh WINEPREFIX under the test's directory. Nothing from the network.
. "$(dirname "$0")/lib.sh"

fresh() { WORK=$(mktemp -d "$WORK/t.XXXXXX"); }

UPGRADE_CODE="{6F1B2E3A-0C4D-4E5F-8A9B-1C2D3E4F5A6B}"

# make_msiapp DIR VERSION [GUI]: a package with a data file routed to lib/, a PNG icon, and a
# manufacturer holding XML and .rc specials; stdlib left out to keep the MSI small.
make_msiapp() {
    local dir=$1
    mkdir -p "$dir/msiapp/data"
    printf 'def main():\n    print("hi")\n' >"$dir/msiapp/__init__.py"
    echo "greeting $2" >"$dir/msiapp/data/greeting.txt"
    echo "odd" >"$dir/msiapp/data/a b&c.txt"
    "$PYTHON" - "$dir/icon.png" <<'PY'
import struct, sys, zlib
w = 64
raw = b"".join(b"\0" + bytes([30, 120, 200, 255]) * w for _ in range(w))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, w, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
    cat >"$dir/pyhost.ini" <<EOF
[app]
name = msiapp
version = $2
entry = msiapp:main
gui = ${3:-false}
icon = icon.png

[python]
stdlib = false

[resources]
paths = .
exclude = dist.*
routing = filesystem-relative:lib

[installer.msi]
upgrade_code = 6f1b2e3a-0c4d-4e5f-8a9b-1c2d3e4f5a6b
manufacturer = Ada "Q" & Co <x>
EOF
}

# build_msi DIR [FLAGS...]: the summary line in MSI_OUT.
build_msi() {
    local dir=$1
    shift
    MSI_OUT=$("$PYHOST" installer msi -c "$dir/pyhost.ini" -o "$dir/dist" "$@" 2>"$WORK/.msi.err") || {
        cat "$WORK/.msi.err" >&2
        fail "pyhost installer msi $dir $*"
        return 1
    }
}

# msiinfo writes CRLF line ends.
property() { msiinfo export "$1" Property | tr -d '\r' | awk -F'\t' -v k="$2" '$1 == k {print $2}'; }
package_code() { msiinfo suminfo "$1" | sed -n 's/^Revision number (UUID): //p'; }
# msiinfo prints the summary times in local time.
summary_time() { TZ=UTC msiinfo suminfo "$1" | sed -n "s/^$2: //p"; }

test_tables() {
    fresh
    make_msiapp "$WORK/app" 1.0.0 && build_msi "$WORK/app" || return 1
    local msi="$WORK/app/dist/msiapp-1.0.0-x64.msi"
    expect_contains "summary" "$MSI_OUT" "built $msi"
    expect_contains "summary" "$MSI_OUT" "upgrade code $UPGRADE_CODE"
    # never a plain success for an app that cannot start where the MSI installs (issue 18)
    expect_contains "honest summary" "$MSI_OUT" "not runnable on Windows yet: the app inside runs only on Linux"
    local tables
    tables=$(msiinfo tables "$msi")
    for t in File Component Shortcut Upgrade Icon Directory; do
        expect_contains "tables" "$tables" "$t"
    done
    local files
    files=$(msiinfo export "$msi" File | cut -f3)
    expect_contains "File" "$files" "msiapp.exe"
    expect_contains "File" "$files" "msiapp.pyr"
    expect_contains "File" "$files" "greeting.txt"
    expect_contains "File" "$files" "a b&c.txt"
    expect_eq "File rows" 4 "$(msiinfo export "$msi" File | tail -n +4 | wc -l)"
    expect_eq "Component rows" 4 "$(msiinfo export "$msi" Component | tail -n +4 | wc -l)"
    expect_eq "every component has a GUID" 4 \
        "$(msiinfo export "$msi" Component | cut -f2 | grep -cE '^\{[0-9A-F-]{36}\}$')"
    expect_contains "Directory" "$(msiinfo export "$msi" Directory)" "ProgramFiles64Folder"
    local shortcut
    shortcut=$(msiinfo export "$msi" Shortcut | tail -n 1)
    expect_contains "Shortcut" "$shortcut" "ProgramMenuFolder"
    expect_contains "Shortcut" "$shortcut" "[#MainExecutable]"
    expect_contains "Shortcut" "$shortcut" "AppIcon.ico"
    local upgrade
    upgrade=$(msiinfo export "$msi" Upgrade)
    expect_contains "Upgrade" "$upgrade" "$UPGRADE_CODE		1.0.0"
    expect_contains "Upgrade" "$upgrade" "WIX_DOWNGRADE_DETECTED"
    expect_eq "UpgradeCode" "$UPGRADE_CODE" "$(property "$msi" UpgradeCode)"
    expect_eq "ProductVersion" "1.0.0" "$(property "$msi" ProductVersion)"
    expect_eq "Manufacturer" 'Ada "Q" & Co <x>' "$(property "$msi" Manufacturer)"
    expect_eq "ARPPRODUCTICON" "AppIcon.ico" "$(property "$msi" ARPPRODUCTICON)"
    expect_eq "ALLUSERS" "1" "$(property "$msi" ALLUSERS)"
    expect_contains "package code" "$(package_code "$msi")" "{"
    expect_eq "no staging left" "" "$(ls -A "$WORK/app/dist" | grep -v '\.msi$')"
}

# Identity comes from the content: the same input twice gives the same codes, the same .exe and
# the same MSI bytes (the summary times are SOURCE_DATE_EPOCH, by default the manifest's time);
# a new version is a new product with the same upgrade code and component GUIDs.
test_identity() {
    fresh
    make_msiapp "$WORK/app" 1.0.0 && build_msi "$WORK/app" --keep || return 1
    local msi="$WORK/app/dist/msiapp-1.0.0-x64.msi" keep1
    keep1=$(sed -n 's/^kept //p' <<<"$MSI_OUT")
    local product=$(property "$msi" ProductCode) package=$(package_code "$msi")
    local components=$(msiinfo export "$msi" Component | sort)
    mv "$msi" "$WORK/first.msi"
    build_msi "$WORK/app" --keep || return 1
    local keep2
    keep2=$(sed -n 's/^kept //p' <<<"$MSI_OUT")
    expect_eq "same product code" "$product" "$(property "$msi" ProductCode)"
    expect_eq "same package code" "$package" "$(package_code "$msi")"
    cmp -s "$keep1/payload/msiapp.exe" "$keep2/payload/msiapp.exe" || fail "the .exe differs"
    cmp -s "$keep1/msiapp.wxs" "$keep2/msiapp.wxs" || fail "the .wxs differs"
    cmp "$WORK/first.msi" "$msi" || fail "two builds of the same input differ"
    SOURCE_DATE_EPOCH=1700000000 build_msi "$WORK/app" || return 1
    cmp -s "$WORK/first.msi" "$msi" && fail "another SOURCE_DATE_EPOCH gave the same MSI"
    expect_eq "created" "Tue Nov 14 22:13:20 2023" "$(summary_time "$msi" Created)"
    expect_eq "last saved" "Tue Nov 14 22:13:20 2023" "$(summary_time "$msi" "Last saved")"
    mv "$msi" "$WORK/epoch.msi"
    SOURCE_DATE_EPOCH=1700000000 build_msi "$WORK/app" || return 1
    cmp "$WORK/epoch.msi" "$msi" || fail "two builds with the same SOURCE_DATE_EPOCH differ"
    sed -i 's/^version = .*/version = 1.1.0/' "$WORK/app/pyhost.ini"
    build_msi "$WORK/app" || return 1
    local msi11="$WORK/app/dist/msiapp-1.1.0-x64.msi"
    [ "$(property "$msi11" ProductCode)" != "$product" ] || fail "1.1.0 kept the product code"
    [ "$(package_code "$msi11")" != "$package" ] || fail "1.1.0 kept the package code"
    expect_eq "same upgrade code" "$UPGRADE_CODE" "$(property "$msi11" UpgradeCode)"
    expect_eq "same component GUIDs" "$components" "$(msiinfo export "$msi11" Component | sort)"
}

test_windows_stub() {
    fresh
    make_msiapp "$WORK/app" 2.3.4 && build_msi "$WORK/app" --keep || return 1
    local exe
    exe="$(sed -n 's/^kept //p' <<<"$MSI_OUT")/payload/msiapp.exe"
    expect_contains "console subsystem" "$(x86_64-w64-mingw32-objdump -p "$exe")" "(Windows CUI)"
    local strings
    strings=$(strings -el "$exe")
    expect_contains "version info" "$strings" "ProductVersion"
    expect_contains "version info" "$strings" "2.3.4"
    expect_contains "version info" "$strings" 'Ada "Q" & Co <x>'
    expect_contains "icon" "$(x86_64-w64-mingw32-objdump -h "$exe")" ".rsrc"
    make_msiapp "$WORK/gui" 1.0.0 true && build_msi "$WORK/gui" --keep || return 1
    exe="$(sed -n 's/^kept //p' <<<"$MSI_OUT")/payload/msiapp.exe"
    expect_contains "gui subsystem" "$(x86_64-w64-mingw32-objdump -p "$exe")" "(Windows GUI)"
}

test_manifest_errors() {
    fresh
    make_msiapp "$WORK/app" 1.0.0
    sed -i 's/^upgrade_code = .*/upgrade_code = not-a-guid/' "$WORK/app/pyhost.ini"
    run_capture "$PYHOST" installer msi -c "$WORK/app/pyhost.ini" -o "$WORK/app/dist"
    expect_eq "status" 1 "$STATUS"
    expect_contains "bad guid" "$ERR" "pyhost.ini:17: [installer.msi] upgrade_code: 'not-a-guid' is not a GUID"
    make_msiapp "$WORK/v" release
    run_capture "$PYHOST" installer msi -c "$WORK/v/pyhost.ini" -o "$WORK/v/dist"
    expect_eq "status" 1 "$STATUS"
    expect_contains "bad version" "$ERR" "[app] version: 'release' cannot be an MSI version"
    expect_contains "hint" "$ERR" "hint: an MSI version is MAJOR.MINOR.BUILD"
}

# Without [app] icon pyhost draws one: it must be a valid PNG that icotool converts.
test_default_icon() {
    fresh
    make_msiapp "$WORK/app" 1.0.0
    sed -i '/^icon = /d' "$WORK/app/pyhost.ini"
    run_capture "$PYHOST" installer msi -c "$WORK/app/pyhost.ini" -o "$WORK/app/dist"
    expect_eq "status" 0 "$STATUS"
    expect_eq "stderr" "" "$ERR"
    [ -f "$WORK/app/dist/msiapp-1.0.0-x64.msi" ] || fail "no MSI without an icon"
}

# ---- wine: one prefix for the whole install / upgrade / downgrade / remove story ----------

UNINSTALL='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'

wine_env() { env WINEPREFIX="$PREFIX" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" "$@"; }
msiexec() { wine_env wine msiexec "$@" >/dev/null 2>&1; }
# The product codes registered under the Uninstall key.
installed() { wine_env wine reg query "$UNINSTALL" 2>/dev/null | grep -o '{[0-9A-F-]*}' | sort; }

test_wine_install_upgrade_remove() {
    fresh
    command -v wine >/dev/null || { fail "wine is not installed (.ci/install-deps)"; return 1; }
    make_msiapp "$WORK/app" 1.0.0 && build_msi "$WORK/app" || return 1
    sed -i "s/^version = .*/version = 1.1.0/" "$WORK/app/pyhost.ini"
    echo "greeting 1.1.0" >"$WORK/app/msiapp/data/greeting.txt"
    build_msi "$WORK/app" || return 1
    local v10="$WORK/app/dist/msiapp-1.0.0-x64.msi" v11="$WORK/app/dist/msiapp-1.1.0-x64.msi"
    local code10 code11
    code10=$(property "$v10" ProductCode) code11=$(property "$v11" ProductCode)

    PREFIX="$WORK/prefix"
    trap 'wine_env wineserver -k 2>/dev/null; rm -rf "$WORK"' EXIT
    wine_env wineboot -i >/dev/null 2>&1 || { fail "wineboot -i"; return 1; }
    local before
    before=$(installed)
    local dir="$PREFIX/drive_c/Program Files/msiapp"

    msiexec /i "$v10" /qn || fail "msiexec /i 1.0.0: status $?"
    [ -f "$dir/msiapp.exe" ] && [ -f "$dir/msiapp.pyr" ] || fail "not installed under Program Files"
    expect_eq "lib/ installed" "greeting 1.0.0" "$(cat "$dir/lib/msiapp/data/greeting.txt")"
    [ -f "$dir/lib/msiapp/data/a b&c.txt" ] || fail "odd file name not installed"
    local lnk
    lnk=$(find "$PREFIX/drive_c" -name msiapp.lnk | head -n 1)
    [ -n "$lnk" ] || fail "no Start-menu shortcut"
    expect_eq "one uninstall entry" "$code10" "$(comm -13 <(echo "$before") <(installed))"

    # The stub runs up to CPython: found its .pyr, looked for python311.dll next to itself.
    run_capture wine_env wine "C:\\Program Files\\msiapp\\msiapp.exe" arg
    expect_eq "exe status" 1 "$STATUS"
    expect_contains "exe error" "$ERR" "msiapp: error: python311.dll was not found next to msiapp.exe"
    expect_contains "exe hint" "$ERR" "hint: "
    rm "$dir/msiapp.pyr"
    run_capture wine_env wine "C:\\Program Files\\msiapp\\msiapp.exe"
    expect_eq "no .pyr status" 1 "$STATUS"
    expect_contains "no .pyr" "$ERR" "holds no embedded resources and"

    msiexec /i "$v11" /qn || fail "msiexec /i 1.1.0 (upgrade): status $?"
    expect_eq "upgraded: one uninstall entry" "$code11" "$(comm -13 <(echo "$before") <(installed))"
    expect_eq "upgraded files" "greeting 1.1.0" "$(cat "$dir/lib/msiapp/data/greeting.txt")"
    [ -f "$dir/msiapp.pyr" ] || fail "the upgrade did not reinstall msiapp.pyr"

    msiexec /i "$v10" /qn && fail "the downgrade to 1.0.0 was not refused"
    expect_eq "after the downgrade" "$code11" "$(comm -13 <(echo "$before") <(installed))"
    expect_eq "files kept" "greeting 1.1.0" "$(cat "$dir/lib/msiapp/data/greeting.txt")"

    msiexec /x "$v11" /qn || fail "msiexec /x: status $?"
    [ ! -e "$dir" ] || fail "left behind: $(find "$dir")"
    expect_eq "no uninstall entry" "" "$(comm -13 <(echo "$before") <(installed))"
    [ -z "$(find "$PREFIX/drive_c" -name msiapp.lnk)" ] || fail "the shortcut is left"
}

run_tests "$@"
