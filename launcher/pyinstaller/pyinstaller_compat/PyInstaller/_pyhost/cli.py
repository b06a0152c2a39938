"""The `pyinstaller` command line, parsed as PyInstaller 6.11 parses it (argparse, same
options, same order, same usage and error text)."""
import argparse
import logging
import os
import sys

import PyInstaller
from PyInstaller import log
from PyInstaller._pyhost import build, makespec

logger = logging.getLogger('PyInstaller')

# Options that change nothing for pyhost, and why (printed once when used).
NOTICES = {
    'upx_dir': '--upx-dir: pyhost compresses with zstd inside the .pyr; UPX is not used',
    'noupx': '--noupx: pyhost never uses UPX',
    'upx_exclude': '--upx-exclude: pyhost never uses UPX',
    'key': '--key: bytecode encryption was removed in PyInstaller 6.0; ignored',
    'splash': '--splash: a pyhost app starts in milliseconds; no splash screen is shown',
    'hide_console': '--hide-console: Windows only',
    'version_file': '--version-file: Windows version resources; ignored on Linux',
    'resources': '--resource: Windows resources; ignored on Linux',
    'uac_admin': '--uac-admin: Windows only', 'uac_uiaccess': '--uac-uiaccess: Windows only',
    'manifest': '--manifest: Windows only',
    'argv_emulation': '--argv-emulation: macOS only',
    'bundle_identifier': '--osx-bundle-identifier: macOS only (recorded in the spec)',
    'codesign_identity': '--codesign-identity: macOS only (recorded in the spec)',
    'entitlements_file': '--osx-entitlements-file: macOS only',
    'target_arch': '--target-arch: macOS only; pyhost builds for the machine it runs on',
    'bootloader_ignore_signals': '--bootloader-ignore-signals: pyhost has no bootloader '
                                 'process; signals reach the app directly',
}

BUILD_ONLY = {'upx_dir', 'distpath', 'workpath', 'noconfirm', 'clean_build', 'loglevel'}


def _makespec_options(parser):
    g = parser.add_argument_group('What to generate')
    m = g.add_mutually_exclusive_group()
    m.add_argument('-D', '--onedir', dest='onefile', action='store_false', default=None,
                   help='Create a one-folder bundle containing an executable (default)')
    m.add_argument('-F', '--onefile', dest='onefile', action='store_true', default=None,
                   help='Create a one-file bundled executable.')
    g.add_argument('--specpath', metavar='DIR',
                   help='Folder to store the generated spec file (default: current directory)')
    g.add_argument('-n', '--name', help="Name to assign to the bundled app and spec file "
                   "(default: first script's basename)")
    g.add_argument('--contents-directory', help='For onedir builds only, specify the name of '
                   'the directory in which all supporting files will be placed. Setting this '
                   'to "." will re-enable old onedir layout.')
    g = parser.add_argument_group('What to bundle, where to search')
    g.add_argument('--add-data', action='append', default=[], dest='datas',
                   metavar='SOURCE:DEST', help='Additional data files or directories')
    g.add_argument('--add-binary', action='append', default=[], dest='binaries',
                   metavar='SOURCE:DEST', help='Additional binary files')
    g.add_argument('-p', '--paths', dest='pathex', metavar='DIR', action='append', default=[],
                   help='A path to search for imports (like using PYTHONPATH)')
    g.add_argument('--hidden-import', '--hiddenimport', action='append', default=[],
                   metavar='MODULENAME', dest='hiddenimports',
                   help='Name an import not visible in the code of the script(s).')
    g.add_argument('--collect-submodules', action='append', default=[], metavar='MODULENAME',
                   help='Collect all submodules from the specified package or module.')
    g.add_argument('--collect-data', '--collect-datas', action='append', default=[],
                   metavar='MODULENAME', dest='collect_data',
                   help='Collect all data from the specified package or module.')
    g.add_argument('--collect-binaries', action='append', default=[], metavar='MODULENAME',
                   help='Collect all binaries from the specified package or module.')
    g.add_argument('--collect-all', action='append', default=[], metavar='MODULENAME',
                   help='Collect all submodules, data files, and binaries.')
    g.add_argument('--copy-metadata', action='append', default=[], metavar='PACKAGENAME',
                   help='Copy metadata for the specified package.')
    g.add_argument('--recursive-copy-metadata', action='append', default=[],
                   metavar='PACKAGENAME', help='Copy metadata for the package and its '
                   'dependencies.')
    g.add_argument('--additional-hooks-dir', action='append', dest='hookspath', default=[],
                   help='An additional path to search for hooks.')
    g.add_argument('--runtime-hook', action='append', dest='runtime_hooks', default=[],
                   help='Path to a custom runtime hook file.')
    g.add_argument('--exclude-module', dest='excludes', action='append', default=[],
                   help='Optional module or package (the Python name) that will be ignored.')
    g.add_argument('--splash', metavar='IMAGE_FILE', help='(EXPERIMENTAL) Add a splash screen')
    g = parser.add_argument_group('How to generate')
    g.add_argument('-d', '--debug', choices=['all', 'imports', 'bootloader', 'noarchive'],
                   action='append', default=[],
                   help='Provide assistance with debugging a frozen application.')
    g.add_argument('--optimize', dest='optimize', metavar='LEVEL', type=int,
                   choices=[-1, 0, 1, 2], default=None, help='Bytecode optimization level')
    g.add_argument('--python-option', dest='python_options', metavar='PYTHON_OPTION',
                   action='append', default=[], help='Specify a command-line option to pass '
                   'to the Python interpreter at runtime.')
    g.add_argument('-s', '--strip', action='store_true',
                   help='Apply a symbol-table strip to the executable and shared libs')
    g.add_argument('--noupx', action='store_true', default=False,
                   help='Do not use UPX even if it is available')
    g.add_argument('--upx-exclude', dest='upx_exclude', metavar='FILE', action='append',
                   default=[], help='Prevent a binary from being compressed when using upx.')
    g = parser.add_argument_group('Windows and macOS specific options')
    c = g.add_mutually_exclusive_group()
    c.add_argument('-c', '--console', '--nowindowed', dest='console', action='store_true',
                   default=None, help='Open a console window for standard i/o (default).')
    c.add_argument('-w', '--windowed', '--noconsole', dest='console', action='store_false',
                   default=None, help='Do not provide a console window for standard i/o.')
    g.add_argument('--hide-console', choices=['hide-late', 'minimize-late', 'minimize-early',
                                              'hide-early'], default=None,
                   help='Windows only: in console-enabled executable, hide or minimize it.')
    g.add_argument('-i', '--icon', action='append', dest='icon_file',
                   metavar='<FILE.ico or FILE.exe,ID or FILE.icns or Image or "NONE">',
                   help='FILE.ico: apply the icon to a Windows executable.')
    g.add_argument('--disable-windowed-traceback', action='store_true', default=False,
                   help='Disable traceback dump of unhandled exception in windowed mode.')
    g = parser.add_argument_group('Windows specific options')
    g.add_argument('--version-file', metavar='FILE', help='Add a version resource from FILE.')
    g.add_argument('--manifest', metavar='<FILE or XML>', help='Add manifest FILE or XML.')
    g.add_argument('-m', dest='manifest', metavar='<FILE or XML>', help=argparse.SUPPRESS)
    g.add_argument('-r', '--resource', dest='resources', metavar='RESOURCE', action='append',
                   default=[], help='Add or update a resource to a Windows executable.')
    g.add_argument('--uac-admin', action='store_true', default=False,
                   help='Request elevation upon application start.')
    g.add_argument('--uac-uiaccess', action='store_true', default=False,
                   help='Allows an elevated application to work with Remote Desktop.')
    g = parser.add_argument_group('macOS specific options')
    g.add_argument('--argv-emulation', action='store_true', default=False,
                   help='Enable argv emulation for macOS app bundles.')
    g.add_argument('--osx-bundle-identifier', dest='bundle_identifier',
                   help='Mac OS .app bundle identifier')
    g.add_argument('--target-architecture', '--target-arch', dest='target_arch', metavar='ARCH',
                   default=None, help='Target architecture (macOS only).')
    g.add_argument('--codesign-identity', dest='codesign_identity', metavar='IDENTITY',
                   default=None, help='Code signing identity (macOS only).')
    g.add_argument('--osx-entitlements-file', dest='entitlements_file', metavar='FILENAME',
                   default=None, help='Entitlements file to use when code-signing.')
    g = parser.add_argument_group('Rarely used special options')
    g.add_argument('--runtime-tmpdir', dest='runtime_tmpdir', metavar='PATH',
                   help='Where to extract libraries and support files in onefile mode.')
    g.add_argument('--bootloader-ignore-signals', action='store_true', default=False,
                   help='Tell the bootloader to ignore signals rather than forwarding them.')
    g.add_argument('--key', help=argparse.SUPPRESS)


def _build_options(parser):
    parser.add_argument('--distpath', metavar='DIR', default=os.path.join(os.curdir, 'dist'),
                        help='Where to put the bundled app (default: ./dist)')
    parser.add_argument('--workpath', default=os.path.join(os.curdir, 'build'),
                        help='Where to put all the temporary work files (default: ./build)')
    parser.add_argument('-y', '--noconfirm', action='store_true', default=False,
                        help='Replace output directory without asking for confirmation')
    parser.add_argument('--upx-dir', default=None, help='Path to UPX utility (default: search '
                        'the execution path)')
    parser.add_argument('--clean', dest='clean_build', action='store_true', default=False,
                        help='Clean PyInstaller cache and remove temporary files before building.')
    parser.add_argument('--log-level', default='INFO', metavar='LEVEL', dest='loglevel',
                        help='Amount of detail in build-time console messages. LEVEL may be one '
                        'of TRACE, DEBUG, INFO, WARN, DEPRECATION, ERROR, FATAL (default: INFO).')


def generate_parser():
    parser = argparse.ArgumentParser(prog='pyinstaller')
    parser.add_argument('-v', '--version', action='version', version=PyInstaller.__version__,
                        help='Show program version info and exit.')
    _makespec_options(parser)
    _build_options(parser)
    parser.add_argument('filenames', metavar='scriptname', nargs='+',
                        help='Name of scriptfiles to be processed or exactly one .spec file.')
    return parser


# What 'all' means, as PyInstaller has it. They reach the spec (OPTION v, debug=, noarchive=),
# whose objects say what pyhost does with them: imports works ([python] verbose).
DEBUG_CHOICES = ['imports', 'bootloader', 'noarchive']


def _notices(opts, defaults):
    for key, text in NOTICES.items():
        if getattr(opts, key, None) not in (None, False, [], defaults.get(key)):
            logger.info('pyhost: %s', text)


def main(argv, write_plan):
    parser = generate_parser()
    spec_args = []
    if '--' in argv:  # the arguments after `--` are the spec file's (its sys.argv[1:])
        pos = argv.index('--')
        argv, spec_args = argv[:pos], argv[pos + 1:]
    opts = parser.parse_args(argv)
    defaults = vars(parser.parse_args(['x']))
    level = opts.loglevel.upper()
    if level not in log.LEVELS:
        parser.error('Unknown log level `%s`' % opts.loglevel)
    log.logger.setLevel(log.LEVELS[level])
    try:
        import importlib.metadata
        contrib = importlib.metadata.version('pyinstaller-hooks-contrib')
    except Exception:
        contrib = 'none'
    logger.info('PyInstaller: %s (pyhost), contrib hooks: %s', PyInstaller.__version__, contrib)
    if os.environ.get('PYHOST_PYI_VENV_SITE'):
        logger.info('Python environment: %s', os.environ['PYHOST_PYI_VENV_SITE'])
    if 'all' in opts.debug:
        opts.debug = list(DEBUG_CHOICES)
    _notices(opts, defaults)
    spec_file = opts.filenames[0] if opts.filenames[0].endswith('.spec') else None
    if spec_file:
        bad = [k for k, v in vars(opts).items()
               if k not in BUILD_ONLY | {'filenames'} and v != defaults.get(k)]
        if bad or len(opts.filenames) > 1:
            parser.error('option(s) not allowed:\n  %s\nmakespec options not valid when a .spec '
                         'file is given' % '\n  '.join('--' + k.replace('_', '-') for k in bad))
    else:
        opts.scriptname = opts.filenames
        opts.onefile = bool(opts.onefile)
        opts.console = opts.console is not False
        name = opts.name or os.path.splitext(os.path.basename(opts.filenames[0]))[0]
        specpath = os.path.abspath(opts.specpath or os.curdir)
        os.makedirs(specpath, exist_ok=True)
        spec_file = os.path.join(specpath, name + '.spec')
        with open(spec_file, 'w', encoding='utf-8') as f:
            f.write(makespec.make_spec(opts, specpath, name))
        logger.info('wrote %s', spec_file)
    sys.argv = [spec_file] + spec_args
    build.run_spec(spec_file, opts.distpath, opts.workpath, opts.clean_build)
    target = build.Target()
    plan = build.stage(target)
    write_plan(plan + [('noconfirm', '1' if opts.noconfirm else '0')])
