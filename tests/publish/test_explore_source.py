"""What the app offers and opens: each city's half-years, and the previous half-year beside the chosen one."""
from __future__ import annotations

import pytest

from evalkit.core.errors import InputError
from evalkit.publish.explore_source import cities, open_period, periods, previous_half


def test_cities_and_periods():
    assert ("包头市（baotou）", "baotou") in cities() and {c for _, c in cities()} >= {"baotou", "jinan", "xining"}
    assert periods("xining") == [("2024年上半年", "2024H1"), ("2024年下半年", "2024H2")]


def test_previous_half_year_is_compared_by_default():
    assert previous_half("baotou", "2023H1") == "2022H2" and previous_half("baotou", "2022H1") is None
    a = open_period("xining", "2024H2")
    assert str(a.previous.period) == "2024H1" and a.previous.parameters["strict"] is False
    assert open_period("xining", "2024H2", previous=None).previous is None


def test_a_missing_period_raises_its_input_error():
    with pytest.raises(InputError) as e:
        open_period("baotou", "2019H1")
    assert e.value.problems[0].zh.startswith("文件夹不存在")
