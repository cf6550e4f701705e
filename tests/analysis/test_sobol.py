"""Sobol indices: SALib used as intended on a model with a known answer, and on ranks built to depend on
exactly one factor."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.analysis.sobol import (
    AGGREGATION_FACTOR,
    analyze_outputs,
    rank_sobol,
    sobol_indices,
)


@pytest.mark.parametrize("a1,a2", [(3.0, 1.0), (1.0, 1.0), (1.0, 2.0)])
def test_additive_linear_model_has_known_variance_shares(a1, a2):
    """Y = a1 X1 + a2 X2 with independent uniform X: S1_i = ST_i = a_i^2 / (a1^2 + a2^2), a factor that
    is not used has 0."""
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0, 1], [0, 1], [0, 1]]}
    s = sobol_indices(lambda x: a1 * x[:, 0] + a2 * x[:, 1], problem, n=4096).set_index("factor")
    share = a1**2 / (a1**2 + a2**2)
    assert s.loc["x1", "S1"] == pytest.approx(share, abs=0.02) and s.loc["x1", "ST"] == pytest.approx(share, abs=0.02)
    assert s.loc["x2", "S1"] == pytest.approx(1 - share, abs=0.02) and s.loc["x2", "ST"] == pytest.approx(1 - share, abs=0.02)
    assert s.loc["x3", "S1"] == 0 and s.loc["x3", "ST"] == 0


def test_constant_output_has_no_indices():
    problem = {"num_vars": 2, "names": ["x1", "x2"], "bounds": [[0, 1], [0, 1]]}
    s = sobol_indices(lambda x: np.ones(len(x)), problem, n=64)
    assert s[["S1", "ST"]].isna().all().all()


def test_ranks_that_only_the_aggregation_decides(small):
    """东区 and 西区 have the same field, survey and third-party scores; 东区 is ahead when the aspects are
    summed (80 vs 79.2), 西区 when their rates are averaged (81 vs 75). No weight can change that, so all
    of the rank's variance is the aggregation's."""
    rate = {("东区", "一"): 1.0, ("东区", "二"): 0.5, ("西区", "一"): 0.72, ("西区", "二"): 0.9}
    need = small.assignments()
    ind = small.indicators.set_index("id")
    aspect = need["indicator"].map(ind["aspect"])
    share = [rate.get((e, k), 0.8) for e, k in zip(need["entity"], aspect)]
    mon = need[["lead_unit", "entity", "indicator"]].assign(score=np.array(share) * need["indicator"].map(ind["points"]).to_numpy())
    meth = pd.DataFrame({"entity": small.entities["entity"], "field": 80.0, "survey": 80.0, "third_party": 80.0})
    r = evalkit.score_period(small, evalkit.PeriodInputs.from_tables("2022H1", mon, meth))
    assert r.totals.set_index("entity").loc[["东区", "西区"], "monitoring"].tolist() == pytest.approx([80.0, 79.2])
    s = rank_sobol(small, r, n=1024).set_index(["entity", "factor"])
    for e in ("东区", "西区"):
        assert s.loc[(e, AGGREGATION_FACTOR), "S1"] == pytest.approx(1, abs=0.1)
        assert s.loc[(e, AGGREGATION_FACTOR), "ST"] == pytest.approx(1, abs=0.1)
        for k in ("monitoring", "field", "survey", "third_party"):
            assert s.loc[(e, k), "S1"] == 0 and s.loc[(e, k), "ST"] == 0


def test_baotou_indices_are_shares(baotou):
    r = evalkit.score_period(baotou, evalkit.read_period(baotou, "2022H1"))
    s = rank_sobol(baotou, r, n=256)
    assert set(s["factor"]) == {"monitoring", "field", "survey", "third_party", AGGREGATION_FACTOR}
    moving = s[~s["stable"]]
    estimated = moving[moving["ST"].notna()]
    assert len(estimated) and (estimated["ST"] > -0.1).all() and (estimated["S1"] < 1.1).all()
    # no estimate only where the rank moves in SALib's mixed rows alone: a rare move (市委网信办, 0.06 % of the runs)
    assert (moving.loc[moving["ST"].isna(), "moved"] < 0.01).all()
    # an entity whose rank never moves in the Monte-Carlo analysis has no indices
    u = evalkit.analysis.sensitivity.uncertainty(baotou, r, draws=2000)
    fixed = set(u.loc[u["rank_p05"] == u["rank_p95"], "entity"])
    assert fixed & set(s.loc[s["stable"], "entity"])


def test_a_column_that_moves_only_in_the_mixed_rows_has_no_indices():
    """SALib divides by the variance over the base matrices A and B: an output constant there (it moves only in
    the rows mixing A and B) has nothing to estimate from, and gets NaN rather than SALib's zeros."""
    problem = {"num_vars": 2, "names": ["x1", "x2"], "bounds": [[0, 1], [0, 1]]}
    y = np.zeros((4 * 8, 2))
    y[1, 0] = 1.0  # row 1 of each block of D + 2 = 4 rows is A with x1 from B
    y[::4, 1], y[3::4, 1] = np.arange(8), -np.arange(8)
    s = analyze_outputs(problem, y)
    assert s.loc[s["output"] == 0, ["S1", "ST"]].isna().all().all()
    assert s.loc[s["output"] == 1, ["S1", "ST"]].notna().all().all()


def test_rank_ranges_say_how_far_each_rank_moves(baotou):
    r = evalkit.score_period(baotou, evalkit.read_period(baotou, "2022H2"))
    s = rank_sobol(baotou, r, n=256)
    assert (s["rank_min"] <= s["rank_max"]).all() and s["moved"].between(0, 1).all()
    assert (s["stable"] == (s["rank_min"] == s["rank_max"])).all()
    assert (s.loc[s["stable"], "moved"] == 0).all() and s.loc[s["stable"], "ST"].isna().all()
    # one range per entity, repeated on each of its factor rows
    assert (s.groupby("entity")[["rank_min", "rank_max", "moved"]].nunique() == 1).all().all()


def test_the_bootstrap_intervals_are_the_same_in_every_run():
    """Found by an audit that re-ran a report and got another △ count: SALib reads seed 0 as no seed and drew its
    bootstrap from NumPy's global state. Whatever that state, the same seed now gives the same intervals."""
    from SALib.sample import sobol as sobol_sample

    from evalkit.analysis.sobol import analyze_outputs

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = sobol_sample.sample(problem, 64, calc_second_order=False, seed=0)
    y = np.c_[x[:, 0] + 0.5 * x[:, 1] ** 2, x[:, 2] * x[:, 0]]
    np.random.seed(1)
    first = analyze_outputs(problem, y, seed=0)
    np.random.seed(2)
    np.random.random(1000)
    second = analyze_outputs(problem, y, seed=0)
    pd.testing.assert_frame_equal(first, second)
    assert first["ST_conf"].gt(0).sum() >= 3  # real intervals, not zeros


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), st.sampled_from([8, 64, 256]), st.integers(1, 2**31), st.sampled_from(["smooth", "ranks", "steps"]))
def test_the_shared_bootstrap_gives_salibs_numbers_to_the_last_bit(d, n, seed, shape):
    """:func:`salib_analyze` indexes the bootstrap resamples once for all factors; every index and interval is still
    exactly what SALib's own ``analyze`` gives, on smooth outputs, on ranks (ties, as the report's) and on steps."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from evalkit.analysis.sobol import salib_analyze

    problem = {"num_vars": d, "names": [f"x{k}" for k in range(d)], "bounds": [[0, 1]] * d}
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed % 1000)
    y = {"smooth": x[:, 0] + 0.3 * x[:, -1] ** 2 * x[:, 1],
         "ranks": np.argsort(np.argsort(x @ np.arange(1, d + 1))) // max(1, len(x) // 6),
         "steps": (x[:, 0] > 0.5) + (x[:, 1] > 0.9)}[shape].astype("float64")
    if np.ptp(y) == 0:
        return
    ours = salib_analyze(problem, y, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    expected = np.array([theirs[key] for key in ("S1", "S1_conf", "ST", "ST_conf")]).T
    assert np.array_equal(np.array(ours), expected, equal_nan=True)
