import os, sys
from pyiprobe import show, header, attempt, meipass_rel
header()
show('meipass_rel', meipass_rel())
show('meipass writable', os.access(sys._MEIPASS, os.W_OK))
show('executable is argv0', os.path.realpath(sys.executable) == os.path.realpath(sys.argv[0]))
attempt('process name', lambda: open('/proc/self/comm').read().strip())
attempt('data', lambda: open(os.path.join(sys._MEIPASS, 'data.txt')).read().strip())
attempt('data beside __file__', lambda: open(os.path.join(os.path.dirname(__file__), 'data.txt')).read().strip())
