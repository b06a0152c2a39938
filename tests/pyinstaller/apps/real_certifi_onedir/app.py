from pyiprobe import show, header, attempt
header()
def where():
    import certifi
    return certifi.where()
def certs():
    with open(where()) as f:
        return f.read().count('BEGIN CERTIFICATE') > 100
def version():
    import importlib.metadata
    return importlib.metadata.version('certifi')
attempt('where', where)
attempt('certs', certs)
attempt('metadata version', version)
