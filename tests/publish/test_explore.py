"""The explore app driven through its widgets (as a JupyterLab user would move them): the header, the plot,
the table and a second drill-down panel follow the dropdown, the weights and the aggregation."""
from __future__ import annotations

import pytest

import evalkit
from evalkit.publish import explore
from evalkit.scoring.assessment import assess
from evalkit.core.rounding import display_round


@pytest.fixture(scope="module")
def a():
    return assess("baotou", "2022H2", strict=False, previous={"period": "2022H1"})


@pytest.fixture()
def ex(a):
    return explore.Explorer(a, "石拐区")


def bars(ex) -> dict[str, float]:
    ax = ex.figure.axes[0]
    return {t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches)}


def test_sliders_show_percentages_and_the_weights_used(ex, a):
    assert {k: s.value for k, s in ex.sliders.items()} == {"monitoring": 60, "field": 20, "survey": 10, "third_party": 10}
    assert all(not s.continuous_update for s in ex.sliders.values())
    ex.sliders["monitoring"].value = 50  # 50 / 90 of the total weight
    assert ex.weights["monitoring"] == pytest.approx(50 / 90)
    assert "日常监测 56%" in ex.used.value
    assert [label for label, _ in ex.aggregation.options] == list(evalkit.framework.options.AGGREGATIONS.values())  # full labels


def test_header_and_plot_follow_the_weights(ex, a):
    published = a.result.totals.set_index("entity")
    assert f"{display_round(published.loc['石拐区', 'half_year']).item():.2f} 分" in ex.header.value
    for k in ("field", "survey", "third_party"):
        ex.sliders[k].value = 0
    ex.sliders["monitoring"].value = 100
    only = evalkit.score_period(a.framework, a.inputs, weights={"monitoring": 1, "field": 0, "survey": 0, "third_party": 0})
    t = only.totals.set_index("entity")
    assert f"石拐区：{display_round(t.loc['石拐区', 'half_year']).item():.2f} 分，旗县区第 {t.loc['石拐区', 'rank']} 名" in ex.header.value
    assert "公布" in ex.header.value
    districts = t[t["group"] == "district"]
    assert bars(ex) == pytest.approx(display_round(districts["half_year"]).to_dict())
    ex.aggregation.value = "aspect_mean"
    mean = evalkit.score_period(a.framework, a.inputs, weights=ex.weights, aggregation="aspect_mean").totals.set_index("entity")
    assert bars(ex)["石拐区"] == pytest.approx(display_round(mean.loc["石拐区", "half_year"]).item())
    assert ex.plot.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_second_drilldown_follows_the_dropdown(ex, a):
    panel = ex.drilldown()
    assert "石拐区" in panel.children[0].value
    ex.pick.value = "市教育局"
    assert "市教育局" in panel.children[0].value and "市直部门" in panel.children[0].value
    assert panel.children[0].value == ex.header.value
    assert set(bars(ex)) == set(a.result.totals.loc[a.result.totals["group"] == "department", "entity"])
