"""framework.yaml declared once: every city's file holds to it, and what breaks it (a method named twice, an unknown
key, a boolean weight, a path for a city) is refused with the file, the line and the key path, never a traceback."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit import FrameworkError, ParameterError
from evalkit.core import paths
from evalkit.framework import schema

from ..conftest import SMALL, SMALL_ENTITIES

CITIES = ["baotou", "xining", "jinan", "yuncheng", "ulanhot"]
FIRST_METHODS = "  - {key: monitoring, name: 日常监测, weight: 0.6}\n"


@pytest.mark.parametrize("city", CITIES)
def test_every_city_holds_to_the_schema(city):
    fw = evalkit.load_framework(city)
    assert fw.city == city and len(fw.indicators) > 0


def _baotou(tmp_path: Path, edit=lambda text: text) -> Path:
    """A copy of Baotou's framework and entities in ``tmp_path/baotou/``, its text edited."""
    folder = tmp_path / "baotou"
    folder.mkdir()
    shutil.copy(paths.DATA / "baotou" / "entities.csv", folder)
    text = (paths.DATA / "baotou" / "framework.yaml").read_text(encoding="utf-8")
    (folder / "framework.yaml").write_text(edit(text), encoding="utf-8")
    return folder / "framework.yaml"


def _problems(path: Path) -> list[str]:
    with pytest.raises(FrameworkError) as exc:
        evalkit.load_framework(path)
    return str(exc.value).splitlines()[1:]


def test_a_method_named_twice_is_refused_with_its_line(tmp_path):
    """The issue's case: the weights of the methods as a dict sum to 1 (the second ``field`` hides the first), so the
    old check passed it and scoring failed with a traceback."""
    path = _baotou(tmp_path, lambda t: t.replace("  - {key: third_party, name: 第三方评估, weight: 0.1}\n",
                                                 "  - {key: third_party, name: 第三方评估, weight: 0.1}\n"
                                                 "  - {key: field, name: 实地核查, weight: 0.2}\n"))
    assert _problems(path) == [f"  - {path}, line 22, methods[4].key: method key 'field' is given twice (first at line 19); "
                               "each must be unique (考评方式键名重复)"]


@pytest.mark.parametrize("edit,problem", [
    (lambda t: t.replace("weight: 0.6}", "weight: true}"), "line 18, methods[0].weight: expected a number from 0 to 1, got true"),
    (lambda t: t.replace("            deadline: \"6月底完成\"\n            lead_units: [\"市工信局\"]\n            applies: [\"leads\"]\n",
                         "            deadline: \"6月底完成\"\n            lead_units: [\"市工信局\"]\n            applies: [\"leads\"]\n"
                         "            colour: red\n", 1),
     "line 481, aspects[2].categories[0].indicators[0].colour: unknown key; expected id, text, points, deadline"),
    (lambda t: t.replace("city: baotou", "city: ../../elsewhere/x"),
     "line 9, city: expected a plain name (letters, digits, '-', '_', single dots inside), got '../../elsewhere/x'"),
    (lambda t: t.replace("grades_derived: true", "grades_derived: yes please"), "grades_derived: expected true or false, got 'yes please'"),
    (lambda t: t.replace("year: 2022", "year: '2022'"), "line 13, year: expected a year such as 2022, got '2022'"),
    (lambda t: t.replace("          - id: 54\n", "          - id: 53\n"), "line 476, aspects[2].categories[0].indicators[0].id: indicator id 53 is given twice (first at line 462)"),
    (lambda t: t.replace("point_overrides: {}", "point_overrides: {54: abc}"), "point_overrides.54: expected points: a number, 0 or more"),
    (lambda t: t.replace("point_overrides: {}", "point_overrides: {'54': 8}"), "line 28, point_overrides.54: '54' is not a key here: expected an indicator id (键应为指标编号)"),
    (lambda t: t.replace("methods:\n" + FIRST_METHODS, "methods:\n" + FIRST_METHODS.replace("monitoring", "watching"), 1),
     "line 17, methods: the 'monitoring' method (日常监测) is required"),
    (lambda t: t.replace("title: 包头市数字政府建设考评\n", "title: 包头市数字政府建设考评\ntitle: 另一个\n"), "line 12, title: given twice (first at line 11)"),
])
def test_what_breaks_the_schema_is_located(tmp_path, edit, problem):
    found = _problems(_baotou(tmp_path, edit))
    assert len(found) == 1 and problem in found[0], found


def test_every_problem_is_listed_at_once(tmp_path):
    path = _baotou(tmp_path, lambda t: t.replace("weight: 0.6}", "weight: true}").replace("grades_derived: true", "grades_derived: 1")
                   .replace("source: seeds", "sauce: seeds"))
    found = _problems(path)
    assert [p.split(", ")[1] for p in found] == ["line 12", "line 18", "line 35"]


def test_points_may_be_an_exact_fraction_in_quotes(small_spec):
    small_spec["aspects"][0]["categories"][0]["indicators"][1]["points"] = "1/3"
    small_spec["aspects"][0]["categories"][0]["indicators"][2]["points"] = "2/3"
    small_spec["aspects"][0]["categories"][0]["indicators"][0]["points"] = 39
    fw = evalkit.build_framework(small_spec, SMALL_ENTITIES.copy())
    assert fw.indicators.set_index("id")["points"][3] == pytest.approx(2 / 3)


def test_a_city_name_is_never_a_path(tmp_path):
    for name in ("../../elsewhere/x", "/etc", "baotou/../jinan", ".hidden", "a\x00b", "a\nb", "..", "x\\y"):
        with pytest.raises(ParameterError, match="expected a plain name"):
            evalkit.load_framework(name)
    with pytest.raises(ParameterError, match="expected a plain name"):
        evalkit.load_framework(str(paths.DATA / "baotou" / "framework.yaml"))  # a string is a name, never a path
    with pytest.raises(FrameworkError, match="no framework file"):
        evalkit.load_framework("framework.yaml")
    assert evalkit.load_framework(_baotou(tmp_path)).city == "baotou"  # evalkit's own code may pass a Path


def test_the_city_of_the_file_is_the_city_of_its_folder(tmp_path, monkeypatch):
    _baotou(tmp_path, lambda t: t.replace("city: baotou", "city: jinan"))
    monkeypatch.setattr(paths, "DATA", tmp_path)
    with pytest.raises(FrameworkError, match="line 9, city: city is 'jinan'; expected 'baotou', as the file's folder"):
        evalkit.load_framework("baotou")


def test_readme_documents_the_framework_file_as_declared():
    assert schema.describe() in (paths.ROOT / "README.md").read_text(encoding="utf-8")


# Property: a well-formed framework with an extra key anywhere, or any leaf replaced by a value of another type, never
# passes, and fails only with a FrameworkError.
RECORDS = [(), ("groups",), ("methods", 1), ("aspects", 0), ("aspects", 1, "categories", 0),
           ("aspects", 0, "categories", 1, "indicators", 0)]
KNOWN = {"city", "name", "title", "source", "plan", "year", "groups", "methods", "applicability_notes", "entity_sets",
         "point_overrides", "grades", "grades_derived", "requirements", "rectification", "derived", "aspects", "district",
         "department", "key", "weight", "id", "points", "categories", "indicators", "text", "deadline", "deadline_source",
         "lead_units", "applies", "except", "reason", "review", "target"}


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        for k, v in enumerate(node):
            yield from _leaves(v, path + (k,))
    else:
        yield path, node


LEAVES = list(_leaves(SMALL))
OTHER = {str: st.booleans() | st.integers() | st.floats() | st.lists(st.text(max_size=2), max_size=2) | st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
         int: st.booleans() | st.text(st.characters(categories=("L",)), min_size=1, max_size=3) | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
         float: st.booleans() | st.text(st.characters(categories=("L",)), min_size=1, max_size=3) | st.lists(st.integers(), max_size=2) | st.none(),
         list: st.booleans() | st.integers() | st.floats() | st.text(max_size=3) | st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)}


def _at(spec, path):
    for step in path:
        spec = spec[step]
    return spec


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(RECORDS), st.text(max_size=8).filter(lambda k: k not in KNOWN) | st.integers() | st.booleans(), st.integers())
def test_an_unknown_key_never_passes(record, key, value):
    spec = copy.deepcopy(SMALL)
    _at(spec, record)[key] = value
    with pytest.raises(FrameworkError, match="unknown key"):
        evalkit.build_framework(spec, SMALL_ENTITIES.copy())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_value_of_another_type_never_passes(data):
    path, value = data.draw(st.sampled_from(LEAVES))
    wrong = data.draw(OTHER[type(value)])
    spec = copy.deepcopy(SMALL)
    _at(spec, path[:-1])[path[-1]] = wrong
    with pytest.raises(FrameworkError, match="expected"):
        evalkit.build_framework(spec, SMALL_ENTITIES.copy())


def test_the_rules_problems_are_located_too(tmp_path):
    """Beyond the shape (points, names, applicability): the line and key path of the indicator, category or aspect named."""
    path = _baotou(tmp_path, lambda t: t.replace('lead_units: ["市政府办公室", "市公安局"]', 'lead_units: ["市政府办公室", "市公安厅"]', 1))
    with open(path.with_name("entities.csv"), "a", encoding="utf-8") as fh:
        fh.write("某局,agency,\n")
    found = _problems(path)
    assert found[0] == f"  - {path.with_name('entities.csv')}: '某局' has group 'agency'; expected one of district, department"
    assert f"  - {path}, line 69, aspects[0].categories[1].indicators[0]: indicator 3: lead unit '市公安厅' is not in entities.csv" in found[1]
