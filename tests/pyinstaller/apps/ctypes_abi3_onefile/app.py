import ctypes, os, sys
from pyiprobe import show, header, attempt
header()
attempt('CDLL(libabi.abi3.so)', lambda: ctypes.CDLL('libabi.abi3.so').abi_answer())
attempt('CDLL(_MEIPASS/libabi.abi3.so)', lambda: ctypes.CDLL(os.path.join(sys._MEIPASS, 'libabi.abi3.so')).abi_answer())
attempt('CDLL(_MEIPASS/sub/libsub.so)', lambda: ctypes.CDLL(os.path.join(sys._MEIPASS, 'sub', 'libsub.so')).sub_answer())
