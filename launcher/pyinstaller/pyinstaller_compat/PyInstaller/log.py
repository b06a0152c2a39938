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
logger = logging.getLogger('PyInstaller')
if not logger.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(_handler)
    logger.setLevel(INFO)
    logger.propagate = False


def getLogger(name):
    return logging.getLogger(name)
