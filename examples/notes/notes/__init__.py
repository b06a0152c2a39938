"""notes: a tiny note keeper that ships its sample notes and templates as package data."""
__version__ = "1.0.0"
