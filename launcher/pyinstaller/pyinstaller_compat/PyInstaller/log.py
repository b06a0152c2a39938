"""PyInstaller's logger: `TIME LEVEL: message` on stderr, TIME in ms since the start."""
import logging

TRACE = DEBUG = logging.DEBUG
INFO = logging.INFO
WARN = logging.WARNING
DEPRECATION = logging.WARNING + 1
ERROR = logging.ERROR
FATAL = CRITICAL = logging.CRITICAL
LEVELS = {'TRACE': logging.DEBUG, 'DEBUG': logging.DEBUG, 'INFO': INFO, 'WARN': WARN,
          'DEPRECATION': DEPRECATION, 'ERROR': ERROR, 'FATAL': FATAL}
logging.addLevelName(DEPRECATION, 'DEPRECATION')

FORMAT = '%(relativeCreated)d %(levelname)s: %(message)s'
try:  # pyhost's progress line (launcher/cli/progress.c), when pyhost runs this package
    import _pyhost_progress
except ImportError:
    _pyhost_progress = None


def progress_analyzing(done, name):
    """The analysis's progress: "[123] analyzing NAME" on a terminal, after a second."""
    if _pyhost_progress is not None:
        _pyhost_progress.count('analyzing', done, name)


class _Handler(logging.StreamHandler):
    def emit(self, record):
        if _pyhost_progress is not None:
            _pyhost_progress.clear()  # a log line never lands on the progress line
        super().emit(record)


logger = logging.getLogger('PyInstaller')
if not logger.handlers:
    _handler = _Handler()
    _handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(_handler)
    logger.setLevel(INFO)
    logger.propagate = False


def getLogger(name):
    return logging.getLogger(name)
