"""Who is assessed on which indicator (考评对象适用范围, METHOD.md §3): the framework's rules, expanded.

Each indicator's ``applies`` lists selectors: ``all``, ``districts``, ``departments``, ``leads`` (the
indicator's lead units), the name of an entity set declared in the framework's ``entity_sets``, or an
entity's name or alias; ``except`` removes entities (or sets) again. The reason is recorded beside the
rule, and a reviewed reading carries its decision (``review``). Explicit ``entity, indicator`` pairs
(a CSV, or the workbook of :mod:`evalkit.inputs.applicability`) replace the rules.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.errors import FrameworkError

if TYPE_CHECKING:
    from .model import Framework

SELECTORS = ("all", "districts", "departments", "leads")
"""Applicability selectors; anything else in ``applies`` is an entity set, or an entity's name or alias."""
SELECTOR_NAMES = {"all": "全部考评对象", "districts": "全部{district}", "departments": "全部{department}", "leads": "牵头考核单位自身"}


def resolve_sets(spec: Mapping[str, list[str]], aliases: Mapping[str, str], problems: list[str]) -> dict[str, tuple[str, ...]]:
    """The framework's ``entity_sets`` with every member's canonical name; unknown members are problems."""
    out = {}
    for name, members in (spec or {}).items():
        if name in SELECTORS or name in aliases:
            problems.append(f"entity_sets: {name!r} is already a selector or an entity name")
        unknown = [m for m in members if m not in aliases]
        problems += [f"entity_sets.{name}: {m!r} is not in entities.csv (as a name or an alias)" for m in unknown]
        out[name] = tuple(dict.fromkeys(aliases[m] for m in members if m in aliases))
    return out


def resolve_rule(ind: dict, aliases: Mapping[str, str], sets: Mapping[str, tuple[str, ...]], problems: list[str]) -> None:
    """Check an indicator's ``applies`` and ``except`` and give entity names in canonical form (in place)."""
    what = f"indicator {ind['id']}"
    for key in ("applies", "except"):
        values = list(ind.get(key) or ())
        for sel in values:
            if sel not in SELECTORS and sel not in sets and sel not in aliases:
                problems.append(f"{what}: {key} {sel!r} is neither one of {', '.join(SELECTORS)}, an entity set "
                                f"({', '.join(sets) or 'none declared'}) nor an entity in entities.csv")
        ind[key] = [s if s in SELECTORS or s in sets else aliases.get(s, s) for s in values]


def expand(indicators: list[dict], entities: pd.DataFrame, sets: Mapping[str, tuple[str, ...]]) -> pd.DataFrame:
    """Applicability rules -> ``lead_unit, entity, indicator`` rows (each lead unit scores each entity)."""
    by_selector = {
        "all": list(entities["entity"]),
        "districts": list(entities.loc[entities["group"] == "district", "entity"]),
        "departments": list(entities.loc[entities["group"] == "department", "entity"]),
        **{k: list(v) for k, v in sets.items()},
    }
    known = set(entities["entity"])
    frames = []
    for ind in indicators:
        def members(selectors: list[str]) -> dict[str, None]:
            chosen: dict[str, None] = {}
            for sel in selectors:
                names = ind["leads"] if sel == "leads" else by_selector.get(sel, [sel])
                chosen.update(dict.fromkeys(n for n in names if n in known))
            return chosen
        dropped = members(ind.get("except") or [])
        ents = np.array([e for e in members(ind["applies"]) if e not in dropped], dtype=object)
        leads = np.array(ind["leads"], dtype=object)
        frames.append(pd.DataFrame({"lead_unit": np.repeat(leads, len(ents)), "entity": np.tile(ents, len(leads)), "indicator": ind["id"]}))
    return pd.concat(frames, ignore_index=True)


def finish(rows: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Assignments with ``input``: ``target`` for numeric-target indicators, else ``score``."""
    kind = pd.Series(np.where(indicators["target"].notna(), "target", "score"), index=indicators["id"])
    out = rows[["lead_unit", "entity", "indicator"]].astype({"indicator": "int64"}).reset_index(drop=True)
    return out.assign(input=out["indicator"].map(kind))


def pairs(framework: Framework) -> pd.DataFrame:
    """The framework's applicability as ``entity, indicator`` pairs (one row each)."""
    return framework.assignments()[["entity", "indicator"]].drop_duplicates().reset_index(drop=True)


def with_applicability(framework: Framework, chosen: pd.DataFrame) -> Framework:
    """The same framework with applicability replaced by explicit ``entity, indicator`` pairs.

    Entities with no pair are dropped. Every indicator keeps its lead units, who score each pair.
    """
    chosen = chosen[["entity", "indicator"]].drop_duplicates()
    leads = framework.indicators.set_index("id")["lead_units"]
    unknown = set(chosen["indicator"]) - set(leads.index)
    if unknown:
        raise FrameworkError(f"applicability: unknown indicator(s) {sorted(unknown)}")
    stranger = set(chosen["entity"]) - set(framework.entities["entity"])
    if stranger:
        raise FrameworkError(f"applicability: {sorted(stranger)[0]!r} is not an entity of the framework (entities.csv)")
    entities = framework.entities[framework.entities["entity"].isin(chosen["entity"])].reset_index(drop=True)
    rows = chosen.assign(lead_unit=chosen["indicator"].map(leads)).explode("lead_unit")
    return replace(framework, entities=entities, _assignments=finish(rows, framework.indicators))


def rule_text(framework: Framework, applies: tuple[str, ...], excluded: tuple[str, ...] = ()) -> str:
    """An ``applies`` rule in words, e.g. ``全部旗县区、牵头考核单位自身（不含市税务局）``."""
    def words(sel: str) -> str:
        return SELECTOR_NAMES.get(sel, sel).format(**framework.groups) if sel in SELECTORS else sel
    text = "、".join(words(s) for s in applies)
    return text + (f"（不含{'、'.join(words(s) for s in excluded)}）" if excluded else "")


def applicability_table(framework: Framework) -> pd.DataFrame:
    """考评对象适用范围: one row per indicator (its text, lead units, rule, reason and review decision)
    and one column per entity, ``适用`` where the entity is assessed on it, else empty."""
    ind = framework.indicators
    chosen = pairs(framework)
    matrix = (chosen.assign(v="适用").pivot(index="indicator", columns="entity", values="v")
              .reindex(index=ind["id"], columns=framework.entities["entity"]).fillna(""))
    head = pd.DataFrame({
        "指标": ind["id"].to_numpy(),
        "指标内容": ind["text"].to_numpy(),
        "牵头考核单位": ["、".join(u) for u in ind["lead_units"]],
        "适用范围": [rule_text(framework, a, e) for a, e in zip(ind["applies"], ind["excluded"])],
        "考评对象数": (matrix == "适用").sum(axis=1).to_numpy(),
        "理由": ind["reason"].to_numpy(),
        "复核意见": ind["review"].to_numpy(),
    })
    return pd.concat([head, matrix.reset_index(drop=True)], axis=1)
