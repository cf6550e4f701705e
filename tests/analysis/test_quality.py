"""Submission quality per lead unit, against hand-counted cases."""
from __future__ import annotations

import pandas as pd

import evalkit
from evalkit.analysis.quality import spot_checks, submission_quality

from ..conftest import full_marks


def inputs(fw, name, scores=None, verified=None, drop=()):
    full = full_marks(fw)
    mon = full.monitoring.copy().assign(status="已完成")
    for (unit, entity, ind), value in (scores or {}).items():
        mon.loc[(mon["lead_unit"] == unit) & (mon["entity"] == entity) & (mon["indicator"] == ind), "score"] = value
    for unit, entity, ind in drop:
        mon = mon[~((mon["lead_unit"] == unit) & (mon["entity"] == entity) & (mon["indicator"] == ind))]
    ver = pd.DataFrame([{"lead_unit": u, "entity": e, "indicator": i, "verified": v} for (u, e, i), v in verified.items()]) if verified else None
    return evalkit.PeriodInputs.from_tables(name, mon, full.methods, verification=ver, strict=False)


def test_counts_by_hand(small):
    # 局甲 scores indicator 1 (all 4 entities), 2 (the districts and the two leads, with 局乙) and 4 (the
    # departments 局甲, 局乙): 10 rows; one is not given, one the task force changes from 10 to 5.
    now = inputs(small, "2022H2", scores={("局甲", "东区", 1): 2.0}, verified={("局甲", "西区", 1): 5.0},
                 drop=[("局甲", "局乙", 4)])
    before = inputs(small, "2022H1")
    q = submission_quality(small, now, before).set_index("lead_unit")
    a = q.loc["局甲"]
    assert (a["assigned"], a["given"], a["verified"], a["changed"]) == (10, 9, 1, 1)
    assert a["completeness"] == 9 / 10 and a["changed_share"] == 1 / 9
    assert a["mean_change"] == 0.5  # |5 - 10| of 10 points
    assert a["jumps"] == 1  # 东区 on 1: 10 -> 2, more than half the points
    assert a["full_marks_share"] == 7 / 9  # 东区 and 西区 on indicator 1 are not at full marks
    assert a["all_full_indicators"] == 1  # indicator 2 (4 entities); 4 has fewer than 3, 1 is not all full
    b = q.loc["局乙"]
    assert (b["given"], b["changed"], b["jumps"]) == (b["assigned"], 0, 0) and b["full_marks_share"] == 1.0
    checks = spot_checks(small, now, before, min_entities=2)
    assert checks.iloc[0]["reason"].startswith("对全部") and "东区" in set(checks["entity"])
    assert any(r.startswith("本期 1 项评分被专班核实更正") for r in checks["reason"])


def test_demo_period(baotou):
    now, before = evalkit.read_period(baotou, "2022H2"), evalkit.read_period(baotou, "2022H1")
    q = submission_quality(baotou, now, before)
    assert (q["completeness"] == 1).all() and q["changed"].sum() == len(now.verification)
    checks = spot_checks(baotou, now, before)
    assert q["lead_unit"].is_unique and 0 < len(checks) <= 10 and checks["reason"].str.len().gt(0).all()
