"""pyhost's PyInstaller compatibility package.

Release scripts written for PyInstaller keep working: `python3 -m PyInstaller ARGS` and
`PyInstaller.__main__.run([...])` call `pyhost pyinstaller ARGS`, and spec files and hook
files import what they expect from here (`PyInstaller.utils.hooks`, `PyInstaller.building...`).
The version is the PyInstaller release whose behaviour pyhost follows.
"""
import os

__version__ = '6.11.1'
is_pyhost = True

HOMEPATH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLATFORM = 'Linux-64bit-intel'
DEFAULT_SPECPATH = os.getcwd()
DEFAULT_DISTPATH = os.path.join(os.getcwd(), 'dist')
DEFAULT_WORKPATH = os.path.join(os.getcwd(), 'build')
