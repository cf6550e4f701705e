"""Run parameters: one YAML per city and period under ``params/<city>/``, validated on load.

A half-year's file holds the period notebook's parameters as they are (so that
``papermill notebooks/10_period_assessment.ipynb out.ipynb -f params/<city>/<period>.yaml`` works);
a year's file holds ``city`` and ``year``, and its run adds the two halves' parameters (and the previous
year's, as ``previous_year``, when both its files exist).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import paths
from ..core.errors import ParameterError
from ..framework import config
from ..framework.loading import load_framework
from ..framework.options import AGGREGATIONS, ANNUAL_TOTALS
from ..framework.periods import Period
from ..framework.schema import METHOD, NAME
from ..framework.weights import check_weights

PERIOD_NOTEBOOK = "10_period_assessment.ipynb"
ANNUAL_NOTEBOOK = "20_annual_assessment.ipynb"
_PATH = {"type": ["string", "null"], "minLength": 1, "default": None,
         "expected": ("a path relative to the project folder (or absolute), or null", "相对于项目文件夹的路径（或绝对路径），或 null")}
_DATE = {"type": ["string", "null"], "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?![\s\S])", "default": None,
         "expected": ("a date such as 2022-07-20, or null", "日期，如 2022-07-20，或 null")}
ISSUE = config.record({
    "number": {"type": ["integer", "null"], "minimum": 1, "default": None,
               "expected": ("a whole number from 1, or null", "自 1 起的整数，或 null"),
               "description": "the 发文字号's number (代字〔年份〕number号); `null`: left blank for the office to fill in when it issues"},
    "date": {**_DATE, "description": "成文日期, under the 落款; `null`: left blank (　　年　月　日). The day of the run never stands in"},
    "printed": {**_DATE, "description": "印发日期 in the 版记; `null`: the 成文日期"},
    "recipients": {"type": ["string", "null"], "minLength": 1, "default": None,
                   "description": "主送机关; `null`: the framework's `document.recipients`"},
    "copies": {"type": ["string", "null"], "minLength": 1, "default": None,
               "description": "抄送机关; `null`: the framework's `document.copies`"},
}, [], default=None, description="the bulletin as a 公文: `number`, `date`, `printed`, `recipients`, `copies`; `null`: a draft "
                                 "with the 文号 and dates left blank")
"""A period's own parts of its 公文 (the standing ones are the framework's ``document``)."""
HALF = config.record({
    "city": {**NAME, "description": "the city, as the file's folder `params/<city>/` names it"},
    "period": {"type": "string", "pattern": r"^[0-9]{4}H[12](?![\s\S])", "expected": ("a half-year such as 2022H1", "半年期间，如 2022H1"),
               "description": "the half-year, as the file's name says"},
    "data_dir": {**_PATH, "description": "the folder of the period's input tables; `null`: `data/<city>/<period>/`"},
    "applicability": {**_PATH, "description": "a 考评对象适用范围 workbook or CSV that replaces the framework's applicability"},
    "strict": {"type": "boolean", "default": True,
               "description": "`true`: every input problem stops the run; `false` (lenient): a missing score counts 0 and the problems are listed in the report"},
    "weights": {"type": ["object", "null"], "default": None, "propertyNames": METHOD["properties"]["key"],
                "additionalProperties": METHOD["properties"]["weight"],
                "expected": ("a mapping of each method to a weight from 0 to 1, or null", "各考评方式的权重（0 至 1），或 null"),
                "description": "each method's weight, together 1 (`{monitoring: 0.6, field: 0.2, survey: 0.1, third_party: 0.1}`); `null`: the framework's"},
    "aggregation": {"enum": list(AGGREGATIONS), "default": "sum",
                    "description": "日常监测: `sum` of the aspects, or `aspect_mean` (第三条(三) read literally)"},
    "redistribute": {"type": "boolean", "default": False, "description": "share the weight of a method without data among the others"},
    "issue": {**ISSUE, "type": ["object", "null"]},
}, ["city", "period"])
"""A half-year's file, declared once: :func:`load_params` checks it, :func:`describe` is the README's table."""
YEAR = config.record({
    "city": HALF["properties"]["city"],
    "year": {"type": "integer", "minimum": 1000, "maximum": 9999, "expected": ("a year such as 2022", "年份，如 2022"),
             "description": "the year, as the file's name says; the run adds both halves' parameters"},
    "annual_total": {"enum": list(ANNUAL_TOTALS), "default": "precise",
                     "description": "`precise`: the mean of the half-years at full precision, each 尾差 noted; `printed`: the mean of the printed half-years"},
    "issue": HALF["properties"]["issue"],
}, ["city", "year"])
"""A year's file, declared once."""
HALF_DEFAULTS: dict[str, Any] = {k: s["default"] for k, s in HALF["properties"].items() if "default" in s}
"""Optional parameters of a half-year file and their defaults."""
ANNUAL_DEFAULTS: dict[str, Any] = {k: s["default"] for k, s in YEAR["properties"].items() if "default" in s}
"""Optional parameters of a year's file: the rule of the annual total (:data:`evalkit.framework.options.ANNUAL_TOTALS`)."""
NOTEBOOK_DEFAULTS: dict[str, Any] = {**HALF_DEFAULTS, "previous": None, "year_before": None}
"""The period notebook's parameters besides city and period: ``previous`` and ``year_before`` are added by
the run, with the parameters of the previous half-year and of the same half of the year before when their
files exist, for the changes since then."""


NOT_ASSESSED = ("previous", "year_before", "issue")
"""A half-year's run parameters that its assessment does not take: the earlier periods (a year needs only the halves)
and the 公文's metadata."""


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

    @property
    def assessed(self) -> dict[str, Any]:
        """A half-year's parameters as :func:`evalkit.scoring.assessment.assess` takes them (without the 公文's ``issue``)."""
        return {k: v for k, v in self.parameters.items() if k != "issue"}


def load_params(city: str, period: str | Period, params_dir: Path | None = None) -> RunSpec:
    """Read and check ``params/<city>/<period>.yaml``; a year's run gets its halves' parameters too. ``city`` is a
    name (:func:`evalkit.core.paths.city_name`), never a path."""
    city, period = paths.city_name(city), Period.parse(period)
    root = params_dir or paths.PARAMS
    path = root / city / f"{period}.yaml"
    if not path.is_file():
        raise ParameterError(f"{path}: no such parameters file; expected params/{city}/{period}.yaml")
    raw = _checked(config.read(path, ParameterError), city, period)
    if period.is_annual:
        halves = {f"h{p.half}": _half(city, p, params_dir) for p in period.halves}
        before = period.previous.halves
        last = {f"h{p.half}": _half(city, p, params_dir) for p in before} if all((root / city / f"{p}.yaml").is_file() for p in before) else None
        return RunSpec(city, period, path, {"city": city, "year": period.year, **halves, "previous_year": last,
                                            **ANNUAL_DEFAULTS, **{k: raw[k] for k in ANNUAL_DEFAULTS if k in raw}})
    earlier = {k: _half(city, p, params_dir) if (root / city / f"{p}.yaml").is_file() else None
               for k, p in (("previous", period.previous), ("year_before", Period(period.year - 1, period.half)))}
    return RunSpec(city, period, path, {**HALF_DEFAULTS, **raw, **earlier})


def earlier_halves(city: str, period: str | Period, params_dir: Path | None = None) -> list[dict[str, Any]]:
    """The parameters of every half-year before ``period`` that has a params file (oldest first), each without its own
    ``previous`` and ``year_before``: a scorecard's 历次变化 shows the city's whole history up to its period."""
    period, folder = Period.parse(period), (params_dir or paths.PARAMS) / paths.city_name(city)
    found = sorted(Period.parse(f.stem) for f in folder.glob("*H[12].yaml") if re.fullmatch(r"[0-9]{4}H[12]", f.stem))
    return [_half(city, p, params_dir) for p in found if p < period]


def _half(city: str, period: Period, params_dir: Path | None) -> dict[str, Any]:
    """A half-year's parameters without its own ``previous`` and ``year_before``."""
    return {k: v for k, v in load_params(city, period, params_dir).parameters.items() if k not in NOT_ASSESSED}


def _checked(doc: config.Document, city: str, period: Period) -> dict[str, Any]:
    """The file's parameters, or a :class:`ParameterError` listing every problem with its line: duplicate keys, the
    schema (:data:`HALF` or :data:`YEAR`), the city and period its place names, weights against the framework's methods."""
    problems = config.problems(doc, YEAR if period.is_annual else HALF)
    if not problems and (doc.data.get("issue") or {}):
        problems += [doc.at(("issue", k), f"{v} is not a day of the calendar", "日期不存在")
                     for k, v in doc.data["issue"].items() if k in ("date", "printed") and v and not _is_day(v)]
    if not problems:
        place = {"city": city, "year": period.year} if period.is_annual else {"city": city, "period": str(period)}
        problems += [doc.at((k,), f"{k} is {doc.data[k]!r}; expected {v!r}, as the file's place says", "应与文件所在位置一致")
                     for k, v in place.items() if doc.data[k] != v]
    if not problems and doc.data.get("weights") is not None:
        try:
            check_weights(doc.data["weights"], load_framework(city).weights)
        except ParameterError as exc:
            problems.append(doc.at(("weights",), str(exc), "权重应覆盖指标体系的每种考评方式，且之和为 1"))
    if problems:
        raise ParameterError(config.listing(doc.file, problems))
    return doc.data


def _is_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def all_params(city: str | None = None, params_dir: Path | None = None) -> list[RunSpec]:
    """Every run under ``params/`` (or one city's), halves before years."""
    root = params_dir or paths.PARAMS
    files = [p for p in sorted(root.glob("*/*.yaml")) if city is None or p.parent.name == city]
    for p in files:
        try:
            paths.city_name(p.parent.name)
            Period.parse(p.stem)
        except ParameterError as exc:
            raise ParameterError(f"{config.shown(p)}: a params file is params/<city>/<period>.yaml: {exc}") from None
    specs = [load_params(p.parent.name, p.stem, params_dir) for p in files]
    return sorted(specs, key=lambda s: (s.period.is_annual, s.city, s.period.year, s.period.half or 0))


def describe() -> str:
    """The params files' keys as the README documents them (a test keeps the README equal to this).

    >>> describe().splitlines()[2].startswith("| `city` | half-year, year |")
    True
    """
    rows = ["| key | file | type | default | meaning |", "|---|---|---|---|---|"]
    for key in dict.fromkeys([*HALF["properties"], *YEAR["properties"]]):
        where = [(name, s) for name, s in (("half-year", HALF), ("year", YEAR)) if key in s["properties"]]
        schema, required = where[0][1]["properties"][key], key in where[0][1]["required"]
        rows.append(f"| `{key}` | {', '.join(n for n, _ in where)} | {config.label(schema)} | {config.default(schema, required)} "
                    f"| {schema.get('description', '')} |")
    return "\n".join(rows)
