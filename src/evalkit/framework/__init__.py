"""A city's indicator framework (METHOD.md §3): loading, point allocation, applicability, periods,
deadlines, grades, weights and the readings of the method's ambiguities."""
from .loading import build_framework, load_framework
from .model import Framework
from .periods import Period

__all__ = ["Framework", "Period", "build_framework", "load_framework"]
