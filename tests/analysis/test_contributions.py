"""Contributions of the parts to a total, and the exact attribution of a change between two periods."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.analysis.contributions import attribution, contributions, part_names, rounded_to_sum

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def inputs(fw, frac, methods, period="2022H1"):
    need = fw.assignments()
    pts = need["indicator"].map(fw.indicators.set_index("id")["points"])
    mon = need[["lead_unit", "entity", "indicator"]].assign(score=np.asarray(frac) * pts.to_numpy())
    meth = pd.DataFrame({"entity": fw.entities["entity"], "field": methods[0], "survey": methods[1], "third_party": methods[2]})
    return evalkit.PeriodInputs.from_tables(period, mon, meth)


def test_hand_worked_parts(small):
    """东区: indicators 1 (10 points), 2 (15), both aspect 一; 5 and 6 (20 each), aspect 二; all at half marks
    except indicator 1 at full. Aspect 一: 60 * 17.5 / 25 = 42; aspect 二: 40 * 20 / 40 = 20; monitoring 62.
    Parts: 0.6 * 42 = 25.2, 0.6 * 20 = 12, field 0.2 * 90 = 18, survey 0.1 * 80 = 8, third party 0.1 * 70 = 7."""
    need = small.assignments()
    frac = np.where((need["entity"] == "东区") & (need["indicator"] == 1), 1.0, 0.5)
    r = evalkit.score_period(small, inputs(small, frac, (90, 80, 70)))
    c = contributions(small, r).loc["东区"]
    assert c.to_dict() == pytest.approx({"aspect:一": 25.2, "aspect:二": 12.0, "field": 18.0, "survey": 8.0, "third_party": 7.0})
    assert c.sum() == pytest.approx(r.totals.set_index("entity").loc["东区", "half_year"], abs=1e-12)
    mean = evalkit.score_period(small, inputs(small, frac, (90, 80, 70)), aggregation="aspect_mean")
    c = contributions(small, mean).loc["东区"]  # aspect mean: 0.6 * 100 * (0.7 + 0.5) / 2 = 36, split 21 + 15
    assert (c["aspect:一"], c["aspect:二"]) == pytest.approx((21.0, 15.0))
    assert list(part_names(small).values()) == ["日常监测·一、甲", "日常监测·二、乙", "实地调研", "民意调查", "第三方评估"]


scores = st.lists(st.floats(0, 1), min_size=1, max_size=1)
methods = st.tuples(*[st.floats(0, 100)] * 3)
weights = st.lists(st.floats(0.01, 1), min_size=4, max_size=4).map(
    lambda w: dict(zip(["monitoring", "field", "survey", "third_party"], np.array(w) / sum(w))))


@FAST
@given(data=st.data(), m0=methods, m1=methods, w0=weights, w1=weights, agg=st.sampled_from(["sum", "aspect_mean"]))
def test_attribution_sums_to_the_change(small, data, m0, m1, w0, w1, agg):
    n = len(small.assignments())
    f0 = data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    f1 = data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    r0 = evalkit.score_period(small, inputs(small, f0, m0, "2022H1"), weights=w0, aggregation=agg)
    r1 = evalkit.score_period(small, inputs(small, f1, m1, "2022H2"), weights=w1, aggregation=agg)
    t = attribution(small, r0, r1)
    parts = t[list(part_names(small))]
    assert np.allclose(parts.sum(axis=1), t["change"], rtol=0, atol=1e-9)
    assert t["residual"].abs().max() <= 1e-9
    for table, r in ((contributions(small, r0), r0), (contributions(small, r1), r1)):
        assert np.allclose(table.sum(axis=1), r.totals.set_index("entity")["half_year"], rtol=0, atol=1e-9)


@given(values=st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=12))
def test_rounded_parts_recompute_the_rounded_change(values):
    s = pd.Series(values)
    shown = rounded_to_sum(s, float(s.sum()))
    cents = np.round(shown.to_numpy() * 100)
    assert np.allclose(shown * 100, cents)
    assert int(cents.sum()) == round(float(s.sum()) * 100)
    assert (shown - s).abs().max() < 0.01 + 1e-9


def test_attribution_on_baotou_demo():
    from evalkit.scoring.assessment import assess

    a = assess("baotou", "2022H2", previous={"period": "2022H1"})
    t = attribution(a.framework, a.previous.result, a.result)
    assert len(t) == 37 and t["residual"].abs().max() < 1e-9
    moved = t[t["rank_before"] != t["rank_after"]]
    assert len(moved) > 0
