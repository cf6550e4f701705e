"""Synthetic submissions (示例数据) for demos and tests: templates filled as lead units plausibly would.

Deterministic: the same framework, period and seed give the same values. Each entity has a
stable quality across periods (most near full marks, a realistic spread), some entities are weak
in one aspect, H2 improves on H1, some statuses lag their deadlines, and the task force corrects
a few scores. After the framework's year each entity drifts its own way, up or down, and half of
the weak aspects are fixed, so trends and rectification (整改) closures differ between entities.
"""
from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from ..core.files import save_workbook
from ..core.rounding import display_round
from ..framework.deadlines import STATUSES
from ..framework.model import Framework
from ..framework.periods import Period
from ..inputs.schema import KEY, KINDS, STATUS, Kind
from ..inputs.templates import write_templates
from ..scoring.milestones import required_statuses

SEED = 2022


def _rng(fw: Framework, seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(fw.city.encode()), *parts])


def demo_values(framework: Framework, period: str | Period, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The values of a synthetic period: ``monitoring`` (KEY, score, status), ``verification``
    (KEY, verified), ``methods`` (entity and a column per method key) and ``targets``."""
    period = Period.parse(period)
    fw = framework
    profile = _rng(fw, seed)  # stable across periods
    ents = fw.entities["entity"].to_numpy()
    quality = pd.Series(1 - profile.beta(1.3, 14, len(ents)), index=ents)
    weak_aspect = pd.Series(np.where(profile.random(len(ents)) < 0.2, profile.choice(fw.aspects["id"], len(ents)), ""), index=ents)
    weak_factor = pd.Series(profile.uniform(0.55, 0.8, len(ents)), index=ents)
    years = max(0, period.year - (fw.year or period.year))
    if years:  # later years: each entity drifts its own way, and half of the weak aspects are fixed
        later = _rng(fw, seed, 9999)
        drift = pd.Series(later.uniform(-0.35, 0.6, len(ents)), index=ents)
        quality = (quality + np.where(drift > 0, (1 - quality) * drift, quality * drift * 0.15) * years).clip(0.3, 0.995)
        weak_aspect = weak_aspect.where(later.random(len(ents)) < 0.5, "")
    if period.half == 2:
        quality = quality + (1 - quality) * 0.3
    rng = _rng(fw, seed, period.year, period.half or 0)
    ind = fw.indicators.set_index("id")
    need = fw.assignments()
    scored = need[need["input"] == "score"][KEY].reset_index(drop=True)
    aspect = scored["indicator"].map(ind["aspect"])
    level = scored["entity"].map(quality) * np.where(aspect == scored["entity"].map(weak_aspect), scored["entity"].map(weak_factor), 1.0)
    frac = np.clip(level + rng.normal(0, 0.07, len(scored)), 0, 1)
    frac = np.where(rng.random(len(scored)) < 0.45 * level, 1.0, frac)
    points = scored["indicator"].map(ind["points"])
    scores = np.minimum(display_round(points * frac), display_round(points))
    required = scored["indicator"].map(required_statuses(fw, period)).fillna(STATUSES[1])
    need_rank = required.map(STATUSES.index).to_numpy()
    behind = rng.random(len(scored)) < np.where(frac < 0.75, 0.5, 0.06)
    rank = np.where(behind, np.maximum(need_rank - rng.integers(1, 3, len(scored)), 0), np.minimum(need_rank + (rng.random(len(scored)) < 0.3), 4))
    status = np.where(rng.random(len(scored)) < 0.02, "", np.array(STATUSES, dtype=object)[rank])
    monitoring = scored.assign(score=scores, status=status)

    checked = rng.random(len(scored)) < 0.015
    verified = np.maximum(display_round(scores[checked] - points[checked] * rng.uniform(0.1, 0.4, checked.sum())), 0.0)
    verification = scored[checked].assign(verified=verified)

    methods = pd.DataFrame({"entity": ents})
    for m in fw.methods:
        if m.key != "monitoring":
            centre, spread = {"field": (0.95, 6.0), "survey": (0.97, 5.0), "third_party": (0.92, 7.0)}.get(m.key, (0.94, 6.0))
            methods[m.key] = np.clip(np.round(100 * quality.to_numpy() * centre + rng.normal(0, spread, len(ents)), 1), 40, 100)
    want = need[need["input"] == "target"][["entity", "indicator"]].drop_duplicates().reset_index(drop=True)
    target = (want["indicator"].map(ind["target"]) + want["indicator"].map(ind["target_step"]).where(want["indicator"].map(ind["target_op"]) == ">", 0.0)).to_numpy()
    up = want["indicator"].map(ind["target_op"]).to_numpy() != "<="
    ratio = np.clip(want["entity"].map(quality).to_numpy() + rng.normal(0, 0.08, len(want)), 0.3, 1.2)
    actual = np.round(np.where(up, target * ratio, target / ratio), 1)
    actual = np.where(want["indicator"].map(ind["target_unit"]).to_numpy() == "%", np.minimum(actual, 100.0), actual)  # a rate stops at 100 %
    return {"monitoring": monitoring, "verification": verification, "methods": methods,
            "targets": want.assign(actual=actual)}


def write_demo_period(framework: Framework, period: str | Period, out_dir: str | Path, seed: int = SEED) -> list[Path]:
    """Write the period's templates into ``out_dir`` (refusing existing files) and fill them with
    :func:`demo_values`, as the returned workbooks a task force would receive."""
    values = demo_values(framework, period, seed)
    files = write_templates(framework, period, out_dir, synthetic=True)
    folder = Path(out_dir)
    for path in files:
        kind = KINDS["monitoring"] if path.parent != folder else next(k for k in KINDS.values() if k.matches(path.name))
        _fill(path, kind, values[kind.key], framework.method_names)
    return files


def _fill(path: Path, kind: Kind, values: pd.DataFrame, method_names: dict[str, str]) -> None:
    """Type ``values`` into a template's input columns (as :mod:`evalkit.inputs.schema` names them), matching rows by
    the kind's key columns; the methods' columns are the framework's method names."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    header = {c.value: c.column for c in ws[1]}
    if kind.value is None:
        cols = {name: k for k, name in method_names.items() if name in header and k in values}
    else:
        cols = {c.header: c.field for c in (kind.value, STATUS) if c.field in values}
    by = values.set_index([c.field for c in kind.keys])
    for r in range(2, ws.max_row + 1):
        key = tuple(ws.cell(r, header[c.header]).value for c in kind.keys)
        key = key[0] if len(key) == 1 else key
        if key in by.index:
            for header_name, field in cols.items():
                v = by.loc[key, field]
                ws.cell(r, header[header_name]).value = (v.item() if hasattr(v, "item") else v) or None
    save_workbook(wb, path)
