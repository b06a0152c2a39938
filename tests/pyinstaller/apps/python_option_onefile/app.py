import sys, warnings
from pyiprobe import show, header
header()
show('utf8_mode', sys.flags.utf8_mode)
show('filesystem encoding', sys.getfilesystemencoding())
show('_xoptions', sys._xoptions)
show('warnoptions', sys.warnoptions)
show('first filter', warnings.filters[0][0] if warnings.filters else None)
