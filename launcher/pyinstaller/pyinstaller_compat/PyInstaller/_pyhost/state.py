"""State of one build: the configuration and the products a spec file created."""
import logging

from PyInstaller.config import CONF  # noqa: F401 (shared with PyInstaller.config)

logger = logging.getLogger('PyInstaller')
PRODUCTS = []  # EXE and COLLECT objects, in creation order
BUNDLES = []
ANALYSES = []
NOTED = set()


def note_ignored(what):
    logger.info('pyhost: %s is accepted and has no effect on Linux builds', what)


def reset():
    del PRODUCTS[:], BUNDLES[:], ANALYSES[:]
    NOTED.clear()
