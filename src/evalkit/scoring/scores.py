"""Scoring a half-year and a year (METHOD.md §4)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.errors import InputError, ParameterError, Problem
from ..core.rounding import display_round
from ..framework.model import Framework
from ..framework.options import AGGREGATIONS, ANNUAL_TOTALS, Aggregation
from ..framework.periods import Period
from ..framework.weights import check_weights, redistribute_weights
from ..inputs.period import PeriodInputs
from ..inputs.schema import KEY
from .milestones import milestone_lags
from .ranking import rank_within_groups


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


@dataclass(frozen=True)
class _Assigned:
    """A framework's assignments split by input, worked out once per framework object (scoring a
    national period many times, as sensitivity analyses do, should not re-split 100,000 rows)."""

    scored: pd.DataFrame  # lead_unit, entity, indicator of the score assignments, in ``Codes`` order
    targeted: pd.DataFrame  # entity, indicator of the target assignments, once each
    targeted_entity: np.ndarray  # their entity codes in ``Codes.units``
    order: np.ndarray  # positions that sort ``Codes.keys``
    sorted_keys: np.ndarray  # ``Codes.keys`` in that order


def _assignments(fw: Framework) -> _Assigned:
    def split() -> _Assigned:
        a = fw.assignments()
        score = (a["input"] == "score").to_numpy()
        targeted = a.loc[~score, ["entity", "indicator"]].drop_duplicates().reset_index(drop=True)
        order = np.argsort(fw.codes.keys.to_numpy(), kind="stable")
        return _Assigned(a.loc[score, KEY].reset_index(drop=True), targeted, fw.codes.units.get_indexer(targeted["entity"]),
                         order, fw.codes.keys.to_numpy()[order])
    return fw.memo("assignments", split)


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

    final, corrections, missing_rows = _lead_unit_scores(framework, inputs)
    ind_scores, entity_codes, aspect_codes = _indicator_scores(framework, final, inputs.targets)
    missing = pd.concat([missing_rows, ind_scores.attrs.pop("missing")], ignore_index=True)
    aspects, monitoring = _aggregate(framework, ind_scores, entity_codes, aspect_codes, aggregation)

    totals = framework.entities[["entity", "group"]].copy()
    totals["monitoring"] = totals["entity"].map(monitoring)
    methods = inputs.methods.set_index("entity")
    methods = methods.reindex(totals["entity"].to_numpy())  # one look-up of the entities for every method
    lacking = []
    for k in others:
        totals[k] = methods[k].to_numpy() if k in methods else np.nan
        if k not in no_data:
            lack = totals[k].isna()
            lacking.append((k, np.flatnonzero(lack)))
            if lacking[-1][1].size:
                totals.loc[lack, k] = 0.0
    if lacking:  # one table of the entities without a method's score, method by method
        rows = np.concatenate([at for _, at in lacking])
        missing = pd.concat([missing, pd.DataFrame({"entity": totals["entity"].iloc[rows].reset_index(drop=True),
                                                    "method": np.repeat([k for k, _ in lacking], [len(at) for _, at in lacking])})],
                            ignore_index=True)
    if strict and len(missing):
        raise InputError([_missing_problem(r, framework) for r in missing.itertuples()])
    values = {k: totals[k].to_numpy(dtype="float64") for k in keys}
    totals["half_year"] = sum(applied[k] * np.where(np.isnan(v), 0.0, v) for k, v in values.items())
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


def _lead_unit_scores(fw: Framework, inputs: PeriodInputs) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Each score assignment's score after the task force's verification (METHOD.md §4 steps 1-2),
    aligned with ``fw.codes``; missing ones are NaN."""
    codes = fw.codes
    given = {}
    for df, col in ((inputs.monitoring, "score"), (inputs.verification, "verified")):
        pos = _positions(fw, codes.row_keys(df))
        if (pos < 0).any():
            raise InputError([Problem(r.file, f"{r.lead_unit} scored {r.entity} on indicator {r.indicator}, which the framework does not assign to it", row=int(r.row))
                              for r in df[pos < 0].itertuples()])
        if len(pos) and np.bincount(pos, minlength=len(codes.keys)).max() > 1:
            twice = pd.Index(pos).duplicated()
            raise InputError([Problem(r.file, f"({r.lead_unit}, {r.entity}, {r.indicator}) is given twice", row=int(r.row)) for r in df[twice].itertuples()])
        given[col] = np.full(len(codes.keys), np.nan)
        given[col][pos] = df[col].to_numpy(dtype="float64")
    final = np.where(np.isnan(given["verified"]), given["score"], given["verified"])
    need = _assignments(fw).scored
    checked = ~np.isnan(given["verified"])
    corrections = need[checked].assign(reported=given["score"][checked], verified=given["verified"][checked])
    return final, corrections.reset_index(drop=True), need[np.isnan(final)].reset_index(drop=True)


def _positions(fw: Framework, keys: np.ndarray) -> np.ndarray:
    """The position of each key in ``fw.codes.keys``, -1 where it is not there (as ``Index.get_indexer``, by binary search)."""
    assigned = _assignments(fw)
    order, known = assigned.order, assigned.sorted_keys
    at = np.minimum(np.searchsorted(known, keys), max(len(known) - 1, 0))
    return np.where(known[at] == keys, order[at], -1) if len(known) else np.full(len(keys), -1)


def _indicator_scores(fw: Framework, final: np.ndarray, targets: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """s(e, i): the mean over lead units (METHOD.md §4 step 1), by ``np.bincount`` over integer
    (entity, indicator) ids, or the target-attainment score (§6); and each row's entity code in
    ``fw.codes.units`` and aspect code in ``fw.aspects``. Missing scores count 0 here."""
    codes, ind = fw.codes, fw.indicators
    gid = codes.entity.astype("int64") * codes.span + codes.indicator
    size = len(codes.units) * codes.span
    total = np.bincount(gid, weights=np.nan_to_num(final), minlength=size)
    count = np.bincount(gid, minlength=size)
    nz = np.flatnonzero(count)
    assigned = _assignments(fw)
    s = pd.DataFrame({"entity": codes.units[nz // codes.span], "indicator": nz % codes.span, "score": total[nz] / count[nz]})
    if len(assigned.targeted):
        t = assigned.targeted.merge(targets[["entity", "indicator", "actual"]], on=["entity", "indicator"], how="left")
        by_id = ind.set_index("id")
        op = t["indicator"].map(by_id["target_op"])
        target = t["indicator"].map(by_id["target"]) + t["indicator"].map(by_id["target_step"]).where(op == ">", 0.0)
        t["score"] = attainment(t["actual"], target, op.replace(">", ">="), t["indicator"].map(by_id["points"])).fillna(0.0)
        out = pd.concat([s, t[["entity", "indicator", "score"]].astype({"score": "float64"})], ignore_index=True)
        unreported = t.loc[t["actual"].isna(), ["entity", "indicator"]]
    else:  # no indicator has a target: nothing to merge; the empty table typed as the merge and concat would type it
        key = {c: assigned.targeted[c].dtype if assigned.targeted[c].dtype == targets[c].dtype else object for c in ("entity", "indicator")}
        retype = {c: d for c, d in key.items() if assigned.targeted[c].dtype != d}
        unreported = assigned.targeted.astype(retype) if retype else assigned.targeted
        retype = {c: object for c in key if s[c].dtype != key[c]}
        out = s.astype(retype) if retype else s
    pos = np.full(codes.span, -1)
    pos[ind["id"].to_numpy()] = np.arange(len(ind))
    pos = pos[out["indicator"].to_numpy(dtype="int64")]
    out["aspect"] = ind["aspect"].array.take(pos)
    out["points"] = ind["points"].to_numpy()[pos]
    out.attrs["missing"] = unreported.assign(method="targets")
    aspect = pd.Index(fw.aspects["id"]).get_indexer(ind["aspect"])[pos]
    return out, np.concatenate([nz // codes.span, assigned.targeted_entity]), aspect


def attainment(actual: pd.Series, target: pd.Series, op: pd.Series, points: pd.Series) -> pd.Series:
    """METHOD.md §6: ``points * min(actual / target, 1)``; for ``<=`` targets, ``min(target / actual, 1)``.
    A "more than" target reaches this as ``>=`` its value plus its step.

    >>> attainment(pd.Series([80.0, 120.0]), pd.Series([100.0, 100.0]), pd.Series([">=", ">="]), pd.Series([2.0, 2.0])).tolist()
    [1.6, 2.0]
    """
    ratio = (target / actual).where(op == "<=", actual / target)  # target / 0 is inf: full marks
    return points * ratio.clip(upper=1.0)


def _aggregate(fw: Framework, ind_scores: pd.DataFrame, entity: np.ndarray, aspect: np.ndarray,
               aggregation: Aggregation) -> tuple[pd.DataFrame, pd.Series]:
    """Aspect scores a(e, k) and monitoring(e) (METHOD.md §4 steps 3-4), by integer (entity, aspect) ids
    (each row's codes in ``fw.codes.units`` and ``fw.aspects``)."""
    units, aspect_ids = fw.codes.units, pd.Index(fw.aspects["id"])
    n = len(aspect_ids)
    gid = entity.astype("int64") * n + aspect
    earned = np.bincount(gid, weights=ind_scores["score"].to_numpy(dtype="float64"), minlength=len(units) * n)
    available = np.bincount(gid, weights=ind_scores["points"].to_numpy(dtype="float64"), minlength=len(units) * n)
    nz = np.flatnonzero(np.bincount(gid, minlength=len(units) * n))  # applicable (entity, aspect) pairs
    aspect_points = fw.aspects["points"].to_numpy()[nz % n]
    score = aspect_points * earned[nz] / available[nz]
    aspects = pd.DataFrame({"entity": units[nz // n], "aspect": aspect_ids[nz % n], "earned": earned[nz],
                            "available": available[nz], "aspect_points": aspect_points, "score": score})
    entity = nz // n  # ascending
    has = entity[np.r_[True, entity[1:] != entity[:-1]]] if len(entity) else entity
    if aggregation == "sum":
        value = 100 * np.bincount(entity, weights=score)[has] / np.bincount(entity, weights=aspect_points)[has]
    else:
        value = 100 * np.bincount(entity, weights=score / aspect_points)[has] / np.bincount(entity)[has]
    return aspects, pd.Series(value, index=units[has])


def _missing_problem(r, fw: Framework) -> Problem:
    """A missing score let through in lenient mode, in Chinese first (the 报告 prints it), then in English."""
    n = int(r.indicator) if pd.notna(r.indicator) else None
    if pd.notna(r.lead_unit):
        return Problem("monitoring", f"{r.lead_unit}未报送{r.entity}指标{n}的评分，按0分计（宽松模式）；"
                                     f"no score from {r.lead_unit} for {r.entity}, indicator {n}; scored 0 (lenient mode)")
    if r.method == "targets":
        return Problem("targets", f"{r.entity}指标{n}未报送实际值，按0分计（宽松模式）；"
                                  f"no actual value for {r.entity}, indicator {n}; scored 0 (lenient mode)")
    name = fw.method_names[r.method]
    return Problem("methods", f"{r.entity}未报送{name}得分，按0分计（宽松模式）；no {name} score for {r.entity}; scored 0 (lenient mode)",
                   column=name)


def score_annual(h1: PeriodResult, h2: PeriodResult, annual_total: str = "precise") -> pd.DataFrame:
    """METHOD.md §4: annual = (H1 + H2) / 2, ranked within groups; a missing half is an error.
    ``annual_total`` (:data:`ANNUAL_TOTALS`): ``precise`` averages the half-years at full precision, ``printed``
    averages them as printed (2 decimals), so that the printed annual total is the mean of the printed halves."""
    if annual_total not in ANNUAL_TOTALS:
        raise ParameterError(f"annual_total={annual_total!r}: expected one of {', '.join(ANNUAL_TOTALS)}")
    if not (h1.period.half == 1 and h2.period.half == 2 and h1.period.year == h2.period.year):
        raise ParameterError(f"score_annual: expected the H1 and H2 of one year, got {h1.period} and {h2.period}")
    a = h1.totals[["entity", "group", "half_year"]].rename(columns={"half_year": "h1"})
    b = h2.totals[["entity", "group", "half_year"]].rename(columns={"half_year": "h2"})
    both = a.merge(b, on=["entity", "group"], how="outer", indicator=True, sort=False)
    gaps = both[both["_merge"] != "both"]
    if len(gaps):
        raise InputError([Problem(str(h2.period if m == "left_only" else h1.period), f"{e}: no half-year score; the annual score needs both halves")
                          for e, m in zip(gaps["entity"], gaps["_merge"])])
    both = both.drop(columns="_merge")
    halves = [both[h] if annual_total == "precise" else display_round(both[h]) for h in ("h1", "h2")]
    both["annual"] = (halves[0] + halves[1]) / 2
    both["rank"] = rank_within_groups(both, "annual")
    return both.reset_index(drop=True)
