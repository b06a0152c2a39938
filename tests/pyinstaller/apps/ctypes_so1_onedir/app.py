import ctypes, ctypes.util, os, sys
from pyiprobe import show, header, attempt, listing
header()
attempt('CDLL(libv.so.1)', lambda: ctypes.CDLL('libv.so.1').v_answer())
attempt('CDLL(_MEIPASS/libv.so.1)', lambda: ctypes.CDLL(os.path.join(sys._MEIPASS, 'libv.so.1')).v_answer())
