"""visio-desktop: a sovereign desktop meeting client and its meeting server."""

__version__ = "0.1.0"
