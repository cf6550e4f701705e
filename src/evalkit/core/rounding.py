"""Rounding for display: half up to 2 decimals, as people and Excel round."""
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
