"""The profile-guided-optimization training run for the libpython pyhost embeds.

CPython's own `--pgo` training runs about forty regression tests (a third of an hour on two cores
with an instrumented interpreter). A pyhost executable does a narrower job: it starts, unmarshals
and runs the bodies of a few hundred modules, and then does the pure-Python work of a CLI tool
(parsing arguments and text, building dicts and strings, formatting output, walking files). This
run does exactly that, so the profile says what is hot in those programs, in about a minute.

Usage (with the instrumented interpreter, from the CPython build directory):
    ./python -I train.py LIB_DYNLOAD
LIB_DYNLOAD: the directory of the extension modules that are not built into libpython (the
installed interpreter's lib-dynload: same version and ABI).
"""

import os
import subprocess
import sys
import time

DYNLOAD = sys.argv[1] if len(sys.argv) > 1 else None
if DYNLOAD:
    sys.path.append(DYNLOAD)


def stdlib_modules():
    """Every importable stdlib module name, as bench/import_all.sh imports them."""
    import pkgutil

    skip = ("test", "idlelib", "tkinter", "turtle", "turtledemo", "lib2to3", "ensurepip",
            "venv", "__main__", "antigravity", "this", "pydoc_data", "xxlimited")
    names = []
    for info in pkgutil.walk_packages(onerror=lambda name: None):
        top = info.name.split(".")[0]
        if top in skip or "test" in info.name.split(".") or top.startswith("_test"):
            continue
        finder_path = getattr(info.module_finder, "path", "")
        if "site-packages" in finder_path or "dist-packages" in finder_path:
            continue
        names.append(info.name)
    return sorted(set(names))


def import_all(names):
    """Module bodies and the import machinery: the start-up of a real app, many times over."""
    import importlib

    ok = 0
    for name in names:
        try:
            importlib.import_module(name)
            ok += 1
        except BaseException:  # some modules refuse to import without a display, a platform...
            pass
    return ok


def start_ups(count):
    """Interpreter initialization and finalization: what every run of a CLI pays."""
    for flags in (["-I", "-S", "-c", "pass"], ["-I", "-c", "import os, re, json"]):
        for _ in range(count):
            subprocess.run([sys.executable] + flags, check=True)


def unmarshal_stdlib(names):
    """marshal.loads of real code objects: how pyhost serves every module from its .pyr."""
    import importlib.util
    import marshal

    blobs = []
    for name in names[:400]:
        try:
            spec = importlib.util.find_spec(name)
        except BaseException:
            continue
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue
        with open(spec.origin, "rb") as f:
            source = f.read()
        try:
            blobs.append(marshal.dumps(compile(source, spec.origin, "exec")))
        except SyntaxError:
            continue
    for _ in range(3):
        for blob in blobs:
            marshal.loads(blob)
    return len(blobs)


def text_work():
    """What CLI tools spend their time on: strings, bytes, regexes, dicts, formatting."""
    import collections
    import json
    import re
    import textwrap

    words = open(os.__file__, encoding="utf-8").read().split()
    counts = collections.Counter(w.lower().strip(".,:()[]'\"") for w in words)
    word_re = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")
    calls = {}
    for path in (os.__file__, re.__file__, json.__file__, textwrap.__file__):
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                for m in word_re.finditer(line):
                    calls.setdefault(m.group(1), []).append(lineno)
                if line.startswith(("def ", "class ")):
                    line.split("(")[0].partition(" ")[2]
    out = []
    for name, lines in sorted(calls.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:300]:
        out.append("%-30s %5d  %s" % (name, len(lines), ",".join(map(str, lines[:5]))))
        out.append(f"{name!r:>32} {len(lines):#06x} {sum(lines) / len(lines):.2f}")
    text = "\n".join(out)
    textwrap.fill(text[:20000], width=72)
    data = {"words": counts.most_common(500), "calls": calls}
    for _ in range(5):
        json.loads(json.dumps(data, indent=1, sort_keys=True))
    b = text.encode("utf-8")
    for _ in range(20):
        b.split(b"\n")
        b.replace(b" ", b"\t").decode("utf-8").upper().lower()
        "|".join(text.splitlines()).partition("|")
    return len(text)


def object_work():
    """Classes, attributes, properties, closures, generators, exceptions: the shape of app code."""
    import dataclasses
    import enum
    import functools

    class Kind(enum.Enum):
        FILE = 1
        DIR = 2

    @dataclasses.dataclass(frozen=True)
    class Entry:
        path: str
        size: int
        kind: Kind = Kind.FILE

        @property
        def ext(self):
            return os.path.splitext(self.path)[1]

    class Node:
        __slots__ = ("name", "children", "parent")

        def __init__(self, name, parent=None):
            self.name, self.children, self.parent = name, {}, parent

        def add(self, parts):
            node = self
            for p in parts:
                node = node.children.setdefault(p, Node(p, node))
            return node

        def walk(self, depth=0):
            yield depth, self
            for child in self.children.values():
                yield from child.walk(depth + 1)

    @functools.lru_cache(maxsize=256)
    def classify(ext):
        return {"py": 1, "so": 2}.get(ext.lstrip("."), 0)

    root = Node("")
    entries = []
    for top in sys.path:
        if not os.path.isdir(top):
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if d not in ("test", "tests", "__pycache__")]
            for fn in filenames:
                full = os.path.join(dirpath, fn)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                entries.append(Entry(full, st.st_size))
                root.add(full.split(os.sep))
    total = 0
    for e in entries:
        try:
            total += classify(e.ext) * e.size
            if e.size < 0:
                raise ValueError(e.path)
        except ValueError:
            pass
    depth = max(d for d, _ in root.walk())
    by_ext = {}
    for e in sorted(entries, key=lambda e: (e.ext, -e.size)):
        by_ext.setdefault(e.ext, []).append(e)
    return total, depth, len(by_ext)


def parsing_work():
    """argparse, configparser, csv, email, tokenize and ast: the parsers CLI tools run."""
    import argparse
    import ast
    import configparser
    import csv
    import email
    import io
    import tokenize

    parser = argparse.ArgumentParser(prog="tool")
    sub = parser.add_subparsers(dest="cmd")
    for name in ("log", "status", "diff", "commit"):
        p = sub.add_parser(name)
        p.add_argument("-r", "--rev", action="append", default=[])
        p.add_argument("-v", "--verbose", action="count", default=0)
        p.add_argument("--template", default="{node}")
        p.add_argument("files", nargs="*")
    for i in range(300):
        parser.parse_args(["log", "-r", str(i), "-vv", "--template", "{rev}", "a", "b"])
    cfg = configparser.ConfigParser()
    cfg.read_string("".join("[s%d]\nkey = value %d\nother = ${key}\n" % (i, i) for i in range(200)))
    [dict(cfg[s]) for s in cfg.sections()]
    rows = list(csv.reader(io.StringIO("".join("a%d,b,%d,\"x, y\"\n" % (i, i) for i in range(3000)))))
    msg = email.message_from_string("From: a@b\nTo: c@d\nSubject: hi\n\n" + "body line\n" * 500)
    msg["Subject"]
    sources = []
    for mod in (argparse, ast, configparser, csv, tokenize):
        with open(mod.__file__, "rb") as f:
            sources.append(f.read())
    for src in sources:
        list(tokenize.tokenize(io.BytesIO(src).readline))
        tree = ast.parse(src)
        sum(1 for _ in ast.walk(tree))
        compile(tree, "<train>", "exec")
    return len(rows)


def numeric_work():
    """Integer and float arithmetic, sorting, hashing: the rest of a typical inner loop."""
    import hashlib
    import heapq
    import random
    import zlib

    rng = random.Random(1)
    xs = [rng.random() for _ in range(20000)]
    ys = sorted(xs)
    heapq.nsmallest(100, xs)
    acc = 0
    for i in range(200000):
        acc = (acc * 31 + i) % 1000003
    f = 0.0
    for x in xs:
        f += x * x - x / (1.0 + x)
    h = hashlib.sha256()
    for y in ys[:5000]:
        h.update(repr(y).encode())
    zlib.compress(h.hexdigest().encode() * 1000)
    return acc, f


def main():
    started = time.perf_counter()
    names = stdlib_modules()
    # in subprocesses: a fresh interpreter per pass, as each app start is
    code = "import sys; sys.path.append(%r); import train; print(train.import_all(%r))"
    here = os.path.dirname(os.path.abspath(__file__))
    for _ in range(2):  # the second pass loads the bytecode the first one cached
        env = dict(os.environ, PYTHONPATH=here)
        subprocess.run([sys.executable, "-c", code % (DYNLOAD or "", names)], env=env,
                       check=True, stdout=subprocess.DEVNULL)
    start_ups(15)
    print("training: %d modules, %d code objects unmarshalled, text %d, objects %s, parsers %d"
          % (len(names), unmarshal_stdlib(names), text_work(), object_work(), parsing_work()))
    numeric_work()
    print("training took %.1f s" % (time.perf_counter() - started))


if __name__ == "__main__":
    main()
