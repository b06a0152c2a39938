"""Copied next to every fixture's script by tests/e2e/test_pyinstaller_diff.sh: prints what a
frozen app sees, one `key: value` line each, with the paths that legitimately differ between two
builds of the same app replaced by tags:
  <MEIPASS>  sys._MEIPASS: PyInstaller's onefile unpacks into a fresh /tmp/_MEIxxxxxx at every
             start, and the two builds live in different dist/ directories anyway;
  <EXEDIR>   the executable's directory: the two builds live in different directories;
  0xADDR     object addresses in reprs, which change from run to run.
Where _MEIPASS is relative to the executable is printed separately (`meipass_rel`) by the
fixtures that compare it."""
import os
import re
import sys

MEIPASS = getattr(sys, '_MEIPASS', '')
EXEDIR = os.path.dirname(os.path.realpath(sys.executable))


def norm(value):
    s = str(value)
    for real, tag in ((MEIPASS, '<MEIPASS>'), (EXEDIR, '<EXEDIR>')):
        if real:
            s = s.replace(real, tag)
            if os.path.realpath(real) != real:
                s = s.replace(os.path.realpath(real), tag)
    return re.sub(r'0x[0-9a-fA-F]{6,}', '0xADDR', s)


def show(key, value):
    print('%s: %s' % (key, norm(value)), flush=True)


def attempt(key, fn):
    """show(key, fn()), or the exception's type and message when it raises."""
    try:
        show(key, fn())
    except BaseException as e:  # noqa: B902 - SystemExit from a crashing import is data too
        show(key, 'raised %s: %s' % (type(e).__name__, e))


def header():
    show('frozen', getattr(sys, 'frozen', None))
    show('has _MEIPASS', bool(MEIPASS))
    show('argv0 name', os.path.basename(sys.argv[0]))
    show('args', sys.argv[1:])


def meipass_rel():
    """Where _MEIPASS is: relative to the executable's directory, or `outside` it."""
    rel = os.path.relpath(os.path.realpath(MEIPASS), EXEDIR)
    return 'outside' if rel.startswith('..') else rel


def listing(rel):
    """The files under _MEIPASS/rel, sorted, each with its exec bit."""
    top = os.path.join(MEIPASS, rel)
    if not os.path.isdir(top):
        show('listing ' + rel, 'missing' if not os.path.exists(top) else 'not a directory')
        return
    for root, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            show('listing ' + rel, '%s %s' % (os.path.relpath(p, MEIPASS),
                                              'x' if os.access(p, os.X_OK) else '-'))
