import sys
from pyiprobe import show, header
header()
# --debug imports: PyInstaller's bootloader runs the interpreter with -v (imports traced on
# stderr, which the comparison leaves out); the app sees it in sys.flags
show('verbose', sys.flags.verbose)
import json
show('json', json.dumps([1]))
