"""Grades (等次) with a cap on a grade's share of a group (issue 24): never exceeded, ties graded alike, never better
than the value earns, better ranks never graded worse; the bulletin states the cap and names who it moved down."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import evalkit
from evalkit.framework.grades import Bands, bands, grade, in_groups
from evalkit.publish import bulletin
from evalkit.scoring.assessment import Assessment
from tests.conftest import SMALL_ENTITIES, full_marks

CAPPED = Bands(("优秀", "良好", "合格", "不合格"), (90.0, 80.0, 60.0, 0.0), False, (0.3, 0.5, None, None))


@given(st.lists(st.integers(5000, 10000), min_size=1, max_size=40))
def test_a_cap_is_never_exceeded_and_ties_are_graded_alike(cents):
    values = pd.Series(cents, dtype="float64") / 100
    t = pd.DataFrame({"group": "g", "v": values, "rank": values.rank(method="min", ascending=False).astype(int)})
    given_ = in_groups(t, "v", CAPPED)
    order = {name: k for k, name in enumerate(CAPPED.names)}
    assert (given_ == "优秀").sum() <= int(np.floor(0.3 * len(t) + 1e-9))
    assert (given_ == "良好").sum() <= int(np.floor(0.5 * len(t) + 1e-9))
    assert (given_.map(order) >= grade(t["v"], CAPPED).map(order)).all()  # never better than the value earns
    for _, same in given_.groupby(t["rank"]):
        assert same.nunique() == 1  # tied entities get one grade
    ranked = given_.map(order)[t["rank"].sort_values(kind="stable").index]
    assert ranked.is_monotonic_increasing  # a better rank is never graded worse


def test_the_bulletin_applies_and_explains_a_cap(small_spec):
    """Two districts at full marks, tied first; 优秀 capped at half a group: neither may be 优秀 (the tie would exceed
    it), so both are 良好, and the bulletin says why."""
    small_spec["grades"] = [{"name": "优秀", "minimum": 90, "max_share": 0.5}, {"name": "良好", "minimum": 80},
                            {"name": "合格", "minimum": 0}]
    fw = evalkit.build_framework(small_spec, SMALL_ENTITIES.copy())
    assert bands(fw).caps == (0.5, None, None)
    inputs = full_marks(fw)
    a = Assessment(fw, inputs, evalkit.score_period(fw, inputs), {})
    t = bulletin.results_table(a, "district")
    assert t["考评分值"].tolist() == [100.0, 100.0] and t["等次"].tolist() == ["良好", "良好"]
    notes = bulletin._result_notes(a)
    assert "优秀等次不超过组内考评对象数的50%（按排名确定，排名并列而超出比例的均评为下一等次）" in notes
    assert f"{fw.groups['district']}中，{'、'.join(t['考评对象'])}考评分值达到优秀分数线，因优秀等次比例限制评为良好。" in notes
    facts = bulletin.overview_facts(a).set_index("group")
    assert facts.loc["district", "grades"]["优秀"] == 0 and facts.loc["district", "grades"]["良好"] == 2
