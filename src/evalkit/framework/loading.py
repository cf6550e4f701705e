"""Loading a framework: ``framework.yaml`` and ``entities.csv`` read, checked, points allocated and
applicability expanded into a :class:`~evalkit.framework.model.Framework`."""
from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..core import paths
from ..core.errors import FrameworkError, ParameterError
from . import applicability
from .allocation import allocate, fraction
from .deadlines import parse_deadline
from .model import PUBLICATION_KEYS, TARGET_OPS, Framework, Method
from .weights import check_weights


def load_framework(city_or_path: str | Path, *, point_overrides: Mapping[int | str, Any] | None = None) -> Framework:
    """Load ``data/<city>/framework.yaml`` and ``entities.csv`` (or a framework file by path).

    ``point_overrides`` (indicator id -> points) sets points a lead unit chose for indicators
    the table leaves open; it adds to the file's own ``point_overrides``.
    """
    path = Path(city_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = paths.city_dir(str(city_or_path)) / "framework.yaml"
    if not path.is_file():
        raise FrameworkError(f"{path}: no framework file; expected data/<city>/framework.yaml")
    try:
        spec = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)  # libyaml: 10x the pure-Python parser
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{path}: not valid YAML: {exc}") from None
    entities_path = path.with_name("entities.csv")
    spec = dict(spec, point_overrides={**(spec.get("point_overrides") or {}), **(point_overrides or {})})
    return build_framework(spec, read_entities(entities_path), sources=(path, entities_path))



def read_entities(path: Path) -> pd.DataFrame:
    """Read ``entities.csv`` (columns ``entity, group, aliases``; aliases separated by ``;``)."""
    if not path.is_file():
        raise FrameworkError(f"{path}: no entities file; expected columns entity, group, aliases")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = {"entity", "group", "aliases"} - set(rows[0] if rows else {})
    if missing:
        raise FrameworkError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return pd.DataFrame(
        {
            "entity": [r["entity"].strip() for r in rows],
            "group": [r["group"].strip() for r in rows],
            "aliases": [tuple(a.strip() for a in (r["aliases"] or "").split(";") if a.strip()) for r in rows],
        }
    )



def build_framework(spec: Mapping[str, Any], entities: pd.DataFrame, *, sources: Iterable[Path] = ()) -> Framework:
    """Check a framework given as data (the YAML's structure) and allocate its points."""
    problems: list[str] = []
    where = str(next(iter(sources), "framework"))
    groups = dict(spec.get("groups") or {})
    methods = tuple(Method(m["key"], m["name"], float(m["weight"])) for m in spec.get("methods") or ())
    try:
        check_weights({m.key: m.weight for m in methods}, [m.key for m in methods])
    except ParameterError as exc:
        problems.append(f"methods: {exc}")
    if "monitoring" not in {m.key for m in methods}:
        problems.append("methods: the 'monitoring' method (日常监测) is required")
    problems += _check_entities(entities, groups)
    aliases = _name_map(entities)

    aspects, categories, indicators = _flatten(spec, problems)
    overrides = {int(k): fraction(v, f"point_overrides[{k}]", problems) for k, v in (spec.get("point_overrides") or {}).items()}
    unknown = set(overrides) - {i["id"] for i in indicators}
    problems += [f"point_overrides: indicator {k} does not exist" for k in sorted(unknown)]
    allocate(aspects, categories, indicators, overrides, problems)
    sets = applicability.resolve_sets(spec.get("entity_sets") or {}, aliases, problems)
    for ind in indicators:
        _resolve_leads(ind, aliases, problems)
        applicability.resolve_rule(ind, aliases, sets, problems)
    if problems:
        raise FrameworkError(f"{where}: {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))

    ind_df = pd.DataFrame(
        {
            "id": [i["id"] for i in indicators],
            "aspect": [i["aspect"] for i in indicators],
            "category": [i["category"] for i in indicators],
            "text": [i["text"] for i in indicators],
            "points": [float(i["points"]) for i in indicators],
            "points_from": [i["points_from"] for i in indicators],
            "deadline": [i["deadline"].text for i in indicators],
            "lead_units": [tuple(i["leads"]) for i in indicators],
            "lead_units_as_written": [tuple(i["lead_units"]) for i in indicators],
            "due_year": pd.array([i["deadline"].year for i in indicators], dtype="Int64"),
            "due_month": pd.array([i["deadline"].month for i in indicators], dtype="Int64"),
            "deadline_kind": [i["deadline"].kind for i in indicators],
            "continues": [i["deadline"].continues for i in indicators],
            "applies": [tuple(i["applies"]) for i in indicators],
            "excluded": [tuple(i.get("except") or ()) for i in indicators],
            "reason": [i.get("reason", "") for i in indicators],
            "review": [i.get("review", "") for i in indicators],
            "target": [float(i["target"]["value"]) if i.get("target") else np.nan for i in indicators],
            "target_op": [i["target"].get("op", ">=") if i.get("target") else None for i in indicators],
            "target_step": [float(i["target"].get("step", 1)) if i.get("target") else np.nan for i in indicators],
            "target_unit": [i["target"].get("unit", "") if i.get("target") else "" for i in indicators],
            "target_definition": [i["target"].get("definition", "") if i.get("target") else "" for i in indicators],
            "source": [i.get("source", "") for i in indicators],
            "derived": [tuple(i.get("derived") or ()) for i in indicators],
        }
    )
    ent = entities.reset_index(drop=True)
    assignments = applicability.expand(indicators, ent, sets)
    no_work = sorted(set(ent["entity"]) - set(assignments["entity"]))
    if no_work:
        raise FrameworkError(f"{where}: entity {no_work[0]!r} is assessed on no indicator; give it an applicable indicator or remove it from entities.csv")
    return Framework(
        city=str(spec.get("city", "")),
        name=str(spec.get("name", "")),
        title=str(spec.get("title", "")),
        year=spec.get("year"),
        groups=groups,
        methods=methods,
        aspects=pd.DataFrame(
            {"id": [a["id"] for a in aspects], "name": [a["name"] for a in aspects], "points": [float(a["points"]) for a in aspects]}
        ),
        categories=pd.DataFrame(
            {
                "aspect": [c["aspect"] for c in categories],
                "id": [c["id"] for c in categories],
                "name": [c["name"] for c in categories],
                "points": [float(c["points"]) if c["points"] is not None else np.nan for c in categories],
            }
        ),
        indicators=ind_df,
        entities=ent,
        names=aliases,
        publication={k: spec[k] for k in PUBLICATION_KEYS if k in spec},
        derived=tuple(spec.get("derived") or ()),
        entity_sets=sets,
        notes=tuple(spec.get("applicability_notes") or ()),
        sources=tuple(sources),
        _assignments=applicability.finish(assignments, ind_df),
    )



def _name_map(entities: pd.DataFrame) -> dict[str, str]:
    out = {}
    for entity, aliases in zip(entities["entity"], entities["aliases"]):
        out[entity] = entity
        out.update(dict.fromkeys(aliases, entity))
    return out



def _check_entities(entities: pd.DataFrame, groups: Mapping[str, str]) -> list[str]:
    problems = []
    bad = entities[~entities["group"].isin(list(groups))]
    problems += [f"entities: {e!r} has group {g!r}; expected one of {', '.join(groups)}" for e, g in zip(bad["entity"], bad["group"])]
    names = list(entities["entity"]) + [a for al in entities["aliases"] for a in al]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            problems.append(f"entities: the name {n!r} is used twice (as an entity or an alias)")
        seen.add(n)
    return problems



def _flatten(spec: Mapping[str, Any], problems: list[str]) -> tuple[list[dict], list[dict], list[dict]]:
    aspects, categories, indicators = [], [], []
    seen_ids: set[int] = set()
    for a in spec.get("aspects") or ():
        ap = fraction(a.get("points"), f"aspect {a.get('id')}", problems)
        aspects.append({"id": str(a["id"]), "name": a.get("name", ""), "points": ap})
        for c in a.get("categories") or ():
            cp = None if c.get("points") is None else fraction(c["points"], f"category {a['id']}.{c.get('id')}", problems)
            categories.append({"aspect": str(a["id"]), "id": str(c["id"]), "name": c.get("name", ""), "points": cp})
            for i in c.get("indicators") or ():
                iid = i.get("id")
                what = f"indicator {iid}"
                if not isinstance(iid, int) or isinstance(iid, bool):
                    problems.append(f"{what}: id must be a whole number")
                    continue
                if iid in seen_ids:
                    problems.append(f"{what}: id is used twice")
                seen_ids.add(iid)
                missing = [k for k in ("text", "deadline", "lead_units", "applies") if not i.get(k)]
                if missing:
                    problems.append(f"{what}: missing {', '.join(missing)}")
                    continue
                try:
                    deadline = parse_deadline(str(i["deadline"]))
                except Exception as exc:  # FrameworkError with the expected forms
                    problems.append(f"{what}: {exc}")
                    continue
                target = i.get("target")
                if target is not None and (not isinstance(target, Mapping) or target.get("op", ">=") not in TARGET_OPS
                                           or not isinstance(target.get("value"), (int, float)) or target["value"] <= 0
                                           or not isinstance(target.get("step", 1), (int, float)) or target.get("step", 1) <= 0):
                    problems.append(f"{what}: target must be {{value: <number > 0>, op: one of {', '.join(TARGET_OPS)}, step: <number > 0 for '>'>}}")
                    continue
                pts = None if i.get("points") is None else fraction(i["points"], what, problems)
                indicators.append(dict(i, aspect=str(a["id"]), category=str(c["id"]), table_points=pts, deadline=deadline))
    if not indicators:
        problems.append("no indicators: expected aspects -> categories -> indicators")
    return aspects, categories, indicators



def _resolve_leads(ind: dict, aliases: Mapping[str, str], problems: list[str]) -> None:
    ind["leads"] = []
    for u in ind["lead_units"]:
        if u in aliases:
            ind["leads"].append(aliases[u])
        else:
            problems.append(f"indicator {ind['id']}: lead unit {u!r} is not in entities.csv (as a name or an alias)")
