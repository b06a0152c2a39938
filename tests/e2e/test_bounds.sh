#!/usr/bin/env bash
# End-to-end: every outside input is bounded (docs/security.md, "Inputs"). Special files are
# refused at once, naming the file; sizes are capped per kind; archives cannot unpack without
# bound. Each command runs under `timeout`: a hang is a failure, not a stuck CI job.
. "$(dirname "$0")/lib.sh"

# within SECONDS CMD...: run_capture, with a hang turned into status 124.
within() {
    local t=$1
    shift
    run_capture timeout -k 2 "$t" "$@"
}

simple_app() {
    mkdir -p "$1"
    printf 'def main():\n    print("app ran")\n' >"$1/probe.py"
    make_app "$1" probe probe:main "${2:-}"
}

test_requirements_that_is_a_device_is_refused() {
    local dir=$WORK/req
    simple_app "$dir" "requirements = zero.txt"
    ln -s /dev/zero "$dir/zero.txt"
    within 20 "$PYHOST" fetch -c "$dir/pyhost.ini"
    expect_eq "fails, does not hang" 1 "$STATUS"
    expect_contains "names the file and the kind" "$ERR" "zero.txt: not a regular file (a character device)"
    expect_contains "hint" "$ERR" "hint: pass the requirements file as a regular file"
}

test_requirements_that_is_too_large_is_refused() {
    local dir=$WORK/reqbig
    simple_app "$dir" "requirements = big.txt"
    truncate -s 17M "$dir/big.txt"
    within 20 "$PYHOST" fetch -c "$dir/pyhost.ini"
    expect_eq "fails" 1 "$STATUS"
    expect_contains "says the limit" "$ERR" "too large (17825792 bytes; the requirements file may be at most 16 MiB)"
}

test_icon_linked_to_dev_zero_is_refused() {
    local dir=$WORK/icon
    simple_app "$dir"
    sed -i 's/^entry = .*/&\nicon = icon.png/' "$dir/pyhost.ini"
    ln -s /dev/zero "$dir/icon.png"
    build_app "$dir" || return
    within 60 "$PYHOST" bundle -c "$dir/pyhost.ini" -o "$WORK/icon-dist"
    expect_eq "fails, does not fill the disk" 1 "$STATUS"
    expect_contains "names the icon" "$ERR" "icon.png: not a regular file (a character device)"
    expect_contains "hint" "$ERR" "hint: pass the icon as a regular file"
}

test_run_and_inspect_of_a_fifo_fail_at_once() {
    mkfifo "$WORK/app.pyr"
    within 10 "$PYHOST" run "$WORK/app.pyr"
    expect_eq "run: fails, does not hang" 1 "$STATUS"
    expect_contains "run: says what it is" "$ERR" "$WORK/app.pyr: not a regular file (a FIFO)"
    expect_contains "run: hint" "$ERR" "hint: "
    within 10 "$PYHOST" inspect "$WORK/app.pyr"
    expect_eq "inspect: fails, does not hang" 1 "$STATUS"
    expect_contains "inspect: says what it is" "$ERR" "$WORK/app.pyr: not a regular file (a FIFO)"
    expect_contains "inspect: hint" "$ERR" "hint: "
    within 10 "$PYHOST" build -c "$WORK/app.pyr"
    expect_eq "a FIFO as manifest: fails" 1 "$STATUS"
    expect_contains "manifest: says why" "$ERR" "not a regular file"
}

# A wheel whose central directory points three names at one deflated stream: unpacking it
# would write the stream three times (a zip bomb's trick). Refused before anything is unpacked.
test_wheel_with_overlapping_members_is_refused() {
    local dir=$WORK/overlap
    mkdir -p "$dir"
    "$PYTHON" - "$dir/bomb-1.0-py3-none-any.whl" <<'PY' || fail "making the wheel"
import io, struct, sys, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("bomb/__init__.py", "")
    z.writestr("bomb/data.bin", b"\0" * (1 << 20))
    z.writestr("bomb-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n")
    z.writestr("bomb-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr("bomb-1.0.dist-info/RECORD", "")
data = buf.getvalue()
eocd = data.rindex(b"PK\x05\x06")
count, size, offset = struct.unpack("<HII", data[eocd + 10:eocd + 20])
cdir = data[offset:offset + size]
entries, p = [], 0
while p < len(cdir):
    n, e, c = struct.unpack("<HHH", cdir[p + 28:p + 34])
    entries.append(cdir[p:p + 46 + n + e + c])
    p += 46 + n + e + c
target = next(x for x in entries if b"bomb/data.bin" in x)
for twin in (b"bomb/dat2.bin", b"bomb/dat3.bin"):
    entries.append(target.replace(b"bomb/data.bin", twin))
cdir = b"".join(entries)
eocd_rec = data[eocd:eocd + 22]
eocd_rec = eocd_rec[:8] + struct.pack("<HHII", len(entries), len(entries), len(cdir), offset) + eocd_rec[20:]
open(sys.argv[1], "wb").write(data[:offset] + cdir + eocd_rec)
PY
    simple_app "$dir" "wheels = bomb-1.0-py3-none-any.whl"
    within 60 "$PYHOST" build -c "$dir/pyhost.ini"
    expect_eq "fails" 1 "$STATUS"
    expect_contains "says overlap" "$ERR" "bomb-1.0-py3-none-any.whl: not a valid zip file (bomb/data.bin overlaps bomb/dat"
    expect_eq "no .pyr written" no "$([ -e "$dir/probe.pyr" ] && echo yes || echo no)"
}

# zip64_wheel PATH [broken]: a real zip64 wheel made by Python's zipfile with its limits
# lowered to 0, so every member has zip64 local and central records (sizes and offsets
# 0xffffffff, the values in the 0x0001 extra field) and the archive a zip64 end record and
# locator. "broken" drops the extra fields from the central directory: saturated fields left
# without their values.
zip64_wheel() {
    "$PYTHON" - "$@" <<'PY' || fail "making the zip64 wheel"
import struct, sys, zipfile
zipfile.ZIP64_LIMIT = 0
zipfile.ZIP_FILECOUNT_LIMIT = 0
path = sys.argv[1]
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in (("zsixf/__init__.py", "VALUE = 'from a zip64 wheel'\n"),
                       ("zsixf/data.txt", "x" * 100000),
                       ("zsixf-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zsixf\nVersion: 1.0\n"),
                       ("zsixf-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
                       ("zsixf-1.0.dist-info/RECORD", "")):
        with z.open(name, "w", force_zip64=True) as f:
            f.write(text.encode())
data = open(path, "rb").read()
assert b"PK\x06\x06" in data and b"PK\x06\x07" in data, "no zip64 end record"
if len(sys.argv) > 2:  # the zip64 extra id 0x0001 renamed to an unknown 0x0099 in every entry
    cd = data.index(b"PK\x01\x02")
    data = data[:cd] + data[cd:].replace(b"\x01\x00\x18\x00", b"\x99\x00\x18\x00")
    open(path, "wb").write(data)
PY
}

test_zip64_wheel_is_read() {
    local dir=$WORK/zip64
    mkdir -p "$dir"
    zip64_wheel "$dir/zsixf-1.0-py3-none-any.whl"
    "$PYTHON" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).testzip()' "$dir/zsixf-1.0-py3-none-any.whl" ||
        fail "Python cannot read its own zip64 wheel"
    printf 'import zsixf\n' >"$dir/probe.py"
    printf 'def main():\n    print(zsixf.VALUE)\n' >>"$dir/probe.py"
    make_app "$dir" probe probe:main "wheels = zsixf-1.0-py3-none-any.whl"
    build_app "$dir" || return
    run_capture "$PYHOST" run "$dir/probe.pyr"
    expect_eq "the wheel's module runs" "from a zip64 wheel" "$OUT"
    expect_eq "status" 0 "$STATUS"
}

test_zip64_fields_without_values_are_refused() {
    local dir=$WORK/zip64bad
    mkdir -p "$dir"
    zip64_wheel "$dir/zsixf-1.0-py3-none-any.whl" broken
    simple_app "$dir" "wheels = zsixf-1.0-py3-none-any.whl"
    within 60 "$PYHOST" build -c "$dir/pyhost.ini"
    expect_eq "fails" 1 "$STATUS"
    expect_contains "names the wheel and the problem" "$ERR" \
        "zsixf-1.0-py3-none-any.whl: not a valid zip file (zsixf/data.txt: bad zip64 extra field)"
    expect_contains "hint" "$ERR" "hint: "
    expect_eq "no .pyr written" no "$([ -e "$dir/probe.pyr" ] && echo yes || echo no)"
}

# A single-file bundle whose onefile record (just before the .pyr) claims a 2^62-byte runtime:
# refused before anything is allocated or unpacked, with a message, not an abort.
test_onefile_record_claiming_a_huge_runtime_is_refused() {
    local dir=$WORK/hugert
    simple_app "$dir" && printf '\n[bundle]\ncompress_runtime = true\n' >>"$dir/pyhost.ini"
    run_capture "$PYHOST" bundle -c "$dir/pyhost.ini" -o "$dir/dist"
    expect_eq "bundle" 0 "$STATUS"
    "$PYTHON" - "$dir/dist/probe/probe" "$dir/huge" <<'PY' || fail "patching the record"
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
assert data[-32:-24] == b"PYRTRAIL"
record = struct.unpack_from("<Q", data, len(data) - 24)[0] - 72  # docs/bundle.md: 72 bytes
assert data[record:record + 8] == b"PHRUNZS2"
struct.pack_into("<Q", data, record + 24, 1 << 62)  # runtime_size
open(sys.argv[2], "wb").write(data)
PY
    chmod +x "$dir/huge"
    within 20 env PYHOST_CACHE_DIR="$WORK/hugecache" "$dir/huge"
    expect_eq "status 1, not an abort (134)" 1 "$STATUS"
    expect_eq "stderr" "huge: error: the compressed runtime cannot be found in this executable
hint: the executable is damaged or incomplete: reinstall the app, or rebuild it" "$ERR"
    expect_eq "nothing unpacked" "" "$(ls -A "$WORK/hugecache/runtime" 2>/dev/null)"
}

# A filesystem-relative path that leaves the app directory ("../_json...so"), in a .pyr whose
# checksums all pass: refused when the module is imported; the library there never loads.
test_filesystem_path_leaving_the_app_directory_is_refused() {
    local dir=$WORK/esc/app so
    mkdir -p "$dir"
    printf 'import _json\nprint("app ran")\n' >"$dir/xc.py"
    make_app "$dir" xc xc "
[routing]
_json = filesystem-relative:lib"
    build_app "$dir" || return
    so=$(cd "$dir/lib" && ls _json*.so) || { fail "_json was not routed to lib/"; return; }
    "$PYTHON" "$REPO/tests/e2e/pyr_patch.py" "$dir/xc.pyr" "$dir/esc.pyr" escape=_json
    printf '#include <fcntl.h>\n__attribute__((constructor)) static void pwn(void) { creat("%s/PWNED", 0644); }\n' \
        "$WORK" >"$WORK/pwn.c"
    cc -shared -fPIC -o "$WORK/esc/_${so#_}" "$WORK/pwn.c" || fail "cc" # where ../_ leads
    run_capture "$PYHOST" run "$dir/esc.pyr"
    expect_eq "fails" 1 "$STATUS"
    expect_contains "says corrupt, names the entry and the path" "$ERR" \
        "esc.pyr: corrupt .pyr: the filesystem path of '_json' leaves the app directory (b'../_$so')"
    expect_eq "the library outside was not loaded" no "$([ -e "$WORK/PWNED" ] && echo yes || echo no)"
}

# The app's .pyr truncated while it runs: the next read of a lost page is SIGBUS, which must
# end the app with a message naming the file, not a bare "Bus error".
test_pyr_truncated_while_running_is_a_clear_error() {
    local dir=$WORK/trunc
    mkdir -p "$dir"
    cat >"$dir/probe.py" <<'PY'
import sys, time
def main():
    print("ready", flush=True)
    for _ in range(200):
        time.sleep(0.05)
        if open(sys.argv[1]).read() == "go":
            break
    import lazy
    print("lazy imported", lazy.VALUE)
PY
    "$PYTHON" -c 'print("VALUE = %r" % ("x" * 200000))' >"$dir/lazy.py"
    make_app "$dir" probe probe:main
    build_app "$dir" || return
    : >"$dir/flag"
    timeout 30 "$PYHOST" run "$dir/probe.pyr" "$dir/flag" >"$WORK/trunc.out" 2>"$WORK/trunc.err" &
    local pid=$! i
    for i in $(seq 100); do
        grep -q ready "$WORK/trunc.out" && break
        sleep 0.1
    done
    truncate -s 4096 "$dir/probe.pyr"
    printf go >"$dir/flag"
    wait $pid
    STATUS=$?
    expect_eq "status 1, not killed by SIGBUS (135) or a timeout (124)" 1 "$STATUS"
    expect_eq "stderr" "pyhost: error: $dir/probe.pyr changed or was truncated while the app was running
hint: replace an app's file with a new one (rename) rather than writing over it" "$(cat "$WORK/trunc.err")"
    expect_not_contains "the module was not imported" "$(cat "$WORK/trunc.out")" "lazy imported"
}

# interrupt_when SIGNAL GLOB CMD...: starts CMD, sends SIGNAL as soon as a path matching GLOB
# exists (the writer is mid-way), waits; sets STATUS and ERR. Background commands of a script
# ignore SIGINT: env --default-signal gives it back.
interrupt_when() {
    local sig=$1 glob=$2 pid i
    shift 2
    env --default-signal=INT "$@" >"$WORK/.iout" 2>"$WORK/.ierr" &
    pid=$!
    for i in $(seq 3000); do
        compgen -G "$glob" >/dev/null && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.01
    done
    kill -"$sig" $pid
    wait $pid
    STATUS=$?
    ERR=$(cat "$WORK/.ierr")
}

test_interrupted_bundle_leaves_no_temporary_directory() {
    local dir=$WORK/intr
    simple_app "$dir"
    build_app "$dir" || return
    interrupt_when INT "$WORK/intr-dist/.probe.tmp-*" \
        "$PYHOST" bundle -c "$dir/pyhost.ini" -o "$WORK/intr-dist"
    expect_eq "SIGINT: status 130" 130 "$STATUS"
    expect_contains "SIGINT: says so" "$ERR" "pyhost: interrupted"
    expect_eq "nothing left in dist/" "" "$(ls -A "$WORK/intr-dist")"
    interrupt_when TERM "$WORK/intr-dist/.probe.tmp-*" \
        "$PYHOST" bundle -c "$dir/pyhost.ini" -o "$WORK/intr-dist"
    expect_eq "SIGTERM: status 143" 143 "$STATUS"
    expect_eq "SIGTERM: nothing left in dist/" "" "$(ls -A "$WORK/intr-dist")"
}

test_interrupted_build_leaves_no_unpacked_wheels() {
    local dir=$WORK/intrw
    mkdir -p "$dir" "$WORK/tmpdir"
    "$PYTHON" - "$dir/big-1.0-py3-none-any.whl" <<'PY' || fail "making the wheel"
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("big/__init__.py", "")
    for i in range(40):
        z.writestr(f"big/m{i}.py", "X = %r\n" % os.urandom(200000).hex())
    z.writestr("big-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: big\nVersion: 1.0\n")
    z.writestr("big-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr("big-1.0.dist-info/RECORD", "")
PY
    simple_app "$dir" "wheels = big-1.0-py3-none-any.whl"
    interrupt_when INT "$WORK/tmpdir/pyhost-wheels.*" env TMPDIR="$WORK/tmpdir" \
        "$PYHOST" build -c "$dir/pyhost.ini"
    expect_eq "status 130" 130 "$STATUS"
    expect_contains "says so" "$ERR" "pyhost: interrupted"
    expect_eq "no unpacked wheels left" "" "$(ls -A "$WORK/tmpdir")"
    expect_eq "no partial .pyr" "big-1.0-py3-none-any.whl pyhost.ini" \
        "$(cd "$dir" && ls -A | grep -v probe.py | sort | tr '\n' ' ' | sed 's/ $//')"
}

# The installers' own work directories (OUT/.NAME-deb.XXXXXX, -dmg, -msi): a signal while
# they bundle, or while a tool they run (dpkg-deb, wixl) writes into them, leaves nothing.
installer_app() {
    simple_app "$1"
    sed -i 's/^name = .*/&\nversion = 1.0/' "$1/pyhost.ini"
    printf '\n[installer.deb]\nmaintainer = Ada <ada@example.com>\ndescription = probe\n' >>"$1/pyhost.ini"
}

# interrupted_installer KIND SIGNAL STATUS GLOB: interrupt `pyhost installer KIND` once GLOB
# (under its output directory) exists; nothing may be left there.
interrupted_installer() {
    local kind=$1 sig=$2 want=$3 out=$WORK/inst-$1-$2
    interrupt_when "$sig" "$out/$4" "$PYHOST" installer "$kind" -c "$WORK/inst/pyhost.ini" -o "$out"
    expect_eq "$kind, SIG$sig at $4: status" "$want" "$STATUS"
    expect_eq "$kind, SIG$sig at $4: nothing left in the output directory" "" "$(ls -A "$out")"
}

test_interrupted_installers_leave_no_work_directory() {
    installer_app "$WORK/inst"
    # while the bundle is made in the work directory
    interrupted_installer deb INT 130 ".probe-deb.*/root"
    expect_contains "deb: says so" "$ERR" "pyhost: interrupted"
    interrupted_installer deb TERM 143 ".probe-deb.*/root"
    # while dpkg-deb runs: the staged tree is complete once DEBIAN/control exists
    interrupted_installer deb TERM 143 ".probe-deb.*/root/DEBIAN/control"
    interrupted_installer dmg INT 130 ".probe-dmg.*/stage"
    if command -v wixl >/dev/null && command -v msibuild >/dev/null; then
        interrupted_installer msi TERM 143 ".probe-msi.*/payload"
        interrupted_installer msi INT 130 ".probe-msi.*/probe.wxs"
    else
        echo "    (msi not interrupted: wixl or msibuild missing)"
    fi
}

# What a killed installer left an hour ago is swept by the next run; a recent one (maybe a run
# in progress) and a directory kept with --keep are not.
test_installer_sweeps_what_a_killed_run_left() {
    installer_app "$WORK/inst2"
    local out=$WORK/inst2-out
    mkdir -p "$out/.probe-deb.OLD123/root" "$out/.probe-deb.NEW123"
    touch -d '2 hours ago' "$out/.probe-deb.OLD123"
    run_capture "$PYHOST" installer deb -c "$WORK/inst2/pyhost.ini" -o "$out"
    expect_eq "deb: status" 0 "$STATUS"
    expect_eq "old swept, recent kept" ".probe-deb.NEW123 probe_1.0_$(dpkg --print-architecture).deb" \
        "$(ls -A "$out" | tr '\n' ' ' | sed 's/ $//')"
}

# What SIGKILL leaves is swept by the next writer: the user's, older than an hour.
test_stale_temporaries_are_swept_by_the_next_writer() {
    local dir=$WORK/sweep
    simple_app "$dir"
    mkdir -p "$WORK/sweep-dist/.probe.tmp-OLD1/sub" "$WORK/sweep-dist/.probe.tmp-NEW1" "$WORK/tmpdir2/pyhost-wheels.OLD"
    : >"$WORK/sweep-dist/.probe.tmp-OLD1/sub/f"
    : >"$dir/probe.pyr.tmp.OLD123"
    : >"$dir/probe.pyr.tmp.NEW123"
    touch -d '2 hours ago' "$WORK/sweep-dist/.probe.tmp-OLD1" "$dir/probe.pyr.tmp.OLD123" "$WORK/tmpdir2/pyhost-wheels.OLD"
    TMPDIR="$WORK/tmpdir2" build_app "$dir" || return
    expect_eq "old .pyr temporary swept, recent kept" "probe.pyr.tmp.NEW123" "$(cd "$dir" && ls -A | grep tmp)"
    run_capture "$PYHOST" bundle -c "$dir/pyhost.ini" -o "$WORK/sweep-dist"
    expect_eq "bundle" 0 "$STATUS"
    expect_eq "old dist temporary swept, recent kept" ".probe.tmp-NEW1 probe" "$(ls -A "$WORK/sweep-dist" | tr '\n' ' ' | sed 's/ $//')"
}

# Names are bytes in a .pyr: inspect --json must still be valid UTF-8 JSON, and text mode must
# not pass a name's control characters to the terminal.
test_inspect_escapes_hostile_names() {
    local dir=$WORK/names
    simple_app "$dir"
    mkdir -p "$dir/pkg" && : >"$dir/pkg/__init__.py"
    printf 'import pkg\n' >>"$dir/probe.py"
    printf 'x' >"$dir/pkg/$(printf 'clear\033[2J\377.txt')"
    build_app "$dir" || return
    run_capture "$PYHOST" inspect --json "$dir/probe.pyr"
    expect_eq "json: status" 0 "$STATUS"
    local parsed
    parsed=$(printf '%s' "$OUT" | "$PYTHON" -c 'import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))
print(ascii([e["name"] for e in d["entries"] if "clear" in e["name"]]))')
    expect_eq "json: strict UTF-8, control escaped, invalid byte as U+FFFD" "['pkg/clear\x1b[2J\ufffd.txt']" "$parsed"
    run_capture "$PYHOST" inspect "$dir/probe.pyr"
    expect_not_contains "text: no raw ESC" "$OUT" "$(printf '\033')"
    expect_contains "text: escaped" "$OUT" 'pkg/clear\x1b[2J\xff.txt'
}

run_tests "$@"
