import ctypes
from pyiprobe import show, header, attempt
header()
attempt('CDLL(libauto.so)', lambda: ctypes.CDLL('libauto.so').auto_answer())
