"""pyhost's import analysis: what an app imports, found statically.

One implementation for `pyhost build` and `pyhost pyinstaller`. It is compiled into pyhost
(analysis_embed.py makes a C array of it) and run as the module `pyhost_analysis` by the
interpreter the builder embeds; the unit tests import it from the source tree.

Source is parsed with `ast`, never imported. Names are resolved as the import system resolves
them, over an explicit path (never this interpreter's sys.path): built-in modules first, then
importlib.machinery.FileFinder over each path entry, in order, the first module or regular
package winning and PEP 420 namespace portions merging. A package whose __init__ calls
pkgutil.extend_path or pkg_resources.declare_namespace gets the same-named directories of
every entry of its parent's path as its __path__, as it would when run. Extension modules and
bytecode-only modules are leaves.

Each import is recorded with where it is (file, line) and how: 'top-level', or any of
'delayed' (inside a function), 'conditional' (inside an if), 'optional' (inside a try), the
categories PyInstaller's warn file uses. Every module found has an origin: 'stdlib',
'dist:NAME' (an installed distribution, from importlib.metadata over the site directories),
'app', or 'builtin'.
"""
import ast
import csv
import fnmatch
import importlib.machinery
import importlib.metadata
import os
import sys

DELAYED, CONDITIONAL, OPTIONAL = 1, 2, 4


def kind_name(flags):
    """PyInstaller's words for where an import is."""
    if not flags:
        return 'top-level'
    return ', '.join(w for f, w in ((DELAYED, 'delayed'), (CONDITIONAL, 'conditional'),
                                    (OPTIONAL, 'optional')) if flags & f)


# Imported by pyhost's runtime, whatever the app does: the codec registry at start-up (every
# encodings.* module is packed: the locale's codec is looked up by name), the printing of an
# uncaught exception (runtime/entry.c: traceback, which imports linecache), extension module
# loading (runtime/extension.c: types), resource files (runtime/resources.c: io), the generated
# start-up module (os), warnings, which the interpreter imports when it has one to show, and
# importlib._bootstrap_external, whose decode_source the finder's get_source uses (frozen from
# 3.11 on, a packed module before: without it 3.9 and 3.10 tracebacks lost their source lines).
BASE_IMPORTS = ('encodings', 'traceback', 'linecache', 'types', 'io', 'os', 'warnings',
                'importlib._bootstrap_external')

# What stdlib modules import by names the source does not show (PyInstaller's hooks for the
# stdlib do the same): module found -> modules or patterns to follow with it. The C extension
# modules' own imports are here too, since they have no source to parse.
STDLIB_HIDDEN = {
    'sysconfig': ('_sysconfigdata_*',),  # __import__(f'_sysconfigdata_{abiflags}_{platform}...')
    'multiprocessing': ('multiprocessing.spawn',),  # the child side pyhost's entry starts
    'time': ('_strptime',),             # time.strptime imports it from C
    'datetime': ('_strptime',),
    '_datetime': ('_strptime', 'time'),
    '_pickle': ('copyreg', '_compat_pickle'),
    '_decimal': ('numbers', 'collections', 'contextvars'),
    '_elementtree': ('xml.etree.ElementPath', 'copy'),
    '_asyncio': ('asyncio',),
    'dbm': ('dbm.gnu', 'dbm.ndbm', 'dbm.dumb'),  # __import__ of each name in a list
    'codecs': ('encodings',),
    'locale': ('encodings',),
    'importlib.metadata': ('importlib.metadata._adapters',),
}

# The stdlib's own tests and tools, never followed (multiprocessing.util imports test.support,
# which imports tkinter, distutils and more).
STDLIB_SKIPPED = ('test', 'idlelib', 'tkinter.test', 'lib2to3.tests', 'ensurepip',
                  'distutils.tests', 'unittest.test', 'ctypes.test', 'turtledemo')

# Imports of the stdlib that PyInstaller 6's own hooks for the stdlib cut (`excludedimports` of
# hook-MODULE.py: not followed from MODULE and its submodules), for the same reasons.
STDLIB_EXCLUDED_IMPORTS = {
    'heapq': ('doctest',),      # hook-heapq: only its `if __name__ == '__main__':` block
    'difflib': ('doctest',),    # hook-difflib: only _test(), run as __main__
    'pickle': ('argparse',),    # hook-pickle: only _main(), run as __main__ (its _test()
                                # import of doctest stays followed, as in PyInstaller)
    'multiprocessing.util': ('test',),  # hook-multiprocessing.util: _cleanup_tests()
    '_osx_support': ('distutils',),     # hook-_osx_support: called only from distutils
}
# pyhost build's [python] stdlib = auto cuts more (Analysis(trim=True)), where PyInstaller has
# no hook: the import serves only code that runs as __main__, or a caller that has already
# imported the module itself. `pyhost pyinstaller` keeps PyInstaller's graph.
TRIM_EXCLUDED_IMPORTS = {
    'pickle': ('doctest',),      # _test(), run as __main__
    'random': ('statistics',),   # _test_generator(): `python -m random`
    'logging': ('pickle',),      # Logger.__reduce__: only reached while pickling
    'importlib._bootstrap_external': ('importlib.metadata',),  # find_distributions: only
                                                                # called by importlib.metadata
    'hashlib': ('logging',),     # logs a hash OpenSSL lacks, on an error path at import
    'warnings': ('tracemalloc',),  # inside `try: ... except Exception`; only useful when the
                                   # app has started tracing, so has imported it
}
# Imported inside a function of a stdlib module, these serve its command-line interface
# (main() of ast, calendar, tokenize, inspect, tarfile, zipfile, dis... all 20 of them):
# not followed from there. An app that parses arguments imports argparse itself.
STDLIB_CLI_ONLY = ('argparse',)
if sys.platform != 'darwin':
    STDLIB_EXCLUDED_IMPORTS['platform'] = ('plistlib',)  # hook-platform: mac_ver() only


# Modules that exist only under another name: os puts posixpath into sys.modules as os.path.
ALIASES = {'os.path': 'posixpath'}


def _listed_files(dist):
    """The paths `dist.files` gives, as strings. A RECORD is read with csv directly, as
    importlib.metadata reads it, without making a PackagePath of each of its lines: for the
    thousands of files of a venv that was most of a rebuild's analysis."""
    text = dist.read_text('RECORD')
    if text is not None:
        return [row[0] for row in csv.reader(text.splitlines()) if row]
    return [str(f) for f in dist.files or ()]


def _within(name, prefixes):
    """Is `name` one of `prefixes` or inside one? `prefixes`: a set, or any iterable (made one
    here). The name's own dotted parents are looked up, a handful, whatever the prefixes' number:
    the analysis asks this for every import against every exclude."""
    if not isinstance(prefixes, (set, frozenset)):
        prefixes = frozenset(prefixes)
    while True:
        if name in prefixes:
            return True
        dot = name.rfind('.')
        if dot < 0:
            return False
        name = name[:dot]


_LOADERS = [
    (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
    (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES),
    (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
]


class Module:
    """One module found. kind: 'module', 'package', 'namespace', 'extension', 'bytecode',
    'builtin'; path: its file (None for namespace and builtin); paths: __path__ of a
    package; origin: 'stdlib', 'dist:NAME', 'app', 'builtin'."""
    __slots__ = ('name', 'kind', 'path', 'paths', 'origin', 'imported_by', 'entry')

    def __init__(self, name, kind, path, paths=None):
        self.name, self.kind, self.path, self.paths = name, kind, path, paths
        self.origin = None
        self.imported_by = None  # (file, line) of the first import that reached it
        self.entry = False

    @property
    def is_package(self):
        return self.paths is not None

    def __repr__(self):
        return 'Module(%r, %r, %r)' % (self.name, self.kind, self.path)


class Missing:
    """An import that resolved nowhere: the full name tried, the importing module, where."""
    __slots__ = ('name', 'importer', 'file', 'line', 'flags', 'relative')

    def __init__(self, name, importer, file, line, flags, relative):
        self.name, self.importer, self.file, self.line = name, importer, file, line
        self.flags, self.relative = flags, relative

    @property
    def kind(self):
        return kind_name(self.flags)

    def __repr__(self):
        return 'Missing(%r, %s:%s, %s)' % (self.name, self.file, self.line, self.kind)


def _is_main_test(test):
    """`__name__ == '__main__'` (either way round)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or \
            not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == '__name__' for s in sides) and \
        any(isinstance(s, ast.Constant) and s.value == '__main__' for s in sides)


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


# The fields of a statement that hold statements (an except handler's and a match case's
# body too), in the order ast.iter_child_nodes gives them.
_STATEMENT_FIELDS = ('body', 'handlers', 'orelse', 'finalbody', 'cases')


def _scan_statements(tree, skip_main):
    """scan_imports for a module that calls neither import_module nor __import__: import
    statements are statements, so only statements are walked, never the expressions that are
    most of a tree (several times faster; the same result in the same order)."""
    found = []
    try_types = (ast.Try,) + ((ast.TryStar,) if hasattr(ast, 'TryStar') else ())

    def visit(node, flags):
        for field in _STATEMENT_FIELDS:
            for child in getattr(node, field, None) or ():
                if not isinstance(child, ast.AST):
                    continue  # an IfExp's or a Lambda's body is never reached: not statements
                if isinstance(child, ast.Import):
                    for alias in child.names:
                        found.append((0, alias.name, None, child.lineno, flags))
                elif isinstance(child, ast.ImportFrom):
                    found.append((child.level or 0, child.module,
                                  [a.name for a in child.names], child.lineno, flags))
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    visit(child, flags | DELAYED)
                elif isinstance(child, ast.If):
                    if skip_main and _is_main_test(child.test):
                        for sub in child.orelse:
                            visit(ast.Module(body=[sub], type_ignores=[]), flags | CONDITIONAL)
                    else:
                        visit(child, flags | CONDITIONAL)
                elif isinstance(child, try_types):
                    visit(child, flags | OPTIONAL)
                else:
                    visit(child, flags)

    visit(tree, 0)
    return found


def scan_imports(tree, skip_main=False, calls=True):
    """The imports of a module's AST, in source order, as tuples
    (level, module, fromlist, line, flags): `import a.b` is (0, 'a.b', None, ...);
    `from .m import x, y` is (1, 'm', ['x', 'y'], ...); importlib.import_module('a') and
    __import__('a') with a literal name are imports too (a relative import_module with
    __name__ or __package__ as its package resolves against the module). calls=False: the
    source has no such call (its text names neither), so only statements are walked."""
    if not calls:
        return _scan_statements(tree, skip_main)
    found = []
    try_types = (ast.Try,) + ((ast.TryStar,) if hasattr(ast, 'TryStar') else ())
    func_types = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)

    def call(node, flags):
        f = node.func
        fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) \
            else None
        if fname not in ('import_module', '__import__') or not node.args:
            return
        if fname == 'import_module' and isinstance(f, ast.Attribute) and not (
                isinstance(f.value, ast.Name) and f.value.id == 'importlib'):
            return
        name = _literal(node.args[0])
        if not name:
            return
        if fname == 'import_module' and name.startswith('.'):
            pkg = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == 'package'), None)
            if not (isinstance(pkg, ast.Name) and pkg.id in ('__name__', '__package__')):
                return
            level = len(name) - len(name.lstrip('.'))
            found.append((level, name[level:] or None, None, node.lineno, flags))
        elif not name.startswith('.'):
            found.append((0, name, None, node.lineno, flags))

    def visit(node, flags):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append((0, alias.name, None, child.lineno, flags))
            elif isinstance(child, ast.ImportFrom):
                found.append((child.level or 0, child.module, [a.name for a in child.names],
                              child.lineno, flags))
            elif isinstance(child, func_types):
                visit(child, flags | DELAYED)
            elif isinstance(child, ast.If):
                if skip_main and _is_main_test(child.test):
                    for sub in child.orelse:
                        visit_one(sub, flags | CONDITIONAL)
                else:
                    visit(child, flags | CONDITIONAL)
            elif isinstance(child, try_types):
                visit(child, flags | OPTIONAL)
            else:
                if isinstance(child, ast.Call):
                    call(child, flags)
                visit(child, flags)

    def visit_one(node, flags):
        wrapper = ast.Module(body=[node], type_ignores=[])
        visit(wrapper, flags)

    visit(tree, 0)
    return found


# (path, skip_main) -> (digest of the source, scan_imports result or the parse error): parsing
# is most of an analysis, and a file is parsed again when a hook's excludedimports restarts it,
# or by the next build of the same app (load_scan_cache/save_scan_cache keep it on disk).
SCAN_CACHE = {}
# What makes a stored scan stale besides the source: this module's scanner and the Python
# parsing it.
SCAN_FORMAT = ('pyhost-scan', 1, sys.version)


def scan_cached(source, path, skip_main):
    """scan_imports of the source at path, from SCAN_CACHE when the source is the same bytes;
    a str is the reason the source does not parse."""
    import hashlib
    digest = hashlib.blake2b(source, digest_size=16).digest()
    hit = SCAN_CACHE.get((path, skip_main))
    if hit is not None and hit[0] == digest:
        return hit[1]
    try:
        calls = b'import_module' in source or b'__import__' in source
        found = scan_imports(ast.parse(source, path), skip_main=skip_main, calls=calls)
    except (SyntaxError, ValueError) as e:
        found = str(e)
    SCAN_CACHE[(path, skip_main)] = (digest, found)
    return found


def load_scan_cache(path):
    """Fills SCAN_CACHE from a file save_scan_cache wrote; anything else is ignored (the next
    analysis parses again)."""
    import marshal
    try:
        with open(path, 'rb') as f:
            fmt, entries = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return
    if fmt == SCAN_FORMAT and isinstance(entries, dict):
        SCAN_CACHE.update(entries)


def save_scan_cache(path):
    """Writes SCAN_CACHE atomically (a crash leaves the old file or none)."""
    import marshal
    tmp = '%s.tmp-%d' % (path, os.getpid())
    try:
        with open(tmp, 'wb') as f:
            marshal.dump((SCAN_FORMAT, SCAN_CACHE), f)
        os.replace(tmp, path)
    except OSError:
        try:
            os.remove(tmp)
        except OSError:
            pass


def _six_table(path):
    """{name: module} from six's MovedModule("name", "old"[, "new"]) calls."""
    try:
        with open(path, 'rb') as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return {}
    table = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == 'MovedModule' and len(node.args) >= 2:
            args = [_literal(a) for a in node.args[:3]]
            if args[0]:
                table[args[0]] = (args[2] if len(args) > 2 and args[2] else args[0])
    return table


class Analysis:
    """Analysis(path, site_dirs, stdlib_dirs) finds what entry points reach.

    path: the app's search path ([resources] paths, a script's directory, --paths), searched
    first; stdlib_dirs: the stdlib directory and lib-dynload; site_dirs: where distributions
    are installed, searched last. excludes: names never followed (nor reported missing);
    excluded_imports: importer -> names it does not follow (the stdlib table is added).
    """

    def __init__(self, path=(), site_dirs=(), stdlib_dirs=(), builtins=None, excludes=(),
                 excluded_imports=None, skip_main=True, trim=False):
        self.app_dirs = [os.path.abspath(p) for p in path]
        self.site_dirs = [os.path.abspath(p) for p in site_dirs]
        self.stdlib_dirs = [os.path.abspath(p) for p in stdlib_dirs]
        self.path = list(dict.fromkeys(self.app_dirs + self.stdlib_dirs + self.site_dirs))
        self.builtins = set(sys.builtin_module_names if builtins is None else builtins)
        self.builtins.update(('_frozen_importlib', '_frozen_importlib_external'))
        self.user_excludes = frozenset(excludes)
        self.excludes = frozenset(excludes) | frozenset(STDLIB_SKIPPED)
        self.excluded_seen = {}  # name in `excludes` -> {importer: flags} that asked for it
        self.trim = trim
        self.excluded_imports = dict(STDLIB_EXCLUDED_IMPORTS)
        for k, v in (TRIM_EXCLUDED_IMPORTS if trim else {}).items():
            self.excluded_imports[k] = tuple(self.excluded_imports.get(k, ())) + tuple(v)
        for k, v in (excluded_imports or {}).items():
            self.excluded_imports[k] = tuple(self.excluded_imports.get(k, ())) + tuple(v)
        self.skip_main = skip_main
        self.modules = {}      # name -> Module
        self.missing = []      # Missing, in the order found
        self.errors = []       # (file, message): sources that do not parse
        self.path_overrides = {}  # package -> __path__ set from outside (hooks)
        self._bad = set()
        self._finders = {}
        self._todo = []
        self._scripts = {}     # script module name -> path
        self._dists = None     # site dir -> (file -> dist name, top -> dist name)
        self._six_tables = {}  # six.py -> {moved name: Python 3 module}
        self.progress = None   # called (modules parsed, name) before each: a progress line
        self._parsed = 0
        self._roots = sorted(
            [(d, 'app') for d in self.app_dirs] + [(d, 'stdlib') for d in self.stdlib_dirs] +
            [(d, 'site') for d in self.site_dirs], key=lambda r: -len(r[0]))

    # ---- entry points ------------------------------------------------------------------

    def add_script(self, path, name='__main__'):
        """A script run as `name`; its `if __name__ == '__main__':` block is followed."""
        path = os.path.abspath(path)
        m = Module(name, 'module', path)
        m.origin, m.entry = 'app', True
        self.modules[name] = m
        self._scripts[name] = path
        self._todo.append(m)
        self.run()
        return m

    def add_module(self, name, importer=None, line=0, flags=0, entry=False):
        """Follows `name` (absolute); returns its Module or None (then recorded missing)."""
        m = self._import(name, importer, line, flags, relative=False)
        if m is not None and entry:
            m.entry = True
        self.run()
        return m

    def add_pattern(self, pattern):
        """Follows every top-level stdlib module matching a glob ('_sysconfigdata_*')."""
        names = set()
        for d in self.stdlib_dirs:
            try:
                entries = os.listdir(d)
            except OSError:
                continue
            for e in entries:
                stem = e.split('.')[0]
                if fnmatch.fnmatchcase(stem, pattern) and (e.endswith('.py') or '.' not in e):
                    names.add(stem)
        for n in sorted(names):
            self.add_module(n)
        return sorted(names)

    def set_package_path(self, name, paths):
        """A hook's change of a package's __path__; applies to submodules found later."""
        self.path_overrides[name] = list(paths)
        m = self.modules.get(name)
        if m is not None and m.is_package:
            m.paths = list(paths)

    # ---- resolution --------------------------------------------------------------------

    def _finder(self, entry):
        f = self._finders.get(entry)
        if f is None:
            f = importlib.machinery.FileFinder(entry, *_LOADERS) if os.path.isdir(entry) \
                else False
            self._finders[entry] = f
        return f

    def find(self, name, entries):
        """A Module for `name` over path `entries`, not followed; None if it is nowhere."""
        if '.' not in name and name in self.builtins:
            return Module(name, 'builtin', None)
        portions = []
        tail = name.rpartition('.')[2]
        for entry in entries:
            finder = self._finder(entry)
            if not finder:
                continue
            try:
                spec = finder.find_spec(name)
            except (ImportError, OSError, ValueError):
                spec = None
            if spec is None:
                continue
            if spec.loader is None:  # a PEP 420 portion
                portions += [p for p in spec.submodule_search_locations or () if p not in portions]
                continue
            loader = type(spec.loader)
            if loader is importlib.machinery.ExtensionFileLoader:
                return Module(name, 'extension', spec.origin)
            if loader is importlib.machinery.SourcelessFileLoader:
                return Module(name, 'bytecode', spec.origin)
            if spec.submodule_search_locations is None:
                return Module(name, 'module', spec.origin)
            paths = list(spec.submodule_search_locations)
            if self._declares_namespace(spec.origin):
                paths += [d for d in (os.path.join(e, tail) for e in entries)
                          if d not in paths and os.path.isdir(d)]
            return Module(name, 'package', spec.origin, paths)
        if portions:
            return Module(name, 'namespace', None, portions)
        return None

    @staticmethod
    def _declares_namespace(init):
        """pkgutil-style (extend_path) or pkg_resources-style (declare_namespace)."""
        try:
            with open(init, 'rb') as f:
                text = f.read(65536)
        except OSError:
            return False
        return b'extend_path' in text or b'declare_namespace' in text

    def _load(self, name):
        """The Module called `name`, found (and queued) once; None when it is nowhere."""
        m = self.modules.get(name)
        if m is not None:
            return m
        if name in self._bad:
            return None
        real = ALIASES.get(name) or self._six_moves(name)
        if real:
            m = self._load(real) if real != name else self.modules[name]
            if m is None:
                self._bad.add(name)
            return m
        parent, _, _ = name.rpartition('.')
        if parent:
            pm = self._load(parent)
            if pm is None or not pm.is_package:
                self._bad.add(name)
                return None
            entries = pm.paths
        else:
            entries = self.path
        m = self.find(name, entries)
        if m is None:
            self._bad.add(name)
            return None
        if m.paths is not None and name in self.path_overrides:
            m.paths = list(self.path_overrides[name])
        m.origin = self._origin(m)
        self.modules[name] = m
        if m.kind in ('module', 'package'):
            self._todo.append(m)
        for hidden in STDLIB_HIDDEN.get(name, ()) if m.origin in ('stdlib', 'builtin') else ():
            self._todo.append(('hidden', hidden))
        return m

    def _six_moves(self, name):
        """six.moves.X (six, or a vendored copy such as urllib3.packages.six) is the module
        six maps X to (its MovedModule table, read from six's source); six.moves itself is a
        package-like module with no file. None when `name` is not under a six's moves."""
        head, sep, tail = name.partition('.moves')
        if not sep or (tail and not tail.startswith('.')) or head.rpartition('.')[2] != 'six':
            return None
        six = self._load(head)
        if six is None or not six.path or not six.path.endswith('.py'):
            return None
        if not tail:
            m = Module(name, 'namespace', None, [])
            m.origin = six.origin
            self.modules[name] = m
            return name
        first, _, rest = tail[1:].partition('.')
        table = self._six_tables.get(six.path)
        if table is None:
            table = self._six_tables[six.path] = _six_table(six.path)
        real = 'urllib' if first == 'urllib' else table.get(first)
        return real + ('.' + rest if rest else '') if real else None

    def _excluded(self, name, importer, flags=0):
        if _within(name, self.excludes):
            if importer and _within(name, self.user_excludes):
                seen = self.excluded_seen.setdefault(name, {})
                seen[importer] = seen.get(importer, flags) & flags
            return True
        if importer:
            for hooked, names in self.excluded_imports.items():
                if (importer == hooked or importer.startswith(hooked + '.')) and \
                        _within(name, names):
                    return True
        return False

    def _import(self, name, importer, line, flags, relative, file=None):
        """Imports `name` and its parents as `import name` does; records what is missing."""
        if self._excluded(name, importer, flags):
            return None
        parts = name.split('.')
        m = None
        for i in range(len(parts)):
            sub = '.'.join(parts[:i + 1])
            m = self._load(sub)
            if m is None:
                if not self._excluded(sub, importer):
                    self.missing.append(Missing(sub, importer, file, line, flags, relative))
                return None
            if m.imported_by is None and file:
                m.imported_by = (file, line)
        return m

    def _package_of(self, m):
        if m.is_package:
            return m.name
        return m.name.rpartition('.')[0]

    def _process(self, m):
        self._parsed += 1
        if self.progress is not None:
            self.progress(self._parsed, m.name)
        try:
            with open(m.path, 'rb') as f:
                source = f.read()
        except OSError as e:
            self.errors.append((m.path, str(e)))
            return
        found = scan_cached(source, m.path, self.skip_main and not m.entry)
        if isinstance(found, str):
            self.errors.append((m.path, found))
            return
        for level, mod, fromlist, line, flags in found:
            self._handle(m, level, mod, fromlist, line, flags)

    def _handle(self, m, level, mod, fromlist, line, flags):
        file = m.path
        if level:
            pkg = self._package_of(m)
            bits = pkg.split('.') if pkg else []
            if level - 1 > len(bits) - 1 or not pkg:
                name = '.' * level + (mod or '')
                self.missing.append(Missing(name, m.name, file, line, flags, True))
                return
            base = '.'.join(bits[:len(bits) - (level - 1)])
            target = base + '.' + mod if mod else base
            relative = True
        else:
            target, relative = mod, False
        if self._excluded(target, m.name, flags):
            return
        if self.trim and flags & DELAYED and m.origin == 'stdlib' and \
                _within(target, STDLIB_CLI_ONLY):
            return
        tm = self._import(target, m.name, line, flags, relative, file)
        if tm is None or not fromlist or not tm.is_package:
            return
        for item in fromlist:
            if item == '*':
                continue
            sub = target + '.' + item
            if self._excluded(sub, m.name):
                continue
            sm = self._load(sub)
            if sm is not None:
                if sm.imported_by is None:
                    sm.imported_by = (file, line)
            elif relative and not mod:
                # `from . import x`: x must be a submodule or a name the package's __init__
                # defines; report it, never look for a top-level x
                if not self._defines(tm, item):
                    self.missing.append(Missing(sub, m.name, file, line, flags, True))

    @staticmethod
    def _defines(pkg, name):
        """Whether a package's __init__ binds `name` (assigned, imported, defined)."""
        if not pkg.path or not pkg.path.endswith('.py'):
            return pkg.kind != 'namespace'
        try:
            with open(pkg.path, 'rb') as f:
                tree = ast.parse(f.read(), pkg.path)
        except (OSError, SyntaxError, ValueError):
            return True
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and \
                    node.name == name:
                return True
            if isinstance(node, ast.Name) and node.id == name and \
                    isinstance(node.ctx, ast.Store):
                return True
            if isinstance(node, ast.ImportFrom) and node.level and not node.module:
                continue  # `from . import name` is the import being checked, not a binding
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for a in node.names:
                    if (a.asname or a.name.split('.')[0]) == name or a.name == '*':
                        return True
            if isinstance(node, ast.Constant) and node.value == name:
                return True  # __all__ entries, __getattr__ tables
        return False

    def run(self):
        while self._todo:
            item = self._todo.pop()
            if isinstance(item, tuple):
                hidden = item[1]
                if '*' in hidden:
                    self.add_pattern(hidden)
                elif not self._excluded(hidden, None):
                    self._load(hidden)
                    parts = hidden.split('.')
                    for i in range(1, len(parts)):
                        self._load('.'.join(parts[:i]))
                continue
            self._process(item)

    # ---- where modules come from -------------------------------------------------------

    def _origin(self, m):
        if m.kind == 'builtin':
            return 'builtin'
        paths = [m.path] if m.path else list(m.paths or ())
        for p in paths:
            real = os.path.abspath(p)
            for root, cls in self._roots:
                if real == root or real.startswith(root + os.sep):
                    if cls != 'site':
                        return cls
                    dist = self._dist_of(root, real, m.name)
                    if dist:
                        return 'dist:' + dist
                    return 'site'
        return 'app'

    def _dist_index(self, site):
        if self._dists is None:
            self._dists = {}
        index = self._dists.get(site)
        if index is not None:
            return index
        files, tops = {}, {}
        try:
            dists = list(importlib.metadata.distributions(path=[site]))
        except Exception:  # broken metadata must not stop the analysis
            dists = []
        for d in dists:
            try:
                name = d.metadata['Name']
            except Exception:
                name = None
            if not name:
                continue
            try:
                listed = _listed_files(d)
            except Exception:
                listed = ()
            for s in listed:
                if s.startswith('..') or os.path.isabs(s):
                    p = os.path.normpath(os.path.join(site, s))
                else:
                    p = os.path.join(site, s)
                files.setdefault(p, name)
                top = s.split('/')[0]
                if '-' not in top and not top.endswith(('.dist-info', '.egg-info')):
                    top = top[:-3] if top.endswith('.py') else top.split('.')[0]
                    tops.setdefault(top, name)
            try:
                text = d.read_text('top_level.txt') or ''
            except Exception:
                text = ''
            for top in text.split():
                tops.setdefault(top.replace('/', '.').split('.')[0], name)
        index = self._dists[site] = (files, tops)
        return index

    def _dist_of(self, site, path, name):
        files, tops = self._dist_index(site)
        if path in files:
            return files[path]
        return tops.get(name.split('.')[0])

    # ---- results -----------------------------------------------------------------------

    def distributions(self):
        """{distribution name: (file, line) of the first import that reached it}."""
        out = {}
        for m in self.modules.values():
            if m.origin and m.origin.startswith('dist:'):
                d = m.origin[5:]
                if d not in out or (out[d] is None and m.imported_by):
                    out[d] = m.imported_by
        return out

    def stdlib_modules(self):
        """Names of the stdlib modules found (builtins excluded)."""
        return sorted(n for n, m in self.modules.items() if m.origin == 'stdlib')

    def unresolved(self, origin=None):
        """Missing imports, deduplicated by (file, line, name); only those whose importer
        has `origin` when it is given."""
        seen, out = set(), []
        for x in self.missing:
            imp = self.modules.get(x.importer)
            if origin and (imp is None or imp.origin != origin):
                continue
            key = (x.file, x.line, x.name)
            if key in seen or x.name in self.modules:
                continue
            seen.add(key)
            out.append(x)
        return out


def stdlib_dirs_of(stdlib):
    """The stdlib directory and its lib-dynload."""
    dirs = [stdlib]
    dyn = os.path.join(stdlib, 'lib-dynload')
    if os.path.isdir(dyn):
        dirs.append(dyn)
    return dirs


# ---- the builder's entry (build_analysis.c) --------------------------------------------

_build = None


def _line(*fields):
    return '\t'.join(str(f).replace('\t', ' ').replace('\n', ' ') for f in fields)


def build_analyze(app_paths, site_dirs, stdlib_dirs, script, entry_module, app_modules,
                  progress=None):
    """`pyhost build`, first step: from the entry and the app's modules. Returns lines:
    'missing FILE LINE NAME KIND' for the app's own unresolved imports and
    'dist NAME FILE LINE' for distributions reached (tab-separated). `progress`: called
    (modules parsed, name) before each (the build's progress line)."""
    global _build
    a = _build = Analysis(app_paths, site_dirs, stdlib_dirs, trim=True)
    a.progress = progress
    if script:
        a.add_script(script, os.path.splitext(os.path.basename(script))[0])
    if entry_module:
        a.add_module(entry_module, entry=True)
    for name in app_modules:
        if name not in a.modules:
            a.add_module(name, entry=False)
    out = []
    for x in a.unresolved():
        imp = a.modules.get(x.importer)
        if imp is not None and imp.origin == 'app' and x.file:
            out.append(_line('missing', x.file, x.line, x.name, x.kind))
    for name, where in a.distributions().items():
        file, line = where or ('', 0)
        out.append(_line('dist', name, file, line))
    return out


def build_stdlib(more_modules, site_dirs=()):
    """`pyhost build`, second step: follows the modules of everything packed too, with the
    runtime's own imports and every encodings.* module; returns the stdlib modules reached.
    `site_dirs` may have grown (unpacked wheels): the new ones are searched last."""
    a = _build
    for d in site_dirs:
        d = os.path.abspath(d)
        if d not in a.path:
            a.site_dirs.append(d)
            a.path.append(d)
            a._roots = sorted(a._roots + [(d, 'site')], key=lambda r: -len(r[0]))
            a._bad.clear()
    for name in more_modules:
        if name not in a.modules:
            a.add_module(name)
    for name in BASE_IMPORTS:
        a.add_module(name)
    enc = a.modules.get('encodings')
    for d in (enc.paths if enc is not None and enc.paths else ()):
        for f in sorted(os.listdir(d)):
            if f.endswith('.py') and f != '__init__.py':
                a.add_module('encodings.' + f[:-3])
    a.progress = None  # the build that gave it ends after this step
    return a.stdlib_modules()
