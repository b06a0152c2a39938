"""Run by `pyhost pyinstaller` inside its embedded interpreter (never by a user's python3):
parses the command line, writes and runs the spec file, stages the build, and hands the plan
to pyhost through the file descriptor in $PYHOST_PYI_PLAN_FD.

`pyhost pyinstaller --install-compat DIR` copies this package to DIR/PyInstaller, recording
where this pyhost is, so that `python3 -m PyInstaller` with DIR on its path finds it."""
import gc
import importlib.resources
import os
import shutil
import sys

# The analysis makes hundreds of thousands of objects and frees few: collecting every 700
# allocations was a tenth of a rebuild's time. A short-lived process; cycles still go, rarely.
gc.set_threshold(50000, 20, 20)

import PyInstaller  # noqa: E402 (after the collector is set)
from PyInstaller._pyhost import cli  # noqa: E402


def _write_plan(plan):
    text = ''.join('%s\t%s\n' % (k, v) for k, v in plan)
    fd = int(os.environ['PYHOST_PYI_PLAN_FD'])
    # names arrive as the child's locale decoded them (surrogate escapes under C/POSIX):
    # written back as the same bytes
    with os.fdopen(fd, 'w', encoding=sys.getfilesystemencoding(), errors='surrogateescape') as f:
        f.write(text)


def _write_package(src, dest):
    """Writes the package `src` (an importlib.resources Traversable) as files under `dest`:
    this package is compiled into pyhost and served by its finder, not read from a directory."""
    os.makedirs(dest)
    with open(os.path.join(dest, '__init__.py'), 'wb') as f:
        f.write(src.joinpath('__init__.py').read_bytes())
    for child in src.iterdir():
        if child.is_dir():
            _write_package(child, os.path.join(dest, child.name))
        elif child.name.endswith('.py'):
            with open(os.path.join(dest, child.name), 'wb') as f:
                f.write(child.read_bytes())


def install_compat(args):
    if len(args) != 1:
        raise SystemExit('usage: pyhost pyinstaller --install-compat DIR')
    dest = os.path.join(os.path.abspath(args[0]), 'PyInstaller')
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    _write_package(importlib.resources.files(PyInstaller), dest)
    with open(os.path.join(dest, '_pyhost_location.py'), 'w') as f:
        f.write('# Written by pyhost pyinstaller --install-compat\nPYHOST = %r\n'
                % os.environ.get('PYHOST_SELF', 'pyhost'))
    print('installed %s (python3 -m PyInstaller runs %s)'
          % (dest, os.environ.get('PYHOST_SELF', 'pyhost')))


if __name__ == '__main__':
    if sys.argv[1:2] == ['--install-compat']:
        install_compat(sys.argv[2:])
    else:
        cli.main(sys.argv[1:], _write_plan)
        # Done: end without tearing the interpreter down (a last full collection and every
        # module's destruction, a twentieth of a rebuild); buffered output goes out first.
        import logging
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
