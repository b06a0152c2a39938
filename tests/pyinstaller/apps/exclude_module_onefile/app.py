import importlib.util, sys
try:
    import optional_local
except ImportError:
    optional_local = None
from pyiprobe import show, header, attempt
header()
show('optional_local excluded', optional_local is None)
attempt('decimal hidden', lambda: importlib.import_module('decimal').Decimal('1.5') * 2)
