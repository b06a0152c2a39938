#!/bin/sh
# The app stub and the onefile loader need nothing but the C library (issue 18): ldd lists
# libc, the parts glibc splits out (libm, libdl, ...), ld.so and the vDSO, or "statically linked".
# A sanitized build links the sanitizer runtimes dynamically: nothing to check there (77: skip).
# usage: check_portable.sh SANITIZE PROGRAM...
[ "$1" = none ] || { echo "SKIP: -Db_sanitize=$1 links the sanitizer runtimes dynamically"; exit 77; }
shift
status=0
for prog in "$@"; do
    out=$(ldd "$prog" 2>&1)
    echo "$prog:"
    echo "$out"
    extra=$(printf '%s\n' "$out" | awk '
        /statically linked|not a dynamic executable/ { next }
        { name = $1; sub(/.*\//, "", name) }
        name ~ /^(linux-vdso|linux-gate)\.so/ { next }
        name ~ /^ld-linux.*\.so/ { next }
        name ~ /^lib(c|m|dl|pthread|rt|util|resolv)\.so\.[0-9]+$/ { next }
        { print name }')
    if [ -n "$extra" ]; then
        echo "FAIL: $prog needs more than the C library: $(echo $extra)"
        status=1
    fi
done
exit $status
