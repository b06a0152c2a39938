#!/bin/sh
# .pyr open+index and lookup times: synthetic files of 1,000 and 100,000 entries and the whole
# stdlib of /usr/bin/python3.11 (source + bytecode per module, other files as resources).
# Usage: bench/pyr_open.sh [BUILD_DIR]   (default: build; needs the bench_pyr_open target)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
ninja -C "$build" bench/bench_pyr_open >/dev/null
bench="$build/bench/bench_pyr_open"
work=$(mktemp -d "${TMPDIR:-/tmp}/pyr-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$bench" synth 1000 "$work/1k.pyr"
"$bench" synth 100000 "$work/100k.pyr"

# The stdlib: bytecode compiled by the interpreter itself (raw marshal data, no .pyc header).
/usr/bin/python3.11 -I - "$work" > "$work/stdlib.list" <<'PY'
import marshal, os, sys, sysconfig
out = sys.argv[1]
stdlib = sysconfig.get_paths()["stdlib"]
skip = {"test", "idlelib", "site-packages", "dist-packages", "__pycache__"}
n = 0
for top, dirs, files in os.walk(stdlib):
    dirs[:] = sorted(d for d in dirs if d not in skip)
    for f in sorted(files):
        path = os.path.join(top, f)
        rel = os.path.relpath(path, stdlib)
        if f.endswith(".py"):
            mod = rel[:-3].replace(os.sep, ".")
            kind = "module"
            if mod.endswith(".__init__"):
                mod, kind = mod[: -len(".__init__")], "package"
            try:
                code = compile(open(path, "rb").read(), path, "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                continue  # lib2to3 test data with deliberate syntax errors
            pyc = os.path.join(out, "c%d" % n)
            n += 1
            with open(pyc, "wb") as fh:
                fh.write(marshal.dumps(code))
            print("%s\t%s\t0\t%s" % (kind, mod, path))
            print("%s\t%s\t1\t%s" % (kind, mod, pyc))
        else:
            print("package-resource\t%s\t4\t%s" % (rel.replace(os.sep, "/"), path))
PY
"$bench" pack "$work/stdlib.list" "$work/stdlib.pyr"

echo "== pyr open+index and lookup ($(nproc) cores, $(date -u +%Y-%m-%d))"
"$bench" time "$work/1k.pyr" | tee "$work/1k.txt"
"$bench" time "$work/100k.pyr" | tee "$work/100k.txt"
"$bench" time "$work/stdlib.pyr" | tee "$work/stdlib.txt"
us() { sed -n 's/^OPEN_US //p' "$1"; }
awk -v a="$(us "$work/1k.txt")" -v b="$(us "$work/100k.txt")" -v s="$(us "$work/stdlib.txt")" \
    'BEGIN { printf "open(100k)/open(1k) = %.2f (target <= 2)\n", b / a;
             printf "stdlib open+index = %.1f us (target < 50; PyOxidizer ~300)\n", s }'
