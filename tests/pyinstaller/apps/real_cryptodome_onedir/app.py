from pyiprobe import show, header, attempt
header()
def aes():
    from Cryptodome.Cipher import AES
    return AES.new(b'k' * 16, AES.MODE_ECB).encrypt(b'sixteen byte msg').hex()
def sha():
    from Cryptodome.Hash import SHA256
    return SHA256.new(b'pyhost').hexdigest()
def version():
    import Cryptodome
    return Cryptodome.__version__
attempt('version', version)
attempt('AES', aes)
attempt('SHA256', sha)
