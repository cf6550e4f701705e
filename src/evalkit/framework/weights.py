"""Method weights (METHOD.md §4): checked, and redistributed when a method has no data."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ..core.errors import ParameterError

TOLERANCE = 1e-9


def check_weights(weights: Mapping[str, float], methods: Iterable[str]) -> dict[str, float]:
    """Return ``weights`` as floats in ``methods`` order, or raise naming the bad parameter.

    Every method needs a weight; weights are numbers (not ``true``), finite, non-negative and sum to 1.

    >>> check_weights({"a": 0.6, "b": 0.4}, ["a", "b"])
    {'a': 0.6, 'b': 0.4}
    """
    methods = list(methods)
    unknown = sorted(set(weights) - set(methods))
    if unknown:
        raise ParameterError(f"weights[{unknown[0]!r}]: no such method; the framework's methods are {', '.join(methods)}")
    out = {}
    for m in methods:
        if m not in weights:
            raise ParameterError(f"weights[{m!r}]: missing; give a weight for every method ({', '.join(methods)})")
        try:
            if isinstance(weights[m], bool):  # float(True) is 1.0, but true is not a weight
                raise TypeError
            w = float(weights[m])
        except (TypeError, ValueError):
            raise ParameterError(f"weights[{m!r}] = {weights[m]!r}: expected a number from 0 to 1") from None
        if not math.isfinite(w) or w < 0:
            raise ParameterError(f"weights[{m!r}] = {weights[m]!r}: expected a number from 0 to 1")
        out[m] = w
    total = math.fsum(out.values())
    if abs(total - 1) > TOLERANCE:
        raise ParameterError(f"weights: they sum to {total:g}; expected 1 ({', '.join(f'{k}={v:g}' for k, v in out.items())})")
    return out


def redistribute_weights(weights: Mapping[str, float], without: Iterable[str]) -> dict[str, float]:
    """Drop the methods in ``without`` and scale the others proportionally back to a sum of 1.

    >>> redistribute_weights({"a": 0.3, "b": 0.3, "c": 0.4}, ["c"])
    {'a': 0.5, 'b': 0.5}
    """
    without = set(without)
    kept = {k: w for k, w in weights.items() if k not in without}
    total = math.fsum(kept.values())
    if total <= 0:
        raise ParameterError(f"weights: no weight is left once {', '.join(sorted(without))} is dropped")
    return {k: w / total for k, w in kept.items()}
