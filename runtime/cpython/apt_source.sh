#!/bin/sh
# Downloads a Debian source package through apt, from the archive apt is configured with: a
# private apt configuration adds deb-src to each of the system's sources (the system's own
# configuration and package lists are not touched), and apt checks every file against the
# archive's signed index. Used for the optimized libpython (build.sh) and Mercurial's test
# suite (bench/fast.sh).
#
# Usage: runtime/cpython/apt_source.sh [--exact] PACKAGE VERSION DESTDIR
# Fetches PACKAGE's VERSION into DESTDIR (.dsc, .orig.tar.*, .debian.tar.*), or, when the archive
# does not have that revision's files, the newest revision of the same upstream version (a test
# suite's files, say); with --exact, that revision or nothing (sources compiled into a program
# that runs with the installed revision's other files). Prints the version it fetched.
set -eu
exact=false
[ "$1" != --exact ] || { exact=true; shift; }
package=$1
version=$2
dest=$(mkdir -p "$3" && cd "$3" && pwd)
apt=$(mktemp -d)
trap 'rm -rf "$apt"' EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$apt/parts" "$apt/lists/partial"
for f in /etc/apt/sources.list.d/*.sources; do
    [ ! -f "$f" ] || sed 's/^Types:.*$/Types: deb deb-src/' "$f" >"$apt/parts/${f##*/}"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ ! -f "$f" ] || sed -n 's/^deb \(.*\)$/deb \1\ndeb-src \1/p' "$f" >"$apt/parts/${f##*/}.list"
done
set -- -q -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/parts" \
    -o "Dir::State::Lists=$apt/lists" -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)"
apt-get "$@" update >/dev/null 2>&1 || {
    echo "error: apt-get update failed with deb-src added to the system's sources" >&2
    echo "hint: check the network and /etc/apt/sources.list.d" >&2
    exit 1
}
upstream=${version%-*}
cd "$dest"
for v in "$version" $(apt-cache "$@" showsrc "$package" | sed -n 's/^Version: //p' | sort -r -V); do
    case $v in "$upstream"-*) ;; *) continue ;; esac
    [ "$v" = "$version" ] || [ "$exact" = false ] || continue
    if apt-get "$@" source --download-only "$package=$v" >/dev/null 2>&1; then
        echo "$v"
        exit 0
    fi
done
if [ "$exact" = true ]; then
    echo "error: the archive has no source of $package $version, the installed revision" >&2
    echo "hint: when the archive has it again (apt-get update && apt-get install --only-upgrade $package), run again" >&2
    exit 1
fi
echo "error: no source package of $package $upstream could be downloaded" >&2
echo "hint: check the network, or apt-get install --only-upgrade $package and run again" >&2
exit 1
