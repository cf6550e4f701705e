"""What the Sobol indices say, read for the report: a hand-worked case, and properties of any table of indices
(shares in [0, 1], drivers counting every moving entity once, omitted + shown = all)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.analysis.sobol_summary import (
    UNRESOLVED,
    moving_table,
    omitted,
    shares,
    summarize,
)

NAN = float("nan")
COLUMNS = ["entity", "group", "rank", "factor", "S1", "S1_conf", "ST", "ST_conf", "rank_min", "rank_max", "moved", "stable"]


def _table(rows: list[tuple]) -> pd.DataFrame:
    """``rank_sobol``'s shape from ``(entity, group, rank, lo, hi, moved, {factor: (S1, ST, ST_conf)})``."""
    out = [(e, g, r, f, s1, 0.05, stv, conf, lo, hi, moved, lo == hi)
           for e, g, r, lo, hi, moved, idx in rows for f, (s1, stv, conf) in idx.items()]
    return pd.DataFrame(out, columns=COLUMNS)


HAND = _table([
    ("甲", "d", 1, 1, 2, 0.10, {"w": (-0.03, 0.05, 0.02), "aggregation": (0.90, 1.02, 0.05)}),
    ("乙", "d", 2, 1, 4, 0.60, {"w": (0.50, 0.70, 0.30), "aggregation": (0.30, 0.40, 0.10)}),
    ("丙", "d", 3, 3, 3, 0.00, {"w": (NAN, NAN, NAN), "aggregation": (NAN, NAN, NAN)}),
    ("丁", "d", 4, 3, 4, 0.001, {"w": (NAN, NAN, NAN), "aggregation": (NAN, NAN, NAN)}),
])


def test_hand_worked_case():
    """甲 moves between 1 and 2, all of it the reading's (ST 1.02 is shown capped at 1, S1 -0.03 as 0); 乙 moves
    over four places, mostly by the weight, but its interval is wide; 丙 never moves; 丁 moves too rarely to say."""
    t = moving_table(HAND).set_index("entity")
    assert t.index.tolist() == ["甲", "乙", "丁"]
    assert t.loc["甲", ["w", "aggregation"]].tolist() == [0.05, 1.0] and t.loc["甲", "capped"] == ("aggregation",)
    assert t.loc["乙", ["w", "aggregation"]].tolist() == [0.7, 0.4] and t.loc["乙", "capped"] == ()
    assert t["driver"].tolist() == ["aggregation", "w", UNRESOLVED]
    assert t["imprecise"].tolist() == [False, True, False]
    assert t.loc["丁", ["w", "aggregation"]].isna().all()
    assert shares(HAND)["S1"].iloc[0] == 0.0
    assert omitted(HAND).to_dict("list") == {"entity": ["丙"], "group": ["d"], "rank": [3]}
    s = summarize(HAND)
    assert (s.entities, s.moving, s.omitted) == (4, 3, ["丙"])
    assert s.drivers.to_dict() == {"w": 1, "aggregation": 1, UNRESOLVED: 1}  # a tie in the factors' order
    assert (s.widest, s.widest_entities, s.adjacent, s.imprecise) == (4, [("乙", "d", 1, 4)], 2, 1)


def test_nothing_moves():
    s = summarize(HAND[HAND["entity"] == "丙"])
    assert (s.entities, s.moving, s.widest, s.drivers.sum(), s.omitted) == (1, 0, 0, 0, ["丙"])


_estimate = st.one_of(st.just(NAN), st.floats(-0.5, 2.5))


@st.composite
def tables(draw) -> pd.DataFrame:
    factors = draw(st.lists(st.sampled_from(["monitoring", "field", "survey", "aggregation"]), min_size=1, max_size=4, unique=True))
    rows = []
    for k in range(draw(st.integers(1, 8))):
        lo = draw(st.integers(1, 5))
        hi = lo + draw(st.integers(0, 4))
        unresolved = hi > lo and draw(st.booleans())
        idx = {f: (NAN, NAN, NAN) if hi == lo or unresolved else (draw(st.floats(-0.5, 1.5)), draw(st.floats(0, 2.5)),
                                                                   draw(st.floats(0, 1))) for f in factors}
        rows.append((f"e{k}", draw(st.sampled_from(["d", "p"])), lo, lo, hi, 0.0 if hi == lo else draw(st.floats(0.001, 1)), idx))
    return _table(rows)


@settings(max_examples=150, deadline=None)
@given(tables())
def test_properties(s):
    t, om, summary = moving_table(s), omitted(s), summarize(s)
    factors = list(dict.fromkeys(s["factor"]))
    values = t[factors].to_numpy(dtype=float)
    assert ((values[~np.isnan(values)] >= 0) & (values[~np.isnan(values)] <= 1)).all()
    assert summary.drivers.sum() == summary.moving == len(t)
    assert len(om) + len(t) == summary.entities == s["entity"].nunique()
    assert set(om["entity"]).isdisjoint(t["entity"])
    assert 0 <= summary.adjacent <= summary.moving and 0 <= summary.imprecise <= summary.moving
    for _, row in t.iterrows():  # the driver is the largest estimate, or none when nothing was estimated
        raw = s[(s["entity"] == row["entity"])].set_index("factor")["ST"]
        if raw.isna().all():
            assert row["driver"] == UNRESOLVED
        else:
            assert math.isclose(raw[row["driver"]], raw.max())
        assert row["capped"] == tuple(raw.index[raw > 1])
    if summary.moving:
        span = t["rank_max"] - t["rank_min"] + 1
        assert summary.widest == span.max() >= 2 and len(summary.widest_entities) == (span == summary.widest).sum()
