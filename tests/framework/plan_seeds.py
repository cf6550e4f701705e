"""A plan city's framework as its YAML gives it and the seed document it was read from, for the tests that hold a
framework against its plan (fidelity, coverage); a test is skipped when the seeds are not beside the repository."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evalkit.core import paths

SEEDS = paths.ROOT.parent / "shared" / "seeds"


def spec(city: str) -> dict:
    """``data/<city>/framework.yaml`` as data."""
    return yaml.safe_load((paths.DATA / city / "framework.yaml").read_text(encoding="utf-8"))


def seed_text(city: str) -> str:
    """The text of the plan the city's framework names as its ``source``."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed documents are not beside the repository ({SEEDS})")
    return (SEEDS / Path(spec(city)["source"]).name).read_text(encoding="utf-8")
