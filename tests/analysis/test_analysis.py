"""Unit tests of pyhost's import analysis (launcher/build/analysis/pyhost_analysis.py) on
fixture trees written into a temporary directory: test_analysis.py SOURCE_DIR."""
import os
import sys
import sysconfig
import tempfile
import textwrap
import unittest

SRC = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), '..', '..')
sys.path.insert(0, os.path.join(SRC, 'launcher', 'build', 'analysis'))
import pyhost_analysis as pa  # noqa: E402

STDLIB = sysconfig.get_paths()['stdlib']


def write(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(textwrap.dedent(text))


class Tree(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def dir(self, name, files):
        d = os.path.join(self.root, name)
        os.makedirs(d, exist_ok=True)
        write(d, files)
        return d

    def analysis(self, *dirs, **kw):
        return pa.Analysis(list(dirs), [], pa.stdlib_dirs_of(STDLIB), **kw)

    def missing(self, a):
        return {(x.name, os.path.basename(x.file or ''), x.line, x.kind)
                for x in a.unresolved('app')}


class Relative(Tree):
    def test_relative_imports(self):
        d = self.dir('app', {
            'pkg/__init__.py': 'from . import sub\nfrom .mod import thing\n',
            'pkg/sub/__init__.py': 'from .. import mod\nfrom ..mod import thing\n',
            'pkg/sub/leaf.py': '',
            'pkg/mod.py': 'thing = 1\nfrom .sub import leaf\n',
        })
        a = self.analysis(d)
        a.add_module('pkg')
        for name in ('pkg', 'pkg.sub', 'pkg.mod', 'pkg.sub.leaf'):
            self.assertIn(name, a.modules)
            self.assertEqual(a.modules[name].origin, 'app')
        self.assertEqual(a.unresolved('app'), [])

    def test_missing_relative_is_reported_never_top_level(self):
        # `json` exists at top level: a relative `.json` must not resolve to it
        d = self.dir('app', {
            'pkg/__init__.py': 'from . import json\nfrom .gone import x\n',
        })
        a = self.analysis(d)
        a.add_module('pkg')
        self.assertNotIn('json', a.modules)
        self.assertEqual(self.missing(a), {('pkg.json', '__init__.py', 1, 'top-level'),
                                           ('pkg.gone', '__init__.py', 2, 'top-level')})

    def test_relative_beyond_top_level(self):
        d = self.dir('app', {'top.py': 'from .. import x\n'})
        a = self.analysis(d)
        a.add_module('top')
        self.assertEqual([x.name for x in a.unresolved('app')], ['..'])

    def test_from_package_import_submodule_and_attribute(self):
        d = self.dir('app', {'p/__init__.py': 'value = 1\n', 'p/s.py': '',
                             'main.py': 'from p import s, value\n'})
        a = self.analysis(d)
        a.add_script(os.path.join(d, 'main.py'))
        self.assertIn('p.s', a.modules)
        self.assertEqual(a.unresolved('app'), [])


class Kinds(Tree):
    def test_classification(self):
        d = self.dir('app', {'main.py': '''\
            import top_missing
            try:
                import opt_missing
            except ImportError:
                pass
            if False:
                import cond_missing
            def f():
                import delayed_missing
            def g():
                try:
                    import both_missing
                except ImportError:
                    pass
            '''})
        a = self.analysis(d)
        a.add_script(os.path.join(d, 'main.py'))
        self.assertEqual(self.missing(a), {
            ('top_missing', 'main.py', 1, 'top-level'),
            ('opt_missing', 'main.py', 3, 'optional'),
            ('cond_missing', 'main.py', 7, 'conditional'),
            ('delayed_missing', 'main.py', 9, 'delayed'),
            ('both_missing', 'main.py', 12, 'delayed, optional')})

    def test_import_module_literal(self):
        d = self.dir('app', {
            'main.py': 'import importlib\nimportlib.import_module("plug.a")\n'
                       '__import__("plug.b")\nfrom importlib import import_module\n'
                       'import_module("nowhere_mod")\nimport_module(name)\n',
            'plug/__init__.py': 'import importlib\n'
                                'importlib.import_module(".c", __name__)\n',
            'plug/a.py': '', 'plug/b.py': '', 'plug/c.py': ''})
        a = self.analysis(d)
        a.add_script(os.path.join(d, 'main.py'))
        for name in ('plug.a', 'plug.b', 'plug.c'):
            self.assertIn(name, a.modules)
        self.assertEqual(self.missing(a), {('nowhere_mod', 'main.py', 5, 'top-level')})

    def test_main_block_of_imported_module_skipped(self):
        d = self.dir('app', {'lib.py': 'if __name__ == "__main__":\n    import only_main\n',
                             'main.py': 'import lib\nif __name__ == "__main__":\n'
                                        '    import script_main\n'})
        a = self.analysis(d)
        a.add_script(os.path.join(d, 'main.py'))
        self.assertEqual({x.name for x in a.unresolved('app')}, {'script_main'})


class Namespaces(Tree):
    def two(self, kind):
        init = {'pep420': None,
                'pkgutil': "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
                'pkg_resources': "__import__('pkg_resources').declare_namespace(__name__)\n"}[kind]
        one = {'ns/a.py': 'from ns import b\n'}
        two = {'ns/b.py': 'from . import c\n', 'ns/c.py': ''}
        if init is not None:
            one['ns/__init__.py'] = init
            two['ns/__init__.py'] = init
        return self.dir('one', one), self.dir('two', two)

    def check(self, kind):
        d1, d2 = self.two(kind)
        a = self.analysis(d1, d2, excludes=['pkg_resources'])
        a.add_module('ns.a')
        for name in ('ns', 'ns.a', 'ns.b', 'ns.c'):
            self.assertIn(name, a.modules, kind)
        self.assertEqual(a.modules['ns'].paths,
                         [os.path.join(d1, 'ns'), os.path.join(d2, 'ns')])
        self.assertEqual(a.unresolved('app'), [])
        return a

    def test_pep420(self):
        a = self.check('pep420')
        self.assertEqual(a.modules['ns'].kind, 'namespace')

    def test_pkgutil(self):
        self.assertEqual(self.check('pkgutil').modules['ns'].kind, 'package')

    def test_pkg_resources(self):
        self.assertEqual(self.check('pkg_resources').modules['ns'].kind, 'package')


class SixMoves(Tree):
    def test_six_moves_resolve_to_the_stdlib(self):
        d = self.dir('app', {
            'six.py': 'MovedModule("queue", "Queue")\nMovedModule("builtins", "__builtin__")\n'
                      'MovedModule("configparser", "ConfigParser")\n'
                      'MovedModule("http_client", "httplib", "http.client")\n',
            'main.py': 'from six.moves import queue, http_client\n'
                       'import six.moves.configparser\n'
                       'from six.moves.urllib.parse import urlparse\n'})
        a = self.analysis(d)
        a.add_script(os.path.join(d, 'main.py'))
        for name in ('queue', 'http.client', 'configparser', 'urllib.parse'):
            self.assertEqual(a.modules[name].origin, 'stdlib', name)
        self.assertEqual(a.unresolved('app'), [])


class Origins(Tree):
    def test_stdlib_extension_and_dist(self):
        app = self.dir('app', {'main.py': 'import json, _ctypes, fakedist, fakedist.ext\n'})
        site = self.dir('site', {
            'fakedist/__init__.py': 'import csv\n',
            'fakedist/ext.cpython-311-x86_64-linux-gnu.so': '',
            'FakeDist-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: FakeDist\n'
                                               'Version: 1.0\n',
            'FakeDist-1.0.dist-info/RECORD': 'fakedist/__init__.py,,\n',
        })
        a = pa.Analysis([app], [site], pa.stdlib_dirs_of(STDLIB))
        a.add_script(os.path.join(app, 'main.py'))
        self.assertEqual(a.modules['json'].origin, 'stdlib')
        self.assertEqual(a.modules['fakedist'].origin, 'dist:FakeDist')
        self.assertEqual(a.modules['fakedist.ext'].kind, 'extension')
        self.assertEqual(a.modules['fakedist.ext'].origin, 'dist:FakeDist')
        self.assertIn('csv', a.modules)  # a distribution's own imports are followed
        self.assertIn(a.modules['_ctypes'].kind, ('extension', 'builtin'))
        self.assertEqual(a.distributions(), {'FakeDist': (os.path.join(app, 'main.py'), 1)})

    def test_app_shadows_nothing_it_does_not_have(self):
        app = self.dir('app', {'main.py': 'import os\n'})
        a = self.analysis(app)
        a.add_script(os.path.join(app, 'main.py'))
        self.assertEqual(a.modules['os'].origin, 'stdlib')


if __name__ == '__main__':
    unittest.main(verbosity=1)
