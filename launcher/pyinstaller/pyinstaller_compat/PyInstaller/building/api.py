"""PYZ, EXE, COLLECT and MERGE as spec files call them; they record what is asked for and
pyhost's driver builds it (PyInstaller.building.api)."""
import logging

from PyInstaller._pyhost import state
from PyInstaller.building.datastruct import TOC

logger = logging.getLogger('PyInstaller')


def _flatten(args):
    toc = []
    for arg in args:
        if isinstance(arg, (PYZ, EXE, COLLECT)) or arg is None:
            continue
        if isinstance(arg, (list, tuple)) and arg and isinstance(arg[0], (list, tuple)):
            toc += [tuple(e) for e in arg]
        elif isinstance(arg, list):
            toc += [tuple(e) for e in arg]
    return toc


class PYZ:
    """The pure-Python modules: pyhost packs them into the .pyr, so this only records them."""

    def __init__(self, *tocs, name=None, cipher=None, **kwargs):
        self.toc = _flatten(tocs)
        self.name = name


class EXE:
    def __init__(self, *args, **kwargs):
        self.toc = _flatten(args)
        self.pyz = next((a for a in args if isinstance(a, PYZ)), None)
        self.name = kwargs.get('name') or state.CONF['specnm']
        self.exclude_binaries = kwargs.get('exclude_binaries', False)
        self.console = kwargs.get('console', True)
        self.icon = kwargs.get('icon')
        self.strip = kwargs.get('strip', False)
        self.contents_directory = kwargs.get('contents_directory') or '_internal'
        self.runtime_tmpdir = kwargs.get('runtime_tmpdir')
        self.kwargs = kwargs
        # run-time options of the interpreter ((option, None, 'OPTION') entries)
        self.options = [e[0] for e in self.toc if len(e) == 3 and e[2] == 'OPTION']
        if kwargs.get('debug') and 'debug' not in state.NOTED:  # --debug bootloader
            state.NOTED.add('debug')
            logger.info('pyhost: EXE(debug=True) (--debug bootloader): pyhost has no bootloader '
                        'to debug; tracebacks are always shown')
        for key in ('upx_exclude', 'version', 'codesign_identity', 'target_arch',
                    'entitlements_file', 'uac_admin', 'manifest', 'resources'):
            if kwargs.get(key) and key not in state.NOTED:
                state.NOTED.add(key)
                state.note_ignored('EXE(%s=...)' % key)
        state.PRODUCTS.append(self)


class COLLECT:
    def __init__(self, *args, name=None, strip=False, upx=False, upx_exclude=None, **kwargs):
        self.exe = next((a for a in args if isinstance(a, EXE)), None)
        self.toc = _flatten(args)
        self.name = name or (self.exe.name if self.exe else state.CONF['specnm'])
        state.PRODUCTS.append(self)


class MERGE:
    """Several Analysis objects sharing files: each is built on its own by pyhost."""

    def __init__(self, *args):
        pass


class PKG:
    def __init__(self, *args, **kwargs):
        self.toc = _flatten(args)


__all__ = ['PYZ', 'EXE', 'COLLECT', 'MERGE', 'PKG', 'TOC']
