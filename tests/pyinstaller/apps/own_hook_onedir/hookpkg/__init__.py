try:
    from . import heavy
except ImportError:
    heavy = None
