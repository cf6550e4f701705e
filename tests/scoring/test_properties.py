"""Properties of scoring (hypothesis): bounds, monotonicity, order and file split, ranks, full marks."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import evalkit
from evalkit.core.rounding import display_round

from ..conftest import full_marks

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def fw(baotou):
    return baotou


@pytest.fixture(scope="module")
def need(fw):
    a = fw.assignments()
    return a.assign(points=a["indicator"].map(fw.indicators.set_index("id")["points"]))


def unit_fractions(n):
    return arrays(np.float64, n, elements=st.floats(0, 1))


def typed_fractions(n):
    """Fractions a person could type as a score: 0, or not implausibly small (the reader refuses 1e-122)."""
    return arrays(np.float64, n, elements=st.one_of(st.just(0.0), st.floats(1e-4, 1)))


def inputs_from(fw, need, frac, methods, strict=True):
    mon = need[["lead_unit", "entity", "indicator"]].assign(score=frac * need["points"].to_numpy())
    meth = pd.DataFrame({"entity": fw.entities["entity"], "field": methods[0], "survey": methods[1], "third_party": methods[2]})
    return evalkit.PeriodInputs.from_tables("2022H1", mon, meth, strict=strict)


method_scores = st.tuples(*[st.floats(0, 100)] * 3)
weights = st.lists(st.floats(0, 1), min_size=4, max_size=4).filter(lambda w: sum(w) > 0.01).map(
    lambda w: dict(zip(["monitoring", "field", "survey", "third_party"], np.array(w) / sum(w))))


@FAST
@given(data=st.data(), methods=method_scores, w=weights, agg=st.sampled_from(["sum", "aspect_mean"]))
def test_totals_stay_in_0_100(fw, need, data, methods, w, agg):
    frac = data.draw(unit_fractions(len(need)))
    r = evalkit.score_period(fw, inputs_from(fw, need, frac, methods), weights=w, aggregation=agg)
    for col in ("monitoring", "half_year"):
        assert r.totals[col].between(-1e-9, 100 + 1e-9).all()
        assert display_round(r.totals[col]).between(0, 100).all()


@FAST
@given(data=st.data(), methods=method_scores, agg=st.sampled_from(["sum", "aspect_mean"]))
def test_raising_one_score_never_lowers_a_total(fw, need, data, methods, agg):
    frac = data.draw(unit_fractions(len(need)))
    i = data.draw(st.integers(0, len(need) - 1))
    up = frac.copy()
    up[i] = data.draw(st.floats(frac[i], 1))
    before = evalkit.score_period(fw, inputs_from(fw, need, frac, methods), aggregation=agg).totals
    after = evalkit.score_period(fw, inputs_from(fw, need, up, methods), aggregation=agg).totals
    assert (after["half_year"] >= before["half_year"] - 1e-9).all()
    others = after["entity"] != need["entity"].iloc[i]
    assert np.allclose(after.loc[others, "half_year"], before.loc[others, "half_year"], atol=1e-12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), n_files=st.integers(1, 5))
def test_row_order_and_file_split_never_change_a_result(fw, need, data, n_files, tmp_path_factory):
    frac = data.draw(typed_fractions(len(need)))
    seed = data.draw(st.integers(0, 2**32 - 1))
    reference = evalkit.score_period(fw, inputs_from(fw, need, frac, (80.0, 70.0, 60.0))).totals
    rows = pd.DataFrame({"牵头考核单位": need["lead_unit"], "考评对象": need["entity"], "指标": need["indicator"],
                         "得分": [repr(float(x)) for x in frac * need["points"].to_numpy()]})
    rows = rows.sample(frac=1, random_state=seed % 2**32).reset_index(drop=True)
    folder = tmp_path_factory.mktemp("split")
    (folder / "monitoring").mkdir()
    for k, part in enumerate(np.array_split(np.arange(len(rows)), n_files)):
        rows.iloc[part].to_csv(folder / "monitoring" / f"part{k}.csv", index=False)
    pd.DataFrame({"考评对象": fw.entities["entity"], "实地调研": 80, "民意调查": 70, "第三方评估": 60}).sample(
        frac=1, random_state=seed % 7).to_csv(folder / "methods.csv", index=False)
    got = evalkit.score_period(fw, evalkit.read_period(fw, "2022H1", folder)).totals
    pd.testing.assert_frame_equal(got.reset_index(drop=True), reference.reset_index(drop=True), check_exact=False, atol=1e-12, rtol=0)


@FAST
@given(pairs=st.sets(st.tuples(st.sampled_from(["昆都仑区", "东河区", "市教育局", "市工信局"]), st.integers(1, 90)), min_size=1, max_size=120))
def test_full_marks_are_100_for_any_applicability(fw, pairs):
    sub = fw.with_applicability(pd.DataFrame(sorted(pairs), columns=["entity", "indicator"]))
    for agg in ("sum", "aspect_mean"):
        r = evalkit.score_period(sub, full_marks(sub), aggregation=agg)
        assert (display_round(r.totals["half_year"]) == 100.0).all()


@FAST
@given(data=st.data(), methods=method_scores)
def test_ranks_are_consistent(fw, need, data, methods):
    frac = data.draw(unit_fractions(len(need)))
    t = evalkit.score_period(fw, inputs_from(fw, need, frac, methods)).totals
    for _, g in t.groupby("group"):
        shown = display_round(g["half_year"]).to_numpy()
        rank = g["rank"].to_numpy()
        assert rank.min() == 1 and rank.max() <= len(g)
        for a in range(len(g)):
            # rank = 1 + number of entities shown strictly higher
            assert rank[a] == 1 + (shown > shown[a]).sum()
