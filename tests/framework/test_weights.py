from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit import ParameterError
from evalkit.framework.weights import check_weights, redistribute_weights

METHODS = ["monitoring", "field", "survey", "third_party"]
BAOTOU = {"monitoring": 0.6, "field": 0.2, "survey": 0.1, "third_party": 0.1}


def test_baotou_weights_sum_to_one(baotou):
    assert sum(baotou.weights.values()) == pytest.approx(1)
    assert baotou.weights == BAOTOU


@pytest.mark.parametrize("weights,message", [
    ({**BAOTOU, "field": -0.2, "monitoring": 1.0}, r"weights\['field'\] = -0.2: expected a number from 0 to 1"),
    ({**BAOTOU, "field": 0.3}, "weights: they sum to 1.1; expected 1"),
    ({**BAOTOU, "votes": 0.0}, r"weights\['votes'\]: no such method"),
    ({k: v for k, v in BAOTOU.items() if k != "survey"}, r"weights\['survey'\]: missing"),
    ({**BAOTOU, "survey": "lots"}, r"weights\['survey'\] = 'lots'"),
    ({**BAOTOU, "survey": float("nan")}, r"weights\['survey'\] = nan"),
    ({"monitoring": True, "field": False, "survey": False, "third_party": False}, r"weights\['monitoring'\] = True: expected a number"),
])
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(ParameterError, match=message):
        check_weights(weights, METHODS)


@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=4, max_size=4).filter(lambda w: abs(sum(w) - 1) > 1e-6))
def test_weights_not_summing_to_one_are_refused(ws):
    with pytest.raises(ParameterError):
        check_weights(dict(zip(METHODS, ws)), METHODS)


@given(st.lists(st.floats(0.01, 10), min_size=4, max_size=4), st.sets(st.sampled_from(METHODS[1:]), max_size=3))
def test_redistributed_weights_sum_to_one(ws, dropped):
    total = sum(ws)
    w = {k: v / total for k, v in zip(METHODS, ws)}
    out = redistribute_weights(w, dropped)
    assert set(out) == set(METHODS) - dropped
    assert sum(out.values()) == pytest.approx(1)
    kept = [k for k in out]
    # proportions among the kept methods do not change
    assert out[kept[0]] / out[kept[-1]] == pytest.approx(w[kept[0]] / w[kept[-1]])
