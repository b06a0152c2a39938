import warnings
warnings.simplefilter('ignore')
import importlib
try:
    import prns.left, prns.right
except ImportError:
    pass
from pyiprobe import show, header, attempt
header()
attempt('left', lambda: importlib.import_module('prns.left').WHO)
attempt('right', lambda: importlib.import_module('prns.right').WHO)
