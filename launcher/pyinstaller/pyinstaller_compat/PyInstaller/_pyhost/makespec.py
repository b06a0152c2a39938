"""NAME.spec as PyInstaller 6 writes it, from the command-line options."""
import os


def _rel(path, specpath):
    """A path as PyInstaller writes it into the spec: relative to the spec's directory when
    that is shorter to read, else absolute."""
    path = os.path.abspath(path)
    rel = os.path.relpath(path, specpath)
    return path if rel.startswith('..' + os.sep + '..') else rel


def _pairs(values, specpath):
    out = []
    for value in values:
        sep = ':' if ':' in value else ';'
        if sep not in value:
            raise SystemExit('pyinstaller: error: argument --add-data/--add-binary: Wrong syntax, '
                             'should be SOURCE:DEST')
        src, dest = value.rsplit(sep, 1)
        if not src or not dest:
            raise SystemExit('pyinstaller: error: argument --add-data/--add-binary: You have to '
                             'specify both SOURCE and DEST')
        out.append((_rel(src, specpath), dest))
    return out


def _collect_lines(opts):
    lines, imports = [], []
    for name in opts.collect_data:
        lines.append("datas += collect_data_files(%r)" % name)
        imports.append('collect_data_files')
    for name in opts.collect_binaries:
        lines.append("binaries += collect_dynamic_libs(%r)" % name)
        imports.append('collect_dynamic_libs')
    for name in opts.collect_submodules:
        lines.append("hiddenimports += collect_submodules(%r)" % name)
        imports.append('collect_submodules')
    for name in opts.copy_metadata:
        lines.append("datas += copy_metadata(%r)" % name)
        imports.append('copy_metadata')
    for name in opts.recursive_copy_metadata:
        lines.append("datas += copy_metadata(%r, recursive=True)" % name)
        imports.append('copy_metadata')
    for name in opts.collect_all:
        lines.append("tmp_ret = collect_all(%r)" % name)
        lines.append("datas += tmp_ret[0]; binaries += tmp_ret[1]; hiddenimports += tmp_ret[2]")
        imports.append('collect_all')
    return sorted(set(imports)), lines


def make_spec(opts, specpath, name):
    scripts = [_rel(s, specpath) for s in opts.scriptname]
    datas = _pairs(opts.datas, specpath)
    binaries = _pairs(opts.binaries, specpath)
    pathex = [_rel(p, specpath) for value in opts.pathex for p in value.split(os.pathsep) if p]
    hookspath = [_rel(p, specpath) for p in opts.hookspath]
    rthooks = [_rel(p, specpath) for p in opts.runtime_hooks]
    icon = None
    if opts.icon_file and opts.icon_file != ['NONE']:
        icon = [_rel(p, specpath) for p in opts.icon_file]
    imports, collect = _collect_lines(opts)
    out = ['# -*- mode: python ; coding: utf-8 -*-']
    if imports:
        out.append('from PyInstaller.utils.hooks import %s' % ', '.join(imports))
        out += ['', 'datas = %r' % datas, 'binaries = %r' % binaries,
                'hiddenimports = %r' % opts.hiddenimports] + collect
        datas_src, binaries_src, hidden_src = 'datas', 'binaries', 'hiddenimports'
    else:
        datas_src, binaries_src, hidden_src = repr(datas), repr(binaries), repr(opts.hiddenimports)
    optimize = opts.optimize if opts.optimize is not None else 0
    out += ['', '', 'a = Analysis(',
            '    %r,' % scripts,
            '    pathex=%r,' % pathex,
            '    binaries=%s,' % binaries_src,
            '    datas=%s,' % datas_src,
            '    hiddenimports=%s,' % hidden_src,
            '    hookspath=%r,' % hookspath,
            '    hooksconfig={},',
            '    runtime_hooks=%r,' % rthooks,
            '    excludes=%r,' % opts.excludes,
            '    noarchive=%r,' % ('noarchive' in opts.debug),
            '    optimize=%d,' % optimize,
            ')',
            'pyz = PYZ(a.pure)', '']
    exe_common = ['    name=%r,' % name,
                  '    debug=%r,' % ('bootloader' in opts.debug),
                  '    bootloader_ignore_signals=%r,' % opts.bootloader_ignore_signals,
                  '    strip=%r,' % opts.strip,
                  '    upx=%r,' % (not opts.noupx)]
    exe_tail = ['    console=%r,' % opts.console,
                '    disable_windowed_traceback=%r,' % opts.disable_windowed_traceback,
                '    argv_emulation=%r,' % opts.argv_emulation,
                '    target_arch=%r,' % opts.target_arch,
                '    codesign_identity=%r,' % opts.codesign_identity,
                '    entitlements_file=%r,' % opts.entitlements_file]
    if opts.contents_directory:
        exe_tail.append('    contents_directory=%r,' % opts.contents_directory)
    if opts.version_file:
        exe_tail.append('    version=%r,' % _rel(opts.version_file, specpath))
    if icon:
        exe_tail.append('    icon=%r,' % icon)
    python_options = list(opts.python_options)
    if 'imports' in opts.debug and 'v' not in python_options:  # as PyInstaller's makespec
        python_options.append('v')
    options = '    %r,' % [(o, None, 'OPTION') for o in python_options]
    if opts.onefile:
        out += ['exe = EXE(', '    pyz,', '    a.scripts,', '    a.binaries,', '    a.datas,',
                options] + exe_common + [
                '    upx_exclude=%r,' % opts.upx_exclude,
                '    runtime_tmpdir=%r,' % opts.runtime_tmpdir] + exe_tail + [')']
    else:
        out += ['exe = EXE(', '    pyz,', '    a.scripts,', options,
                '    exclude_binaries=True,'] + exe_common + exe_tail + [')',
                'coll = COLLECT(', '    exe,', '    a.binaries,', '    a.datas,',
                '    strip=%r,' % opts.strip, '    upx=%r,' % (not opts.noupx),
                '    upx_exclude=%r,' % opts.upx_exclude, '    name=%r,' % name, ')']
    if opts.bundle_identifier:
        out += ['app = BUNDLE(', '    %s,' % ('exe' if opts.onefile else 'coll'),
                '    name=%r,' % (name + '.app'), '    icon=%r,' % (icon[0] if icon else None),
                '    bundle_identifier=%r,' % opts.bundle_identifier, ')']
    return '\n'.join(out) + '\n'
