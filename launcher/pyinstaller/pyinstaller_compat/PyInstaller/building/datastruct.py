"""TOC entries are (destination name, source path, typecode) tuples, as in PyInstaller."""
import os


class TOC(list):
    """A list of TOC entries (PyInstaller 6 uses plain lists; TOC remains for old spec files)."""

    def __init__(self, initlist=None):
        super().__init__()
        for entry in initlist or []:
            self.append(entry)

    def append(self, entry):
        entry = tuple(entry)
        if entry not in self:
            super().append(entry)

    def extend(self, entries):
        for entry in entries:
            self.append(entry)

    def __add__(self, other):
        result = TOC(self)
        result.extend(other)
        return result

    def __iadd__(self, other):
        self.extend(other)
        return self


class Tree(TOC):
    """Every file under `root`, at `prefix` in the app: Tree('assets', prefix='assets')."""

    def __init__(self, root=None, prefix=None, excludes=None, typecode='DATA'):
        super().__init__()
        from PyInstaller.config import CONF
        self.root = os.path.join(CONF.get('specpath', ''), root or '')
        self.prefix = prefix
        import fnmatch
        for dirpath, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs
                             if not any(fnmatch.fnmatch(d, p) for p in excludes or []))
            for f in sorted(files):
                if any(fnmatch.fnmatch(f, p) for p in excludes or []):
                    continue
                src = os.path.join(dirpath, f)
                rel = os.path.relpath(src, self.root)
                self.append((os.path.join(prefix, rel) if prefix else rel, src, typecode))


def normalize_toc(toc):
    return list(dict.fromkeys(tuple(e) for e in toc))
