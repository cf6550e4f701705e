"""Grades (等次): bands are framework data (``grades:`` in framework.yaml, each a name and a minimum);
a grade is given to the printed 2-decimal value, so that 89.995 printed as 90.00 is 优秀."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.rounding import display_round
from .model import Framework

DEFAULT_BANDS = (("优秀", 90.0), ("良好", 80.0), ("合格", 60.0), ("不合格", 0.0))
"""Used when the framework gives no bands; marked derived (推定), to be confirmed by the city."""


@dataclass(frozen=True)
class Bands:
    """Grade names from the best down, each with its minimum (inclusive: a value at a minimum gets that grade)."""

    names: tuple[str, ...]
    minimums: tuple[float, ...]
    derived: bool  # not given by the city's document: 推定, listed in the internal edition
    caps: tuple[float | None, ...] = ()  # each grade's largest share of a group (None: no cap)

    def cap(self, name: str) -> float | None:
        return dict(zip(self.names, self.caps)).get(name)

    def sentence(self) -> str:
        """The rule in Chinese, e.g. ``优秀（90分及以上）、良好（80分及以上、不足90分）…``.

        >>> Bands(("优秀", "合格"), (90.0, 0.0), False).sentence()
        '优秀（90分及以上）、合格（不足90分）'
        """
        parts = []
        for k, (name, low) in enumerate(zip(self.names, self.minimums)):
            high = self.minimums[k - 1] if k else None
            if high is None:
                parts.append(f"{name}（{low:g}分及以上）")
            elif low > 0:
                parts.append(f"{name}（{low:g}分及以上、不足{high:g}分）")
            else:
                parts.append(f"{name}（不足{high:g}分）")
        capped = [f"{name}等次不超过组内考评对象数的{share:.0%}" for name, share in zip(self.names, self.caps) if share]
        rule = "；".join(capped) + "（按排名确定，排名并列而超出比例的均评为下一等次）" if capped else ""
        return "、".join(parts) + (f"；{rule}" if rule else "")


def bands(framework: Framework) -> Bands:
    """The framework's bands (``grades:`` in its framework.yaml), or :data:`DEFAULT_BANDS` marked derived."""
    spec = framework.publication
    given = spec.get("grades")
    if not given:
        return Bands(tuple(n for n, _ in DEFAULT_BANDS), tuple(m for _, m in DEFAULT_BANDS), True)
    rows = sorted(((str(g["name"]), float(g["minimum"]), g.get("max_share")) for g in given), key=lambda r: -r[1])
    caps = tuple(r[2] for r in rows)
    return Bands(tuple(r[0] for r in rows), tuple(r[1] for r in rows), bool(spec.get("grades_derived", False)),
                 caps if any(caps) else ())


def in_bulletin(framework: Framework) -> str | None:
    """How the bulletin states the grades: ``"等次"`` for bands the city gave, ``"等次（推定）"`` for derived bands
    (never stated as the city's rule), None when the framework says derived bands are left out (``grades_public: omit``)."""
    if not bands(framework).derived:
        return "等次"
    return None if framework.publication.get("grades_public") == "omit" else "等次（推定）"


def grade(values: pd.Series | np.ndarray | float, b: Bands) -> pd.Series:
    """The grade of each value, judged on its printed 2-decimal value.

    >>> b = Bands(("优秀", "良好", "合格", "不合格"), (90.0, 80.0, 60.0, 0.0), True)
    >>> grade(pd.Series([89.995, 89.994, 80.0, 59.99, 100.0]), b).tolist()
    ['优秀', '良好', '良好', '不合格', '优秀']
    """
    shown = np.asarray(display_round(pd.Series(values, dtype="float64") if np.ndim(values) else pd.Series([values])), dtype="float64")
    out = np.full(len(shown), b.names[-1], dtype=object)
    for name, low in reversed(list(zip(b.names, b.minimums))):
        out[shown >= low - 1e-9] = name
    return pd.Series(out, index=values.index if isinstance(values, pd.Series) else None)




def in_groups(totals: pd.DataFrame, value: str, b: Bands) -> pd.Series:
    """Each entity's grade (indexed as ``totals``, which holds ``group``, ``rank`` and the ``value`` column): the band
    of its printed value, then each capped grade, from the best down, kept by at most ``floor(share × n)`` entities of
    a group of n in rank order; entities tied across that line, and those after it, get the next grade down (the cap is
    never exceeded, and tied entities are graded alike).

    >>> b = Bands(("优秀", "良好", "合格"), (90.0, 80.0, 0.0), False, (0.5, None, None))
    >>> t = pd.DataFrame({"group": ["d"] * 5, "rank": [1, 2, 2, 4, 5], "v": [99.0, 95.0, 95.0, 91.0, 70.0]})
    >>> in_groups(t, "v", b).tolist()
    ['优秀', '良好', '良好', '良好', '合格']
    """
    out = grade(totals[value].astype("float64"), b)
    for name, share in zip(b.names[:-1], b.caps):
        if not share:
            continue
        lower = b.names[b.names.index(name) + 1]
        for _, part in totals.groupby("group", sort=False):
            allowed = int(np.floor(share * len(part) + 1e-9))
            holders = part.loc[out[part.index] == name, "rank"].sort_values()
            kept = [r for r in holders.unique() if (holders <= r).sum() <= allowed]
            out[holders.index[~holders.isin(kept)]] = lower
    return out


def capped(totals: pd.DataFrame, value: str, b: Bands) -> pd.DataFrame:
    """The entities a cap moved down: entity, group, the grade of their value and the grade given."""
    by_value, given = grade(totals[value].astype("float64"), b), in_groups(totals, value, b)
    moved = by_value != given
    return pd.DataFrame({"entity": totals["entity"][moved], "group": totals["group"][moved], "by_value": by_value[moved],
                         "given": given[moved]}).reset_index(drop=True)
