"""Analysis: what a script imports, found the way PyInstaller finds it (statically).

The stdlib's modulefinder follows imports through the bytecode of every module reached, from
the scripts and the hidden imports; hook files (hook-MODULE.py in hookspath, in hook directories
that installed packages announce through the `pyinstaller40` entry-point group) add hidden
imports, datas and binaries for the modules found, until nothing new appears. Each module found
is then sorted by where it lives:
  - the standard library: pyhost packs it from its own Python ([python] stdlib);
  - an installed distribution: packed by name ([resources] distributions), metadata included;
  - anything else (the app's own modules, pathex): copied into the build's app directory.
Imports that cannot be resolved go to warn-NAME.txt in PyInstaller's format.

Only the stdlib modules found are packed ([python] stdlib_include), as PyInstaller packs only
what its analysis found: a module imported in a way the analysis cannot see fails with
ModuleNotFoundError, in both, until it is named by --hidden-import. The analysis therefore
also follows what pyhost itself imports (BASE_IMPORTS), the way PyInstaller analyzes its
bootstrap modules and always packs its base library.
"""
import ast
import dis
import glob
import importlib.machinery
import importlib.metadata
import logging
import modulefinder
import os
import re
import sys

from PyInstaller._pyhost import state

logger = logging.getLogger('PyInstaller')

WARN_HEADER = """
This file lists modules PyInstaller was not able to find. This does not
necessarily mean this module is required for running your program. Python and
Python 3rd-party packages include a lot of conditional or optional modules. For
example the module 'ntpath' only exists on Windows, whereas the module
'posixpath' only exists on Posix systems.

Types if import:
* top-level: imported at the top-level - look at these first
* conditional: imported within an if-statement
* delayed: imported within a function
* optional: imported within a try-except-statement

IMPORTANT: Do NOT post this list to the issue-tracker. Use it as a basis for
            tracking down the missing module yourself. Thanks!

"""


# Imported by pyhost's runtime, whatever the script does: the interpreter's codec registry at
# start-up (encodings, then the locale's codec: every encodings.* module is packed, as
# PyInstaller does), the printing of an uncaught exception (runtime/entry.c: traceback, which
# imports linecache), extension module loading (runtime/extension.c: types), resource files
# (runtime/resources.c: io) and the generated start-up module (os).
BASE_IMPORTS = ('encodings', 'traceback', 'linecache', 'types', 'io', 'os')
# What stdlib modules import by a name the bytecode does not show (PyInstaller's hooks for the
# stdlib do the same): found module -> modules or patterns to pack with it.
STDLIB_HIDDEN = {
    'sysconfig': ('_sysconfigdata_*',),  # __import__(f'_sysconfigdata_{abiflags}_{platform}...')
    'multiprocessing': ('multiprocessing.spawn',),  # the child side pyhost's entry starts
}


# The stdlib's own tests and tools, never packed ([python] stdlib_exclude) and so not followed:
# multiprocessing.util imports test.support, which imports tkinter, distutils and more.
STDLIB_SKIPPED = ('test', 'idlelib', 'tkinter.test', 'lib2to3.tests', 'ensurepip',
                  'distutils.tests', 'unittest.test', 'ctypes.test', 'turtledemo')


# Imports of the stdlib that PyInstaller 6's own hooks for the stdlib cut (`excludedimports` of
# hook-MODULE.py: the import is not followed from MODULE and its submodules, and the module is
# packed only if something else imports it), for the same reasons: importer -> imports.
STDLIB_EXCLUDED_IMPORTS = {
    'heapq': ('doctest',),      # hook-heapq: only its `if __name__ == '__main__':` block
    'difflib': ('doctest',),    # hook-difflib: only _test(), run as __main__
    'pickle': ('argparse',),    # hook-pickle: only _main(), run as __main__ (its _test() import
                                # of doctest stays followed, as in PyInstaller)
    'multiprocessing.util': ('test',),  # hook-multiprocessing.util: _cleanup_tests()
    '_osx_support': ('distutils',),     # hook-_osx_support: called only from distutils
}
if sys.platform != 'darwin':
    STDLIB_EXCLUDED_IMPORTS['platform'] = ('plistlib',)  # hook-platform: mac_ver() only


def _cut(importer, name):
    """Whether STDLIB_EXCLUDED_IMPORTS cuts `importer`'s import of `name`."""
    for hooked, names in STDLIB_EXCLUDED_IMPORTS.items():
        if importer == hooked or importer.startswith(hooked + '.'):
            if any(name == x or name.startswith(x + '.') for x in names):
                return True
    return False


def _main_blocks(co):
    """Byte ranges of `if __name__ == '__main__':` blocks in a module's code."""
    ins = list(dis.get_instructions(co))
    ranges = []
    for i in range(len(ins) - 3):
        a, b, c, j = ins[i:i + 4]
        if (a.opname == 'LOAD_NAME' and a.argval == '__name__' and b.opname == 'LOAD_CONST'
                and b.argval == '__main__' and c.opname == 'COMPARE_OP' and c.argval == '=='
                and j.opname.startswith('POP_JUMP') and j.opname.endswith('IF_FALSE')
                and isinstance(j.argval, int) and j.argval > j.offset):
            ranges.append((j.offset, j.argval))
    return ranges


class _ModuleFinder(modulefinder.ModuleFinder):
    """modulefinder, minus the `if __name__ == '__main__':` blocks of imported modules: they
    run only when the module is the program, never inside the app (heapq's imports doctest,
    which imports pdb, pydoc, http.server, asyncio...). The scripts' own blocks are followed.
    Also minus the stdlib imports PyInstaller's hooks cut (STDLIB_EXCLUDED_IMPORTS)."""

    _skip = ()

    def scan_code(self, co, m):
        outer = self._skip
        self._skip = _main_blocks(co) if m.__name__ != '__main__' and \
            co.co_name == '<module>' else ()
        try:
            super().scan_code(co, m)
        finally:
            self._skip = outer

    def _safe_import_hook(self, name, caller, fromlist, level=-1):
        if caller is not None and level in (0, -1) and _cut(caller.__name__, name):
            return
        super()._safe_import_hook(name, caller, fromlist, level)

    def scan_opcodes(self, co):
        if not self._skip:
            yield from super().scan_opcodes(co)
            return
        for name in dis._find_store_names(co):  # as modulefinder does, minus skipped imports
            yield 'store', (name,)
        import_name, consts, skip = dis.opmap['IMPORT_NAME'], co.co_consts, self._skip
        opargs = [(op, arg) for off, op, arg in dis._unpack_opargs(co.co_code)
                  if op != dis.EXTENDED_ARG and not any(lo <= off < hi for lo, hi in skip)]
        for i, (op, oparg) in enumerate(opargs):
            if (op == import_name and i >= 2 and opargs[i - 1][0] in dis.hasconst
                    and opargs[i - 2][0] in dis.hasconst):
                level = dis._get_const_value(opargs[i - 2][0], opargs[i - 2][1], consts)
                fromlist = dis._get_const_value(opargs[i - 1][0], opargs[i - 1][1], consts)
                if level == 0:
                    yield 'absolute_import', (fromlist, co.co_names[oparg])
                else:
                    yield 'relative_import', (level, fromlist, co.co_names[oparg])


def _stdlib_dirs():
    stdlib = os.environ.get('PYHOST_PYI_STDLIB') or os.path.dirname(os.__file__)
    dirs = [stdlib]
    dirs += [p for p in sys.path if p.endswith('lib-dynload')]
    return [os.path.realpath(d) for d in dirs]


def site_dirs():
    """The build Python's site directories (where distributions are looked up)."""
    return [p for p in sys.path if p.endswith(('dist-packages', 'site-packages'))
            and os.path.isdir(p)]


def _under(path, dirs):
    real = os.path.realpath(path)
    return next((d for d in dirs if real == d or real.startswith(d + os.sep)), None)


def _resolve(path, base):
    return os.path.normpath(os.path.join(base, path)) if path else path


def expand_files(pairs, base, typecode):
    """[(src, dest_dir)] -> TOC entries (dest/name, src, typecode); src may be a glob or a
    directory (walked), relative to `base` (the spec file's directory)."""
    toc = []
    for pair in pairs:
        if len(pair) == 3:  # already a TOC entry
            toc.append(tuple(pair))
            continue
        src, dest = pair
        dest = os.path.normpath(dest).lstrip(os.sep) if dest not in ('', '.') else '.'
        matches = sorted(glob.glob(_resolve(src, base)))
        if not matches:
            raise SystemExit('pyinstaller: error: unable to find %r when adding %s files'
                             % (_resolve(src, base), typecode.lower()))
        for match in matches:
            if os.path.isdir(match):
                for root, dirs, files in os.walk(match):
                    dirs[:] = sorted(d for d in dirs if d != '__pycache__')
                    for f in sorted(files):
                        full = os.path.join(root, f)
                        rel = os.path.relpath(full, match)
                        toc.append((os.path.normpath(os.path.join(dest, rel)), full, typecode))
            else:
                toc.append((os.path.normpath(os.path.join(dest, os.path.basename(match))),
                            match, typecode))
    return toc


def entry_point_hook_dirs():
    """Directories that installed packages announce (entry points: pyinstaller40 hook-dirs)."""
    dirs = []
    for ep in importlib.metadata.entry_points(group='pyinstaller40'):
        if ep.name != 'hook-dirs':
            continue
        try:
            dirs += [str(d) for d in ep.load()()]
        except Exception as e:  # a broken package must not stop the build
            logger.warning('hook directories of %s could not be loaded: %s', ep.value, e)
    return dirs


class _HookAPI:
    """The object a hook's hook(hook_api) function receives."""

    def __init__(self, name, analysis):
        self.__name__ = name
        self.module = None
        self._a = analysis
        self.datas, self.binaries, self.imports = [], [], []

    def add_imports(self, *names):
        self.imports += names

    def add_datas(self, datas):
        self.datas += list(datas)

    def add_binaries(self, binaries):
        self.binaries += list(binaries)

    def del_imports(self, *names):
        self._a.hook_excludes.update(names)

    def add_runtime_module(self, name):
        self.imports.append(name)

    def add_alias_module(self, real, alias):
        self.imports.append(real)


def _import_kind(tree, name):
    """'top-level', or what PyInstaller writes for imports inside functions/ifs/trys."""
    kinds = set()
    found = False

    def visit(node, flags):
        nonlocal found
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ''] + ['%s.%s' % (node.module, a.name) for a in node.names]
            if any(n == name or n.startswith(name + '.') or name.startswith(n + '.') and
                   isinstance(node, ast.ImportFrom) for n in names if n):
                found = True
                kinds.update(flags)
        new = set(flags)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            new.add('delayed')
        elif isinstance(node, ast.If):
            new.add('conditional')
        elif isinstance(node, (ast.Try, getattr(ast, 'TryStar', ast.Try))):
            for child in node.body:
                visit(child, new | {'optional'})
            for child in node.handlers + node.orelse + node.finalbody:
                visit(child, new)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, new)

    visit(tree, frozenset())
    if not found or not kinds:
        return 'top-level'
    return ', '.join(k for k in ('delayed', 'conditional', 'optional') if k in kinds)


class Analysis:
    """Analysis(scripts, pathex, binaries, datas, hiddenimports, hookspath, hooksconfig,
    runtime_hooks, excludes, noarchive, optimize) -> .scripts .pure .binaries .datas"""

    def __init__(self, scripts, pathex=None, binaries=None, datas=None, hiddenimports=None,
                 hookspath=None, hooksconfig=None, excludes=None, runtime_hooks=None,
                 cipher=None, win_no_prefer_redirects=False, win_private_assemblies=False,
                 noarchive=False, module_collection_mode=None, optimize=-1, **kwargs):
        conf = state.CONF
        base = conf['specpath']
        self.script_paths = [_resolve(s, base) for s in scripts]
        for s in self.script_paths:
            if not os.path.isfile(s):
                raise SystemExit('pyinstaller: error: script file %r does not exist' % s)
        self.pathex = [_resolve(p, base) for p in pathex or []]
        self.hiddenimports = list(hiddenimports or [])
        self.hookspath = [_resolve(p, base) for p in hookspath or []]
        self.excludes = list(excludes or [])
        self.runtime_hooks = [_resolve(p, base) for p in runtime_hooks or []]
        self.optimize = conf.get('optimize', 0) if optimize in (-1, None) else optimize
        self.hook_excludes = set()
        self.app_tops = {}        # top-level name -> file or package directory to copy
        self.distributions = []   # names, in the order found
        self.missing = {}         # name -> caller names
        self.excluded_seen = {}
        self.datas = expand_files(datas or [], base, 'DATA')
        self.binaries = expand_files(binaries or [], base, 'BINARY')
        self.zipfiles, self.zipped_data = [], []
        self._analyze()
        stem = lambda p: os.path.splitext(os.path.basename(p))[0]
        self.scripts = [('pyi_rth_' + stem(p), p, 'PYSOURCE') for p in self.runtime_hooks]
        self.scripts += [(stem(p), p, 'PYSOURCE') for p in self.script_paths]
        state.ANALYSES.append(self)
        self._write_warnings()

    # ---- finding modules ---------------------------------------------------------------

    def _search_path(self):
        compat = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        dirs = [os.path.dirname(s) for s in self.script_paths] + self.pathex
        return list(dict.fromkeys(dirs + [p for p in sys.path if p != compat]))

    def _hook_dirs(self):
        return self.hookspath + entry_point_hook_dirs()

    def _run_hook(self, path, name, mf):
        logger.info('Processing hook %s', os.path.basename(path))
        ns = {'__name__': 'PyInstaller.hooks.' + os.path.basename(path)[:-3], '__file__': path}
        with open(path, 'rb') as f:
            exec(compile(f.read(), path, 'exec'), ns)
        api = _HookAPI(name, self)
        if callable(ns.get('hook')):
            ns['hook'](api)
        base = os.path.dirname(path)
        self.datas += expand_files(list(ns.get('datas', [])) + api.datas, base, 'DATA')
        self.binaries += expand_files(list(ns.get('binaries', [])) + api.binaries, base, 'BINARY')
        self.hook_excludes.update(ns.get('excludedimports', []))
        return list(ns.get('hiddenimports', [])) + api.imports

    def _import(self, mf, name, hidden):
        if name in self.excludes:
            return
        try:
            mf.import_hook(name)
        except (ImportError, SyntaxError) as e:
            if hidden:
                logger.error("Hidden import '%s' not found", name)
            else:
                logger.warning('%s: %s', name, e)

    def _quiet_import(self, mf, name):
        if not self._excluded(name):
            try:
                mf.import_hook(name)
            except (ImportError, SyntaxError):
                pass

    def _base_imports(self, mf):
        logger.info('Analyzing base library')
        encodings = os.path.join(_stdlib_dirs()[0], 'encodings')
        subs = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(encodings, '*.py')))
        for name in list(BASE_IMPORTS) + ['encodings.' + s for s in subs if s != '__init__']:
            self._quiet_import(mf, name)

    def _analyze(self):
        logger.info('Analyzing %s', ', '.join(self.script_paths))
        mf = _ModuleFinder(self._search_path(),
                           excludes=list(self.excludes) + list(STDLIB_SKIPPED))
        self._base_imports(mf)
        for script in self.script_paths + self.runtime_hooks:
            mf.run_script(script)
        for name in self.hiddenimports:
            self._import(mf, name, True)
        hooks = {}
        for d in reversed(self._hook_dirs()):  # earlier directories win
            for path in glob.glob(os.path.join(d, 'hook-*.py')):
                hooks[os.path.basename(path)[5:-3]] = path
        done = set()
        while True:
            todo = sorted(n for n in mf.modules if n in hooks and n not in done)
            if not todo:
                break
            for name in todo:
                done.add(name)
                for hidden in self._run_hook(hooks[name], name, mf):
                    self._import(mf, hidden, True)
        self.mf = mf
        self._classify(mf)

    # ---- the standard library packed -----------------------------------------------------

    def stdlib_include(self, extra=()):
        """The stdlib modules found, as [python] stdlib_include patterns (exact names, plus
        STDLIB_HIDDEN's); `extra` are imports to follow first (the start-up module's)."""
        for name in extra:
            self._quiet_import(self.mf, name)
        tried = set()
        while True:  # STDLIB_HIDDEN's modules may reach more of its keys
            more = [h for n, hs in STDLIB_HIDDEN.items() if n in self.mf.modules for h in hs
                    if '*' not in h and h not in self.mf.modules and h not in tried]
            if not more:
                break
            for name in more:
                tried.add(name)
                self._quiet_import(self.mf, name)
        stdlib = _stdlib_dirs()
        names = set()
        for name, m in self.mf.modules.items():
            path = getattr(m, '__file__', None)
            if path and name != '__main__' and not self._excluded(name) and _under(path, stdlib):
                names.add(name)
        for name, hidden in STDLIB_HIDDEN.items():
            if name in names:
                names.update(h for h in hidden if '*' in h)
        return names

    # ---- sorting what was found ---------------------------------------------------------

    def _excluded(self, name):
        return any(name == x or name.startswith(x + '.')
                   for x in list(self.excludes) + list(self.hook_excludes))

    def _classify(self, mf):
        stdlib = _stdlib_dirs()
        sites = [os.path.realpath(d) for d in site_dirs()]
        search = [os.path.realpath(d) for d in self._search_path()]
        dists = importlib.metadata.packages_distributions()
        self.pure = []
        tops = {}
        for name, m in sorted(mf.modules.items()):
            path = getattr(m, '__file__', None)
            if name == '__main__' or not path or self._excluded(name):
                continue
            self.pure.append((name, path, 'PYMODULE'))
            top = name.split('.')[0]
            if top in tops or _under(path, stdlib):
                continue
            tops[top] = path
            site = _under(path, sites)
            names = dists.get(top) if site else None
            if names:
                for dist in names:
                    if dist not in self.distributions:
                        self.distributions.append(dist)
                continue
            self.app_tops[top] = self._top_source(top, path, m, search)
        for name, path, _ in self.datas:
            if name.endswith(('.dist-info/METADATA', '.egg-info/PKG-INFO')):
                meta = name.split('/')[0]  # Pygments-2.14.0.egg-info, foo_bar-1.0.dist-info
                dist = re.match(r'(.+?)(-\d.*)?\.(dist|egg)-info$', meta).group(1)
                if dist not in self.distributions:
                    self.distributions.append(dist)
        missing, _maybe = mf.any_missing_maybe()
        for name in missing:
            callers = [c for c in mf.badmodules.get(name, {}) if c != '-']
            if callers and not self._excluded(name):
                self.missing[name] = callers
        for name in self.excludes:
            callers = [c for c in mf.badmodules.get(name, {}) if c != '-']
            if callers:
                self.excluded_seen[name] = callers

    @staticmethod
    def _top_source(top, path, module, search):
        """The file or package directory that provides top-level `top`."""
        if getattr(module, '__path__', None) and module.__name__ == top:
            return os.path.dirname(path)
        if '.' not in module.__name__:
            return path
        for d in search:
            candidate = os.path.join(d, top)
            if os.path.isdir(candidate):
                return candidate
        return path

    # ---- warn-NAME.txt -------------------------------------------------------------------

    def _kinds(self, caller, name, trees):
        m = self.mf.modules.get(caller)
        path = getattr(m, '__file__', None)
        if not path or not path.endswith('.py'):
            return 'top-level'
        if path not in trees:
            try:
                with open(path, 'rb') as f:
                    trees[path] = ast.parse(f.read())
            except (OSError, SyntaxError, ValueError):
                trees[path] = None
        return _import_kind(trees[path], name) if trees[path] else 'top-level'

    def _write_warnings(self):
        conf = state.CONF
        trees = {}
        lines = []
        for label, table in (('missing', self.missing), ('excluded', self.excluded_seen)):
            for name in sorted(table):
                who = ', '.join('%s (%s)' % (c, self._kinds(c, name, trees))
                                for c in sorted(table[name]))
                shown = repr(name) if '.' in name else name
                lines.append('%s module named %s - imported by %s\n' % (label, shown, who))
        path = os.path.join(conf['workpath'], 'warn-%s.txt' % conf['specnm'])
        with open(path, 'w', encoding='utf-8') as f:
            f.write(WARN_HEADER + ''.join(lines))
        logger.info('Warnings written to %s', path)
