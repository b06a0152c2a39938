#!/usr/bin/env bash
# End-to-end: the caches are trust boundaries (docs/security.md). Two real users share a
# machine: an attacker who can write somewhere on the victim's cache path plants code there,
# and the victim's onefile app must neither run it nor fail: it refuses the cache with a
# one-line warning naming the problem and runs from memory, or replaces what was planted.
. "$(dirname "$0")/lib.sh"

ATTACKER=phattacker
VICTIM=phvictim

# Two unprivileged users (CI runs as root, so it can make them); none of this runs otherwise.
have_users() {
    if [ "$(id -u)" != 0 ] || ! command -v runuser >/dev/null || ! command -v useradd >/dev/null
    then
        skip "needs root, runuser and useradd to act as two users"
        return 1
    fi
    for u in $ATTACKER $VICTIM; do
        id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/sh "$u" ||
            { skip "useradd $u failed"; return 1; }
    done
}

# A world-readable place for the app and the shared directories (WORK is private to root).
SHARED=$(mktemp -d /tmp/pyhost-sec.XXXXXX)
mkdir "$SHARED/mark"
chmod 0755 "$SHARED" && chmod 1777 "$SHARED/mark" # where planted code, run as anyone, leaves its mark
trap 'rm -rf "$WORK" "$SHARED"' EXIT

# The onefile app, built once: a compressed runtime, the case where the loader runs code from
# the cache.
APP=""
build_onefile() {
    [ -n "$APP" ] && return 0
    mkdir -p "$SHARED/src"
    printf 'def main():\n    print("app ran")\n' >"$SHARED/src/probe.py"
    make_app "$SHARED/src" probe probe:main
    printf '\n[bundle]\ncompress_runtime = true\n' >>"$SHARED/src/pyhost.ini"
    "$PYHOST" bundle -c "$SHARED/src/pyhost.ini" -o "$SHARED/dist" >"$WORK/.b" 2>&1 ||
        { cat "$WORK/.b" >&2; fail "pyhost bundle"; return 1; }
    chmod -R a+rX "$SHARED/dist"
    APP="$SHARED/dist/probe/probe"
    # the runtime's name and size, as any user can learn them by running the app once
    PYHOST_CACHE_DIR="$WORK/learn" "$APP" >/dev/null || { fail "first run"; return 1; }
    RUNTIME=$(ls "$WORK/learn/runtime" | grep -v "\.verified$")
    RUNTIME_SIZE=$(stat -c %s "$WORK/learn/runtime/$RUNTIME")
}

# plant FILE: an executable of the runtime's exact size that leaves a mark when it runs.
plant() {
    printf '#!/bin/sh\ntouch %s/mark/PWNED\nexit 0\n' "$SHARED" >"$1"
    truncate -s "$RUNTIME_SIZE" "$1"
    chmod 0755 "$1"
}

# as_victim CACHE_DIR: runs the app as the victim with that cache; sets OUT, ERR, STATUS.
as_victim() {
    run_capture runuser -u $VICTIM -- env -i PATH=/usr/bin:/bin HOME=/nonexistent \
        PYHOST_CACHE_DIR="$1" "$APP"
}

expect_not_pwned() {
    expect_eq "$1: the planted file did not run" no "$([ -e "$SHARED/mark/PWNED" ] && echo yes || echo no)"
    expect_eq "$1: the app ran" "app ran" "$OUT"
    expect_eq "$1: status" 0 "$STATUS"
    rm -f "$SHARED/mark/PWNED"
}

# The shared-cache attack of the issue: a cache directory the attacker owns.
test_planted_runtime_in_a_cache_another_user_owns() {
    have_users || return 0
    build_onefile || return
    local cache="$SHARED/attacker-cache"
    mkdir -p "$cache/runtime" && plant "$cache/runtime/$RUNTIME"
    chown -R $ATTACKER "$cache" && chmod -R 0777 "$cache"
    as_victim "$cache"
    expect_not_pwned "cache owned by another user"
    expect_contains "the warning names the directory and why" "$ERR" \
        "probe: warning: not using the runtime cache, running from memory: cache directory $cache belongs to another user"
}

# The victim's own cache under a world-writable, non-sticky directory the attacker can rename.
test_cache_under_a_world_writable_parent() {
    have_users || return 0
    build_onefile || return
    local parent="$SHARED/open"
    mkdir -p "$parent/cache" && chmod 0777 "$parent" && chown $VICTIM "$parent/cache"
    as_victim "$parent/cache"
    expect_not_pwned "world-writable parent"
    expect_contains "the warning names the parent" "$ERR" "cache directory $parent is writable by other users"
    expect_eq "nothing written under it" "" "$(ls -A "$parent/cache")"
}

# runtime/ is a symlink into a directory the attacker controls.
test_symlinked_runtime_directory() {
    have_users || return 0
    build_onefile || return
    local cache="$SHARED/victim-cache" evil="$SHARED/evil"
    mkdir -p "$cache" "$evil" && plant "$evil/$RUNTIME"
    chown -R $ATTACKER "$evil" && chown $VICTIM "$cache" && chmod 0700 "$cache"
    ln -s "$evil" "$cache/runtime" && chown -h $VICTIM "$cache/runtime"
    as_victim "$cache"
    expect_not_pwned "symlinked runtime/"
    expect_contains "the warning says symlink" "$ERR" "cache directory $cache/runtime is a symbolic link"
}

# The runtime file itself is a symlink to the attacker's file: replaced, never followed.
test_symlinked_runtime_file() {
    have_users || return 0
    build_onefile || return
    local cache="$SHARED/victim-cache2" evil="$SHARED/evil2"
    mkdir -p "$cache/runtime" "$evil" && plant "$evil/planted"
    chown -R $ATTACKER "$evil" && chown -R $VICTIM "$cache" && chmod -R 0700 "$cache"
    ln -s "$evil/planted" "$cache/runtime/$RUNTIME" && chown -h $VICTIM "$cache/runtime/$RUNTIME"
    as_victim "$cache"
    expect_not_pwned "symlinked runtime file"
    expect_contains "the warning says symlink" "$ERR" "is a symbolic link"
    expect_eq "replaced by a real file" yes \
        "$([ -f "$cache/runtime/$RUNTIME" ] && [ ! -L "$cache/runtime/$RUNTIME" ] && echo yes)"
    expect_eq "the attacker's file untouched" yes "$([ -s "$evil/planted" ] && echo yes)"
    # and the next start runs the real runtime from the cache, silently
    as_victim "$cache"
    expect_eq "next start: no warning" "" "$ERR"
    expect_not_pwned "next start"
}

# A file of the right size and owner but other content (damage, or a stale write): its hash
# differs, so it is replaced and the real runtime runs.
test_damaged_runtime_of_the_right_size() {
    build_onefile || return
    local cache="$WORK/own-cache"
    mkdir -p "$cache/runtime" && chmod -R 0700 "$cache"
    plant "$cache/runtime/$RUNTIME"
    chmod 0500 "$cache/runtime/$RUNTIME"
    run_capture env PYHOST_CACHE_DIR="$cache" "$APP"
    expect_not_pwned "same size, other content"
    expect_contains "the warning says damaged" "$ERR" "replacing the damaged cached runtime"
    run_capture env PYHOST_CACHE_DIR="$cache" "$APP"
    expect_eq "next start: no warning" "" "$ERR"
}

test_relative_cache_dir_is_refused() {
    build_onefile || return
    mkdir -p "$WORK/rel" && cd "$WORK/rel" || return
    run_capture env PYHOST_CACHE_DIR=cache "$APP"
    expect_eq "runs from memory" "app ran" "$OUT"
    expect_contains "the warning says why" "$ERR" "PYHOST_CACHE_DIR=cache is not an absolute path"
    expect_eq "nothing written in the working directory" "" "$(ls -A "$WORK/rel")"
}

# A writer killed mid-write leaves its temporary file; the next writer sweeps old ones.
test_stale_temporary_files_are_swept() {
    build_onefile || return
    local cache="$WORK/sweep"
    mkdir -p "$cache/runtime" && chmod -R 0700 "$cache"
    : >"$cache/runtime/.$RUNTIME.tmp-99999"
    touch -d '2 hours ago' "$cache/runtime/.$RUNTIME.tmp-99999"
    : >"$cache/runtime/.$RUNTIME.tmp-99998" # recent: maybe another start writing right now
    run_capture env PYHOST_CACHE_DIR="$cache" "$APP"
    expect_eq "app ran" "app ran" "$OUT"
    expect_eq "old temporary removed, recent one kept" ".$RUNTIME.tmp-99998 $RUNTIME $RUNTIME.verified" \
        "$(ls -A "$cache/runtime" | sort | tr '\n' ' ' | sed 's/ $//')"
}

# ---- The extraction cache (CACHE/extracted) and the bytecode cache (CACHE/bytecode) --------

# An app whose extension module (_json) goes through the extraction cache: PYHOST_NO_MEMFD=1
# stands for a system without memfd. XC is its .pyr; XNAME the cache's HASH-SIZE/_json.so,
# learned by running it once, as anyone can.
XC=""
build_xc() {
    [ -n "$XC" ] && return 0
    mkdir -p "$SHARED/xc"
    printf 'import _json\nprint("app ran")\n' >"$SHARED/xc/xc.py"
    make_app "$SHARED/xc" xc xc
    build_app "$SHARED/xc" || return
    chmod -R a+rX "$SHARED/xc"
    XC=$SHARED/xc/xc.pyr
    PYHOST_NO_MEMFD=1 PYHOST_CACHE_DIR="$WORK/xlearn" "$PYHOST" run "$XC" >/dev/null || { fail "first run"; return 1; }
    XNAME=$(cd "$WORK/xlearn/extracted" && ls -d */*.so)
    XSIZE=$(stat -c %s "$WORK/xlearn/extracted/$XNAME")
}

# plant_so FILE: a shared object of the real one's size whose constructor leaves the mark.
plant_so() {
    printf '#include <fcntl.h>\n__attribute__((constructor)) static void pwn(void) { creat("%s/mark/PWNED", 0644); }\n' \
        "$SHARED" >"$WORK/pwn.c"
    cc -shared -fPIC -o "$1" "$WORK/pwn.c" || fail "cc"
    truncate -s "$XSIZE" "$1"
}

# xc_run CACHE [USER]: runs XC without memfd (as USER); sets OUT, ERR, STATUS.
xc_run() {
    if [ -n "${2:-}" ]; then
        run_capture runuser -u "$2" -- env -i PATH=/usr/bin:/bin HOME=/nonexistent \
            PYHOST_NO_MEMFD=1 PYHOST_CACHE_DIR="$1" "$PYHOST" run "$XC"
    else
        run_capture env PYHOST_NO_MEMFD=1 PYHOST_CACHE_DIR="$1" "$PYHOST" run "$XC"
    fi
}

expect_no_mark() {
    expect_eq "$1: the planted library did not load" no "$([ -e "$SHARED/mark/PWNED" ] && echo yes || echo no)"
    rm -f "$SHARED/mark/PWNED"
}

# The extraction cache in a directory another user owns, already holding their library under
# the right name and size: refused (no memory fallback here: memfd is off), nothing loaded.
test_extracted_library_planted_in_a_cache_another_user_owns() {
    have_users || return 0
    build_xc || return
    local cache=$SHARED/xattacker
    mkdir -p "$cache/extracted/$(dirname "$XNAME")" && plant_so "$cache/extracted/$XNAME"
    chown -R $ATTACKER "$cache" && chmod -R a+rwX "$cache"
    xc_run "$cache" $VICTIM
    expect_no_mark "another user's cache"
    expect_eq "fails" 1 "$STATUS"
    expect_contains "names the directory and why" "$ERR" "cache directory $cache belongs to another user"
    expect_contains "hint" "$ERR" "set PYHOST_CACHE_DIR to a directory you own"
}

# The victim's own cache, its extracted/ a link into the attacker's directory.
test_symlinked_extraction_directory() {
    have_users || return 0
    build_xc || return
    local cache=$SHARED/xvictim evil=$SHARED/xevil
    mkdir -p "$cache" "$evil/$(dirname "$XNAME")" && plant_so "$evil/$XNAME"
    chown -R $ATTACKER "$evil" && chown $VICTIM "$cache" && chmod 0700 "$cache"
    ln -s "$evil" "$cache/extracted" && chown -h $VICTIM "$cache/extracted"
    xc_run "$cache" $VICTIM
    expect_no_mark "symlinked extracted/"
    expect_contains "says symlink" "$ERR" "cache directory $cache/extracted is a symbolic link"
}

# A library of the right name, size and owner but other bytes (damage, a bad write): the
# content is compared with the packed bytes before loading; it is replaced, the real one runs.
test_damaged_extracted_library_is_replaced() {
    build_xc || return
    local cache=$WORK/xown
    mkdir -p "$cache/extracted/$(dirname "$XNAME")" && chmod -R 0700 "$cache"
    plant_so "$cache/extracted/$XNAME" && chmod 0500 "$cache/extracted/$XNAME"
    xc_run "$cache"
    expect_no_mark "same size, other bytes"
    expect_eq "the real module ran" "app ran" "$OUT"
    expect_eq "status" 0 "$STATUS"
    expect_eq "replaced by the packed bytes" "" "$(cmp "$cache/extracted/$XNAME" "$WORK/xlearn/extracted/$XNAME")"
}

# What an extraction killed mid-write left (.NAME.tmp-PID) is swept by the next one there.
test_stale_extraction_temporaries_are_swept() {
    build_xc || return
    local cache=$WORK/xsweep dir
    dir=$cache/extracted/$(dirname "$XNAME")
    mkdir -p "$dir" && chmod -R 0700 "$cache"
    : >"$dir/.$(basename "$XNAME").tmp-99999" && touch -d '2 hours ago' "$dir/.$(basename "$XNAME").tmp-99999"
    : >"$dir/.$(basename "$XNAME").tmp-99998"
    xc_run "$cache"
    expect_eq "ran" "app ran" "$OUT"
    expect_eq "old temporary removed, recent one kept" ".$(basename "$XNAME").tmp-99998 $(basename "$XNAME")" \
        "$(ls -A "$dir" | sort | tr '\n' ' ' | sed 's/ $//')"
}

# The bytecode cache of `pyhost build` in a cache another user owns, holding entries of a real
# build swapped between files (each one valid, for another module): refused with one warning,
# and the .pyr is the one a cold build makes.
test_bytecode_cache_another_user_owns_is_not_used() {
    have_users || return 0
    local src=$SHARED/bsrc cache=$SHARED/battacker
    mkdir -p "$src"
    printf 'X = "beta"\n' >"$src/beta.py"
    printf 'import beta\ndef main():\n    print("alpha", beta.X)\n' >"$src/alpha.py"
    make_app "$src" alpha alpha:main
    chmod -R a+rwX "$src"
    PYHOST_CACHE_DIR="$cache" "$PYHOST" build -c "$src/pyhost.ini" -o "$src/warm.pyr" >/dev/null 2>&1 ||
        { fail "the attacker's build"; return; }
    local files
    mapfile -t files < <(find "$cache/bytecode" -type f -size +0 | sort)
    [ "${#files[@]}" -ge 2 ] || { fail "no bytecode cached"; return; }
    for ((i = 0; i + 1 < ${#files[@]}; i += 2)); do # every pair swapped
        mv "${files[i]}" "$WORK/swap" && mv "${files[i + 1]}" "${files[i]}" && mv "$WORK/swap" "${files[i + 1]}"
    done
    chown -R $ATTACKER "$cache" && chmod -R a+rwX "$cache"
    run_capture runuser -u $VICTIM -- env -i PATH=/usr/bin:/bin HOME=/nonexistent \
        PYHOST_CACHE_DIR="$cache" "$PYHOST" build -c "$src/pyhost.ini" -o "$src/victim.pyr"
    expect_eq "builds" 0 "$STATUS"
    expect_contains "one warning naming the problem" "$ERR" \
        "pyhost: warning: bytecode cache $cache/bytecode is not usable (cache directory $cache belongs to another user"
    PYHOST_CACHE_DIR="$WORK/bcold" "$PYHOST" build -c "$src/pyhost.ini" -o "$src/cold.pyr" >/dev/null 2>&1
    expect_eq "the same bytes as a cold build" "" "$(cmp "$src/victim.pyr" "$src/cold.pyr" 2>&1)"
}

# XDG_CACHE_HOME, like PYHOST_CACHE_DIR, may point at a directory another user owns.
test_xdg_cache_home_another_user_owns() {
    have_users || return 0
    build_onefile || return
    local xdg=$SHARED/xdg
    mkdir -p "$xdg/pyhost/runtime" && plant "$xdg/pyhost/runtime/$RUNTIME"
    chown -R $ATTACKER "$xdg" && chmod -R 0777 "$xdg"
    run_capture runuser -u $VICTIM -- env -i PATH=/usr/bin:/bin HOME=/nonexistent \
        XDG_CACHE_HOME="$xdg" "$APP"
    expect_not_pwned "XDG_CACHE_HOME owned by another user"
    expect_contains "the warning names it" "$ERR" "cache directory $xdg belongs to another user"
}

# ---- Placed files (CACHE/apps/HASH): checked at every start, not only when extracted ----------

# The app reads pk/data/msg.txt beside its __file__, so pyhost places it (and 20 others) as
# real files under CACHE/apps/HASH. Built once, into a directory without the sources, so a
# file not placed cannot be read from the project instead.
PLACED=""
build_placed() {
    [ -n "$PLACED" ] && return 0
    local src=$SHARED/psrc
    mkdir -p "$src/pk/data" "$SHARED/papp"
    : >"$src/pk/__init__.py"
    echo "packed text" >"$src/pk/data/msg.txt"
    for i in $(seq 20); do echo "other $i" >"$src/pk/data/f$i.txt"; done
    printf 'import os\ndef main():\n    with open(os.path.join(os.path.dirname(__file__), "data", "msg.txt")) as f:\n        print(f.read().strip())\n' \
        >"$src/pk/main.py"
    make_app "$src" pk pk.main:main
    build_app "$src" || return
    cp "$src/pk.pyr" "$SHARED/papp/" && chmod -R a+rX "$SHARED/papp"
    PLACED=$SHARED/papp/pk.pyr
}

# placed_run CACHE [USER]: runs the app with that cache (as USER); sets OUT, ERR, STATUS and
# DIR, the extracted directory.
placed_run() {
    if [ -n "${2:-}" ]; then
        run_capture runuser -u "$2" -- env -i PATH=/usr/bin:/bin HOME=/nonexistent \
            PYHOST_CACHE_DIR="$1" "$PYHOST" run "$PLACED"
    else
        run_capture env PYHOST_CACHE_DIR="$1" "$PYHOST" run "$PLACED"
    fi
    DIR=$(ls -d "$1"/apps/[0-9a-f]* 2>/dev/null | head -1)
}

# expect_reextracted WHAT: the warning names the file and why, the packed text is what ran,
# and the next start is silent.
expect_reextracted() {
    expect_contains "$1: the warning says what changed" "$ERR" \
        "pyhost: warning: the app's files in $DIR changed since they were written ($2): extracting them again"
    expect_eq "$1: the packed text, not the changed one" "packed text" "$OUT"
    expect_eq "$1: status" 0 "$STATUS"
    expect_eq "$1: written again" "packed text" "$(cat "$DIR/pk/data/msg.txt")"
}

# The same user's files changed behind pyhost's back (a stray edit, a half-restored backup): the
# start notices and extracts again; a mere touch or chmod (same bytes) is stamped again silently.
test_changed_placed_files_are_extracted_again() {
    build_placed || return
    local cache=$WORK/pcache
    placed_run "$cache"
    expect_eq "first start" "packed text" "$OUT"
    expect_eq "first start: silent" "" "$ERR"
    echo "an edited text" >"$DIR/pk/data/msg.txt"
    placed_run "$cache"
    expect_reextracted "other size" "pk/data/msg.txt has changed size"
    echo "PACKED TEXT" >"$DIR/pk/data/msg.txt" # same size, other bytes
    placed_run "$cache"
    expect_reextracted "same size" "pk/data/msg.txt has changed content"
    echo "evil text!!" >"$WORK/evil.txt"
    ln -sf "$WORK/evil.txt" "$DIR/pk/data/msg.txt"
    placed_run "$cache"
    expect_reextracted "a symlink" "pk/data/msg.txt is a symbolic link"
    mv "$DIR/pk/data" "$WORK/evil-data" && ln -s "$WORK/evil-data" "$DIR/pk/data"
    placed_run "$cache"
    expect_reextracted "a symlinked directory" "pk/data is not a directory (or a symbolic link)"
    rm "$DIR/pk/data/f3.txt"
    placed_run "$cache"
    expect_reextracted "a missing file" "pk/data/f3.txt is missing"
    touch "$DIR/pk/data/msg.txt" && chmod 0400 "$DIR/pk/data/f1.txt" && chmod 0600 "$DIR/pk/data/f1.txt"
    placed_run "$cache"
    expect_eq "touched, same bytes: silent" "" "$ERR"
    expect_eq "touched, same bytes: runs" "packed text" "$OUT"
}

# A directory of the extraction left writable by others (a careless chmod): another user
# replaces a file in it. The next start refuses what it finds and writes its own again.
test_placed_file_replaced_by_another_user() {
    have_users || return 0
    build_placed || return
    local cache=$SHARED/pvictim
    mkdir -p "$cache" && chown $VICTIM "$cache" && chmod 0700 "$cache"
    placed_run "$cache" $VICTIM
    expect_eq "first start" "packed text" "$OUT"
    chmod 0777 "$DIR/pk/data" && chmod 0711 "$cache" "$cache/apps" "$DIR" "$DIR/pk"
    runuser -u $ATTACKER -- sh -c "rm -f '$DIR/pk/data/msg.txt' && echo 'PWNED text' >'$DIR/pk/data/msg.txt'" ||
        fail "the attacker could not replace the file"
    placed_run "$cache" $VICTIM
    expect_reextracted "writable by others" "pk/data is writable by other users"
    expect_eq "the attacker's file is gone" "$VICTIM" "$(stat -c %U "$DIR/pk/data/msg.txt")"
}

# A cache another user owns, with the extraction already "there": never used.
test_placed_files_in_a_cache_another_user_owns() {
    have_users || return 0
    build_placed || return
    local cache=$SHARED/pattacker
    placed_run "$WORK/plearn" # the directory's name, as anyone can learn it
    local name
    name=$(basename "$DIR")
    mkdir -p "$cache/apps" && cp -a "$DIR" "$cache/apps/$name"
    echo "PWNED text" >"$cache/apps/$name/pk/data/msg.txt"
    chown -R $ATTACKER "$cache" && chmod -R a+rwX "$cache"
    placed_run "$cache" $VICTIM
    expect_not_contains "the planted text is not read" "$OUT" "PWNED"
    expect_contains "the warning names the directory and why" "$ERR" \
        "pyhost: warning: files the app reads by path stay in memory: cache directory $cache belongs to another user"
}

# The optimized libpython's cache (runtime/cpython/build.sh, run by meson setup): a library in it
# is linked into every pyhost, so a cache another user owns or can write, a symlink on the way or
# a relative path is refused before anything in it is used or built.
test_libpython_cache_policy() {
    local build="$REPO/runtime/cpython/build.sh" planted="$WORK/libpython-cache"
    mkdir -p "$planted" && chmod 0777 "$planted"
    run_capture env PYHOST_LIBPYTHON_CACHE="$planted" sh "$build" "$PYTHON" "$WORK/lp.log"
    expect_eq "world-writable: status" 1 "$STATUS"
    expect_eq "world-writable: message" "error: $planted is writable by other users: not using it as the libpython cache
hint: chmod go-w $planted" "$ERR"
    chmod 0700 "$planted"
    ln -s "$planted" "$WORK/link"
    run_capture env PYHOST_LIBPYTHON_CACHE="$WORK/link" sh "$build" "$PYTHON" "$WORK/lp.log"
    expect_eq "symlink: status" 1 "$STATUS"
    expect_contains "symlink: message" "$ERR" "error: the libpython cache path has a symlink: $WORK/link"
    run_capture env PYHOST_LIBPYTHON_CACHE=relative/cache sh "$build" "$PYTHON" "$WORK/lp.log"
    expect_contains "relative: message" "$ERR" "error: the libpython cache relative/cache is not an absolute path"
    if [ "$(id -u)" = 0 ] && have_users; then
        chown $ATTACKER "$planted"
        run_capture env PYHOST_LIBPYTHON_CACHE="$planted" sh "$build" "$PYTHON" "$WORK/lp.log"
        expect_eq "another user's: status" 1 "$STATUS"
        expect_contains "another user's: message" "$ERR" "belongs to user $(id -u $ATTACKER): not using it as the libpython cache"
    fi
    expect_eq "nothing built or written there" "" "$(ls -A "$planted")"
}

run_tests "$@"
