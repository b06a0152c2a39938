"""The hook helpers of PyInstaller.utils.hooks that hook files and spec files use.

They answer from the build machine's installed packages, like PyInstaller's. Packages are
located with importlib.util.find_spec, which imports a dotted name's parent packages (PyInstaller
does that too, in a subprocess); the files themselves are found by walking directories.
Results have PyInstaller's shapes: hidden imports are module names, datas and binaries are
(source path, destination directory) pairs.
"""
import fnmatch
import importlib.metadata
import importlib.util
import logging
import os
import pkgutil

from PyInstaller import compat  # noqa: F401 (hooks do `from PyInstaller.utils.hooks import compat`)

logger = logging.getLogger('PyInstaller')

PY_IGNORE_EXTENSIONS = {'.py', '.pyc', '.pyo', '.pyd', '.so'}
_DYLIB_PATTERNS = ('*.so', '*.so.*', '*.dylib', '*.dll', '*.pyd')


def _spec(name):
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None


def is_package(module_name):
    spec = _spec(module_name)
    return bool(spec and spec.submodule_search_locations is not None)


def can_import_module(module_name):
    return _spec(module_name) is not None


def get_module_file_attribute(package):
    spec = _spec(package)
    if spec is None or not spec.origin:
        raise ImportError('No module named %r' % package)
    return spec.origin


def get_package_paths(package):
    """(the directory that holds the package, the package's directory)."""
    spec = _spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError('Package %r does not exist or is not a package' % package)
    pkg_dir = list(spec.submodule_search_locations)[0]
    base = pkg_dir
    for _ in package.split('.'):
        base = os.path.dirname(base)
    return base, pkg_dir


def get_all_package_paths(package):
    spec = _spec(package)
    return list(spec.submodule_search_locations or []) if spec else []


def collect_submodules(package, filter=lambda name: True, on_error='warn once'):
    """The package and all its submodules, found on disk (not imported)."""
    if not isinstance(package, str):
        raise TypeError('package must be a str')
    spec = _spec(package)
    if spec is None:
        logger.warning('collect_submodules - module %r not found', package)
        return []
    if spec.submodule_search_locations is None:
        return [package] if filter(package) else []
    found = [package] if filter(package) else []
    todo = [(package, list(spec.submodule_search_locations))]
    while todo:
        prefix, paths = todo.pop()
        for info in pkgutil.iter_modules(paths):
            name = prefix + '.' + info.name
            if not filter(name):
                continue
            found.append(name)
            if info.ispkg:
                sub = [os.path.join(p, info.name) for p in paths
                       if os.path.isdir(os.path.join(p, info.name))]
                todo.append((name, sub))
    return sorted(set(found))


def _walk_files(pkg_dir):
    for root, dirs, files in os.walk(pkg_dir):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for f in sorted(files):
            yield os.path.join(root, f)


def _matches(rel, patterns):
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip('/') + '/*')
               for p in patterns)


def collect_data_files(package, include_py_files=False, subdir=None, excludes=None, includes=None):
    """Data files of a package as (source, destination directory) pairs."""
    try:
        base, _ = get_package_paths(package)
    except ValueError:
        logger.warning('collect_data_files - skipping data collection for module %r as it is '
                       'not a package.', package)
        return []
    datas = []
    for pkg_dir in get_all_package_paths(package):
        top = os.path.join(pkg_dir, subdir) if subdir else pkg_dir
        for path in _walk_files(top):
            rel = os.path.relpath(path, pkg_dir)
            ext = os.path.splitext(path)[1]
            if not include_py_files and ext in PY_IGNORE_EXTENSIONS:
                continue
            if ext == '.pyc':
                continue
            if includes and not _matches(rel, includes):
                continue
            if excludes and _matches(rel, excludes):
                continue
            dest = os.path.dirname(os.path.relpath(path, base))
            datas.append((path, dest))
    return datas


def collect_dynamic_libs(package, destdir=None, search_patterns=_DYLIB_PATTERNS):
    try:
        base, _ = get_package_paths(package)
    except ValueError:
        return []
    binaries = []
    for pkg_dir in get_all_package_paths(package):
        for path in _walk_files(pkg_dir):
            name = os.path.basename(path)
            if any(fnmatch.fnmatch(name, p) for p in search_patterns):
                binaries.append((path, destdir or os.path.dirname(os.path.relpath(path, base))))
    return binaries


def _distribution(name):
    try:
        return importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError('No package metadata was found for %s' % name) from None


def _metadata_dir(dist):
    path = getattr(dist, '_path', None)
    if path is None:
        raise RuntimeError('cannot locate the metadata of %s' % dist.metadata['Name'])
    return str(path)


def copy_metadata(package_name, recursive=False):
    """The distribution's metadata directory, as PyInstaller copies it to the app's top."""
    todo, seen, datas = [package_name], set(), []
    while todo:
        dist = _distribution(todo.pop())
        name = dist.metadata['Name']
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        path = _metadata_dir(dist)
        datas.append((path, os.path.basename(path.rstrip('/'))))
        if recursive:
            todo += requirements_for_package(name)
    return datas


def requirements_for_package(package_name):
    dist = _distribution(package_name)
    names = []
    for req in dist.requires or []:
        if ';' in req and 'extra' in req.split(';', 1)[1]:
            continue
        name = req.split(';')[0].strip()
        for stop in '<>=!~[ (':
            name = name.split(stop)[0]
        names.append(name)
    return names


def collect_all(package_name, include_py_files=True, filter_submodules=None, exclude_datas=None,
                include_datas=None, on_error='warn once'):
    """(datas, binaries, hiddenimports) for a package, like PyInstaller's collect_all."""
    datas = []
    try:
        datas += copy_metadata(package_name)
    except Exception as e:  # a module that is not a distribution of its own
        logger.warning('collect_all: %s', e)
    datas += collect_data_files(package_name, include_py_files, excludes=exclude_datas,
                                includes=include_datas)
    binaries = collect_dynamic_libs(package_name)
    hidden = collect_submodules(package_name, filter_submodules or (lambda name: True))
    return datas, binaries, hidden


def collect_entry_point(name):
    datas, hidden = [], []
    for ep in compat.entry_points(name):
        hidden.append(ep.module)
        if getattr(ep, 'dist', None) is not None:  # 3.10+: the distribution it comes from
            try:
                datas += copy_metadata(ep.dist.metadata['Name'])
            except RuntimeError:
                pass
    return datas, hidden


def check_requirement(requirement):
    name = requirement
    for stop in '<>=!~[ ':
        name = name.split(stop)[0]
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    spec = requirement[len(name):].strip()
    if not spec:
        return True
    try:
        from packaging.specifiers import SpecifierSet
        return SpecifierSet(spec).contains(version, prereleases=True)
    except ImportError:
        return True


is_module_satisfies = check_requirement


def get_module_attribute(module_name, attr_name):
    module = __import__(module_name, fromlist=[attr_name])
    return getattr(module, attr_name)


def get_homebrew_path(formula=''):
    return None


def include_or_exclude_file(filename, include_list=None, exclude_list=None):
    if include_list and not any(fnmatch.fnmatch(filename, p) for p in include_list):
        return False
    return not (exclude_list and any(fnmatch.fnmatch(filename, p) for p in exclude_list))
