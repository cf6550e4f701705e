"""Run parameters: one YAML per city and period under ``params/<city>/``, validated on load.

A half-year's file holds the period notebook's parameters as they are (so that
``papermill notebooks/10_period_assessment.ipynb out.ipynb -f params/<city>/<period>.yaml`` works);
a year's file holds ``city`` and ``year``, and its run adds the two halves' parameters (and the previous
year's, as ``previous_year``, when both its files exist).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..core import paths
from ..core.errors import ParameterError
from ..framework.options import AGGREGATIONS, ANNUAL_TOTALS
from ..framework.periods import Period

PERIOD_NOTEBOOK = "10_period_assessment.ipynb"
ANNUAL_NOTEBOOK = "20_annual_assessment.ipynb"
HALF_DEFAULTS: dict[str, Any] = {"data_dir": None, "applicability": None, "strict": True, "weights": None,
                                 "aggregation": "sum", "redistribute": False}
"""Optional parameters of a half-year file and their defaults."""
ANNUAL_DEFAULTS: dict[str, Any] = {"annual_total": "precise"}
"""Optional parameters of a year's file: the rule of the annual total (:data:`evalkit.framework.options.ANNUAL_TOTALS`)."""
NOTEBOOK_DEFAULTS: dict[str, Any] = {**HALF_DEFAULTS, "previous": None, "year_before": None}
"""The period notebook's parameters besides city and period: ``previous`` and ``year_before`` are added by
the run, with the parameters of the previous half-year and of the same half of the year before when their
files exist, for the changes since then."""


@dataclass(frozen=True)
class RunSpec:
    """One run: which notebook, with which parameters, from which file."""

    city: str
    period: Period
    source: Path
    parameters: dict[str, Any]

    @property
    def notebook(self) -> Path:
        return paths.ROOT / "notebooks" / (ANNUAL_NOTEBOOK if self.period.is_annual else PERIOD_NOTEBOOK)

    @property
    def label(self) -> str:
        return f"{self.city} {self.period}"


def load_params(city: str, period: str | Period, params_dir: Path | None = None) -> RunSpec:
    """Read and check ``params/<city>/<period>.yaml``; a year's run gets its halves' parameters too."""
    period = Period.parse(period)
    root = params_dir or paths.PARAMS
    path = root / city / f"{period}.yaml"
    if not path.is_file():
        raise ParameterError(f"{path}: no such parameters file; expected params/{city}/{period}.yaml")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ParameterError(f"{path}: expected a mapping of parameter names to values")
    if period.is_annual:
        _check(path, raw, required={"city": city, "year": period.year}, optional=ANNUAL_DEFAULTS)
        halves = {f"h{p.half}": _half(city, p, params_dir) for p in period.halves}
        before = period.previous.halves
        last = {f"h{p.half}": _half(city, p, params_dir) for p in before} if all((root / city / f"{p}.yaml").is_file() for p in before) else None
        return RunSpec(city, period, path, {"city": city, "year": period.year, **halves, "previous_year": last,
                                            **ANNUAL_DEFAULTS, **{k: raw[k] for k in ANNUAL_DEFAULTS if k in raw}})
    _check(path, raw, required={"city": city, "period": str(period)}, optional=HALF_DEFAULTS)
    earlier = {k: _half(city, p, params_dir) if (root / city / f"{p}.yaml").is_file() else None
               for k, p in (("previous", period.previous), ("year_before", Period(period.year - 1, period.half)))}
    return RunSpec(city, period, path, {**HALF_DEFAULTS, **raw, **earlier})


def _half(city: str, period: Period, params_dir: Path | None) -> dict[str, Any]:
    """A half-year's parameters without its own ``previous`` and ``year_before``."""
    return {k: v for k, v in load_params(city, period, params_dir).parameters.items() if k not in ("previous", "year_before")}


def _check(path: Path, raw: dict, required: dict[str, Any], optional: dict[str, Any]) -> None:
    for key, expected in required.items():
        if str(raw.get(key)) != str(expected):
            raise ParameterError(f"{path}: {key} is {raw.get(key)!r}; expected {expected!r}, as the file's place says")
    unknown = sorted(set(raw) - set(required) - set(optional))
    if unknown:
        raise ParameterError(f"{path}: unknown parameter {unknown[0]!r}; expected {', '.join([*required, *optional])}")
    for key in ("strict", "redistribute"):
        if key in raw and not isinstance(raw[key], bool):
            raise ParameterError(f"{path}: {key} is {raw[key]!r}; expected true or false")
    if "annual_total" in raw and raw["annual_total"] not in ANNUAL_TOTALS:
        raise ParameterError(f"{path}: annual_total is {raw['annual_total']!r}; expected one of {', '.join(ANNUAL_TOTALS)}")
    if "aggregation" in raw and raw["aggregation"] not in AGGREGATIONS:
        raise ParameterError(f"{path}: aggregation is {raw['aggregation']!r}; expected one of {', '.join(AGGREGATIONS)}")
    weights = raw.get("weights")
    if weights is not None and not (isinstance(weights, dict) and all(isinstance(v, (int, float)) for v in weights.values())):
        raise ParameterError(f"{path}: weights must map each method to a number, e.g. {{monitoring: 0.6, field: 0.2, survey: 0.1, third_party: 0.1}}")
    for key in ("data_dir", "applicability"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ParameterError(f"{path}: {key} is {raw[key]!r}; expected a path relative to the project folder")


def all_params(city: str | None = None, params_dir: Path | None = None) -> list[RunSpec]:
    """Every run under ``params/`` (or one city's), halves before years."""
    root = params_dir or paths.PARAMS
    specs = [load_params(p.parent.name, p.stem, params_dir) for p in sorted(root.glob("*/*.yaml"))
             if city is None or p.parent.name == city]
    return sorted(specs, key=lambda s: (s.period.is_annual, s.city, s.period.year, s.period.half or 0))
