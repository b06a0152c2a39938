"""What a spec file's namespace holds (PyInstaller.building.build_main)."""
from PyInstaller._pyhost.analysis import Analysis
from PyInstaller.building.api import COLLECT, EXE, MERGE, PKG, PYZ
from PyInstaller.building.datastruct import TOC, Tree
from PyInstaller.building.osx import BUNDLE
from PyInstaller.building.splash import Splash

__all__ = ['Analysis', 'BUNDLE', 'COLLECT', 'EXE', 'MERGE', 'PKG', 'PYZ', 'Splash', 'TOC', 'Tree']
