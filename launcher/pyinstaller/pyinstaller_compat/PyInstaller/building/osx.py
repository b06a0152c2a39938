"""BUNDLE: the macOS .app wrapper. Recorded; on Linux PyInstaller makes nothing of it either."""
from PyInstaller._pyhost import state


class BUNDLE:
    def __init__(self, *args, name=None, icon=None, bundle_identifier=None, info_plist=None,
                 **kwargs):
        self.name = name
        self.icon = icon
        self.bundle_identifier = bundle_identifier
        self.info_plist = info_plist
        state.BUNDLES.append(self)
