import os, sys
from pyiprobe import show, header
header()
show('FROM_RTH', os.environ.get('FROM_RTH'))
show('rth ran before main', getattr(sys, 'rth_main_loaded', 'unset'))
