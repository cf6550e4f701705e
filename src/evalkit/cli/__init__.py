"""The ``evalkit`` command (DESIGN.md §4): thin wrappers that print what the packages return."""
from .main import main

__all__ = ["main"]
