"""Statistical coherence of a framework, the JRC composite-indicator audit's step: do the indicators of an
aspect move together, does each indicator go with its aspect and the total, and which aspects in practice
decide the ranking (an aspect whose points barely vary across entities decides nothing).

Everything is computed across the entities of one group (districts and departments are assessed on
different indicators), from a :class:`~evalkit.scoring.scores.PeriodResult`, on score shares (score / points).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..framework.model import Framework
from ..scoring.scores import PeriodResult
from .contributions import contributions, part_names

Method = Literal["pearson", "spearman"]


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of ``items`` (rows: entities, columns: indicators), over complete rows:
    ``k / (k - 1) * (1 - sum of item variances / variance of the row sums)``; NaN with fewer than
    2 items or 2 rows, or when the row sums do not vary.

    >>> round(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 4, 5], "c": [1, 3, 2, 4]})), 6)  # 39/41
    0.95122
    """
    x = items.dropna()
    k = x.shape[1]
    if k < 2 or len(x) < 2:
        return float("nan")
    total = x.sum(axis=1).var(ddof=1)
    if total == 0:
        return float("nan")
    return round(float(k / (k - 1) * (1 - x.var(ddof=1).sum() / total)), 12)


def shares(framework: Framework, result: PeriodResult, group: str) -> pd.DataFrame:
    """Entity x indicator: score / points for the entities of ``group``; NaN where the indicator does not apply."""
    ind = result.indicators
    ents = result.totals.loc[result.totals["group"] == group, "entity"]
    ind = ind[ind["entity"].isin(ents)]
    wide = ind.assign(share=ind["score"] / ind["points"]).pivot(index="entity", columns="indicator", values="share")
    return wide.reindex(index=ents)


def aspect_shares(result: PeriodResult, group: str) -> pd.DataFrame:
    """Entity x aspect: the aspect's score rate (score / aspect points) for the entities of ``group``."""
    ents = result.totals.loc[result.totals["group"] == group, "entity"]
    a = result.aspects[result.aspects["entity"].isin(ents)]
    return a.assign(rate=a["score"] / a["aspect_points"]).pivot(index="entity", columns="aspect", values="rate").reindex(index=ents)


def correlations(framework: Framework, result: PeriodResult, group: str, *, method: Method = "pearson") -> pd.DataFrame:
    """Per indicator and per aspect of ``group``: its correlation (across entities) with its aspect and with
    the total; ``n`` entities; NaN where an indicator does not vary (it cannot correlate: it discriminates
    nothing). Indicators are ``指标 <id>``, aspects ``方面 <id>``."""
    ind_share = shares(framework, result, group)
    asp = aspect_shares(result, group)
    total = result.totals.set_index("entity").loc[ind_share.index, "half_year"]
    aspect_of = framework.indicators.set_index("id")["aspect"]
    rows = []
    for i in ind_share.columns:
        x = ind_share[i]
        ok = x.notna()
        rows.append(("指标", i, aspect_of[i], int(ok.sum()), float(x[ok].std(ddof=0)) if ok.sum() else np.nan,
                     _corr(x[ok], asp.loc[ok, aspect_of[i]], method), _corr(x[ok], total[ok], method)))
    for k in asp.columns:
        x = asp[k]
        ok = x.notna()
        rows.append(("方面", k, k, int(ok.sum()), float(x[ok].std(ddof=0)), np.nan, _corr(x[ok], total[ok], method)))
    return pd.DataFrame(rows, columns=["level", "id", "aspect", "n", "std", "r_aspect", "r_total"])


def _corr(x: pd.Series, y: pd.Series, method: Method) -> float:
    if len(x) < 3 or x.nunique() < 2 or y.nunique() < 2:
        return float("nan")
    return float(x.corr(y, method=method))


def aspect_alpha(framework: Framework, result: PeriodResult, group: str) -> pd.DataFrame:
    """Cronbach's alpha of each aspect over its common core in ``group``: the aspect's indicators that apply
    to every entity of the group and vary across them (alpha needs the same items for everyone).
    Returns aspect, ``indicators`` (of the aspect assessed in the group), ``items`` (the core), entities, alpha."""
    s = shares(framework, result, group)
    aspect_of = framework.indicators.set_index("id")["aspect"]
    rows = []
    for k in framework.aspects["id"]:
        cols = [i for i in s.columns if aspect_of[i] == k]
        core = [i for i in cols if s[i].notna().all() and s[i].nunique() > 1]
        rows.append((k, len(cols), len(core), len(s), cronbach_alpha(s[core])))
    return pd.DataFrame(rows, columns=["aspect", "indicators", "items", "entities", "alpha"])


def deciding_parts(framework: Framework, result: PeriodResult, group: str) -> pd.DataFrame:
    """Which parts (aspects of monitoring, other methods) decide the ranking of ``group``: per part the
    spread of the points it adds (standard deviation across entities) and its share of the variance of
    the total, ``cov(part, total) / var(total)``; the shares add up to 1 because the total is the sum of
    the parts (:mod:`evalkit.analysis.contributions`). A part with a share near 0 decides nothing."""
    c = contributions(framework, result)
    ents = result.totals.loc[result.totals["group"] == group, "entity"]
    c = c.loc[ents]
    total = c.sum(axis=1)
    var = total.var(ddof=0)
    names = part_names(framework)
    out = pd.DataFrame({
        "part": c.columns, "name": [names[p] for p in c.columns],
        "mean": c.mean().to_numpy(), "std": c.std(ddof=0).to_numpy(),
        "variance_share": [((c[p] - c[p].mean()) * (total - total.mean())).mean() / var if var > 0 else np.nan for p in c.columns],
    })
    return out.sort_values("variance_share", ascending=False, key=lambda s: s.abs()).reset_index(drop=True)
