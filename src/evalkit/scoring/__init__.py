"""Scores (METHOD.md §4): a period's and a year's totals, ranks within groups, milestone lags, and the
assessment object a notebook works from."""
from .scores import PeriodResult, score_annual, score_period

__all__ = ["PeriodResult", "score_annual", "score_period"]
