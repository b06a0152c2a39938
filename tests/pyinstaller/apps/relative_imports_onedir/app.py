import importlib.util, sys
import rel
from pyiprobe import show, header
header()
show('value', rel.VALUE)
show('relative sqlite3', rel.sqlite3)
show('thing', rel.thing)
show('sqlite3 bundled', importlib.util.find_spec('sqlite3') is not None)
show('_sqlite3 loaded', '_sqlite3' in sys.modules)
