"""Analysis: what a script imports, found the way PyInstaller finds it (statically).

pyhost's own import analysis (the module `pyhost_analysis`, compiled into pyhost and shared
with `pyhost build`) follows imports through the source of every module reached, from the
scripts and the hidden imports, resolving them over the scripts' directories, pathex, the
stdlib and the site directories as the import system would (namespace packages of every kind,
relative imports). Hook files (hook-MODULE.py in hookspath, in hook directories that installed
packages announce through the `pyinstaller40` entry-point group) add hidden imports, datas and
binaries for the modules found and cut imports (excludedimports), until nothing new appears.
Each module found is then sorted by where it lives:
  - the standard library: pyhost packs it from its own Python ([python] stdlib_include);
  - an installed distribution: packed by name ([resources] distributions), metadata included;
  - anything else (the app's own modules, pathex): copied into the build's app directory.
Imports that cannot be resolved go to warn-NAME.txt in PyInstaller's format.

Only the stdlib modules found are packed ([python] stdlib_include), as PyInstaller packs only
what its analysis found: a module imported in a way the analysis cannot see fails with
ModuleNotFoundError, in both, until it is named by --hidden-import. The analysis therefore
also follows what pyhost itself imports (BASE_IMPORTS), the way PyInstaller analyzes its
bootstrap modules and always packs its base library.
"""
import glob
import importlib
import logging
import os
import re
import sys

import pyhost_analysis as pa
from PyInstaller import compat
from PyInstaller import log
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

# The tables live with the analysis, shared with `pyhost build`'s [python] stdlib = auto.
BASE_IMPORTS = pa.BASE_IMPORTS
STDLIB_HIDDEN = pa.STDLIB_HIDDEN
STDLIB_SKIPPED = pa.STDLIB_SKIPPED
STDLIB_EXCLUDED_IMPORTS = pa.STDLIB_EXCLUDED_IMPORTS


def _stdlib_dirs():
    stdlib = os.environ.get('PYHOST_PYI_STDLIB') or os.path.dirname(os.__file__)
    dirs = [stdlib]
    dirs += [p for p in sys.path if p.endswith('lib-dynload') and p not in dirs]
    return [os.path.realpath(d) for d in dirs]


def site_dirs():
    """The site directories of the environment PyInstaller would run in (the active venv's,
    else the build Python's; the driver puts them on sys.path): where distributions are
    looked up and packed from."""
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


_MODULE_SUFFIXES = sorted(importlib.machinery.EXTENSION_SUFFIXES + ['.py'], key=len,
                          reverse=True)


def _module_name(filename):
    """The module a file in a package directory provides, or None (data, stubs, bad names)."""
    for suffix in _MODULE_SUFFIXES:
        if filename.endswith(suffix):
            stem = filename[:-len(suffix)]
            return stem if stem.isidentifier() and stem != '__init__' else None
    return None


def _unreached_under(directory, package, reached):
    """unreached_modules() for one directory of `package` (`reached`: the modules found and
    every package above them): a regular package with nothing reached is one `package.sub.*`,
    its data files with it, as PyInstaller leaves them out."""
    patterns = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return patterns
    for filename in names:
        path = os.path.join(directory, filename)
        if os.path.isdir(path):
            if not filename.isidentifier():
                continue
            sub = package + '.' + filename
            if sub in reached or not os.path.isfile(os.path.join(path, '__init__.py')):
                # (a directory without __init__.py may hold data read through __file__:
                # only its modules are left out, named one by one)
                patterns += _unreached_under(path, sub, reached)
            else:
                patterns.append(sub + '.*')
            continue
        name = _module_name(filename)
        if name and package + '.' + name not in reached:
            patterns.append(package + '.' + name)
    return patterns


def entry_point_hook_dirs():
    """Directories that installed packages announce (entry points: pyinstaller40 hook-dirs)."""
    dirs = []
    for ep in compat.entry_points('pyinstaller40'):
        if ep.name != 'hook-dirs':
            continue
        try:
            dirs += [str(d) for d in ep.load()()]
        except Exception as e:  # a broken package must not stop the build
            logger.warning('hook directories of %s could not be loaded: %s', ep.value, e)
    return dirs


def _available_rthooks(hook_dirs):
    """{module: [runtime hook paths]} from the rthooks.dat of hook directories (a dict literal
    of module name -> file names in the directory's rthooks/), earlier directories first."""
    import ast
    found = {}
    for d in hook_dirs:
        dat = os.path.join(d, 'rthooks.dat')
        if not os.path.isfile(dat):
            continue
        try:
            with open(dat, encoding='utf-8') as f:
                table = ast.literal_eval(f.read())
        except (OSError, ValueError, SyntaxError) as e:
            logger.warning('%s could not be read: %s', dat, e)
            continue
        for module, files in table.items():
            if module not in found:  # an earlier directory's hooks for a module win
                found[module] = [os.path.join(d, 'rthooks', f) for f in files]
    return found


def _hook_pkg_resources(analysis, a):
    """PyInstaller's standard hook for pkg_resources, equivalent: pkg_resources imports its
    dependencies where its setuptools vendors them. setuptools >= 71 appends
    setuptools/_vendor to sys.path and imports them top-level (jaraco.text, platformdirs,
    packaging): that directory is searched last, as a site directory, and what is found there
    is packed as its distributions (PyInstaller aliases the vendored packages the same way).
    Older ones (and Debian's, which unvendors them) name them in pkg_resources.extern."""
    import ast
    m = a.modules.get('pkg_resources')
    if m is None or not m.path:
        return [], ['__main__']
    root = os.path.dirname(os.path.dirname(m.path))
    vendor = os.path.join(root, 'setuptools', '_vendor')
    hidden = []
    if os.path.isdir(vendor) and not os.path.isdir(os.path.join(root, 'pkg_resources', '_vendor')):
        _add_search_site(a, vendor)
        hidden += ['jaraco.text', 'jaraco.functools', 'jaraco.context', 'platformdirs']
    extern = os.path.join(root, 'pkg_resources', 'extern', '__init__.py')
    if os.path.isfile(extern):
        hidden.append('pkg_resources.extern')
        try:
            with open(extern, encoding='utf-8') as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == 'names' for t in node.targets):
                    for name in ast.literal_eval(node.value):
                        hidden.append(name)
                        hidden.append('pkg_resources._vendor.' + name)
        except (OSError, SyntaxError, ValueError):
            pass
        if any(h.split('.')[0] == 'jaraco' for h in hidden):
            hidden += ['jaraco.text', 'jaraco.functools', 'jaraco.context']
    hidden += ['packaging.' + n for n in ('markers', 'requirements', 'specifiers', 'utils',
                                          'version')]
    return hidden, ['__main__']


def _add_search_site(a, site):
    """Adds a site directory to the end of an analysis's search path (and so to the
    manifest's site_packages, read from EXTRA_SITES)."""
    site = os.path.abspath(site)
    if site in a.site_dirs:
        return
    a.site_dirs.append(site)
    a.path.append(site)
    a._roots = sorted(a._roots + [(site, 'site')], key=lambda r: -len(r[0]))
    a._finders.clear()
    a._bad.clear()
    if site not in EXTRA_SITES:
        EXTRA_SITES.append(site)


# Standard hooks: modules PyInstaller's own hooks handle and real packages depend on.
STANDARD_HOOKS = {'pkg_resources': _hook_pkg_resources}
EXTRA_SITES = []  # site directories standard hooks added (setuptools/_vendor)


# ---- ctypes: libraries loaded by name (PyInstaller's scan_code_for_ctypes) -------------------

_CTYPES_LOADERS = {p + ldr for p in ('', 'ctypes.') for ldr in
                   ('CDLL', 'PyDLL', 'cdll.LoadLibrary', 'pydll.LoadLibrary')}
_FIND_LIBRARY = {'ctypes.util.find_library', 'util.find_library', 'find_library'}
# the C library and its companions: every system has them (PyInstaller's exclude list)
_SYSTEM_LIBS = re.compile(r'(ld-linux.*|ld64|libc|libm|libdl|libpthread|librt|libutil|libnsl|'
                          r'libresolv|libcrypt|libgcc_s|libstdc\+\+|libanl)(\.so.*)?$')
_LDCONFIG = None


def _dotted(node):
    import ast
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return '.'.join(reversed(parts))
    return None


def _ctypes_names(path):
    """Library names a module loads with a constant: CDLL('x'), cdll.LoadLibrary('x'),
    cdll.x, ctypes.util.find_library('x') (resolved to its file name)."""
    import ast
    try:
        with open(path, 'rb') as f:
            text = f.read()
        if b'ctypes' not in text:
            return []
        tree = ast.parse(text, path)
    except (OSError, SyntaxError, ValueError):
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            func, arg = _dotted(node.func), node.args[0].value
            if func in _CTYPES_LOADERS:
                names.append(arg)
            elif func in _FIND_LIBRARY and arg:
                import ctypes.util
                try:
                    found = ctypes.util.find_library(arg)
                except Exception:
                    found = None
                if found:
                    names.append(os.path.basename(found))
        elif isinstance(node, ast.Attribute) and _dotted(node.value) in ('cdll', 'ctypes.cdll') \
                and not node.attr.startswith('_') and node.attr != 'LoadLibrary':
            names.append(node.attr)
    return names


def _ldconfig():
    global _LDCONFIG
    if _LDCONFIG is None:
        import subprocess
        _LDCONFIG = {}
        for exe in ('/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig'):
            try:
                out = subprocess.run([exe, '-p'], capture_output=True, text=True,
                                     check=False).stdout
            except OSError:
                continue
            for line in out.splitlines()[1:]:
                name, _, target = line.strip().partition(' => ')
                name = name.split(' (')[0]
                if target and name not in _LDCONFIG:
                    _LDCONFIG[name] = target
            break
    return _LDCONFIG


def resolve_library(name, pathex=()):
    """A ctypes library name -> its file, as PyInstaller resolves it: the pathex and
    LD_LIBRARY_PATH directories, then the ldconfig cache."""
    dirs = list(pathex) + [d for d in os.environ.get('LD_LIBRARY_PATH', '').split(os.pathsep)
                           if d]
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    return _ldconfig().get(name)


def scan_ctypes(a, pathex):
    """BINARY TOC entries for the libraries the found modules load through ctypes by name."""
    toc, seen = [], set()
    for mname, m in sorted(a.modules.items()):
        if m.origin in ('stdlib', 'builtin') or not m.path or not m.path.endswith('.py'):
            continue
        for name in _ctypes_names(m.path):
            if name in seen:
                continue
            seen.add(name)
            if name != os.path.basename(name):
                logger.warning('Ignoring %s imported from %s - only basenames are supported '
                               'with ctypes imports!', name, m.path)
                continue
            if _SYSTEM_LIBS.match(name):
                continue
            path = resolve_library(name, pathex)
            if path is None:
                logger.warning('Library %s required via ctypes not found', name)
                continue
            logger.info('ctypes library %s: %s', name, path)
            toc.append((name, path, 'BINARY'))
    return toc


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


class Analysis:
    """Analysis(scripts, pathex, binaries, datas, hiddenimports, hookspath, hooksconfig,
    runtime_hooks, excludes, noarchive, optimize) -> .scripts .pure .binaries .datas"""

    def __init__(self, scripts, pathex=None, binaries=None, datas=None, hiddenimports=None,
                 hookspath=None, hooksconfig=None, excludes=None, runtime_hooks=None,
                 cipher=None, win_no_prefer_redirects=False, win_private_assemblies=False,
                 noarchive=False, module_collection_mode=None, optimize=-1, **kwargs):
        conf = state.CONF
        base = conf['specpath']
        if noarchive and 'noarchive' not in state.NOTED:  # --debug noarchive
            state.NOTED.add('noarchive')
            logger.info('pyhost: Analysis(noarchive=True) (--debug noarchive): pyhost always '
                        'packs the modules in its .pyr')
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
        rth = lambda p: stem(p) if stem(p).startswith('pyi_rth_') else 'pyi_rth_' + stem(p)
        self.scripts = [(rth(p), p, 'PYSOURCE') for p in self.runtime_hooks]
        self.scripts += [(stem(p), p, 'PYSOURCE') for p in self.script_paths]
        state.ANALYSES.append(self)
        self._write_warnings()

    # ---- finding modules ---------------------------------------------------------------

    def _app_path(self):
        # a site directory named by --paths (`--paths venv/.../site-packages`) stays a site
        # directory: its packages are distributions, with their metadata, not the app's code
        sites = {os.path.realpath(p) for p in site_dirs()}
        return [p for p in dict.fromkeys([os.path.dirname(s) for s in self.script_paths] +
                                         self.pathex) if os.path.realpath(p) not in sites]

    def _search_path(self):
        """Where hooks look (collect_submodules, collect_data_files): the analysis path."""
        return self._app_path() + _stdlib_dirs() + site_dirs() + EXTRA_SITES

    def _hook_dirs(self):
        return self.hookspath + entry_point_hook_dirs()

    def _run_hook(self, path, name):
        """Runs a hook once, with the analysis path first on sys.path (as PyInstaller runs
        hooks in an interpreter whose sys.path has pathex): (hidden imports, excluded)."""
        if name in self._hook_results:
            return self._hook_results[name]
        logger.info('Processing hook %s', os.path.basename(path))
        ns = {'__name__': 'PyInstaller.hooks.' + os.path.basename(path)[:-3], '__file__': path}
        saved = list(sys.path)
        sys.path[:0] = [p for p in self._app_path() if p not in sys.path]
        importlib.invalidate_caches()
        api = _HookAPI(name, self)
        try:
            with open(path, 'rb') as f:
                exec(compile(f.read(), path, 'exec'), ns)
            if callable(ns.get('hook')):
                ns['hook'](api)
        except Exception as e:  # PyInstaller would stop; a hook that needs more of
            # PyInstaller's internals than pyhost's compatibility package has is skipped
            logger.warning('hook %s failed, skipped: %s: %s', path, type(e).__name__, e)
            ns, api = {}, _HookAPI(name, self)
        finally:
            sys.path[:] = saved
        base = os.path.dirname(path)
        self.datas += expand_files(list(ns.get('datas', [])) + api.datas, base, 'DATA')
        self.binaries += expand_files(list(ns.get('binaries', [])) + api.binaries, base, 'BINARY')
        result = (list(ns.get('hiddenimports', [])) + api.imports,
                  list(ns.get('excludedimports', [])))
        self._hook_results[name] = result
        return result

    def _new_analysis(self, excluded_imports):
        a = pa.Analysis(self._app_path(), site_dirs() + EXTRA_SITES, _stdlib_dirs(),
                        excludes=self.excludes, excluded_imports=excluded_imports)
        a.progress = log.progress_analyzing
        logger.info('Analyzing base library')
        for name in BASE_IMPORTS:
            a.add_module(name)
        enc = a.modules.get('encodings')
        for d in (enc.paths or ()) if enc is not None else ():
            for f in sorted(glob.glob(os.path.join(d, '*.py'))):
                if os.path.basename(f) != '__init__.py':
                    a.add_module('encodings.' + os.path.basename(f)[:-3])
        for i, script in enumerate(self.script_paths + self.runtime_hooks):
            a.add_script(script, '__main__' if i == 0 else '__main__%d' % i)
        return a

    def _import(self, a, name, hidden):
        if name in self.excludes:
            return
        if a.add_module(name) is None and hidden:
            logger.error("Hidden import '%s' not found", name)

    def _analyze(self):
        logger.info('Analyzing %s', ', '.join(self.script_paths))
        hooks = {}
        for d in reversed(self._hook_dirs()):  # earlier directories win
            for path in glob.glob(os.path.join(d, 'hook-*.py')):
                hooks[os.path.basename(path)[5:-3]] = path
        rthooks = _available_rthooks(self._hook_dirs())
        self._hook_results = {}
        excluded_imports = {}
        custom_rthooks = list(self.runtime_hooks)
        while True:  # again from the start when a hook cuts imports (excludedimports)
            self.runtime_hooks = list(custom_rthooks)
            a = self._new_analysis(excluded_imports)
            for name in self.hiddenimports:
                self._import(a, name, True)
            done, cut = set(), False
            while True:
                todo = sorted(n for n in a.modules if (n in hooks or n in STANDARD_HOOKS)
                              and n not in done)
                # runtime hooks that hook directories provide for the modules found (their
                # rthooks.dat), after the --runtime-hook ones, as PyInstaller orders them
                new_rth = [p for n in sorted(a.modules) for p in rthooks.get(n, ())
                           if p not in self.runtime_hooks]
                for path in new_rth:
                    logger.info('Including run-time hook %r', os.path.basename(path))
                    self.runtime_hooks.append(path)
                    a.add_script(path, '__main__%d' % (len(self.script_paths) +
                                                       len(self.runtime_hooks)))
                if not todo and not new_rth:
                    break
                for name in todo:
                    done.add(name)
                    if name in hooks:
                        hidden, excluded = self._run_hook(hooks[name], name)
                    else:
                        hidden, excluded = STANDARD_HOOKS[name](self, a)
                    if excluded and not set(excluded) <= set(excluded_imports.get(name, ())):
                        excluded_imports[name] = tuple(excluded)
                        cut = True
                    for h in hidden:
                        self._import(a, h, name not in STANDARD_HOOKS)
            if not cut:
                break
        self.mf = a
        self.hooked = done
        # what a hook's excludedimports (or --exclude-module) cut and the analysis then did not
        # find: build.py removes their files from the app's packages it copies whole
        cut = {n for names in excluded_imports.values() for n in names} | set(self.excludes)
        self.cut_modules = sorted(n for n in cut | self.hook_excludes if n not in a.modules)
        self._classify(a)
        self.binaries += scan_ctypes(a, self.pathex)

    # ---- the standard library packed -----------------------------------------------------

    def stdlib_include(self, extra=()):
        """The stdlib modules found, as [python] stdlib_include patterns (exact names, plus
        STDLIB_HIDDEN's); `extra` are imports to follow first (the start-up module's)."""
        for name in extra:
            if not self._excluded(name):
                self.mf.add_module(name)
        names = {n for n in self.mf.stdlib_modules() if not self._excluded(n)}
        for name, hidden in STDLIB_HIDDEN.items():
            if name in names:
                names.update(h for h in hidden if '*' in h)
        return names

    # ---- what distributions hold and the analysis did not reach ------------------------

    def unreached_modules(self):
        """Module patterns for the modules of the packed distributions that the analysis did
        not reach. pyhost packs a distribution by name, whole; PyInstaller packs only the
        modules found (pycryptodomex's SelfTest, 0.5 MB, is never imported by an app), so these
        become [resources] exclude. Data files in reached packages stay (only hooks' datas would
        bring them into a PyInstaller build, on disk, where `__file__` finds them either way).

        Only packages that a hook covered are trimmed: a hook names what the analysis cannot
        see (hidden imports), and pyhost runs the hooks of hook directories, not PyInstaller's
        own standard ones, so a package that relies on one of those (pygments, whose hook
        collects the lexers it imports by computed names) is packed whole."""
        found = self.mf.modules
        reached = {'.'.join(n.split('.')[:i + 1]) for n in found for i in range(n.count('.') + 1)}
        hooked_tops = {n.split('.')[0] for n in self.hooked}
        patterns = []
        for top, m in sorted(found.items()):
            if '.' in top or not (m.origin or '').startswith('dist:') or m.paths is None or \
                    top not in hooked_tops:
                continue
            for d in m.paths:
                patterns += _unreached_under(d, top, reached)
        return sorted(set(patterns))

    # ---- sorting what was found ---------------------------------------------------------

    def _excluded(self, name):
        return any(name == x or name.startswith(x + '.')
                   for x in list(self.excludes) + list(self.hook_excludes))

    def _classify(self, a):
        self.pure = []
        for name, m in sorted(a.modules.items()):
            if name.startswith('__main__') or self._excluded(name) or m.kind == 'builtin':
                continue
            if m.path:
                self.pure.append((name, m.path, 'PYMODULE'))
            top = name.split('.')[0]
            if m.origin == 'stdlib':
                continue
            if m.origin.startswith('dist:'):
                dist = m.origin[5:]
                if dist not in self.distributions:
                    self.distributions.append(dist)
                continue
            if top not in self.app_tops:
                self.app_tops[top] = self._top_sources(a, top)
        for name, path, _ in self.datas:
            if name.endswith(('.dist-info/METADATA', '.egg-info/PKG-INFO')):
                meta = name.split('/')[0]  # Pygments-2.14.0.egg-info, foo_bar-1.0.dist-info
                dist = re.match(r'(.+?)(-\d.*)?\.(dist|egg)-info$', meta).group(1)
                if dist not in self.distributions:
                    self.distributions.append(dist)
        for x in a.unresolved():
            if x.importer and not self._excluded(x.name):
                callers = self.missing.setdefault(x.name, {})
                callers[x.importer] = callers.get(x.importer, x.flags) & x.flags
        for name, callers in a.excluded_seen.items():
            self.excluded_seen[name] = dict(callers)

    @staticmethod
    def _top_sources(a, top):
        """The files or package directories that provide top-level `top` (every portion of
        a namespace package, which copying into one directory merges)."""
        m = a.modules[top]
        if m.paths is not None:
            return list(m.paths)
        return [m.path]

    # ---- warn-NAME.txt -------------------------------------------------------------------

    def _write_warnings(self):
        conf = state.CONF
        lines = []
        for label, table in (('missing', self.missing), ('excluded', self.excluded_seen)):
            for name in sorted(table):
                who = ', '.join('%s (%s)' % ('__main__' if c.startswith('__main__') else c,
                                             pa.kind_name(f))
                                for c, f in sorted(table[name].items()))
                shown = repr(name) if '.' in name else name
                lines.append('%s module named %s - imported by %s\n' % (label, shown, who))
        path = os.path.join(conf['workpath'], 'warn-%s.txt' % conf['specnm'])
        with open(path, 'w', encoding='utf-8') as f:
            f.write(WARN_HEADER + ''.join(lines))
        logger.info('Warnings written to %s', path)
