"""The rectification (整改) loop: problem lists, closures in the next period, closure rates."""
from __future__ import annotations

import pandas as pd
import pytest

import evalkit
from evalkit.analysis import rectification as rc
from evalkit.inputs.rectification import write_workbooks

from ..conftest import full_marks


def period(fw, name, scores=None, statuses=None):
    """Full marks, with ``scores`` {(lead_unit, entity, indicator): score} and ``statuses`` changed."""
    full = full_marks(fw)
    mon = full.monitoring.copy()
    for (unit, entity, ind), value in (scores or {}).items():
        mon.loc[(mon["lead_unit"] == unit) & (mon["entity"] == entity) & (mon["indicator"] == ind), "score"] = value
    mon["status"] = "已完成"
    for (unit, entity, ind), value in (statuses or {}).items():
        mon.loc[(mon["lead_unit"] == unit) & (mon["entity"] == entity) & (mon["indicator"] == ind), "status"] = value
    inputs = evalkit.PeriodInputs.from_tables(name, mon[["lead_unit", "entity", "indicator", "score", "status"]], full.methods)
    return inputs, evalkit.score_period(fw, inputs)


def test_deadline_and_default_rule(small):
    assert rc.settings(small) == rc.Settings(threshold=0.2, months=3, derived=True)
    assert rc.deadline(evalkit.Period.parse("2024H2"), 6) == "2025年6月30日"


def test_recovered_score_closes_an_item_and_a_lasting_loss_stays_open(small):
    # 东区, indicator 1 (10 points, 局甲): 5 of 10 in H1, 9.5 in H2 (lost 5 %: within 20 %): closed.
    # 西区, indicator 6 (局乙): 2 of 10 in both halves: open, carried over.
    points6 = small.indicators.set_index("id").loc[6, "points"]
    h1 = period(small, "2022H1", {("局甲", "东区", 1): 5.0, ("局乙", "西区", 6): 0.2 * points6})
    h2 = period(small, "2022H2", {("局甲", "东区", 1): 9.5, ("局乙", "西区", 6): 0.2 * points6})
    items = rc.problem_list(small, *h1)
    assert set(zip(items["entity"], items["indicator"], items["kind"])) == {("东区", 1, "失分"), ("西区", 6, "失分")}
    assert (items["deadline"] == "2022年9月30日").all() and (items["carried"] == "").all()
    judged = rc.closures(small, items, "2022H1", *h2)
    assert judged.set_index(["entity", "indicator"])["closed"].to_dict() == {("东区", 1): True, ("西区", 6): False}
    assert judged.set_index(["entity", "indicator"]).loc[("东区", 1), "now_score"] == 9.5
    rates = rc.closure_rates(judged, "lead_unit").set_index("lead_unit")
    assert rates.loc["局甲", "rate"] == 1.0 and rates.loc["局乙", "rate"] == 0.0
    nxt = rc.problem_list(small, *h2, previous=judged)
    assert nxt.set_index(["entity", "indicator"]).loc[("西区", 6), "carried"] == "2022H1"
    assert ("东区", 1) not in set(zip(nxt["entity"], nxt["indicator"]))


def test_an_open_item_no_longer_detected_still_carries_over(small):
    h1 = period(small, "2022H1", {("局甲", "东区", 1): 5.0})
    items = rc.problem_list(small, *h1)
    judged = rc.closures(small, items, "2022H1", *h1).assign(closed=False)  # say it was not closed
    h2 = period(small, "2022H2")
    nxt = rc.problem_list(small, *h2, previous=judged)
    assert nxt[["entity", "indicator", "carried"]].values.tolist() == [["东区", 1, "2022H1"]]


def test_every_item_closed_leaves_nothing_to_carry(small):
    h1 = period(small, "2022H1", {("局甲", "东区", 1): 5.0})
    judged = rc.closures(small, rc.problem_list(small, *h1), "2022H1", *period(small, "2022H2"))
    assert judged["closed"].all()
    assert rc.problem_list(small, *period(small, "2022H2"), previous=judged).empty


def test_milestone_item_closes_when_the_required_status_is_reached(small):
    # indicator 1 is due in June (6月底完成): 推进中 in H1 lags; 已完成 in H2 closes it.
    h1 = period(small, "2022H1", statuses={("局甲", "东区", 1): "推进中"})
    items = rc.problem_list(small, *h1)
    lag = items[items["kind"] == "进度滞后"]
    assert lag[["entity", "indicator", "required", "status"]].values.tolist() == [["东区", 1, "已完成", "推进中"]]
    assert rc.closures(small, lag, "2022H1", *period(small, "2022H2"))["closed"].tolist() == [True]
    assert rc.closures(small, lag, "2022H1", *period(small, "2022H2", statuses={("局甲", "东区", 1): "取得明显成效"}))["closed"].tolist() == [False]


def test_verification_counts_as_the_lead_units_score(small):
    full = full_marks(small)
    mon = full.monitoring.assign(status="已完成")
    ver = mon[(mon["entity"] == "东区") & (mon["indicator"] == 1)][["lead_unit", "entity", "indicator"]].assign(verified=4.0)
    inputs = evalkit.PeriodInputs.from_tables("2022H1", mon, full.methods, verification=ver)
    s = rc.unit_scores(small, inputs).set_index(["entity", "indicator"])
    assert s.loc[("东区", 1), "score"] == 4.0
    items = rc.problem_list(small, inputs, evalkit.score_period(small, inputs))
    assert items[["entity", "indicator", "score"]].values.tolist() == [["东区", 1, 4.0]]


@pytest.mark.parametrize("p", ["2022H2", "2023H1", "2023H2"])
def test_demo_periods_close_some_items_and_not_others(baotou, p):
    prev = evalkit.Period.parse(p).previous
    before = evalkit.read_period(baotou, prev)
    items = rc.problem_list(baotou, before, evalkit.score_period(baotou, before))
    now = evalkit.read_period(baotou, p)
    judged = rc.closures(baotou, items, prev, now, evalkit.score_period(baotou, now))
    assert 0 < judged["closed"].sum() < len(judged)
    assert pd.Series(rc.closure_rates(judged, "entity")["rate"]).between(0, 1).all()


def test_workbook_per_lead_unit(baotou, tmp_path):
    import openpyxl

    inputs = evalkit.read_period(baotou, "2022H1")
    items = rc.problem_list(baotou, inputs, evalkit.score_period(baotou, inputs))
    files = write_workbooks(baotou, items, "2022H1", tmp_path, synthetic=True)
    assert sorted(p.name for p in files) == sorted(f"2022H1_{u}_整改清单.xlsx" for u in items["lead_unit"].unique())
    for path in files:
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[0]
        header = [c.value for c in ws[1]]
        unit = path.name.split("_")[1]
        mine = items[items["lead_unit"] == unit]
        got = [(r[header.index("考评对象")], r[header.index("指标")]) for r in ws.iter_rows(min_row=2, values_only=True)]
        assert got == list(zip(mine["entity"], mine["indicator"]))
        assert ws.protection.sheet and not ws.cell(2, header.index("整改措施") + 1).protection.locked
        assert ws.cell(2, header.index("考评对象") + 1).protection.locked
        assert any('"未启动,整改中,已完成"' == dv.formula1 for dv in ws.data_validations.dataValidation)
        meta = dict(wb["_evalkit"].iter_rows(values_only=True))
        assert (meta["类型"], meta["牵头考核单位"], meta["示例数据"]) == ("整改清单", unit, "是")
    with pytest.raises(evalkit.core.errors.OutputExistsError):
        write_workbooks(baotou, items, "2022H1", tmp_path)


def test_a_stretch_goal_is_listed_as_its_own_kind_and_closes_like_a_milestone(small_spec):
    """力争目标: a stretch goal below 取得阶段性成效 is listed as 力争目标, never as 进度滞后."""
    from ..conftest import SMALL_ENTITIES

    small_spec["aspects"][0]["categories"][0]["indicators"][0]["deadline"] = "2022年6月底力争实现"
    fw = evalkit.build_framework(small_spec, SMALL_ENTITIES.copy())
    h1 = period(fw, "2022H1", statuses={("局甲", "东区", 1): "推进中"})
    items = rc.problem_list(fw, *h1)
    assert items[["entity", "indicator", "kind", "required"]].values.tolist() == [["东区", 1, "力争目标", "取得阶段性成效"]]
    assert "进度滞后" not in set(items["kind"]) and set(items["kind"]) <= set(rc.KINDS)
    h2 = period(fw, "2022H2", statuses={("局甲", "东区", 1): "取得阶段性成效"})
    assert rc.closures(fw, items, "2022H1", *h2)["closed"].tolist() == [True]
