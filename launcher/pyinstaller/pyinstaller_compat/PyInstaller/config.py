"""CONF: what the running build knows (PyInstaller.config), filled by pyhost's driver."""
CONF = {}
