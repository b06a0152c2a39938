import importlib.resources, os
import datapkg
from pyiprobe import show, header, attempt, listing
header()
attempt('through __file__', lambda: datapkg.read('info.txt'))
attempt('nested through __file__', lambda: datapkg.read('nested/deep.txt'))
attempt('importlib.resources', lambda: importlib.resources.files('datapkg').joinpath('data/info.txt').read_text().strip())
show('datapkg __file__', datapkg.__file__)
listing('datapkg')
