import sys
from pyiprobe import show, header
header()
show('hash_randomization', sys.flags.hash_randomization)
show('hash', hash('pyhost'))
show('dev_mode', sys.flags.dev_mode)
show('stdout line_buffering/write_through', (sys.stdout.line_buffering, getattr(sys.stdout, 'write_through', None)))
