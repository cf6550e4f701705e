"""evalkit: reproducible digital-government assessments (数字政府建设考评)."""
from .errors import EvalkitError, FrameworkError, InputError, ParameterError, Problem
from .framework import Framework, build_framework, load_framework
from .inputs import PeriodInputs, read_period
from .milestones import milestone_lags
from .periods import Period
from .scoring import PeriodResult, score_annual, score_period

__version__ = "0.1.0"
__all__ = ["EvalkitError", "Framework", "FrameworkError", "InputError", "ParameterError", "Period", "PeriodInputs",
           "PeriodResult", "Problem", "build_framework", "history", "load_framework", "milestone_lags", "read_period",
           "score_annual", "score_period"]


def __getattr__(name: str):
    """``evalkit.history``: the history store's entry point, imported on first use (DuckDB is not needed to score)."""
    if name == "history":
        from .store import history
        return history
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
