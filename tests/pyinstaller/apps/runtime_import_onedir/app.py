import importlib, os, sys, tempfile
from pyiprobe import show, header, attempt
header()
d = tempfile.mkdtemp()
with open(os.path.join(d, 'genmod_tmp.py'), 'w') as f:
    f.write('WHERE = "tmp"\n')
sys.path.insert(0, d)
attempt('module in a sys.path dir', lambda: importlib.import_module('genmod_tmp').WHERE)
try:
    with open(os.path.join(sys._MEIPASS, 'genmod_mei.py'), 'w') as f:
        f.write('WHERE = "meipass"\n')
    importlib.invalidate_caches()
    attempt('module written into _MEIPASS', lambda: importlib.import_module('genmod_mei').WHERE)
finally:
    try:
        os.remove(os.path.join(sys._MEIPASS, 'genmod_mei.py'))
    except OSError:
        pass
