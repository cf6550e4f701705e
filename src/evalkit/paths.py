"""The project's folders, derived from this file's place in the repository."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
PARAMS = ROOT / "params"
OUTPUTS = ROOT / "outputs"


def city_dir(city: str) -> Path:
    """``data/<city>``."""
    return DATA / city


def period_dir(city: str, period: str) -> Path:
    """``data/<city>/<period>``: the default folder of a period's input tables."""
    return DATA / city / str(period)
