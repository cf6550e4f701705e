"""Milestones (METHOD.md §5) by the plan's verbs: a status below or at the required one, before and after the due
month; stretch goals (力争) apart from the lags."""
from __future__ import annotations

import copy

import pandas as pd
import pytest

import evalkit
from evalkit.framework.deadlines import STATUSES
from evalkit.scoring.milestones import LAG, MISSING, STRETCH_SHORT, milestone_lags, required_statuses, stretch_goals

from ..conftest import SMALL, SMALL_ENTITIES
from ..framework.test_deadlines import METHOD_KINDS


def framework(deadline: str, **reading) -> evalkit.Framework:
    """The small framework with indicator 1 (局甲, all entities) due as ``deadline``."""
    spec = copy.deepcopy(SMALL)
    spec["aspects"][0]["categories"][0]["indicators"][0].update(deadline=deadline, **reading)
    return evalkit.build_framework(spec, SMALL_ENTITIES.copy())


def monitoring(fw: evalkit.Framework, statuses: dict[str, str]) -> pd.DataFrame:
    """Every assignment 已完成, indicator 1's statuses by entity as given."""
    mon = fw.assignments()[["lead_unit", "entity", "indicator"]].assign(status="已完成")
    for entity, status in statuses.items():
        mon.loc[(mon["indicator"] == 1) & (mon["entity"] == entity), "status"] = status
    return mon


@pytest.mark.parametrize("kind,required", METHOD_KINDS.items())
def test_each_kind_below_and_at_its_status_before_and_after_the_due_month(kind, required):
    fw = framework(f"2022年6月底{kind}")
    below = STATUSES[STATUSES.index(required) - 1]
    mon = monitoring(fw, {"东区": below, "西区": required, "局甲": ""})
    assert milestone_lags(fw, mon, "2021H2").query("indicator == 1").empty  # not due yet
    for period in ("2022H1", "2022H2", "2023H1"):
        lags = milestone_lags(fw, mon, period).query("indicator == 1").set_index("entity")
        assert set(lags.index) == {"东区", "局甲"}, (kind, period)
        assert (lags["required"] == required).all()
        assert lags.loc["东区", "problem"] == (STRETCH_SHORT if kind == "力争" else LAG)
        assert lags.loc["局甲", "problem"] == MISSING


def test_a_stretch_goal_is_never_a_lag():
    fw = framework("2022年底力争实现")
    assert list(stretch_goals(fw)) == [1]
    mon = monitoring(fw, {e: "未启动" for e in fw.entities["entity"]})
    lags = milestone_lags(fw, mon, "2022H2").query("indicator == 1")
    assert len(lags) == 4 and set(lags["problem"]) == {STRETCH_SHORT}
    assert required_statuses(fw, "2022H2")[1] == "取得阶段性成效"


def test_a_confirmed_reading_sets_the_required_status():
    fw = framework("2021年底初步完成", deadline_reading={"requires": "已完成", "reason": "市里确认按全部完成考核"})
    mon = monitoring(fw, {"东区": "取得明显成效"})
    lags = milestone_lags(fw, mon, "2022H1").query("indicator == 1")
    assert lags[["entity", "required", "problem"]].values.tolist() == [["东区", "已完成", LAG]]


def test_the_plan_cities_read_their_verbs():
    yuncheng = required_statuses(evalkit.load_framework("yuncheng"), "2021H2")
    assert (yuncheng[36], yuncheng[35], yuncheng[26], yuncheng[1]) == ("取得明显成效", "取得阶段性成效", "取得明显成效", "已完成")
    jinan = evalkit.load_framework("jinan")
    assert list(stretch_goals(jinan)) == [14] and required_statuses(jinan, "2022H2")[14] == "取得阶段性成效"


def test_stretch_goals_and_lags_by_property():
    """Whatever the statuses given, a stretch goal's rows are never lags, and every other row below its required
    status is."""
    from hypothesis import given, settings, strategies as st

    fw = framework("2022年6月底力争")
    entities = list(fw.entities["entity"])
    order = {s: k for k, s in enumerate(STATUSES)}

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.sampled_from(["", *STATUSES]), min_size=len(entities), max_size=len(entities)),
           st.sampled_from(["2022H1", "2022H2", "2023H2"]))
    def check(statuses, period):
        mon = monitoring(fw, dict(zip(entities, statuses)))
        mon.loc[mon["indicator"] == 2, "status"] = statuses[0]
        lags = milestone_lags(fw, mon, period)
        assert LAG not in set(lags.loc[lags["indicator"] == 1, "problem"])
        assert STRETCH_SHORT not in set(lags.loc[lags["indicator"] != 1, "problem"])
        for row in lags.itertuples():
            assert row.status == "" or order[row.status] < order[row.required]

    check()
