import importlib, os, sys
import hookpkg
from pyiprobe import show, header, attempt
header()
show('heavy excluded', hookpkg.heavy is None)
attempt('hidden', lambda: importlib.import_module('hookpkg.hidden').HIDDEN)
attempt('hook data', lambda: open(os.path.join(sys._MEIPASS, 'hookpkg', 'extra.txt')).read().strip())
