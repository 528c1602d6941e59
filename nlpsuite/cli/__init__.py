"""The ``nlpsuite`` command line."""

from nlpsuite.cli.app import main

__all__ = ["main"]
