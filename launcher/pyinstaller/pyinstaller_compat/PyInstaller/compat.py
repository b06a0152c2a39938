"""The platform flags hook and spec files test (PyInstaller.compat), for the build machine."""
import os
import platform
import sys

is_win = sys.platform.startswith('win')
is_cygwin = sys.platform == 'cygwin'
is_darwin = sys.platform == 'darwin'
is_linux = sys.platform.startswith('linux')
is_freebsd = sys.platform.startswith('freebsd')
is_unix = is_linux or is_darwin or is_freebsd
is_musl = False
is_64bits = sys.maxsize > 2**32
is_py38 = sys.version_info >= (3, 8)
is_py39 = sys.version_info >= (3, 9)
is_py310 = sys.version_info >= (3, 10)
is_py311 = sys.version_info >= (3, 11)
is_py312 = sys.version_info >= (3, 12)
is_py313 = sys.version_info >= (3, 13)
is_conda = False
is_venv = is_virtualenv = sys.prefix != getattr(sys, 'base_prefix', sys.prefix)
architecture = platform.architecture()[0]
machine = platform.machine()
system = platform.system()
EXTENSION_SUFFIXES = __import__('importlib.machinery').machinery.EXTENSION_SUFFIXES
base_prefix = getattr(sys, 'base_prefix', sys.prefix)
getsitepackages = getattr(__import__('site'), 'getsitepackages', lambda: [])
strict_collect_mode = False


def entry_points(group):
    """importlib.metadata.entry_points(group=GROUP); Python 3.9's takes no group and returns a
    dict of lists by group."""
    import importlib.metadata
    if sys.version_info >= (3, 10):
        return importlib.metadata.entry_points(group=group)
    return importlib.metadata.entry_points().get(group, [])


def exec_command(*cmd, **kwargs):
    import subprocess
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout


def exec_python(*args, **kwargs):
    import subprocess
    return subprocess.run([sys.executable, *args], capture_output=True, text=True).stdout
