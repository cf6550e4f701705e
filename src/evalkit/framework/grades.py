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
        return "、".join(parts)


def bands(framework: Framework) -> Bands:
    """The framework's bands (``grades:`` in its framework.yaml), or :data:`DEFAULT_BANDS` marked derived."""
    spec = framework.publication
    given = spec.get("grades")
    if not given:
        return Bands(tuple(n for n, _ in DEFAULT_BANDS), tuple(m for _, m in DEFAULT_BANDS), True)
    rows = sorted(((str(g["name"]), float(g["minimum"])) for g in given), key=lambda r: -r[1])
    return Bands(tuple(n for n, _ in rows), tuple(m for _, m in rows), bool(spec.get("grades_derived", False)))


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


