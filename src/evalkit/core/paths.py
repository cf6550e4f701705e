"""The project's folders, derived from this file's place in the repository."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("EVALKIT_DATA") or ROOT / "data")
"""Frameworks and period inputs; ``EVALKIT_DATA`` points elsewhere (a generated city, a shared folder)."""
PARAMS = ROOT / "params"
OUTPUTS = ROOT / "outputs"
INPUTS_VARIABLE = "EVALKIT_INPUTS"
"""Environment variable naming a folder laid out like the project folder (``data/<city>/...``) to read inputs
from instead: ``evalkit audit`` sets it to re-execute a run from the copies kept in its archive."""


def inputs_root() -> Path:
    """The folder that ``data/`` and relative input paths are read from: the project folder unless
    ``EVALKIT_INPUTS`` names another."""
    return Path(os.environ.get(INPUTS_VARIABLE) or ROOT)


def city_dir(city: str) -> Path:
    """``data/<city>``: under ``EVALKIT_INPUTS`` when set (an audit's archived copies), else under :data:`DATA`."""
    inputs = os.environ.get(INPUTS_VARIABLE)
    return (Path(inputs) / "data" if inputs else DATA) / city


def period_dir(city: str, period: str) -> Path:
    """``data/<city>/<period>``: the default folder of a period's input tables."""
    return city_dir(city) / str(period)


def project_path(path: str | Path | None) -> Path | None:
    """A parameter path: relative ones are relative to the project folder (see :func:`evalkit.core.paths.inputs_root`)."""
    if path is None:
        return None
    path = Path(path)
    return path if path.is_absolute() else inputs_root() / path
