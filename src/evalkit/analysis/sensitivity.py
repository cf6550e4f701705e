"""How much do rankings depend on debatable choices? What-if re-scoring, a Monte-Carlo uncertainty
analysis over the method weights and the two readings of 第三条(三), and leaving one method out.

Following the JRC/OECD handbook on composite indicators: a published ranking comes with its
robustness. Everything is computed from a :class:`~evalkit.scoring.scores.PeriodResult` without re-reading
inputs; the Monte-Carlo draws are one matrix product.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.rounding import display_round
from ..framework.grades import bands, grade, in_groups
from ..framework.model import Framework
from ..framework.options import AGGREGATIONS
from ..inputs.period import PeriodInputs
from ..scoring.ranking import rank_within_groups
from ..scoring.scores import PeriodResult, score_period


def what_if(framework: Framework, inputs: PeriodInputs, base: PeriodResult, **options: Any) -> pd.DataFrame:
    """Re-score with other ``options`` (weights, aggregation, ...) and compare with ``base``:
    per entity the totals, the ranks and ``change`` (positive: moves up)."""
    return compare(base, score_period(framework, inputs, **options))


def compare(base: PeriodResult, other: PeriodResult) -> pd.DataFrame:
    """Per entity of ``base``: its total and rank there and in ``other``, and ``change`` (positive: moves up)."""
    a = base.totals[["entity", "group", "half_year", "rank"]]
    b = other.totals[["entity", "half_year", "rank"]].rename(columns={"half_year": "new_total", "rank": "new_rank"})
    out = a.rename(columns={"half_year": "total"}).merge(b, on="entity")
    out["change"] = (out["rank"] - out["new_rank"]).astype("int64")
    return out


def monitoring_readings(result: PeriodResult) -> pd.DataFrame:
    """Each entity's monitoring score under both readings of 第三条(三), from its aspect scores."""
    a = result.aspects
    by = a.groupby("entity", sort=False)
    out = pd.DataFrame({"sum": 100 * by["score"].sum() / by["aspect_points"].sum(),
                        "aspect_mean": (100 * a["score"] / a["aspect_points"]).groupby(a["entity"], sort=False).mean()})
    return out.reindex(result.totals["entity"])


def draw_ranks(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Ranks within groups for each row of ``values`` (draws x entities), by the 2-decimal value,
    ties sharing the best rank: 1 + how many in the group are shown strictly higher."""
    codes = np.unique(display_round(values), return_inverse=True)[1].reshape(values.shape)  # the order as integers
    draw, span = np.arange(len(codes))[:, None], codes.max() + 1
    ranks = np.empty(values.shape, dtype=np.int64)
    for g in np.unique(groups):
        cols = np.flatnonzero(groups == g)
        keyed = codes[:, cols] + draw * span  # each draw's above the one before: one sort orders them all
        at_most = np.searchsorted(np.sort(keyed, axis=None), keyed, side="right") - draw * len(cols)
        ranks[:, cols] = 1 + len(cols) - at_most  # how many are strictly higher, by binary search: memory stays draws x entities
    return ranks


def simulated_totals(result: PeriodResult, *, draws: int = 1000, band: float = 0.2,
                     aggregations: Sequence[str] = tuple(AGGREGATIONS), seed: int = 0) -> np.ndarray:
    """The totals of :func:`uncertainty`'s draws (draws x entities, in ``result.totals``' order).

    Each draw multiplies every method weight in use by a factor uniform in [1 - band, 1 + band],
    renormalises them to sum 1, and picks one of ``aggregations`` with equal chance.
    """
    if not 0 <= band < 1:
        raise ValueError(f"band={band}: expected a number in [0, 1)")
    t = result.totals
    keys = [k for k, w in result.weights.items() if w > 0]
    base = np.array([result.weights[k] for k in keys])
    rng = np.random.default_rng(seed)
    w = base * rng.uniform(1 - band, 1 + band, size=(draws, len(keys)))
    w /= w.sum(axis=1, keepdims=True)
    which = rng.integers(0, len(aggregations), size=draws)
    readings = monitoring_readings(result)
    totals = np.empty((draws, len(t)))
    for j, agg in enumerate(aggregations):
        scores = t[keys].to_numpy(dtype=float).copy()
        if "monitoring" in keys:
            scores[:, keys.index("monitoring")] = readings[agg].to_numpy()
        rows = which == j
        totals[rows] = w[rows] @ scores.T
    return totals


def uncertainty(framework: Framework, result: PeriodResult, *, draws: int = 1000, band: float = 0.2,
                aggregations: Sequence[str] = tuple(AGGREGATIONS), seed: int = 0) -> pd.DataFrame:
    """Monte-Carlo uncertainty analysis of the ranks (seeded, so repeatable): the draws of
    :func:`simulated_totals`. Returns per entity its published ``rank``, ``median_rank``, the 5-95 %
    interval ``rank_p05``-``rank_p95`` and ``p_top3``, the probability of staying in the top 3 of its group.
    """
    t = result.totals
    totals = simulated_totals(result, draws=draws, band=band, aggregations=aggregations, seed=seed)
    ranks = draw_ranks(totals, t["group"].to_numpy())
    q = np.quantile(ranks, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    return pd.DataFrame({"entity": t["entity"].to_numpy(), "group": t["group"].to_numpy(), "rank": t["rank"].to_numpy(),
                         "median_rank": q[1].astype(int), "rank_p05": q[0].astype(int), "rank_p95": q[2].astype(int),
                         "p_top3": (ranks <= 3).mean(axis=0)})


def leave_one_out(result: PeriodResult) -> pd.DataFrame:
    """Ranks when each method in use is left out and its weight shared proportionally by the others."""
    t = result.totals
    used = {k: w for k, w in result.weights.items() if w > 0}
    frames = []
    for dropped in used:
        rest = {k: w for k, w in used.items() if k != dropped}
        total = sum(rest.values())
        score = sum(w / total * t[k] for k, w in rest.items())
        new = t[["entity", "group", "rank"]].assign(total=score)
        new["new_rank"] = rank_within_groups(new, "total")
        frames.append(new.assign(dropped=dropped, change=(new["rank"] - new["new_rank"]).astype("int64")))
    return pd.concat(frames, ignore_index=True)[["dropped", "entity", "group", "rank", "new_rank", "change"]]


def robustness_sentences(framework: Framework, table: pd.DataFrame, *, level: float = 0.9) -> dict[str, str]:
    """One sentence per group saying which ranks are robust (in Chinese, for the report)."""
    out = {}
    for group, label in framework.groups.items():
        g = table[table["group"] == group]
        if g.empty:
            continue
        fixed = g[g["rank_p05"] == g["rank_p95"]]
        top = g[g["p_top3"] >= level].sort_values("rank")["entity"].tolist()
        sentence = (f"{label}：{len(g)} 个考评对象中有 {len(fixed)} 个的排名在 90% 的模拟中保持不变"
                    f"（5%～95% 排名区间最宽为 {int((g['rank_p95'] - g['rank_p05']).max()) + 1} 个名次）")
        sentence += (f"；{'、'.join(top)} 在至少 {level:.0%} 的模拟中保持前三名。" if top else "；没有考评对象能在 90% 的模拟中稳居前三名。")
        out[group] = sentence
    return out


def grade_probabilities(framework: Framework, result, *, draws: int = 1000, band: float = 0.2, seed: int = 0) -> pd.DataFrame:
    """Each entity's probability of each grade under the Monte-Carlo analysis of the ranks (the same draws
    as :func:`evalkit.analysis.sensitivity.uncertainty`): entity, group, published grade, one column per grade."""
    from .sensitivity import simulated_totals

    b = bands(framework)
    totals = simulated_totals(result, draws=draws, band=band, seed=seed)
    drawn = np.vectorize(lambda v: b.names.index(v))(np.asarray(grade(pd.Series(totals.ravel()), b)).reshape(totals.shape))
    t = result.totals
    out = pd.DataFrame({"entity": t["entity"].to_numpy(), "group": t["group"].to_numpy(),
                        "grade": in_groups(t, "half_year", b).to_numpy()})  # as published (a cap applied)
    for k, name in enumerate(b.names):
        out[name] = (drawn == k).mean(axis=0)
    return out
