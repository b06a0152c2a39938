import os, subprocess, sys
from pyiprobe import show, header, attempt, listing
header()
listing('bin')
attempt('run tool', lambda: subprocess.run([os.path.join(sys._MEIPASS, 'bin', 'tool.sh'), 'arg'],
                                           capture_output=True, text=True).stdout.strip())
