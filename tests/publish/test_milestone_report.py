"""The 报告's milestone section: lags per lead unit without the stretch goals, and the stretch goals apart."""
from __future__ import annotations

import pandas as pd

import evalkit
from evalkit.publish import milestone_report as mr
from evalkit.scoring.milestones import LAG, MISSING, STRETCH_SHORT


def test_lag_summary_leaves_stretch_goals_out():
    m = pd.DataFrame({"lead_unit": ["甲", "甲", "甲", "乙"], "problem": [LAG, STRETCH_SHORT, MISSING, STRETCH_SHORT]})
    assert mr.lag_summary(m).values.tolist() == [["甲", 1, 1, 2]]
    assert mr.milestone_rows(m.assign(entity="东区", indicator=1, deadline="", required="", status=""),
                             (STRETCH_SHORT,))["牵头考核单位"].tolist() == ["甲", "乙"]


def test_stretch_table_counts_reached_short_and_missing(small_spec):
    from ..conftest import SMALL_ENTITIES

    small_spec["aspects"][0]["categories"][0]["indicators"][0]["deadline"] = "2022年6月底力争实现"
    fw = evalkit.build_framework(small_spec, SMALL_ENTITIES.copy())
    rows = fw.assignments()
    mon = rows[rows["indicator"] == 1][["lead_unit", "entity", "indicator"]].reset_index(drop=True)
    statuses = ["取得阶段性成效", "推进中", "", "已完成"]  # 东区 reached, 西区 short, 局甲 none, 局乙 reached
    table = mr.stretch_table(fw, mon.assign(status=statuses), "2022H1")
    assert table.values.tolist() == [[1, "2022年6月底力争实现", "完成情况", "取得阶段性成效", 4, 2, 1, 1]]
    early = mr.stretch_table(fw, mon.assign(status=statuses), "2021H2")
    assert early.loc[0, "应达到"] == "未到期" and early.loc[0, "已达到"] == "—"


def test_a_stretch_goal_with_a_numeric_target_is_judged_by_it():
    fw = evalkit.load_framework("jinan")  # 14: 力争基层办事100%实现网上证明开具电子化, by 2022
    targets = pd.DataFrame({"entity": ["历下区", "市中区", "槐荫区"], "indicator": 14, "actual": [100.0, 92.5, float("nan")]})
    table = mr.stretch_table(fw, pd.DataFrame(columns=["indicator", "status"]), "2022H2", targets)
    assert table.values.tolist() == [[14, "2022年底力争实现", "目标值≥100%", "≥100%", 3, 1, 1, 1]]
