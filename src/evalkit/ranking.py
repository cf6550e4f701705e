"""Display rounding and ranks within groups (METHOD.md §4, ranking and display)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def display_round(values: pd.Series | np.ndarray | float, decimals: int = 2):
    """Round half up to ``decimals`` as a person would, ignoring binary noise below 1e-6.

    >>> float(display_round(93.725)), float(display_round(99.99999999999997)), float(display_round(0.125))
    (93.73, 100.0, 0.13)
    """
    scale = 10.0**decimals
    scaled = np.round(np.asarray(values, dtype=float) * scale, 6)
    out = np.floor(scaled + 0.5) / scale
    if isinstance(values, pd.Series):
        return pd.Series(out, index=values.index, name=values.name)
    return out


def rank_within_groups(df: pd.DataFrame, value: str, group: str = "group") -> pd.Series:
    """Rank ``value`` descending within each ``group`` by its 2-decimal display value.

    Equal displayed values share a rank and the next rank is skipped (1, 2, 2, 4).

    >>> df = pd.DataFrame({"group": ["a"] * 4, "v": [90.001, 95.0, 90.004, 80.0]})
    >>> rank_within_groups(df, "v").tolist()
    [2, 1, 2, 4]
    """
    shown = display_round(df[value])
    return shown.groupby(df[group]).rank(method="min", ascending=False).astype("Int64")
