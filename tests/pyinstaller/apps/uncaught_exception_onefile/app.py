from pyiprobe import header
header()
raise ValueError('boom')
