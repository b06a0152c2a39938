import warnings
warnings.simplefilter('ignore')
import importlib
from pyiprobe import show, header, attempt
header()
attempt('left', lambda: importlib.import_module('prns.left').WHO)
attempt('right', lambda: importlib.import_module('prns.right').WHO)
