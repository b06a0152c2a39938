"""Splash: a Tk splash screen at start-up. pyhost starts in milliseconds: accepted, not shown."""
from PyInstaller._pyhost import state


class Splash:
    def __init__(self, image_file=None, binaries=None, datas=None, **kwargs):
        self.binaries = []
        self.datas = []
        self.scripts = []
        state.note_ignored('Splash')
