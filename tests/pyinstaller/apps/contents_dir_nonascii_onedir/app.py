import os, sys
from pyiprobe import show, header, attempt, meipass_rel
header()
show('meipass_rel', meipass_rel())
show('file', __file__)
attempt('data', lambda: open(os.path.join(sys._MEIPASS, 'é.txt')).read().strip())
