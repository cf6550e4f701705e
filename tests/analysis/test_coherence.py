"""Statistical coherence: Cronbach's alpha against hand-worked values, correlations against numpy, and the
variance shares of the parts, which add up to 1."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import evalkit
from evalkit.analysis.coherence import aspect_alpha, correlations, cronbach_alpha, deciding_parts, shares


def test_alpha_hand_worked():
    # item variances 5/3 each (sum 5), row sums 4, 8, 9, 13 with variance 41/3: alpha = 3/2 * (1 - 15/41) = 39/41
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 4, 5], "c": [1, 3, 2, 4]})
    assert cronbach_alpha(items) == pytest.approx(39 / 41)
    assert cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]})) == pytest.approx(1)
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1]})))  # row sums do not vary
    assert np.isnan(cronbach_alpha(items[["a"]])) and np.isnan(cronbach_alpha(items.head(1)))


@settings(max_examples=50, deadline=None)
@given(arrays(np.int64, (6, 3), elements=st.integers(0, 10)))
def test_alpha_matches_the_item_covariance_form(x):
    """alpha = k / (k - 1) * (1 - trace(C) / sum(C)) with C the item covariance matrix."""
    c = np.cov(x, rowvar=False, ddof=1)
    got = cronbach_alpha(pd.DataFrame(x))
    if c.sum() == 0:
        assert np.isnan(got)
    else:
        assert got == pytest.approx(3 / 2 * (1 - np.trace(c) / c.sum()), abs=1e-9)


@pytest.fixture(scope="module")
def result(baotou):
    return evalkit.score_period(baotou, evalkit.read_period(baotou, "2022H1"))


def test_variance_shares_add_up_to_one(baotou, result):
    for g in baotou.groups:
        d = deciding_parts(baotou, result, g)
        assert d["variance_share"].sum() == pytest.approx(1, abs=1e-9)
        assert set(d["part"]) == {f"aspect:{k}" for k in baotou.aspects["id"]} | {"field", "survey", "third_party"}
    d = deciding_parts(baotou, result, "district").set_index("part")
    assert d.loc["aspect:五", "variance_share"] == 0  # no district is assessed on aspect 五: it decides nothing


def test_correlations_match_numpy(baotou, result):
    c = correlations(baotou, result, "district").set_index(["level", "id"])
    s = shares(baotou, result, "district")
    total = result.totals.set_index("entity").loc[s.index, "half_year"]
    x = s[1].to_numpy()
    assert c.loc[("指标", 1), "r_total"] == pytest.approx(np.corrcoef(x, total)[0, 1])
    assert c.loc[("指标", 1), "n"] == 10
    flat = [i for i in s.columns if s[i].nunique() == 1]
    assert all(np.isnan(c.loc[("指标", i), "r_total"]) for i in flat)


def test_alpha_uses_the_common_core(baotou, result):
    al = aspect_alpha(baotou, result, "district").set_index("aspect")
    s = shares(baotou, result, "district")
    core = [i for i in baotou.indicators.loc[baotou.indicators["aspect"] == "一", "id"] if i in s and s[i].notna().all() and s[i].nunique() > 1]
    assert al.loc["一", "items"] == len(core)
    assert al.loc["一", "alpha"] == pytest.approx(cronbach_alpha(s[core]))
