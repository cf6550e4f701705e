"""Display rounding and ranks within groups (METHOD.md §4, ranking and display)."""
from __future__ import annotations

import pandas as pd

from ..core.rounding import display_round


def rank_within_groups(df: pd.DataFrame, value: str, group: str = "group") -> pd.Series:
    """Rank ``value`` descending within each ``group`` by its 2-decimal display value.

    Equal displayed values share a rank and the next rank is skipped (1, 2, 2, 4).

    >>> df = pd.DataFrame({"group": ["a"] * 4, "v": [90.001, 95.0, 90.004, 80.0]})
    >>> rank_within_groups(df, "v").tolist()
    [2, 1, 2, 4]
    """
    shown = display_round(df[value])
    return shown.groupby(df[group]).rank(method="min", ascending=False).astype("Int64")
