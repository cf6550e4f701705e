"""Where a total comes from, and where its change between two periods comes from.

A half-year total is additive in its parts: each method other than daily monitoring adds
``weight * score``; daily monitoring adds ``weight * monitoring``, and monitoring is itself a sum
over the entity's applicable aspects (METHOD.md §4 step 4, either reading of 第三条(三)). So

    total(e) = sum over parts p of c(e, p),   parts = the aspects of monitoring, then the other methods,

and the change of a total between two periods is exactly the sum of the changes of its parts
(:func:`attribution`), which says how much of an entity's move came from each method and aspect.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..framework.model import Framework
from ..scoring.scores import PeriodResult


def part_names(framework: Framework) -> dict[str, str]:
    """Key -> Chinese label of every part: ``aspect:<id>`` for the aspects of monitoring, then the methods."""
    mon = framework.method_names["monitoring"]
    out = {f"aspect:{a}": f"{mon}·{a}、{n}" for a, n in zip(framework.aspects["id"], framework.aspects["name"])}
    out.update({k: n for k, n in framework.method_names.items() if k != "monitoring"})
    return out


def contributions(framework: Framework, result: PeriodResult) -> pd.DataFrame:
    """Entity x part: the points each part adds to the entity's total (columns in :func:`part_names` order;
    an aspect that does not apply adds 0). Each row sums to ``result.totals['half_year']`` up to rounding."""
    t = result.totals.set_index("entity")
    a = result.aspects
    w = result.weights
    if result.options.get("aggregation", "sum") == "sum":
        share = a["score"] / a.groupby("entity")["aspect_points"].transform("sum")
    else:
        share = a["score"] / a["aspect_points"] / a.groupby("entity")["aspect"].transform("count")
    mon = (a.assign(c=w.get("monitoring", 0.0) * 100 * share)
           .pivot(index="entity", columns="aspect", values="c").reindex(index=t.index, columns=framework.aspects["id"]).fillna(0.0))
    mon.columns = [f"aspect:{k}" for k in mon.columns]
    others = pd.DataFrame({k: w.get(k, 0.0) * t[k].fillna(0.0) for k in framework.method_names if k != "monitoring"}, index=t.index)
    out = pd.concat([mon, others], axis=1)
    out.columns.name = "part"
    return out


def attribution(framework: Framework, before: PeriodResult, after: PeriodResult) -> pd.DataFrame:
    """Per entity assessed in both periods: its totals and ranks, and the change of its total split
    exactly into parts (columns as :func:`contributions`; a part's change is its contribution after less
    before). ``residual`` is the total's change less the parts' sum: floating-point noise only."""
    a, b = contributions(framework, before), contributions(framework, after)
    both = a.index.intersection(b.index, sort=False)
    parts = b.loc[both] - a.loc[both]
    t0 = before.totals.set_index("entity").loc[both]
    t1 = after.totals.set_index("entity").loc[both]
    head = pd.DataFrame({"group": t1["group"], "total_before": t0["half_year"], "total_after": t1["half_year"],
                         "change": t1["half_year"] - t0["half_year"], "rank_before": t0["rank"], "rank_after": t1["rank"]})
    out = pd.concat([head, parts], axis=1)
    out["residual"] = out["change"] - parts.sum(axis=1)
    return out.rename_axis("entity").reset_index()


def rounded_to_sum(values: pd.Series, total: float, decimals: int = 2) -> pd.Series:
    """``values`` rounded to ``decimals`` so that they add up to ``total`` rounded the same way
    (largest-remainder rounding): printed parts then recompute the printed change exactly.

    >>> rounded_to_sum(pd.Series([0.333, 0.333, 0.334]), 1.0).tolist()
    [0.33, 0.33, 0.34]
    """
    scale = 10 ** decimals
    exact = values.to_numpy(dtype="float64") * scale
    floor = np.floor(exact + 1e-9)
    missing = int(round(round(total * scale) - floor.sum()))
    order = np.argsort(-(exact - floor), kind="stable")
    if missing >= 0:
        floor[order[:missing]] += 1
    else:
        floor[order[::-1][:-missing]] -= 1
    return pd.Series(floor / scale, index=values.index)
