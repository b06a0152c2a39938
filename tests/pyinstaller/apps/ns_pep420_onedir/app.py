import nsp.a, nsp.b, nsp.leaf
from pyiprobe import show, header, attempt
header()
show('a', nsp.a.NAME)
show('b', nsp.b.NAME)
show('leaf', nsp.leaf.LEAF)
show('nsp __file__', getattr(nsp, '__file__', None))
show('nsp __path__', sorted(nsp.__path__))
show('nsp.a __file__', nsp.a.__file__)
