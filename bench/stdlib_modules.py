"""Prints every importable pure-Python stdlib module of the running interpreter, one per line.

Run it with the Python pyhost embeds (/usr/bin/python3.11). "Pure Python" means the module is a
.py file under the stdlib directory (it may still import C extension modules). Modules with side
effects on import (antigravity opens a browser, this prints the Zen, __main__ modules run
programs) and the dev-only trees pyhost leaves out by default (test suites, idlelib, turtledemo,
ensurepip, tkinter needs a display) are skipped. The test suite and the import-all benchmark both
use this list, so they measure the same thing.
"""
import importlib
import os
import sys
import sysconfig
import warnings

SKIP_TOP = {"test", "idlelib", "turtledemo", "ensurepip", "lib2to3", "tkinter", "turtle",
            "antigravity", "this", "__phello__", "__hello__", "site", "distutils", "pydoc_data"}
SKIP_PARTS = {"test", "tests", "__main__", "idle_test"}


def candidates(stdlib):
    for dirpath, dirnames, filenames in os.walk(stdlib):
        rel = os.path.relpath(dirpath, stdlib)
        parts = [] if rel == "." else rel.split(os.sep)
        if parts and (parts[0] in SKIP_TOP or "-" in parts[0] or parts[0] == "lib-dynload"
                      or not os.path.exists(os.path.join(dirpath, "__init__.py"))):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__",) + tuple(SKIP_PARTS))
        for f in sorted(filenames):
            if not f.endswith(".py"):
                continue
            stem = f[:-3]
            name = ".".join(parts + ([] if stem == "__init__" else [stem]))
            if not name or name.split(".")[0] in SKIP_TOP or SKIP_PARTS & set(name.split(".")):
                continue
            yield name


def main():
    stdlib = sysconfig.get_paths()["stdlib"]
    warnings.simplefilter("ignore")
    good = []
    for name in candidates(stdlib):
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - some raise SystemExit or need a platform
            continue
        good.append(name)
    sys.stdout.write("\n".join(good) + "\n")


if __name__ == "__main__":
    main()
