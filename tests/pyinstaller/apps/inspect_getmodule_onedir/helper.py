import inspect
def caller_module(): return inspect.getmodule(inspect.stack()[1].frame)
