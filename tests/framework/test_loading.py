"""Baotou's framework as data, point allocation, aliases, applicability and every loader error."""
from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

import evalkit
from evalkit.inputs.applicability import load_applicability

from ..conftest import EXAMPLE, SMALL_ENTITIES


def test_baotou_shape(baotou):
    assert len(baotou.indicators) == 90
    assert list(baotou.indicators["id"]) == list(range(1, 91))
    assert len(baotou.categories) == 27
    assert baotou.aspects["points"].tolist() == [25, 25, 20, 10, 10, 5, 5]
    per_aspect = baotou.indicators.groupby("aspect", sort=False)["points"].sum()
    assert per_aspect.round(12).tolist() == [25, 25, 20, 10, 10, 5, 5]
    cats = baotou.categories.dropna(subset=["points"])
    for c in cats.itertuples():
        got = baotou.indicators[(baotou.indicators["aspect"] == c.aspect) & (baotou.indicators["category"] == c.id)]["points"].sum()
        assert got == pytest.approx(c.points, abs=1e-12), (c.aspect, c.id)


@pytest.mark.parametrize("ind,points,source", [
    (3, 1, "allocated"),  # 2 points, 2 indicators (METHOD.md §7)
    (5, 1.5, "allocated"),
    (19, 0.5, "table"),
    (35, 0.25, "table"),
    (54, 4, "allocated"),  # category without points: aspect 三's 20 over 5 indicators
    (59, 1.25, "allocated"),
    (65, 2 / 3, "allocated"),
    (78, 0.625, "allocated"),  # aspect 六: both categories without points, 5 over 8
    (87, 1, "allocated"),
])
def test_point_allocation(baotou, ind, points, source):
    row = baotou.indicators.set_index("id").loc[ind]
    assert row["points"] == pytest.approx(points, abs=1e-15)
    assert row["points_from"] == source


def test_point_override_reallocates_the_rest():
    fw = evalkit.load_framework("baotou", point_overrides={54: 8})
    pts = fw.indicators.set_index("id")["points"]
    assert pts[54] == 8 and pts[55] == pts[58] == 3
    assert fw.indicators.set_index("id").loc[54, "points_from"] == "override"
    assert fw.indicators["points"].sum() == pytest.approx(100, abs=1e-12)


def test_fraction_override(small_spec):
    small_spec["point_overrides"] = {5: "2/3"}
    fw = evalkit.build_framework(small_spec, SMALL_ENTITIES.copy())
    pts = fw.indicators.set_index("id")["points"]
    assert pts[5] == pytest.approx(2 / 3) and pts[6] == pytest.approx(40 - 2 / 3)


def test_aliases_are_canonical(baotou):
    leads = baotou.indicators.set_index("id")["lead_units"]
    assert leads[8] == ("市住建局", "市审批服务局")
    assert leads[22] == leads[23] == ("市文旅广电局",)
    assert baotou.indicators.set_index("id").loc[22, "lead_units_as_written"] == ("市文旅局",)
    assert baotou.alias_map["达茂旗"] == "达尔罕茂明安联合旗"


def test_entities(baotou):
    ents = baotou.entities
    districts = ents[ents["group"] == "district"]["entity"].tolist()
    assert len(districts) == 10 and "稀土高新区" in districts and "昆都仑区" in districts
    leads = {u for lu in baotou.indicators["lead_units"] for u in lu}
    assert leads <= set(ents[ents["group"] == "department"]["entity"])


def test_applicability_is_data_with_reasons(baotou):
    assert baotou.indicators["reason"].str.len().gt(0).all()
    a = baotou.assignments()
    # indicator 62: the lead unit and 达茂旗, as its text says
    assert set(a[a["indicator"] == 62]["entity"]) == {"市工信局", "达尔罕茂明安联合旗"}
    # indicator 86 (leadership bodies) applies to every entity, scored by both lead units
    assert set(a[a["indicator"] == 86]["entity"]) == set(baotou.entities["entity"])
    assert set(a[a["indicator"] == 86]["lead_unit"]) == {"市政府办公室", "市委组织部"}
    assert not a.duplicated(["lead_unit", "entity", "indicator"]).any()
    assert (a["input"] == "score").all()


def test_with_applicability(baotou):
    fw = baotou.with_applicability(load_applicability(baotou, EXAMPLE / "applicability.csv"))
    assert fw.entities["entity"].tolist() == ["昆都仑区", "市教育局"]
    a = fw.assignments()
    assert a[a["entity"] == "市教育局"]["indicator"].tolist() == [25, 26, 27]
    assert a[a["entity"] == "昆都仑区"]["indicator"].nunique() == 90
    assert fw.alias_map["市政府办"] == "市政府办公室"  # names stay known


def _break(spec, path, value):
    node = spec
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return spec


@pytest.mark.parametrize("path,value,message", [
    (("aspects", 0, "categories", 0, "indicators", 0, "points"), 50, "category 一.一 (甲一): no points are left for indicator(s) 2, 3"),
    (("aspects", 0, "categories", 1, "indicators", 0, "points"), 5, "category 一.二 (甲二): indicators 4 have 5 points; expected 20"),
    (("aspects", 1, "points"), 30, "aspects: points sum to 90; expected 100"),
    (("aspects", 0, "categories", 0, "indicators", 1, "id"), 1,
     "aspects[0].categories[0].indicators[1].id: indicator id 1 is given twice (first at aspects[0].categories[0].indicators[0].id)"),
    (("aspects", 0, "categories", 0, "indicators", 0, "lead_units"), ["局丙"], "indicator 1: lead unit '局丙' is not in entities.csv"),
    (("aspects", 0, "categories", 0, "indicators", 0, "applies"), ["everyone"], "indicator 1: applies 'everyone' is neither"),
    (("aspects", 0, "categories", 0, "indicators", 0, "deadline"), "尽快", "indicator 1: deadline '尽快': expected"),
    (("aspects", 0, "categories", 0, "indicators", 0, "points"), -1, "indicators[0].points: expected points: a number, 0 or more"),
    (("aspects", 0, "categories", 0, "indicators", 0, "text"), "", "indicators[0].text: expected text that is not empty, got ''"),
    (("methods", 1, "weight"), 0.3, "methods: weights: they sum to 1.1"),
    (("point_overrides",), {99: 1}, "point_overrides: indicator 99 does not exist"),
    (("aspects", 0, "categories", 0, "indicators", 0, "target"), {"value": -3}, "indicators[0].target.value: expected a number above 0, got -3"),
])
def test_loader_errors_name_the_indicator(small_spec, path, value, message):
    with pytest.raises(evalkit.FrameworkError) as exc:
        evalkit.build_framework(_break(small_spec, path, value), SMALL_ENTITIES.copy())
    assert message in str(exc.value)


def test_loader_lists_every_problem_at_once(small_spec):
    small_spec["aspects"][0]["categories"][0]["indicators"][0]["lead_units"] = ["局丙"]
    small_spec["aspects"][0]["categories"][0]["indicators"][2]["deadline"] = "尽快"
    with pytest.raises(evalkit.FrameworkError) as exc:
        evalkit.build_framework(small_spec, SMALL_ENTITIES.copy())
    assert "2 problem(s)" in str(exc.value)


def test_entity_errors(small_spec):
    bad_group = SMALL_ENTITIES.assign(group=["district", "district", "department", "agency"])
    with pytest.raises(evalkit.FrameworkError, match="'局乙' has group 'agency'"):
        evalkit.build_framework(small_spec, bad_group)
    twice = SMALL_ENTITIES.assign(aliases=[("西区",), (), (), ()])
    with pytest.raises(evalkit.FrameworkError, match="the name '西区' is used twice"):
        evalkit.build_framework(small_spec, twice)
    idle = pd.concat([SMALL_ENTITIES, pd.DataFrame({"entity": ["局丁"], "group": ["department"], "aliases": [()]})])
    small_spec["aspects"][0]["categories"][1]["indicators"][0]["applies"] = ["leads"]
    small_spec["aspects"][1]["categories"][0]["indicators"][1]["applies"] = ["districts"]
    small_spec["aspects"][0]["categories"][0]["indicators"][0]["applies"] = ["districts"]
    with pytest.raises(evalkit.FrameworkError, match="entity '局丁' is assessed on no indicator"):
        evalkit.build_framework(small_spec, idle.reset_index(drop=True))


def test_missing_files(tmp_path):
    with pytest.raises(evalkit.FrameworkError, match="no framework file"):
        evalkit.load_framework("atlantis")
    (tmp_path / "framework.yaml").write_text("aspects: [\n", encoding="utf-8")
    with pytest.raises(evalkit.FrameworkError, match="not valid YAML"):
        evalkit.load_framework(tmp_path / "framework.yaml")


def test_small_allocation(small):
    pts = small.indicators.set_index("id")["points"]
    assert pts.tolist() == [10, 15, 15, 20, 20, 20]
    assert sum(Fraction(p) for p in pts) == 100
