"""hostward: keeps watch over a Linux host."""

__version__ = "0.1.0"
