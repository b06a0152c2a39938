#!/bin/sh
# Installs what is missing, builds pyhost, packs an example app with the stdlib into one .pyr and
# runs it. Usage: examples/run.sh [hello|notes] [ARGS...]   (default: notes list)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/.ci/install-deps"
if [ ! -f "$root/build/build.ninja" ]; then
    echo "configuring pyhost; the first time on this machine this builds the optimized libpython" \
        "(about 12 minutes of 2 cores, once; log: build/libpython-build.log)"
    meson setup "$root/build" "$root" --buildtype=release >/dev/null
fi
ninja -C "$root/build" launcher/pyhost >/dev/null
app=${1:-notes}
[ $# -gt 0 ] && shift
if [ $# -eq 0 ] && [ "$app" = notes ]; then set -- list; fi
"$root/build/launcher/pyhost" build -c "$root/examples/$app/pyhost.ini"
echo "\$ pyhost run examples/$app/$app.pyr $*"
exec "$root/build/launcher/pyhost" run "$root/examples/$app/$app.pyr" "$@"
