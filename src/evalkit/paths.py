"""The project's folders, derived from this file's place in the repository."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("EVALKIT_DATA") or ROOT / "data")
"""Frameworks and period inputs; ``EVALKIT_DATA`` points elsewhere (a generated city, a shared folder)."""
PARAMS = ROOT / "params"
OUTPUTS = ROOT / "outputs"


def city_dir(city: str) -> Path:
    """``data/<city>``."""
    return DATA / city


def period_dir(city: str, period: str) -> Path:
    """``data/<city>/<period>``: the default folder of a period's input tables."""
    return DATA / city / str(period)
