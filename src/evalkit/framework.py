"""The indicator framework of a city (METHOD.md §3): loading and point allocation; applicability in :mod:`evalkit.applicability`."""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import applicability, paths
from .applicability import SELECTORS, load_applicability
from .deadlines import parse_deadline
from .errors import FrameworkError, ParameterError
from .weights import check_weights

__all__ = ["SELECTORS", "Codes", "Framework", "Method", "build_framework", "load_applicability", "load_framework", "read_entities"]
PUBLICATION_KEYS = ("grades", "grades_derived", "requirements", "rectification")
"""Keys of a framework.yaml that shape what is published (grades, 下一步工作要求, the 整改 rule), kept as given."""
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
        framework-level notes, then per indicator what was derived and its value."""
        rows = [("指标体系", "整体", note) for note in self.derived]
        labels = {"points": "分值", "deadline": "完成时限", "lead_units": "牵头考核单位", "target": "目标值"}
        for i in self.indicators.itertuples():
            for what in i.derived:
                value = {"points": f"{i.points:.4g}", "deadline": i.deadline, "lead_units": "、".join(i.lead_units),
                         "target": f"{i.target:g}{i.target_unit}"}.get(what, "")
                rows.append((f"指标 {i.id}", labels.get(what, what), value))
        return pd.DataFrame(rows, columns=["对象", "项目", "取值（推定，待城市确认）"])

    def assignments(self) -> pd.DataFrame:
        """One row per ``lead_unit, entity, indicator`` to be scored, with ``input``:
        ``score`` (the lead unit scores it) or ``target`` (an actual value is reported)."""
        return self._assignments.copy()

    def with_applicability(self, pairs: pd.DataFrame) -> Framework:
        """The same framework with applicability replaced by explicit ``entity, indicator`` pairs
        (:func:`evalkit.applicability.with_applicability`). Entities with no pair are dropped."""
        return applicability.with_applicability(self, pairs)


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
    overrides = {int(k): _fraction(v, f"point_overrides[{k}]", problems) for k, v in (spec.get("point_overrides") or {}).items()}
    unknown = set(overrides) - {i["id"] for i in indicators}
    problems += [f"point_overrides: indicator {k} does not exist" for k in sorted(unknown)]
    _allocate(aspects, categories, indicators, overrides, problems)
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


def _fraction(value: Any, what: str, problems: list[str]) -> Fraction | None:
    """Points as an exact fraction; '2/3', 0.5 and 1 are all accepted."""
    try:
        f = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        problems.append(f"{what}: points {value!r} are not a number")
        return None
    if f < 0:
        problems.append(f"{what}: points {value!r} are negative")
    return f


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
        ap = _fraction(a.get("points"), f"aspect {a.get('id')}", problems)
        aspects.append({"id": str(a["id"]), "name": a.get("name", ""), "points": ap})
        for c in a.get("categories") or ():
            cp = None if c.get("points") is None else _fraction(c["points"], f"category {a['id']}.{c.get('id')}", problems)
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
                pts = None if i.get("points") is None else _fraction(i["points"], what, problems)
                indicators.append(dict(i, aspect=str(a["id"]), category=str(c["id"]), table_points=pts, deadline=deadline))
    if not indicators:
        problems.append("no indicators: expected aspects -> categories -> indicators")
    return aspects, categories, indicators


def _allocate(aspects: list[dict], categories: list[dict], indicators: list[dict],
              overrides: Mapping[int, Fraction | None], problems: list[str]) -> None:
    """METHOD.md §3: open points are split equally within the nearest level that has points."""
    for ind in indicators:
        ind["points"] = overrides.get(ind["id"], ind["table_points"])
        ind["points_from"] = "override" if ind["id"] in overrides else "table"
    for asp in aspects:
        in_asp = [i for i in indicators if i["aspect"] == asp["id"]]
        pool = asp["points"]  # what the aspect leaves to indicators of categories without points
        open_in_aspect = []
        for cat in (c for c in categories if c["aspect"] == asp["id"]):
            inds = [i for i in in_asp if i["category"] == cat["id"]]
            fixed = sum(i["points"] for i in inds if i["points"] is not None)
            open_ = [i for i in inds if i["points"] is None]
            if cat["points"] is None:
                open_in_aspect += open_
                pool -= fixed
            elif open_:
                pool -= cat["points"]
                _share(cat["points"] - fixed, open_, f"category {asp['id']}.{cat['id']} ({cat['name']})", problems)
            else:
                pool -= cat["points"]
                if fixed != cat["points"]:
                    ids = ", ".join(str(i["id"]) for i in inds)
                    problems.append(f"category {asp['id']}.{cat['id']} ({cat['name']}): indicators {ids} have {_fmt(fixed)} points; expected {_fmt(cat['points'])}")
        if open_in_aspect:
            _share(pool, open_in_aspect, f"aspect {asp['id']} ({asp['name']})", problems)
        total = sum(i["points"] for i in in_asp if i["points"] is not None)
        if total != asp["points"]:
            problems.append(f"aspect {asp['id']} ({asp['name']}): indicator points sum to {_fmt(total)}; expected {_fmt(asp['points'])}")
    grand = sum(a["points"] for a in aspects if a["points"] is not None)
    if grand != 100:
        problems.append(f"aspects: points sum to {_fmt(grand)}; expected 100")


def _share(rest: Fraction, open_: list[dict], what: str, problems: list[str]) -> None:
    """Give each open indicator an equal share of ``rest``."""
    if rest < 0:
        problems.append(f"{what}: no points are left for indicator(s) {', '.join(str(i['id']) for i in open_)}")
        return
    for i in open_:
        i["points"] = rest / len(open_)
        i["points_from"] = "allocated"


def _fmt(x: Fraction | None) -> str:
    return "?" if x is None else (str(x) if x.denominator == 1 else f"{float(x):g}")


def _resolve_leads(ind: dict, aliases: Mapping[str, str], problems: list[str]) -> None:
    ind["leads"] = []
    for u in ind["lead_units"]:
        if u in aliases:
            ind["leads"].append(aliases[u])
        else:
            problems.append(f"indicator {ind['id']}: lead unit {u!r} is not in entities.csv (as a name or an alias)")
