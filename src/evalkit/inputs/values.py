"""How a value is read as a person typed it: the bounds of a score as typed, numbers a float cannot hold,
blank cells."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from ..core.rounding import display_round

Message = Callable[[pd.Series], str]



def typed_limit(high: float) -> tuple[str, str]:
    """The upper bound of a score as a person types it, in English and Chinese.

    >>> typed_limit(1.0)
    ('0 to 1', '0 至 1')
    >>> typed_limit(2 / 3)
    ('0 to 0.67 (the points, 0.6667, typed to 2 decimals)', '0 至 0.67（分值 0.6667，按两位小数填写）')
    """
    if high == float(display_round(high)):
        return f"0 to {high:g}", f"0 至 {high:g}"
    typed = f"{float(display_round(high)):.2f}"
    return f"0 to {typed} (the points, {high:.4g}, typed to 2 decimals)", f"0 至 {typed}（分值 {high:.4g}，按两位小数填写）"



def underflows(text: str) -> bool:
    """Whether ``text`` is a number other than zero that a float cannot hold (it would read as 0).

    >>> underflows("1e-400"), underflows("0.0"), underflows("abc"), underflows("0.5")
    (True, False, False, False)
    """
    try:
        d = Decimal(text)
    except InvalidOperation:
        return False
    return d.is_finite() and d != 0 and float(d) == 0.0



def filled(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and str(value).strip() != ""
