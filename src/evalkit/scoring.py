"""Scoring a half-year and a year (METHOD.md §4)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .errors import InputError, ParameterError, Problem
from .framework import Framework
from .inputs import KEY, PeriodInputs
from .milestones import milestone_lags
from .periods import Period
from .ranking import rank_within_groups
from .weights import check_weights, redistribute_weights

Aggregation = Literal["sum", "aspect_mean"]
AGGREGATIONS: dict[str, str] = {
    "sum": "各方面得分相加(“平均”理解为各牵头单位评分的平均)",
    "aspect_mean": "各方面得分率的算术平均(第三条(三)字面理解)",
}


@dataclass
class PeriodResult:
    """The scores of one half-year and everything a report shows about them."""

    period: Period
    totals: pd.DataFrame  # entity, group, monitoring, <method keys>, half_year, rank
    indicators: pd.DataFrame  # entity, indicator, aspect, points, score
    aspects: pd.DataFrame  # entity, aspect, earned, available, aspect_points, score
    corrections: pd.DataFrame  # lead_unit, entity, indicator, reported, verified
    missing: pd.DataFrame  # lead_unit, entity, indicator or entity, method: scored 0 in lenient mode
    milestones: pd.DataFrame  # see milestones.LAG_COLUMNS
    weights: dict[str, float]  # the weights applied (after any redistribution)
    options: dict[str, object] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def score_period(framework: Framework, inputs: PeriodInputs, *, weights: Mapping[str, float] | None = None,
                 aggregation: Aggregation = "sum", redistribute: bool = False,
                 strict: bool | None = None) -> PeriodResult:
    """Score one half-year exactly as METHOD.md §4 says.

    ``weights`` default to the framework's; ``aggregation`` is ``"sum"`` (default reading) or
    ``"aspect_mean"`` (the literal reading of 第三条(三)); ``redistribute`` shares the weight
    of a method with no data among the others; ``strict`` (default: as the inputs were read)
    makes a missing score an error instead of 0.
    """
    if aggregation not in AGGREGATIONS:
        raise ParameterError(f"aggregation={aggregation!r}: expected one of {', '.join(AGGREGATIONS)}")
    strict = inputs.strict if strict is None else strict
    keys = [m.key for m in framework.methods]
    applied = check_weights(framework.weights if weights is None else weights, keys)
    others = [k for k in keys if k != "monitoring"]
    no_data = [k for k in others if applied[k] > 0 and (k not in inputs.methods or inputs.methods[k].isna().all())]
    if no_data and not redistribute:
        names = "、".join(framework.method_names[k] for k in no_data)
        raise InputError([Problem("methods", f"{names}: no scores for {inputs.period}; expected a column 0-100 for every entity, or redistribute its weight (redistribute=True)", column=names)])
    if no_data:
        applied = redistribute_weights(applied, no_data) | {k: 0.0 for k in no_data}

    scores, corrections, missing_rows = _lead_unit_scores(framework, inputs)
    ind_scores = _indicator_scores(framework, scores, inputs.targets)
    missing = pd.concat([missing_rows, ind_scores.attrs.pop("missing")], ignore_index=True)
    aspects, monitoring = _aggregate(framework, ind_scores, aggregation)

    totals = framework.entities[["entity", "group"]].copy()
    totals["monitoring"] = totals["entity"].map(monitoring)
    methods = inputs.methods.set_index("entity")
    for k in others:
        totals[k] = totals["entity"].map(methods[k]) if k in methods else np.nan
        if k not in no_data:
            lack = totals[k].isna()
            missing = pd.concat([missing, pd.DataFrame({"entity": totals.loc[lack, "entity"], "method": k})], ignore_index=True)
            totals.loc[lack, k] = 0.0
    if strict and len(missing):
        raise InputError([_missing_problem(r, framework) for r in missing.itertuples()])
    totals["half_year"] = sum(applied[k] * totals[k].fillna(0.0) for k in keys)
    totals["rank"] = rank_within_groups(totals, "half_year")
    warnings = list(inputs.problems) + ([] if strict else [_missing_problem(r, framework) for r in missing.itertuples()])
    return PeriodResult(
        period=inputs.period,
        totals=totals,
        indicators=ind_scores,
        aspects=aspects,
        corrections=corrections,
        missing=missing,
        milestones=milestone_lags(framework, inputs.monitoring, inputs.period),
        weights=applied,
        options={"aggregation": aggregation, "redistributed": no_data, "strict": strict},
        warnings=warnings,
    )


def _lead_unit_scores(fw: Framework, inputs: PeriodInputs) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Each assignment's score after the task force's verification (METHOD.md §4 steps 1-2)."""
    need = fw.assignments()
    need = need.loc[need["input"] == "score", KEY]
    rows = inputs.monitoring[KEY + ["score"]].merge(inputs.verification[KEY + ["verified"]], on=KEY, how="outer")
    merged = need.merge(rows, on=KEY, how="outer", indicator=True)
    extra = merged[merged["_merge"] == "right_only"]
    if len(extra):
        raise InputError([Problem("monitoring", f"{r.lead_unit} scored {r.entity} on indicator {r.indicator}, which the framework does not assign to it") for r in extra.itertuples()])
    merged["final"] = merged["verified"].fillna(merged["score"])
    corrections = merged.loc[merged["verified"].notna(), KEY + ["score", "verified"]].rename(columns={"score": "reported"})
    lacking = merged["final"].isna()
    missing = merged.loc[lacking, KEY]
    merged.loc[lacking, "final"] = 0.0
    return merged[KEY + ["final"]], corrections.reset_index(drop=True), missing.reset_index(drop=True)


def _indicator_scores(fw: Framework, scores: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """s(e, i): the mean over lead units, or the target-attainment score (METHOD.md §4 step 1, §6)."""
    ind = fw.indicators.set_index("id")
    s = scores.groupby(["entity", "indicator"], sort=False)["final"].mean().rename("score").reset_index()
    need = fw.assignments()
    need = need.loc[need["input"] == "target", ["entity", "indicator"]].drop_duplicates()
    t = need.merge(targets[["entity", "indicator", "actual"]], on=["entity", "indicator"], how="left")
    t["score"] = attainment(t["actual"], t["indicator"].map(ind["target"]), t["indicator"].map(ind["target_op"]),
                            t["indicator"].map(ind["points"])).fillna(0.0)
    out = pd.concat([s, t[["entity", "indicator", "score"]]], ignore_index=True)
    out["aspect"] = out["indicator"].map(ind["aspect"])
    out["points"] = out["indicator"].map(ind["points"])
    out.attrs["missing"] = t.loc[t["actual"].isna(), ["entity", "indicator"]].assign(method="targets")
    return out


def attainment(actual: pd.Series, target: pd.Series, op: pd.Series, points: pd.Series) -> pd.Series:
    """METHOD.md §6: ``points * min(actual / target, 1)``; for ``<=`` targets, ``min(target / actual, 1)``.

    >>> attainment(pd.Series([80.0, 120.0]), pd.Series([100.0, 100.0]), pd.Series([">=", ">="]), pd.Series([2.0, 2.0])).tolist()
    [1.6, 2.0]
    """
    ratio = (target / actual).where(op == "<=", actual / target)  # target / 0 is inf: full marks
    return points * ratio.clip(upper=1.0)


def _aggregate(fw: Framework, ind_scores: pd.DataFrame, aggregation: Aggregation) -> tuple[pd.DataFrame, pd.Series]:
    """Aspect scores a(e, k) and monitoring(e) (METHOD.md §4 steps 3-4)."""
    aspects = ind_scores.groupby(["entity", "aspect"], sort=False).agg(earned=("score", "sum"), available=("points", "sum")).reset_index()
    aspects["aspect_points"] = aspects["aspect"].map(fw.aspects.set_index("id")["points"])
    aspects["score"] = aspects["aspect_points"] * aspects["earned"] / aspects["available"]
    by_entity = aspects.groupby("entity", sort=False)
    if aggregation == "sum":
        monitoring = 100 * by_entity["score"].sum() / by_entity["aspect_points"].sum()
    else:
        monitoring = (100 * aspects["score"] / aspects["aspect_points"]).groupby(aspects["entity"], sort=False).mean()
    order = {a: i for i, a in enumerate(fw.aspects["id"])}
    aspects = aspects.sort_values(["entity", "aspect"], key=lambda s: s.map(order) if s.name == "aspect" else s)
    return aspects.reset_index(drop=True), monitoring


def _missing_problem(r, fw: Framework) -> Problem:
    if getattr(r, "lead_unit", None) is not None and not pd.isna(r.lead_unit):
        return Problem("monitoring", f"no score from {r.lead_unit} for {r.entity}, indicator {r.indicator}; scored 0 (lenient mode)" )
    if r.method == "targets":
        return Problem("targets", f"no actual value for {r.entity}, indicator {int(r.indicator)}; scored 0 (lenient mode)")
    return Problem("methods", f"no {fw.method_names[r.method]} score for {r.entity}; scored 0 (lenient mode)", column=fw.method_names[r.method])


def score_annual(h1: PeriodResult, h2: PeriodResult) -> pd.DataFrame:
    """METHOD.md §4: annual = (H1 + H2) / 2, ranked within groups; a missing half is an error."""
    if not (h1.period.half == 1 and h2.period.half == 2 and h1.period.year == h2.period.year):
        raise ParameterError(f"score_annual: expected the H1 and H2 of one year, got {h1.period} and {h2.period}")
    a = h1.totals[["entity", "group", "half_year"]].rename(columns={"half_year": "h1"})
    b = h2.totals[["entity", "group", "half_year"]].rename(columns={"half_year": "h2"})
    both = a.merge(b, on=["entity", "group"], how="outer", indicator=True)
    gaps = both[both["_merge"] != "both"]
    if len(gaps):
        raise InputError([Problem(str(h2.period if m == "left_only" else h1.period), f"{e}: no half-year score; the annual score needs both halves")
                          for e, m in zip(gaps["entity"], gaps["_merge"])])
    both = both.drop(columns="_merge")
    both["annual"] = (both["h1"] + both["h2"]) / 2
    both["rank"] = rank_within_groups(both, "annual")
    return both.reset_index(drop=True)
