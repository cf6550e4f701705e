"""``framework.yaml``'s shape, declared once (a JSON Schema, :data:`FRAMEWORK`), and the checks that need more than
one value: each method, aspect, category, indicator and grade named once, the ``monitoring`` method present, the
weights summing to 1. :func:`problems` lists every problem of a framework file, located by line and key path;
:func:`describe` is the README's table of its keys (a test keeps the two equal).

Points may be written as a number or, in quotes, as an exact fraction (``'2/3'``, :func:`evalkit.framework.allocation.fraction`).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core import paths
from ..core.errors import ParameterError
from . import config
from .config import Document, default, key_path, label, record, text, texts
from .deadlines import STATUSES
from .model import TARGET_OPS
from .weights import check_weights

NAME = {"type": "string", "pattern": paths.NAME_PATTERN, "description": "the city's name, as its folder `data/<city>/` is named",
        "expected": ("a plain name (letters, digits, '-', '_', single dots inside)", "名称（只含字母、数字、“-”“_”和中间的“.”）")}
POINTS = {"type": ["number", "string"], "minimum": 0, "pattern": r"^[0-9]+(\.[0-9]+|/[1-9][0-9]*)?(?![\s\S])",
          "expected": ("points: a number, 0 or more, or a fraction in quotes such as '2/3'", "分值：不小于 0 的数字，或加引号的分数，如 '2/3'")}
OPEN_POINTS = {**POINTS, "type": ["number", "string", "null"],
               "expected": ("points: a number, 0 or more, a fraction in quotes such as '2/3', or null (left open)",
                            "分值：不小于 0 的数字、加引号的分数（如 '2/3'）或 null（不设分值）")}
UNIT = {"type": "number", "minimum": 0, "maximum": 1}
EXCLUSION = {"type": "string", "pattern": r"^除[^除]+外(?![\s\S])", "expected": (
    "the plan's words of an exclusion, 除…外", "方案原文的除外表述，如“除涉密和特殊外”")}
TARGET = record({
    "value": {"type": "number", "exclusiveMinimum": 0, "expected": ("a number above 0", "大于 0 的数字")},
    "op": {"enum": list(TARGET_OPS), "default": ">="},
    "step": {"type": "number", "exclusiveMinimum": 0, "default": 1, "expected": ("a number above 0", "大于 0 的数字")},
    "unit": {"type": "string"}, "definition": {"type": "string"}}, ["value"])
INDICATOR = record({
    "id": {"type": "integer", "minimum": 1, "maximum": 999_999, "description": "its number, unique in the framework",
           "expected": ("a whole number from 1 to 999999", "1 至 999999 之间的整数")},
    "text": text("the indicator as the document writes it"),
    "points": {**OPEN_POINTS, "description": "its points; left open, the nearest level with points shares them out (METHOD.md §3)"},
    "deadline": text("完成时限 in the plan's words, e.g. `6月底完成`, `2021年底初步完成`, `2022年底力争实现`, `持续推进`; "
                     "the verb is the kind and sets the status required once due (`framework/deadlines.py`)"),
    "deadline_reading": record({"requires": {"enum": list(STATUSES), "expected": (
        f"one of {', '.join(STATUSES)}", f"应为{'、'.join(STATUSES)}之一")}, "reason": text("why the city reads it so")},
        ["requires", "reason"], description="the city's confirmed reading of the deadline: the status it `requires` once "
                                            "due, overriding its kind's (METHOD.md §5), and the `reason`"),
    "deadline_source": {"type": ["string", "array"], "items": {"type": "string"}, "description": "where the deadline comes from"},
    "lead_units": texts("牵头考核单位, names or aliases from entities.csv", at_least=1),
    "applies": texts("who is assessed: `all`, `districts`, `departments`, `leads`, an entity set or an entity", at_least=1),
    "except": texts("entities or sets taken out of `applies`"),
    "reason": {"type": "string", "description": "why `applies` reads the text so"},
    "review": {"type": "string", "description": "a reviewed reading's decision (调整 or 维持) and why"},
    "source": {"type": "string", "description": "where in the plan the indicator comes from"},
    "exclusions": {**texts("what the plan leaves out of the count, verbatim (`除…外`), kept in `text` and the target's "
                           "`definition`"), "items": EXCLUSION},
    "qualifiers": texts("the plan's words that narrow what is counted (e.g. `具有实用价值的`), verbatim, kept in `text` "
                        "and the target's `definition`"),
    "target": {**TARGET, "description": "a numeric target: `value`, `op` (`>=`, `>`, `<=`), `step`, `unit`, `definition`"},
    "derived": {"type": "array", "items": {"enum": ["points", "deadline", "lead_units", "target"]},
                "description": "what the plan does not give (推定): `points`, `deadline`, `lead_units`, `target`"},
}, ["id", "text", "deadline", "lead_units", "applies"])
CATEGORY = record({"id": text("二级 category"), "name": text("its name"), "points": OPEN_POINTS,
                   "indicators": {"type": "array", "minItems": 1, "items": INDICATOR}}, ["id", "name", "indicators"])
ASPECT = record({"id": text("一级 aspect"), "name": text("its name"), "points": POINTS,
                 "categories": {"type": "array", "minItems": 1, "items": CATEGORY}}, ["id", "name", "points", "categories"])
METHOD = record({"key": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(?![\s\S])",
                         "expected": ("a key such as monitoring (small letters, digits, '_')", "键名，如 monitoring（小写字母、数字、“_”）")},
                 "name": text("its Chinese name, the column header in methods.xlsx"),
                 "weight": {**UNIT, "expected": ("a number from 0 to 1", "0 至 1 之间的数字")}}, ["key", "name", "weight"])
DOCUMENT = record({
    "issuer": text("发文机关: the body that issues the bulletin, in its 落款 and 版记"),
    "mark": text("发文机关标志, printed in red at the head of the first page (e.g. …工作专班文件)"),
    "code": text("机关代字 of the 发文字号 (e.g. 包数政专班发); `issue.number` in the run's parameters gives the number"),
    "basis": text("the 考评办法 (or plan) the opening paragraph cites, by its full title"),
    "basis_number": text("its 文号, when known (e.g. 运政办发〔2021〕53号)"),
    "recipients": text("主送机关, unless the run's parameters name others"),
    "copies": text("抄送机关 of the 版记, unless the run's parameters name others"),
    "derived": texts("which of these the city's documents do not give (推定)"),
}, ["issuer", "mark", "code", "basis", "recipients"],
    description="the bulletin as a 公文 (GB/T 9704-2012): `issuer`, `mark`, `code`, `basis` (`basis_number`), `recipients`, `copies`")
"""How the city issues its bulletin: the standing parts of the 公文; a period's own (文号, dates) are run parameters."""
FRAMEWORK = record({
    "city": NAME,
    "name": text("the city's Chinese name, as reports print it"),
    "title": text("the assessment's title"),
    "source": {"type": "string", "description": "the source document"},
    "plan": {"type": "string", "description": "the plan it is built from (plan cities)"},
    "year": {"type": "integer", "minimum": 1000, "maximum": 9999, "description": "the year the table is for",
             "expected": ("a year such as 2022", "年份，如 2022")},
    "groups": record({"district": text("what the city calls its districts, e.g. 区县"),
                      "department": text("what the city calls its departments, e.g. 部门")}, ["district", "department"],
                     description="the two groups' names (`district`, `department`)"),
    "methods": {"type": "array", "minItems": 1, "items": METHOD,
                "description": "考评方式: `key`, `name`, `weight` each; `monitoring` required, weights sum to 1"},
    "applicability_notes": texts("how a selector is read, printed with the applicability"),
    "entity_sets": {"type": "object", "additionalProperties": texts("members", at_least=1),
                    "description": "named sets of entities usable in `applies`"},
    "point_overrides": {"type": "object", "propertyNames": {"type": "integer", "minimum": 1, "expected": ("an indicator id", "指标编号")},
                        "additionalProperties": POINTS, "description": "indicator id → points a lead unit chose (第三条(四))"},
    "grades": {"type": "array", "minItems": 1, "items": record({"name": text("等次"), "minimum": {
        "type": "number", "minimum": 0, "maximum": 100, "expected": ("a number from 0 to 100", "0 至 100 之间的数字")},
        "max_share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                      "expected": ("a share above 0, at most 1", "大于 0、不超过 1 的比例")}}, ["name", "minimum"]),
        "description": "等次: `name` and `minimum` each, and `max_share` where the city caps a grade's share of a group "
                       "(default 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, 不合格)"},
    "grades_derived": {"type": "boolean", "default": False, "description": "the bands are derived (推定), not the city's"},
    "grades_public": {"enum": ["mark", "omit"], "default": "mark", "expected": ("mark or omit", "mark 或 omit"),
                      "description": "derived bands in the bulletin: `mark` prints them as 等次（推定）, `omit` leaves them out"},
    "document": DOCUMENT,
    "requirements": texts("下一步工作要求 printed at the end of a half-year's bulletin"),
    "requirements_annual": texts("下一步工作要求 printed at the end of a year's bulletin"),
    "rectification": record({"threshold": {**UNIT, "expected": ("a share from 0 to 1", "0 至 1 之间的比例")},
                             "months": {"type": "integer", "minimum": 1, "maximum": 24, "expected": ("1 to 24 months", "1 至 24 个月")},
                             "derived": {"type": "boolean"}},
                            description="the 整改 rule: `threshold` (share of points lost), `months` (deadline)"),
    "derived": texts("framework-level numbers the plan does not give (推定)"),
    "aspects": {"type": "array", "minItems": 1, "items": ASPECT,
                "description": "一级 aspects (`id`, `name`, `points`), each with `categories` (`id`, `name`, `points`), each with `indicators`"},
}, ["city", "name", "title", "groups", "methods", "aspects"])
"""The framework file, declared once: the loader checks it, the README's table is made from it."""


def problems(doc: Document) -> list[str]:
    """Every problem of a framework file: reading (duplicate keys), the schema, then what needs more than one value
    (only on data of the right shape)."""
    return config.problems(doc, FRAMEWORK) or config.ordered(_once(doc))


def _once(doc: Document) -> list[str]:
    """Methods, aspects, categories, indicators and grades each named once; ``monitoring`` present; weights sum to 1."""
    spec, found = doc.data, []
    methods = spec["methods"]
    twice = _unique(doc, [(("methods", k, "key"), m["key"]) for k, m in enumerate(methods)], "method key", "考评方式键名")
    found += twice + _unique(doc, [(("methods", k, "name"), m["name"]) for k, m in enumerate(methods)], "method name", "考评方式名称")
    if "monitoring" not in {m["key"] for m in methods}:
        found.append(doc.at(("methods",), "the 'monitoring' method (日常监测) is required", "缺少日常监测（monitoring）"))
    try:
        if not twice:  # a key given twice would hide a weight
            check_weights({m["key"]: m["weight"] for m in methods}, [m["key"] for m in methods])
    except ParameterError as exc:
        found.append(doc.at(("methods",), str(exc), "权重之和应为 1"))
    aspects = spec["aspects"]
    found += _unique(doc, [(("aspects", a, "id"), x["id"]) for a, x in enumerate(aspects)], "aspect id", "方面编号")
    for a, x in enumerate(aspects):
        found += _unique(doc, [(("aspects", a, "categories", c, "id"), y["id"]) for c, y in enumerate(x["categories"])],
                         f"category id in aspect {x['id']}", "类别编号")
    found += _unique(doc, [(("aspects", a, "categories", c, "indicators", i, "id"), z["id"])
                           for a, x in enumerate(aspects) for c, y in enumerate(x["categories"])
                           for i, z in enumerate(y["indicators"])], "indicator id", "指标编号")
    grades = spec.get("grades") or []
    found += _unique(doc, [(("grades", g, "name"), x["name"]) for g, x in enumerate(grades)], "grade", "等次名称")
    found += _unique(doc, [(("grades", g, "minimum"), x["minimum"]) for g, x in enumerate(grades)], "grade minimum", "等次分数线")
    return found


def _unique(doc: Document, values: Iterable[tuple[tuple, Any]], what: str, zh: str) -> list[str]:
    """A problem for each value given again, naming where it was first given."""
    first: dict[Any, tuple] = {}
    out = []
    for path, value in values:
        if value in first:
            line = doc.line(first[value])
            out.append(doc.at(path, f"{what} {value!r} is given twice (first at {f'line {line}' if line else key_path(doc.data, first[value])}); "
                                    "each must be unique", f"{zh}重复"))
        else:
            first[value] = path
    return out


def describe() -> str:
    """The framework file's keys as the README documents them: the top level, then an indicator's keys.

    >>> describe().splitlines()[0]
    '| key | type | default | meaning |'
    """
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for prefix, schema in (("", FRAMEWORK), ("indicators[].", INDICATOR)):
        rows += [f"| `{prefix}{k}` | {label(s)} | {default(s, k in schema['required'])} | {s.get('description', '')} |"
                 for k, s in schema["properties"].items()]
    return "\n".join(rows)

