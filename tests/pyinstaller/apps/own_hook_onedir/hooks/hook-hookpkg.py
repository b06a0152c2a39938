import os
hiddenimports = ['hookpkg.hidden']
datas = [(os.path.join(os.path.dirname(__file__), 'extra.txt'), 'hookpkg')]
excludedimports = ['hookpkg.heavy']
