"""What the Sobol indices of the ranks say, in numbers a reader can check: per entity whose rank moves, its
rank range beside its shares per factor, and the counts behind the report's conclusion.

Pure functions over :func:`evalkit.analysis.sobol.rank_sobol`'s table (one row per entity and factor). A share
is the total index ST shown as a share: an estimate below 0 is shown as 0 and one above 1 as 1 (sampling noise
of the estimator at the sample size; the first-order S1 is clipped the same way). An entity's largest driver is
the factor with the largest ST; an entity whose rank moved in too few runs to estimate anything has none.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

IMPRECISE = 0.2
"""Half-width of SALib's 95 % bootstrap interval of an ST above which an entity's shares are marked imprecise."""

UNRESOLVED = "unresolved"
"""The driver of an entity whose rank moved, but too rarely for the indices to be estimated."""


def shares(s: pd.DataFrame) -> pd.DataFrame:
    """``s`` with ``S1`` and ``ST`` clipped into [0, 1] (NaN kept), and ``capped``: the ST estimate exceeded 1.

    >>> shares(pd.DataFrame({"S1": [-0.02, 0.5], "ST": [1.01, 0.6]}))[["S1", "ST", "capped"]].values.tolist()
    [[0.0, 1.0, True], [0.5, 0.6, False]]
    """
    return s.assign(S1=s["S1"].clip(0, 1), ST=s["ST"].clip(0, 1), capped=s["ST"] > 1)


def omitted(s: pd.DataFrame) -> pd.DataFrame:
    """The entities whose rank never moves (left out of the table): ``entity, group, rank``, one row each."""
    return s.loc[s["stable"], ["entity", "group", "rank"]].drop_duplicates("entity").reset_index(drop=True)


def moving_table(s: pd.DataFrame, *, imprecise: float = IMPRECISE) -> pd.DataFrame:
    """One row per entity whose rank moves, in ``s``'s order: ``entity, group, rank, rank_min, rank_max, moved``,
    one column per factor (its ST as a share, NaN if not estimable), ``capped`` (the factors whose ST exceeded 1),
    ``imprecise`` (an ST's interval half-width above ``imprecise``) and ``driver`` (the factor of the largest ST,
    the first in ``s``'s order on a tie; :data:`UNRESOLVED` when nothing could be estimated)."""
    m = s[~s["stable"]]
    factors = list(dict.fromkeys(s["factor"]))
    if m.empty:
        return pd.DataFrame(columns=["entity", "group", "rank", "rank_min", "rank_max", "moved", *factors,
                                     "capped", "imprecise", "driver"])
    shown = shares(m)
    by = shown.groupby("entity", sort=False)
    out = by[["group", "rank", "rank_min", "rank_max", "moved"]].first()
    wide = shown.pivot(index="entity", columns="factor", values="ST").reindex(index=out.index, columns=factors)
    raw = m.pivot(index="entity", columns="factor", values="ST").reindex(index=out.index, columns=factors)
    out = out.join(wide)
    out["capped"] = by.apply(lambda g: tuple(g.loc[g["capped"], "factor"]), include_groups=False)
    out["imprecise"] = m.groupby("entity", sort=False)["ST_conf"].max().reindex(out.index) > imprecise
    known = raw.notna().any(axis=1)
    out["driver"] = UNRESOLVED
    out.loc[known, "driver"] = raw[known].fillna(-1.0).idxmax(axis=1)
    return out.reset_index()


@dataclass(frozen=True)
class Summary:
    """The numbers of the report's conclusion, all read from :func:`moving_table` and :func:`omitted`."""

    entities: int
    """All entities assessed."""
    moving: int
    """Entities whose rank moves (the rows of the table)."""
    omitted: list[str]
    """Entities whose rank never moves, left out of the table."""
    drivers: pd.Series
    """How many moving entities have each factor as their largest driver, most first (sums to ``moving``)."""
    widest: int
    """How many places the widest rank range spans (``rank_max - rank_min + 1``); 0 if nothing moves."""
    widest_entities: list[tuple[str, str, int, int]]
    """``(entity, group, rank_min, rank_max)`` of each entity with the widest range."""
    adjacent: int
    """Moving entities whose rank only moves between two neighbouring places."""
    imprecise: int
    """Moving entities whose shares are marked imprecise."""


def summarize(s: pd.DataFrame, *, imprecise: float = IMPRECISE) -> Summary:
    """The :class:`Summary` of ``rank_sobol``'s table ``s``."""
    t = moving_table(s, imprecise=imprecise)
    factors = list(dict.fromkeys(s["factor"])) + [UNRESOLVED]
    counts = t["driver"].value_counts()
    order = sorted(counts.index, key=lambda f: (-counts[f], factors.index(f)))
    span = (t["rank_max"] - t["rank_min"] + 1).astype(int)
    widest = int(span.max()) if len(t) else 0
    top = t[span == widest]
    return Summary(entities=s["entity"].nunique(), moving=len(t), omitted=omitted(s)["entity"].tolist(),
                   drivers=counts.reindex(order).astype(int),
                   widest=widest,
                   widest_entities=[(e, g, int(lo), int(hi)) for e, g, lo, hi in
                                    zip(top["entity"], top["group"], top["rank_min"], top["rank_max"])],
                   adjacent=int((span == 2).sum()), imprecise=int(t["imprecise"].sum()))
