"""The version of cleaner: a leaf module, so that any module may import it."""

__version__ = "0.2.0"
