"""Running a spec file and turning what it asks for into a pyhost build.

The spec file runs against the objects of PyInstaller.building (they record, Analysis also
analyzes); what the last COLLECT (onedir) or EXE (onefile) holds is then staged under
WORKPATH/NAME/pyhost/: the app directory (the app's own modules, the scripts, the runtime hooks,
the generated start-up module), pyhost.ini, and for onedir the contents directory with the data
files, already inside DISTPATH. pyhost's C side builds and places the executable from the plan.
"""
import glob
import hashlib
import logging
import os
import re
import shutil
import tempfile

import pyhost_analysis

import PyInstaller
from PyInstaller._pyhost import analysis, boot, state
from PyInstaller.building.api import COLLECT, EXE

logger = logging.getLogger('PyInstaller')

STDLIB_EXCLUDE = ('test.*, idlelib.*, tkinter.test.*, lib2to3.tests.*, ensurepip.*, '
                  'distutils.tests.*, unittest.test.*, ctypes.test.*, turtledemo.*')
BOOT = '_pyhost_pyi_boot'
MEIPASS_PKG = '_pyhost_meipass'
# Every file staged for a onefile's _MEIPASS gets this suffix inside the .pyr, so that none is
# taken for a module or an extension module (a `libx.so` or `x.abi3.so` binary, a `.py` data
# file): they are resources, written back under their own names at the first start.
MEIPASS_SUFFIX = '.pyhost-data'
SCRIPTS_PKG = '_pyhost_scripts'


def spec_namespace(specfile):
    from PyInstaller.building import build_main
    conf = state.CONF
    ns = {name: getattr(build_main, name) for name in build_main.__all__}
    ns.update({'__name__': '__main__', '__file__': specfile, 'SPEC': specfile,
               'SPECPATH': conf['specpath'], 'specnm': conf['specnm'],
               'DISTPATH': conf['distpath'], 'HOMEPATH': PyInstaller.HOMEPATH,
               'WARNFILE': conf['warnfile'], 'workpath': conf['workpath'], 'os': os,
               'block_cipher': None})
    return ns


def run_spec(specfile, distpath, workpath, clean):
    specfile = os.path.abspath(specfile)
    specnm = os.path.splitext(os.path.basename(specfile))[0]
    workpath = os.path.join(os.path.abspath(workpath), specnm)
    state.reset()
    state.CONF.update(spec=specfile, specpath=os.path.dirname(specfile), specnm=specnm,
                      workpath=workpath, distpath=os.path.abspath(distpath),
                      warnfile=os.path.join(workpath, 'warn-%s.txt' % specnm))
    if clean and os.path.isdir(workpath):
        logger.info('Removing temporary files and cleaning cache in %s', workpath)
        shutil.rmtree(workpath)
    os.makedirs(workpath, exist_ok=True)
    os.makedirs(state.CONF['distpath'], exist_ok=True)
    with open(specfile, 'rb') as f:
        code = compile(f.read(), specfile, 'exec')
    # What the analysis parsed, kept in WORKPATH as PyInstaller keeps its analysis there: a
    # rebuild parses only the sources that changed (--clean starts afresh).
    scans = os.path.join(workpath, 'pyhost-scan.cache')
    pyhost_analysis.load_scan_cache(scans)
    exec(code, spec_namespace(specfile))
    pyhost_analysis.save_scan_cache(scans)


def _is_executable(path):
    try:
        return bool(os.stat(path).st_mode & 0o111)
    except OSError:
        return False


class Target:
    """What the spec built: the last COLLECT (onedir) or, without one, the last EXE."""

    def __init__(self):
        products = state.PRODUCTS
        coll = next((p for p in reversed(products) if isinstance(p, COLLECT)), None)
        exe = coll.exe if coll and coll.exe else next(
            (p for p in reversed(products) if isinstance(p, EXE)), None)
        if exe is None:
            raise SystemExit('pyinstaller: error: the spec file creates no EXE')
        if not state.ANALYSES:
            raise SystemExit('pyinstaller: error: the spec file creates no Analysis')
        self.exe, self.onefile = exe, coll is None
        self.name = exe.name
        self.dirname = coll.name if coll else exe.name
        toc = exe.toc + (coll.toc if coll else [])
        self.scripts = [e for e in exe.toc if e[2] == 'PYSOURCE']
        keep_binaries = not exe.exclude_binaries or coll is not None
        files = {}
        for dest, src, kind in toc:
            if kind == 'DATA' or (kind in ('BINARY', 'EXTENSION') and keep_binaries):
                # binaries are executable; a data file keeps the exec bit its source has
                # (PyInstaller copies the file's mode: an --add-data script stays runnable)
                executable = kind != 'DATA' or _is_executable(src)
                files.setdefault(os.path.normpath(dest), (src, executable))
        self.files = sorted(files.items())
        for name in (self.name, self.dirname):
            if not re.fullmatch(r'[A-Za-z0-9._-]+', name):
                raise SystemExit('pyinstaller: error: name %r: pyhost names apps with letters, '
                                 "digits, '.', '_' and '-' only" % name)


def _copy_top(src, dest_dir):
    if os.path.isdir(src):
        shutil.copytree(src, os.path.join(dest_dir, os.path.basename(src)),
                        ignore=shutil.ignore_patterns('__pycache__', '*.pyc'), dirs_exist_ok=True)
    else:
        shutil.copy2(src, dest_dir)


def _stage_app(t, app):
    analyses = state.ANALYSES
    for a in analyses:
        for top, srcs in sorted(a.app_tops.items()):
            for src in srcs:  # every portion of a namespace package, merged
                _copy_top(src, app)
    for a in analyses:  # modules cut by hooks' excludedimports are not packed
        for name in a.cut_modules:
            base = os.path.join(app, *name.split('.'))
            if os.path.isdir(base):
                shutil.rmtree(base)
            for path in [base + '.py'] + glob.glob(glob.escape(base) + '.*.so') + \
                    glob.glob(glob.escape(base) + '.so'):
                if os.path.isfile(path):
                    os.remove(path)
    scripts, rthooks = [], []
    # Scripts live in a package of their own, as PyInstaller keeps them out of the PYZ: a script
    # named like a module (httpie's `http`) must not shadow it for the app's own imports.
    os.makedirs(os.path.join(app, SCRIPTS_PKG), exist_ok=True)
    open(os.path.join(app, SCRIPTS_PKG, '__init__.py'), 'w').close()
    for name, src, _ in t.scripts:
        dest = os.path.join(app, SCRIPTS_PKG, name + '.py')
        if os.path.exists(dest) and not os.path.samefile(dest, src):
            raise SystemExit('pyinstaller: error: two scripts are named %s: %s; rename one'
                             % (name, src))
        shutil.copyfile(src, dest)
        (rthooks if name.startswith('pyi_rth_') else scripts).append(name)
    data_key, data_files = None, []
    if t.onefile and t.files:
        digest = hashlib.sha256()
        for dest, (src, executable) in t.files:
            path = os.path.join(app, MEIPASS_PKG, dest + MEIPASS_SUFFIX)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            shutil.copyfile(src, path)
            with open(src, 'rb') as f:
                digest.update(dest.encode() + b'\0' + hashlib.sha256(f.read()).digest())
            data_files.append((dest, executable))
        open(os.path.join(app, MEIPASS_PKG, '__init__.py'), 'w').close()
        data_key = '%s-%s' % (t.name, digest.hexdigest()[:20])
    with open(os.path.join(app, BOOT + '.py'), 'w') as f:
        f.write(boot.render(scripts, rthooks, data_key, data_files, t.exe.runtime_tmpdir))


def _stdlib_include(t):
    """The stdlib modules the analyses found, with those the start-up module imports."""
    analyses = state.ANALYSES
    extra = ('shutil',) if t.onefile and t.files else ()  # boot's _extract
    names = set(analyses[0].stdlib_include(extra))
    for a in analyses[1:]:
        names |= a.stdlib_include()
    return sorted(n for n in names if re.fullmatch(r'[A-Za-z_*][A-Za-z0-9_.*]*', n))


def python_options(options):
    """EXE OPTION entries (--python-option, --debug imports) -> [python] manifest lines, parsed
    as PyInstaller's bootloader parses them: v (each one a level of python -v), u, W FILTER,
    X NAME[=VALUE] (utf8 and dev set those modes), hash_seed=N."""
    xoptions, warnoptions, lines, verbose = [], [], [], 0
    for opt in options:
        key, _, value = opt.strip().partition(' ')
        value = value.strip()
        if key in ('u', 'unbuffered'):
            lines.append('unbuffered = true')
        elif key == 'W' and value:
            warnoptions.append(value)
        elif key == 'X' and value:
            xoptions.append(value)
            if value in ('utf8', 'utf8=1'):
                lines.append('utf8_mode = true')
            elif value == 'dev':
                lines.append('dev_mode = true')
        elif key.startswith('hash_seed='):
            lines.append('hash_seed = %d' % int(key.partition('=')[2]))
        elif key in ('v', 'verbose'):
            verbose += 1
        elif key == 'O':
            logger.info('pyhost: python option %r is not supported; ignored', opt)
        else:
            raise SystemExit('pyinstaller: error: unsupported python option %r' % opt)
    if verbose:
        lines.append('verbose = %d' % min(verbose, 3))
    if xoptions:
        lines.append('xoptions = %s' % ', '.join(xoptions))
    if warnoptions:
        lines.append('warnoptions = %s' % ',\n    '.join(warnoptions))
    return lines


def _shown(path):
    """A path as messages show it: relative to the working directory when under it."""
    rel = os.path.relpath(path)
    return path if rel.startswith('..') else rel


def _icon(t, manifest):
    """The spec's icon (EXE icon=, --icon) as [app] icon lines: a Linux executable has none, but
    pyhost's installers (menu entry, .icns, the .msi's shortcut) take one square PNG."""
    icons = t.exe.icon
    icons = [icons] if isinstance(icons, str) else list(icons or [])
    icons = [i if os.path.isabs(i) else os.path.join(state.CONF['specpath'], i)
             for i in icons if i and i != 'NONE']
    for icon in icons:
        try:
            with open(icon, 'rb') as f:
                png = f.read(8) == b'\x89PNG\r\n\x1a\n'
        except OSError as e:
            raise SystemExit('pyinstaller: error: icon %s: %s' % (icon, e.strerror))
        if png:
            logger.info("pyhost: icon %s is [app] icon in %s, for 'pyhost installer deb|dmg|msi "
                        "-c %s' (a Linux executable carries no icon)", _shown(icon),
                        _shown(manifest), _shown(manifest))
            return ['icon = %s' % os.path.abspath(icon)]
    if icons:
        logger.info('pyhost: icon %s not used: a Linux executable carries no icon, and pyhost\'s '
                    'installers take a square PNG ([app] icon)', ', '.join(map(_shown, icons)))
    return []


def _manifest(t, path):
    analyses = state.ANALYSES
    dists = list(dict.fromkeys(d for a in analyses for d in a.distributions))
    excludes = list(dict.fromkeys(x for a in analyses for x in a.excludes))
    # one item per line: the manifest reader takes lines of at most ~200 characters, and an
    # app with many distributions (httpie has 19) or excludes goes past that on one line
    cut = ['%s.*' % x for x in excludes]
    patterns = ',\n    '.join(cut)
    lines = ['# Generated by pyhost pyinstaller from %s' % state.CONF['spec'],
             '[app]', 'name = %s' % t.name, 'entry = %s:main' % BOOT,
             'gui = %s' % ('false' if t.exe.console else 'true'),
             ] + _icon(t, path) + [
             '', '[python]', 'optimize = %d' % max(0, min(2, analyses[0].optimize)),
             # PyInstaller packs no .py source of the stdlib or of distributions, only their
             # bytecode; the app's own modules and scripts keep theirs, so that tracebacks of
             # the app's code show source lines
             'include_source = app',
             # a trained dictionary always (a hello's .pyr: 3.4 MB instead of 3.7 MB). The level
             # is what a cold build spends most on: a onefile, where size is what users see, at
             # 19 (the runtime comes compressed with pyhost, so it stays within PyInstaller's
             # build time); a onedir, which PyInstaller does not compress and whose size has room
             # to spare, at 9 (the pycryptodomex app: 2.9 s less CPU, 0.3 MB more). What was
             # compressed is cached, so a rebuild costs nothing either way; decompression costs
             # the same, so start-up does not change
             'compress = zstd:%d' % (19 if t.onefile else 9), 'dictionary = true',
             # PyInstaller compresses its PYZ and its binaries: so does this, to stay within its
             # sizes (pyhost's own default stores modules as they are, for faster imports)
             'compress_modules = true',
             # only what the analysis found, as PyInstaller packs: one module per line
             'stdlib = all',
             'stdlib_include = %s' % ',\n    '.join(_stdlib_include(t)),
             'stdlib_exclude = %s%s' % (STDLIB_EXCLUDE, ',\n    ' + patterns if patterns else ''),
             ] + python_options(getattr(t.exe, 'options', [])) + [
             '', '[resources]', 'paths = app',
             # PyInstaller's own layout puts datas and binaries on disk (the contents
             # directory, sys._MEIPASS) and roots module paths there: pyhost's placement
             # would root them in lib/ instead, away from those files
             'placement = memory',
             # the analysis ran here, with the hooks and excludes; pyhost build must not
             # add back what they cut
             'analysis = false']
    if dists:
        lines.append('distributions = %s' % ',\n    '.join(dists))
    sites = analysis.site_dirs() + analysis.EXTRA_SITES
    if sites:  # where the analysis found them: the active venv's, as PyInstaller sees
        lines.append('site_packages = %s' % ',\n    '.join(sites))
    # what distributions hold and no analysis reached (a MERGE of several packs the union)
    unreached = set.intersection(*(set(a.unreached_modules()) for a in analyses))
    resource_excludes = cut + sorted(unreached)
    if resource_excludes:
        lines.append('exclude = %s' % ',\n    '.join(resource_excludes))
    lines += ['', '[bundle]', 'resources = %s' % ('embedded' if t.onefile else 'adjacent')]
    if t.onefile:
        # PyInstaller's onefile compresses its interpreter too; pyhost unpacks it once per user
        # (docs/bundle.md), not at every start.
        lines.append('compress_runtime = true')
    return '\n'.join(lines) + '\n'


def _stage_contents(t):
    """The onedir tree minus the executable, made inside DISTPATH so that it can be renamed."""
    distpath = state.CONF['distpath']
    stage = tempfile.mkdtemp(prefix='.%s.pyi-' % t.dirname, dir=distpath)
    os.chmod(stage, 0o755)
    contents = os.path.normpath(os.path.join(stage, t.exe.contents_directory))
    os.makedirs(contents, exist_ok=True)
    for dest, (src, executable) in t.files:
        path = os.path.join(contents, dest)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copyfile(src, path)
        os.chmod(path, 0o755 if executable else 0o644)
    return stage


def stage(t):
    """Stages the build and returns the plan for the C side, as (key, value) pairs."""
    work = os.path.join(state.CONF['workpath'], 'pyhost')
    if os.path.isdir(work):
        shutil.rmtree(work)
    app = os.path.join(work, 'app')
    os.makedirs(app)
    _stage_app(t, app)
    manifest = os.path.join(work, 'pyhost.ini')
    with open(manifest, 'w') as f:
        f.write(_manifest(t, manifest))
    plan = [('name', t.name), ('dir', t.dirname), ('mode', 'onefile' if t.onefile else 'onedir'),
            ('manifest', manifest), ('bundle', os.path.join(work, 'bundle')),
            ('distpath', state.CONF['distpath']), ('contents', t.exe.contents_directory)]
    if not t.onefile:
        plan.append(('stage', _stage_contents(t)))
    return plan
