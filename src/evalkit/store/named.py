"""The Chinese names beside the history's codes, and its ``indicators`` table, taken from the framework archived
with each run (``inputs/<sha256>`` of its ``framework.yaml`` and ``entities.csv``): the names a run was scored
under, not today's."""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import EvalkitError
from ..core.files import sha256
from ..core.paths import kept_copy
from ..framework.loading import load_framework
from ..framework.model import Framework

log = logging.getLogger("evalkit")

HALVES = {"h1": "上半年", "h2": "下半年"}


HISTORY = "its names and indicators are left out of the history (名称和指标未载入历史库)"
"""What the history store does without a run's archived framework."""


def run_framework(folder: Path, manifest: dict[str, Any], cache: dict[tuple[str, str], Framework | None], *,
                  without: str = HISTORY) -> Framework | None:
    """The framework a run was scored under, loaded from the files archived in its folder; None, with a warning that
    ends with what the caller does ``without`` it, when they are missing, differ from the hashes the manifest gives, or
    no longer load. A framework is loaded once per pair of hashes (``cache``): the same files in another run's folder
    are the same framework."""
    key = (manifest["framework"]["sha256"], manifest["entities"]["sha256"])
    if key in cache:
        return cache[key]
    try:
        files = [kept_copy(folder, k) for k in key]
    except EvalkitError:  # a name that is no hash, read from a manifest from outside
        files = []
    if not files or not all(f.is_file() and sha256(f) == k for f, k in zip(files, key)):
        log.warning("%s: its archived framework is missing or differs from the manifest (该次运行存档的指标体系无法读取); %s",
                    folder, without)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(files[0], Path(tmp) / "framework.yaml")
        shutil.copyfile(files[1], Path(tmp) / "entities.csv")
        try:
            cache[key] = load_framework(Path(tmp) / "framework.yaml")
        except EvalkitError as exc:  # a framework of an older layout, which the current checks refuse
            cache[key] = None
            log.warning("%s: its archived framework no longer loads (%s) (该次运行存档的指标体系无法读取); %s",
                        folder, str(exc).splitlines()[0], without)
    return cache[key]


def indicators(fw: Framework) -> pd.DataFrame:
    """The framework's indicators as the history's ``indicators`` table (without ``run_id``)."""
    ind = fw.indicators
    return pd.DataFrame({
        "indicator": ind["id"].astype("int64"), "aspect": ind["aspect"],
        "aspect_name": ind["aspect"].map(dict(zip(fw.aspects["id"], fw.aspects["name"]))),
        "category": ind["category"], "text": ind["text"], "points": ind["points"].astype("float64"),
        "deadline": ind["deadline"].fillna("").astype(str), "lead_units": [list(u) for u in ind["lead_units"]],
    })


def beside(df: pd.DataFrame, code: str, names: dict[str, str] | None) -> pd.DataFrame:
    """``df`` with ``<code>_name`` (or ``grp_name`` for ``grp``) right after the column ``code``: each code's Chinese
    name, missing where ``names`` is None (the run's framework did not load) or does not know it.

    >>> beside(pd.DataFrame({"grp": ["district", "x"], "total": [1, 2]}), "grp", {"district": "旗县区"}).columns.tolist()
    ['grp', 'grp_name', 'total']
    """
    at = list(df.columns).index(code) + 1
    return df.reindex(columns=[*df.columns[:at], f"{code}_name", *df.columns[at:]]).assign(
        **{f"{code}_name": df[code].map(names or {}).astype("string")})
