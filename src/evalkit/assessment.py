"""One call per notebook: everything a period's or a year's assessment computes, from its parameters."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import paths
from .framework import Framework, load_applicability, load_framework
from .inputs import PeriodInputs, read_period
from .periods import Period
from .scoring import PeriodResult, score_annual, score_period


@dataclass
class Assessment:
    """A scored half-year with what it was computed from."""

    framework: Framework
    inputs: PeriodInputs
    result: PeriodResult
    parameters: dict[str, Any]
    previous: Assessment | None = None  # the previous half-year, for rank changes

    @property
    def period(self) -> Period:
        return self.result.period


@dataclass
class AnnualAssessment:
    """A year: its two scored halves and the annual table (entity, group, h1, h2, annual, rank)."""

    framework: Framework
    year: int
    h1: Assessment
    h2: Assessment
    totals: pd.DataFrame

    @property
    def period(self) -> Period:
        return Period(self.year)


def project_path(path: str | Path | None) -> Path | None:
    """A parameter path: relative ones are relative to the project folder (see :func:`evalkit.paths.inputs_root`)."""
    if path is None:
        return None
    path = Path(path)
    return path if path.is_absolute() else paths.inputs_root() / path


def assess(city: str, period: str | Period, *, data_dir: str | Path | None = None, applicability: str | Path | None = None,
           strict: bool = True, weights: Mapping[str, float] | None = None, aggregation: str = "sum",
           redistribute: bool = False, previous: Mapping[str, Any] | None = None) -> Assessment:
    """Load the framework, read and check the period's inputs, and score them; ``previous`` (the
    previous half-year's parameters) is assessed too, for the rank changes."""
    fw = load_framework(city)
    if applicability is not None:
        fw = fw.with_applicability(load_applicability(fw, project_path(applicability)))
    inputs = read_period(fw, period, project_path(data_dir), strict=strict)
    result = score_period(fw, inputs, weights=weights, aggregation=aggregation, redistribute=redistribute)
    params = {"city": city, "period": str(Period.parse(period)), "data_dir": data_dir, "applicability": applicability,
              "strict": strict, "weights": dict(weights) if weights else None, "aggregation": aggregation, "redistribute": redistribute}
    before = assess(**{**previous, "city": city}) if previous else None
    return Assessment(fw, inputs, result, params, before)


def assess_annual(city: str, year: int, h1: Mapping[str, Any] | None = None, h2: Mapping[str, Any] | None = None) -> AnnualAssessment:
    """Score both halves with their own parameters (default: ``params/<city>/<year>H1.yaml`` and ``H2``)
    and combine them (METHOD.md §4)."""
    from .params import load_params

    given = {1: h1, 2: h2}
    halves = [assess(**{**(given[p.half] or load_params(city, p).parameters), "city": city}) for p in Period(int(year)).halves]
    return AnnualAssessment(halves[0].framework, int(year), halves[0], halves[1], score_annual(halves[0].result, halves[1].result))
