"""The explore app driven through its widgets, as an analyst or a leader would: the city and period pickers, the
previous half-year compared by default, sliders with a box to type in, errors in Chinese, the export."""
from __future__ import annotations

import openpyxl
import pytest

import evalkit
from evalkit.core.rounding import display_round
from evalkit.publish import explore_app
from evalkit.scoring.assessment import assess


@pytest.fixture(scope="module")
def a():
    return assess("baotou", "2022H2", strict=False, previous={"period": "2022H1", "strict": False})


@pytest.fixture()
def ex(a, tmp_path):
    return explore_app.Explorer("baotou", "2022H2", entity="石拐区", assessment=a, outputs=tmp_path)


def bars(ex) -> dict[str, float]:
    ax = ex.figure.axes[0]
    return {t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches)}


def test_sliders_are_wide_with_a_box_to_type_in(ex):
    assert {k: s.value for k, s in ex.sliders.items()} == {"monitoring": 60, "field": 20, "survey": 10, "third_party": 10}
    assert all(not s.continuous_update and s.layout.flex == "1 1 300px" for s in ex.sliders.values())
    ex.boxes["monitoring"].value = 50  # typed: the slider follows, and the weights with it (50 / 90 of the total)
    assert ex.sliders["monitoring"].value == 50
    assert ex.weights["monitoring"] == pytest.approx(50 / 90)
    assert "日常监测 56%" in ex.used.value
    ex.sliders["field"].value = 0
    assert ex.boxes["field"].value == 0
    assert [label for label, _ in ex.aggregation.options] == list(evalkit.framework.options.AGGREGATIONS.values())


def test_header_plot_and_ranking_follow_the_weights(ex, a):
    published = a.result.totals.set_index("entity")
    assert f"{display_round(published.loc['石拐区', 'half_year']).item():.2f} 分" in ex.header.value
    for k in ("field", "survey", "third_party"):
        ex.sliders[k].value = 0
    ex.sliders["monitoring"].value = 100
    only = evalkit.score_period(a.framework, a.inputs, weights={"monitoring": 1, "field": 0, "survey": 0, "third_party": 0})
    t = only.totals.set_index("entity")
    assert f"石拐区：{display_round(t.loc['石拐区', 'half_year']).item():.2f} 分，旗县区第 {t.loc['石拐区', 'rank']} 名" in ex.header.value
    districts = t[t["group"] == "district"]
    assert bars(ex) == pytest.approx(display_round(districts["half_year"]).to_dict())
    ranking = ex.ranking().set_index("考评对象")
    assert ranking["调整后分值"].to_dict() == pytest.approx(display_round(districts["half_year"]).to_dict())
    assert ranking["调整后排名"].to_dict() == districts["rank"].to_dict()
    ex.aggregation.value = "aspect_mean"
    mean = evalkit.score_period(a.framework, a.inputs, weights=ex.weights, aggregation="aspect_mean").totals.set_index("entity")
    assert bars(ex)["石拐区"] == pytest.approx(display_round(mean.loc["石拐区", "half_year"]).item())


def test_a_second_drilldown_follows_the_dropdown(ex, a):
    panel = ex.drilldown()
    ex.pick.value = "市教育局"
    assert "市教育局" in panel.children[0].value and "市直部门" in panel.children[0].value
    assert set(bars(ex)) == set(a.result.totals.loc[a.result.totals["group"] == "department", "entity"])


def test_pickers_open_other_periods_and_compare_with_the_previous_half_year(tmp_path):
    ex = explore_app.Explorer("baotou", "2022H1", outputs=tmp_path)
    assert [p for _, p in ex.period.options] == ["2022H1", "2022H2", "2023H1", "2023H2"]
    assert ex.period.options[0][0] == "2022年上半年"
    assert ex.a.previous is None  # nothing before the first half-year
    ex.period.value = "2023H1"
    assert str(ex.a.period) == "2023H1" and str(ex.a.previous.period) == "2022H2"  # on by default
    t = ex.a.result.totals.set_index("entity")
    assert ex.ranking()["公布分值"].tolist() == display_round(t[t["group"] == t.loc[ex.pick.value, "group"]]
                                                          .sort_values("rank")["half_year"]).tolist()
    ex.city.value = "jinan"
    assert [p for _, p in ex.period.options] == ["2021H1", "2021H2"]
    assert str(ex.a.period) == "2021H2" and str(ex.a.previous.period) == "2021H1" and ex.a.framework.city == "jinan"
    assert ex.pick.value in set(ex.a.result.totals["entity"])


def test_a_missing_period_says_so_in_chinese_without_a_traceback(tmp_path):
    ex = explore_app.Explorer("baotou", "2021H1", outputs=tmp_path)
    assert ex.a is None and ex.body.layout.display == "none"
    assert "data/baotou/2021H1：文件夹不存在；应存放本期的报送表格" in ex.message.value
    assert ex.period.options[-1] == ("2021年上半年（无数据）", "2021H1")
    ex.period.value = "2022H2"  # picking a period with data brings the app back
    assert ex.message.value == "" and ex.body.layout.display is None and str(ex.a.period) == "2022H2"


def test_export_writes_new_workbooks_with_the_tables(ex, tmp_path):
    ex.sliders["monitoring"].value = 100
    first, second = ex.save(), ex.save()
    assert first != second and first.parent == second.parent == tmp_path and first.suffix == ".xlsx"
    assert first.name.startswith("baotou-2022H2-石拐区-")
    wb = openpyxl.load_workbook(first)
    assert wb.sheetnames == ["排名（调整权重后）", "石拐区评分明细", "权重"]
    rows = list(wb["排名（调整权重后）"].values)
    assert rows[0] == ("考评对象", "组别", "公布分值", "公布排名", "调整后分值", "调整后排名", "排名变化")
    expected = ex.ranking("all")
    assert len(rows) - 1 == len(ex.a.result.totals) == len(expected)
    assert [r[4] for r in rows[1:]] == pytest.approx(expected["调整后分值"].tolist())
    assert {r[0]: r[1] for r in wb["权重"].values if r[0] != "考评方式"}["日常监测"] == pytest.approx(100 / 140, abs=1e-4)
    assert 'download="' + second.name + '"' in ex.download.value and "data:application/vnd.openxmlformats" in ex.download.value
