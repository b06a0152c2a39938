"""`python3 -m PyInstaller ARGS` and `PyInstaller.__main__.run(ARGS)`: run `pyhost pyinstaller`.

The pyhost executable is found through $PYHOST, then the location `pyhost pyinstaller
--install-compat` recorded, then next to this package as installed (PREFIX/share/pyhost/python
-> PREFIX/bin/pyhost), then on PATH.
"""
import os
import shutil
import subprocess
import sys


def _find_pyhost():
    candidates = [os.environ.get('PYHOST')]
    try:
        from PyInstaller._pyhost_location import PYHOST
        candidates.append(PYHOST)
    except ImportError:
        pass
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates.append(os.path.normpath(os.path.join(here, '..', '..', '..', 'bin', 'pyhost')))
    candidates.append(shutil.which('pyhost'))
    for exe in candidates:
        if exe and os.path.isfile(exe) and os.access(exe, os.X_OK):
            return exe
    raise SystemExit('pyinstaller: error: cannot find the pyhost executable\n'
                     'hint: set PYHOST=/path/to/pyhost, or put pyhost on PATH')


def run(pyi_args=None, pyi_config=None):
    """Builds like PyInstaller's run(): returns on success, raises SystemExit on failure."""
    args = list(sys.argv[1:] if pyi_args is None else pyi_args)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    status = subprocess.call([_find_pyhost(), 'pyinstaller'] + [os.fspath(a) for a in args])
    if status:
        raise SystemExit(status)


def _console_script_run():
    run()


if __name__ == '__main__':
    run()
