"""Loading a framework: ``framework.yaml`` and ``entities.csv`` read, checked, points allocated and
applicability expanded into a :class:`~evalkit.framework.model.Framework`."""
from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import paths
from ..core.errors import FrameworkError
from . import applicability, config, schema
from .allocation import allocate, fraction
from .deadlines import parse_deadline
from .model import PUBLICATION_KEYS, Framework, Method


def load_framework(city_or_path: str | Path, *, point_overrides: Mapping[int, Any] | None = None) -> Framework:
    """Load ``data/<city>/framework.yaml`` and ``entities.csv``; a plan's coverage table ``coverage.yaml`` beside them
    joins the framework's sources (archived with each run) when present.

    A string is always a city's name (:func:`evalkit.core.paths.city_name`: never a path, so a name from the command
    line, a params file or a notebook parameter stays inside ``data/``); evalkit's own code may pass a
    :class:`~pathlib.Path` to a ``.yaml`` file (a generated city). ``point_overrides`` (indicator id -> points) sets
    points a lead unit chose for indicators the table leaves open; it adds to the file's own ``point_overrides``.
    """
    if isinstance(city_or_path, Path) and city_or_path.suffix in (".yaml", ".yml"):
        path, city = city_or_path, None
    else:
        city = paths.city_name(str(city_or_path))
        path = paths.city_dir(city) / "framework.yaml"
    if not path.is_file():
        raise FrameworkError(f"{config.shown(path)}: no framework file; expected data/<city>/framework.yaml (没有找到该城市的指标体系文件)")
    doc = config.read(path, FrameworkError)
    if point_overrides and isinstance(doc.data, dict) and isinstance(doc.data.get("point_overrides") or {}, dict):
        doc = replace(doc, data={**doc.data, "point_overrides": {**(doc.data.get("point_overrides") or {}), **point_overrides}})
    if city is not None and isinstance(doc.data, dict) and doc.data.get("city") != city:
        doc = replace(doc, problems=(*doc.problems, doc.at(("city",), f"city is {doc.data.get('city')!r}; expected {city!r}, "
                                                            "as the file's folder data/<city>/ says", "城市名应与所在文件夹一致")))
    entities_path = path.with_name("entities.csv")
    coverage = path.with_name("coverage.yaml")  # a plan's coverage table: archived with each run, as the 报告 shows it
    return build_framework(doc, read_entities(entities_path),
                           sources=(path, entities_path, *([coverage] if coverage.is_file() else [])))



def read_entities(path: Path) -> pd.DataFrame:
    """Read ``entities.csv`` (columns ``entity, group, aliases``; aliases separated by ``;``)."""
    if not path.is_file():
        raise FrameworkError(f"{path}: no entities file; expected columns entity, group, aliases")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FrameworkError(f"{path}: not a UTF-8 CSV file ({exc}); save it as CSV UTF-8 (应为 UTF-8 编码的 CSV 文件)") from None
    missing = {"entity", "group", "aliases"} - set(rows[0] if rows else {})
    if missing:
        raise FrameworkError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return pd.DataFrame(
        {
            "entity": [(r["entity"] or "").strip() for r in rows],
            "group": [(r["group"] or "").strip() for r in rows],
            "aliases": [tuple(a.strip() for a in (r["aliases"] or "").split(";") if a.strip()) for r in rows],
        }
    )



def build_framework(spec: Mapping[str, Any] | config.Document, entities: pd.DataFrame, *,
                    sources: Iterable[Path] = ()) -> Framework:
    """Check a framework given as data (the YAML's structure, or a :class:`~evalkit.framework.config.Document` read
    with its lines) against :data:`~evalkit.framework.schema.FRAMEWORK` and the rules of METHOD.md §3, and allocate
    its points. Every problem is listed at once: the file's shape first (with lines), then, on data of the right
    shape, points, names and applicability."""
    sources = tuple(sources)
    doc = spec if isinstance(spec, config.Document) else config.Document(config.shown(sources[0]) if sources else "framework", spec)
    problems = schema.problems(doc)
    if problems:
        raise FrameworkError(config.listing(doc.file, problems))
    spec = doc.data
    groups = dict(spec["groups"])
    methods = tuple(Method(m["key"], m["name"], float(m["weight"])) for m in spec["methods"])
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
        raise FrameworkError(config.listing(doc.file, _located(doc, problems, sources[1:])))

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
            "deadline_requires": [i["deadline"].requires for i in indicators],
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
            "exclusions": [tuple(i.get("exclusions") or ()) for i in indicators],
            "qualifiers": [tuple(i.get("qualifiers") or ()) for i in indicators],
            "derived": [tuple(i.get("derived") or ()) for i in indicators],
        }
    )
    ent = entities.reset_index(drop=True)
    assignments = applicability.expand(indicators, ent, sets)
    no_work = sorted(set(ent["entity"]) - set(assignments["entity"]))
    if no_work:
        raise FrameworkError(f"{doc.file}: entity {no_work[0]!r} is assessed on no indicator; give it an applicable indicator or remove it from entities.csv")
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
        sources=sources,
        _assignments=applicability.finish(assignments, ind_df),
    )



def _located(doc: config.Document, problems: list[str], entities: tuple[Path, ...]) -> list[str]:
    """The rules' problems with the line and key path of what they name (``indicator 54: ...``, ``category 一.二 (...)``,
    ``aspect 三 (...)``, ``entity_sets.X: ...``, ``point_overrides: ...``); ``entities: ...`` with the entities file."""
    spec, where = doc.data, {"aspects": ("aspects",), "point_overrides": ("point_overrides",), "entity_sets": ("entity_sets",)}
    where.update({f"entity_sets.{name}": ("entity_sets", name) for name in spec.get("entity_sets") or {}})
    for a, asp in enumerate(spec["aspects"]):
        where[f"aspect {asp['id']}"] = ("aspects", a)
        for c, cat in enumerate(asp["categories"]):
            where[f"category {asp['id']}.{cat['id']}"] = ("aspects", a, "categories", c)
            where.update({f"indicator {ind['id']}": ("aspects", a, "categories", c, "indicators", i)
                          for i, ind in enumerate(cat["indicators"])})
    out = []
    for p in problems:
        label = p.split(":", 1)[0].split(" (", 1)[0].split("[", 1)[0]
        if label == "entities" and entities:
            out.append(f"{config.shown(entities[0])}: {p.split(': ', 1)[1]}")
        elif label in where:
            out.append(doc.at(where[label], p, ""))
        else:
            out.append(p)
    return config.ordered(out)



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
    for a in spec["aspects"]:
        ap = fraction(a["points"], f"aspect {a['id']}", problems)
        aspects.append({"id": a["id"], "name": a["name"], "points": ap})
        for c in a["categories"]:
            cp = None if c.get("points") is None else fraction(c["points"], f"category {a['id']}.{c['id']}", problems)
            categories.append({"aspect": a["id"], "id": c["id"], "name": c["name"], "points": cp})
            for i in c["indicators"]:
                what = f"indicator {i['id']}"
                try:
                    deadline = parse_deadline(i["deadline"], (i.get("deadline_reading") or {}).get("requires"))
                except FrameworkError as exc:
                    problems.append(f"{what}: {exc}")
                    continue
                pts = None if i.get("points") is None else fraction(i["points"], what, problems)
                indicators.append(dict(i, aspect=a["id"], category=c["id"], table_points=pts, deadline=deadline))
    return aspects, categories, indicators



def _resolve_leads(ind: dict, aliases: Mapping[str, str], problems: list[str]) -> None:
    ind["leads"] = []
    for u in ind["lead_units"]:
        if u in aliases:
            ind["leads"].append(aliases[u])
        else:
            problems.append(f"indicator {ind['id']}: lead unit {u!r} is not in entities.csv (as a name or an alias)")
