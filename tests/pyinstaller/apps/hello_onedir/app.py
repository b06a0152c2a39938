import os, sys
from pyiprobe import show, header
header()
show('name', __name__)
show('file', __file__)
show('stdout encoding', sys.stdout.encoding)
show('cwd is exe dir', os.getcwd() == os.path.dirname(os.path.realpath(sys.executable)))
sys.exit(3)
