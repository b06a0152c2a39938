from . import sib
from .inner import deep
from .inner.deep import VALUE
try:
    from . import sqlite3
except ImportError:
    sqlite3 = None
try:
    from .nothing_here import thing
except ImportError:
    thing = None
