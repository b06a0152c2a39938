import inspect, sys, traceback
import helper
from pyiprobe import show, header, attempt
header()
frame = inspect.currentframe()
attempt('getmodule(main frame)', lambda: inspect.getmodule(frame).__name__)
attempt('getmodule(main code)', lambda: inspect.getmodule(frame.f_code).__name__)
attempt('helper.caller_module()', lambda: helper.caller_module().__name__)
attempt('getmodule(helper.caller_module)', lambda: inspect.getmodule(helper.caller_module).__name__)
attempt('getfile(main frame)', lambda: inspect.getfile(frame))
try:
    raise RuntimeError('x')
except RuntimeError:
    show('traceback file', traceback.extract_tb(sys.exc_info()[2])[-1].filename)
def f(): pass
attempt('getmodule(f)', lambda: inspect.getmodule(f).__name__)
