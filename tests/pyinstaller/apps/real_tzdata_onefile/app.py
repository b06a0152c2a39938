import importlib, importlib.resources
from pyiprobe import show, header, attempt
header()
def paris():
    return importlib.resources.files('tzdata.zoneinfo.Europe').joinpath('Paris').read_bytes()[:4]
attempt('tzdata version', lambda: importlib.import_module('tzdata').IANA_VERSION)
attempt('Europe/Paris', paris)
