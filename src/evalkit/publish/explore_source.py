"""What the explore app can open: the cities and half-years with input tables, and one half-year assessed with
the framework's previous half-year beside it (when that has input tables), for 与上期相比."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core import paths
from ..core.errors import EvalkitError
from ..framework.loading import load_framework
from ..framework.periods import Period
from ..scoring.assessment import Assessment, assess

AUTO = "auto"
"""``previous="auto"``: compare with the framework's previous half-year when its input tables exist."""


def cities() -> list[tuple[str, str]]:
    """Every city with a framework under ``data/``, as (label, city) for a picker: the city's name and its folder,
    ``某某市（folder）``."""
    found = []
    for folder in sorted(p for p in paths.DATA.iterdir() if (p / "framework.yaml").is_file()):
        try:
            found.append((f"{load_framework(folder.name).name}（{folder.name}）", folder.name))
        except EvalkitError:  # a broken framework is not offered; opening it by its name says why
            continue
    return found


def periods(city: str) -> list[tuple[str, str]]:
    """The city's half-years with a folder of input tables, oldest first, as (label, period): ``2022年上半年``."""
    folder = paths.city_dir(city)
    found = sorted(Period.parse(p.name) for p in folder.glob("*H[12]") if p.is_dir() and re.fullmatch(r"[0-9]{4}H[12]", p.name))
    return [(p.label, str(p)) for p in found]


def previous_half(city: str, period: str | Period) -> str | None:
    """The half-year before ``period`` (:attr:`Period.previous`) if it has input tables, else None."""
    before = Period.parse(period).previous
    return str(before) if paths.period_dir(city, str(before)).is_dir() else None


def open_period(city: str, period: str, *, strict: bool = False, weights: Mapping[str, float] | None = None,
                aggregation: str = "sum", previous: Mapping[str, Any] | str | None = AUTO) -> Assessment:
    """:func:`~evalkit.scoring.assessment.assess` one half-year; ``previous`` :data:`AUTO` adds the previous half-year
    (:func:`previous_half`, with the same ``strict``) for the changes since then, None leaves it out, a mapping is
    passed on as it is. Raises the :class:`~evalkit.core.errors.EvalkitError` of a period that cannot be read."""
    if previous == AUTO:
        before = previous_half(city, period)
        previous = {"period": before, "strict": strict} if before else None
    return assess(city, period, strict=strict, weights=weights, aggregation=aggregation, previous=previous)
