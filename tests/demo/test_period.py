"""The synthetic submissions: deterministic, plausible, and the committed ones are the generator's."""
from __future__ import annotations

import pandas as pd
import pytest

import evalkit
from evalkit.demo.period import demo_values, write_demo_period
from evalkit.core.rounding import display_round


def test_deterministic(baotou):
    a, b = demo_values(baotou, "2022H1"), demo_values(baotou, "2022H1")
    for k in a:
        pd.testing.assert_frame_equal(a[k], b[k])
    assert not demo_values(baotou, "2022H1", seed=7)["monitoring"]["score"].equals(a["monitoring"]["score"])


@pytest.mark.parametrize("period", ["2022H1", "2022H2", "2023H1", "2023H2"])
def test_committed_demo_data_is_the_generators(baotou, period, tmp_path):
    fresh = evalkit.read_period(baotou, period, write_demo_period(baotou, period, tmp_path)[0].parents[1])
    committed = evalkit.read_period(baotou, period)
    for name in ("monitoring", "verification", "methods"):
        got, want = getattr(fresh, name), getattr(committed, name)
        pd.testing.assert_frame_equal(got.drop(columns=["file", "sheet", "row"], errors="ignore"),
                                      want.drop(columns=["file", "sheet", "row"], errors="ignore"))


def test_plausible(baotou):
    r1 = evalkit.score_period(baotou, evalkit.read_period(baotou, "2022H1"))
    r2 = evalkit.score_period(baotou, evalkit.read_period(baotou, "2022H2"))
    t = r1.totals["half_year"]
    assert 80 < t.median() < 97 and t.max() < 100 and t.std() > 2  # most near full marks, a real spread
    assert len(r1.corrections) > 5 and len(r1.milestones) > 10
    assert r2.totals["half_year"].mean() > t.mean()  # H2 improves on H1
    # the scores are what a person types: two decimals
    m = evalkit.read_period(baotou, "2022H1").monitoring["score"]
    pts = evalkit.read_period(baotou, "2022H1").monitoring["indicator"].map(baotou.indicators.set_index("id")["points"])
    assert ((display_round(m) == m) | (m == pts)).all()
