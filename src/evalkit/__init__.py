"""evalkit: reproducible digital-government assessments (数字政府建设考评).

The package is layered by the stage of the flow (docs/architecture.md): ``core`` < ``framework`` <
``inputs`` < ``scoring`` < ``analysis``, ``demo`` < ``store`` < ``publish`` < ``runs`` < ``cli``.
"""
from .core.errors import (
    EvalkitError,
    FrameworkError,
    InputError,
    ParameterError,
    Problem,
)
from .framework import Framework, Period, build_framework, load_framework
from .inputs import PeriodInputs, read_period
from .scoring import PeriodResult, score_annual, score_period
from .scoring.milestones import milestone_lags

__version__ = "0.1.0"
__all__ = ["EvalkitError", "Framework", "FrameworkError", "InputError", "ParameterError", "Period", "PeriodInputs",
           "PeriodResult", "Problem", "build_framework", "history", "load_framework", "milestone_lags", "read_period",
           "score_annual", "score_period"]


def __getattr__(name: str):
    """``evalkit.history``: the history store's entry point, imported on first use (DuckDB is not needed to score)."""
    if name == "history":
        from .store.history import history
        return history
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
