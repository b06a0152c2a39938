import os, sys
from pyiprobe import show, header, attempt
header()
attempt('flavor', lambda: open(os.path.join(sys._MEIPASS, 'flavor.txt')).read().strip())
