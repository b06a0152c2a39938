import os, sys
from pyiprobe import show, header, attempt
header()
for name in ('prefix', 'exec_prefix', 'base_prefix', '_stdlib_dir', 'platlibdir'):
    attempt('sys.' + name, lambda: getattr(sys, name))
for name in ('no_site', 'isolated', 'ignore_environment', 'optimize', 'dont_write_bytecode',
             'no_user_site', 'safe_path', 'verbose', 'bytes_warning'):
    show('flags.' + name, getattr(sys.flags, name))
show('site imported', 'site' in sys.modules)
show('executable', sys.executable)
show('orig_argv len', len(sys.orig_argv))
