import importlib
from pyiprobe import show, header, attempt
header()
try:
    import pkns.one, pkns.two
except ImportError:
    pass
import pkns
attempt('one', lambda: importlib.import_module('pkns.one').WHO)
attempt('two', lambda: importlib.import_module('pkns.two').WHO)
show('pkns __file__', pkns.__file__)
