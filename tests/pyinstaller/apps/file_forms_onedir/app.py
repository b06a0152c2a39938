import sys
import helper, pkg, pkg.sub.mod
import json.decoder
from pyiprobe import show, header, attempt
header()
show('main __file__', __file__)
show('main co_filename', sys._getframe().f_code.co_filename)
attempt('main __spec__', lambda: __spec__)
for m in (helper, pkg, pkg.sub, pkg.sub.mod, json.decoder):
    show(m.__name__ + ' __file__', m.__file__)
    attempt(m.__name__ + ' __spec__.origin', lambda: m.__spec__.origin)
    attempt(m.__name__ + ' __cached__', lambda: getattr(m, '__cached__', 'unset'))
    attempt(m.__name__ + ' has_location', lambda: m.__spec__.has_location)
show('pkg __path__', list(pkg.__path__))
show('pkg co_filename', pkg.where())
show('pkg.sub.mod co_filename', pkg.sub.mod.where())
