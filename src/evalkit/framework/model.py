"""The framework as data: its methods, and the :class:`Framework` of indicators, entities and assignments.

Loading and checking a framework.yaml is :mod:`evalkit.framework.loading`; points are allocated by
:mod:`evalkit.framework.allocation`; applicability is :mod:`evalkit.framework.applicability`."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import applicability
from .deadlines import KINDS, READ_AS

__all__ = ["Codes", "Framework", "Method"]
PUBLICATION_KEYS = ("grades", "grades_derived", "grades_public", "document", "requirements", "requirements_annual", "rectification")
"""Keys of a framework.yaml that shape what is published (grades and whether derived ones are printed, the 公文's standing parts, 下一步工作要求 of a
half-year and of a year, the 整改 rule), kept as given."""
TARGET_OPS = (">=", ">", "<=")
"""Numeric targets: at least (>=), more than (>: at least value + step, e.g. 3001 for more than 3000
data sets), at most (<=)."""


@dataclass(frozen=True)
class Method:
    """One assessment method (考评方式) and its default weight."""

    key: str
    name: str
    weight: float


@dataclass(frozen=True)
class Codes:
    """Integer codes of a framework's units and score assignments, for vectorised scoring."""

    units: pd.Index  # canonical unit names; a name's position is its code
    span: int  # every indicator id is below it
    keys: pd.Index  # one (lead unit, entity, indicator) key per score assignment
    entity: np.ndarray  # entity code of each score assignment
    indicator: np.ndarray  # indicator id of each score assignment

    def row_keys(self, df: pd.DataFrame) -> np.ndarray:
        """Keys of ``lead_unit, entity, indicator`` rows; -1 where a name is unknown."""
        return _row_keys(self.units, self.span, df)


def _row_keys(units: pd.Index, span: int, df: pd.DataFrame) -> np.ndarray:
    lead = units.get_indexer(df["lead_unit"])
    ent = units.get_indexer(df["entity"])
    keys = (lead.astype("int64") * len(units) + ent) * span + df["indicator"].to_numpy(dtype="int64")
    return np.where((lead < 0) | (ent < 0), -1, keys)


@dataclass(frozen=True)
class Framework:
    """A city's indicators, entities and methods, checked and with every point allocated."""

    city: str
    name: str
    title: str
    year: int | None
    groups: dict[str, str]
    methods: tuple[Method, ...]
    aspects: pd.DataFrame  # id, name, points
    categories: pd.DataFrame  # aspect, id, name, points (NaN where the table gives none)
    indicators: pd.DataFrame  # id, aspect, category, text, points, deadline, lead_units, ...
    entities: pd.DataFrame  # entity, group, aliases
    names: dict[str, str] = field(default_factory=dict, repr=False)  # every name and alias -> canonical
    derived: tuple[str, ...] = ()  # framework-level numbers the source document does not give
    entity_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)  # named sets usable in ``applies``
    notes: tuple[str, ...] = ()  # framework-level notes on applicability (how a selector is read)
    publication: dict[str, Any] = field(default_factory=dict, repr=False)  # PUBLICATION_KEYS as the YAML gives them
    sources: tuple[Path, ...] = ()
    _assignments: pd.DataFrame = field(default=None, repr=False, compare=False)

    @property
    def weights(self) -> dict[str, float]:
        """Default weight of each method, in the framework's order."""
        return {m.key: m.weight for m in self.methods}

    @property
    def method_names(self) -> dict[str, str]:
        """Chinese name of each method."""
        return {m.key: m.name for m in self.methods}

    @property
    def alias_map(self) -> dict[str, str]:
        """Every name and alias of a known unit -> its canonical name (assessed or not)."""
        return dict(self.names)

    @cached_property
    def _memos(self) -> dict[str, Any]:
        return {}

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()``, worked out once per framework object and ``key`` (scoring a national period again, as
        sensitivity analyses do, should not re-derive the framework's tables). The value is shared: read it,
        never change it."""
        if key not in self._memos:
            self._memos[key] = make()
        return self._memos[key]

    @cached_property
    def codes(self) -> Codes:
        """Integer codes of units and of the score assignments, in :meth:`assignments` order."""
        units = pd.Index(list(dict.fromkeys(self.names.values())))
        a = self._assignments
        a = a[a["input"] == "score"]
        span = int(self.indicators["id"].max()) + 1
        return Codes(units, span, pd.Index(_row_keys(units, span, a)), units.get_indexer(a["entity"]), a["indicator"].to_numpy())

    def derived_items(self) -> pd.DataFrame:
        """Every number or name the source document does not give ("derived, to be confirmed by the city"):
        framework-level notes, then per indicator what was derived and its value, and a deadline verb METHOD.md §5
        does not name, read as its nearest kind (:data:`~evalkit.framework.deadlines.READ_AS`)."""
        rows = [("指标体系", "整体", note) for note in self.derived]
        labels = {"points": "分值", "deadline": "完成时限", "lead_units": "牵头考核单位", "target": "目标值"}
        for i in self.indicators.itertuples():
            for what in i.derived:
                value = {"points": f"{i.points:.4g}", "deadline": i.deadline, "lead_units": "、".join(i.lead_units),
                         "target": f"{i.target:g}{i.target_unit}"}.get(what, "")
                rows.append((f"指标 {i.id}", labels.get(what, what), value))
            if i.deadline_kind in READ_AS and not i.deadline_requires and "deadline" not in i.derived:
                rows.append((f"指标 {i.id}", "完成时限的理解", f"“{i.deadline}”中的“{i.deadline_kind}”按“{READ_AS[i.deadline_kind]}”"
                                                       f"理解，到期应达到“{KINDS[i.deadline_kind]}”"))
        return pd.DataFrame(rows, columns=["对象", "项目", "取值（推定，待城市确认）"])

    def assignments(self) -> pd.DataFrame:
        """One row per ``lead_unit, entity, indicator`` to be scored, with ``input``:
        ``score`` (the lead unit scores it) or ``target`` (an actual value is reported)."""
        return self._assignments.copy()

    def with_applicability(self, pairs: pd.DataFrame) -> Framework:
        """The same framework with applicability replaced by explicit ``entity, indicator`` pairs
        (:func:`evalkit.framework.applicability.with_applicability`). Entities with no pair are dropped."""
        return applicability.with_applicability(self, pairs)


