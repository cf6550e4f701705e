"""One call per notebook: everything a period's or a year's assessment computes, from its parameters."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.paths import project_path
from ..framework.loading import load_framework
from ..framework.model import Framework
from ..framework.periods import Period
from ..inputs.period import PeriodInputs, read_period
from .override import Override, read_with_override, settle
from .scores import PeriodResult, score_annual, score_period


@dataclass
class Assessment:
    """A scored half-year with what it was computed from."""

    framework: Framework
    inputs: PeriodInputs
    result: PeriodResult
    parameters: dict[str, Any]
    previous: Assessment | None = None  # the previous half-year, for the changes since then
    year_before: Assessment | None = None  # the same half of the year before
    override: Override | None = None  # the adjusted applicability of a what-if run, and what followed from it

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
    previous: AnnualAssessment | None = None  # the year before, for the changes since then
    annual_total: str = "precise"  # the rule of the annual total (evalkit.framework.options.ANNUAL_TOTALS)

    @property
    def period(self) -> Period:
        return Period(self.year)


def assess(city: str, period: str | Period, *, data_dir: str | Path | None = None, applicability: str | Path | None = None,
           strict: bool = True, weights: Mapping[str, float] | None = None, aggregation: str = "sum",
           redistribute: bool = False, previous: Mapping[str, Any] | None = None,
           year_before: Mapping[str, Any] | None = None) -> Assessment:
    """Load the framework, read and check the period's inputs, and score them; ``previous`` and
    ``year_before`` (the parameters of the previous half-year and of the same half a year before) are
    assessed too, for the changes since then. With ``applicability`` (a what-if) the consequences of the
    adjusted applicability are listed in ``override``, never raised (:mod:`evalkit.scoring.override`)."""
    fw = load_framework(city)
    override = None
    if applicability is None:
        inputs = read_period(fw, period, project_path(data_dir), strict=strict)
    else:
        fw, inputs, override = read_with_override(fw, project_path(applicability), period, project_path(data_dir), strict)
    options = {"weights": weights, "aggregation": aggregation, "redistribute": redistribute}
    result = score_period(fw, inputs, **options, **({} if override is None else {"strict": False}))
    if override is not None:
        result = settle(result, inputs, override)
    params = {"city": city, "period": str(Period.parse(period)), "data_dir": data_dir, "applicability": applicability,
              "strict": strict, "weights": dict(weights) if weights else None, "aggregation": aggregation, "redistribute": redistribute}
    before, year_ago = (assess(**{**p, "city": city}) if p else None for p in (previous, year_before))
    return Assessment(fw, inputs, result, params, before, year_ago, override)


def overrides(a: Assessment | AnnualAssessment) -> tuple[Override, ...]:
    """The adjusted applicabilities a period's or a year's results were computed under (none for an official run)."""
    halves = [a] if isinstance(a, Assessment) else [a.h1, a.h2]
    return tuple(h.override for h in halves if h.override is not None)


def assess_annual(city: str, year: int, h1: Mapping[str, Any] | None = None, h2: Mapping[str, Any] | None = None,
                  previous_year: Mapping[str, Mapping[str, Any]] | None = None, annual_total: str = "precise") -> AnnualAssessment:
    """Score both halves with their own parameters (default: ``params/<city>/<year>H1.yaml`` and ``H2``)
    and combine them (METHOD.md §4) by the ``annual_total`` rule (:data:`evalkit.framework.options.ANNUAL_TOTALS`);
    ``previous_year`` (``{"h1": ..., "h2": ...}``) is assessed too, by the same rule, for the changes since then."""
    from ..inputs.params import load_params

    given = {1: h1, 2: h2}
    halves = [assess(**{**(given[p.half] or _without_earlier(load_params(city, p).parameters)), "city": city})
              for p in Period(int(year)).halves]
    before = assess_annual(city, int(year) - 1, **previous_year, annual_total=annual_total) if previous_year else None
    return AnnualAssessment(halves[0].framework, int(year), halves[0], halves[1],
                            score_annual(halves[0].result, halves[1].result, annual_total), before, annual_total)


def _without_earlier(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """A half-year's parameters as :func:`assess` takes them (:data:`~evalkit.inputs.params.NOT_ASSESSED` left out)."""
    from ..inputs.params import NOT_ASSESSED

    return {k: v for k, v in parameters.items() if k not in NOT_ASSESSED}
