import ctypes, os, sys
from pyiprobe import show, header, attempt, listing
header()
attempt('CDLL(libx.so)', lambda: ctypes.CDLL('libx.so').x_answer())
attempt('CDLL(_MEIPASS/libx.so)', lambda: ctypes.CDLL(os.path.join(sys._MEIPASS, 'libx.so')).x_answer())
attempt('exists beside __file__', lambda: os.path.exists(os.path.join(os.path.dirname(__file__), 'libx.so')))
