from __future__ import annotations

import pytest

from evalkit import ParameterError, Period


@pytest.mark.parametrize("text,year,half,end,label", [
    ("2022H1", 2022, 1, 6, "2022年上半年"),
    ("2022h2", 2022, 2, 12, "2022年下半年"),
    ("2022", 2022, None, 12, "2022年度"),
])
def test_parse(text, year, half, end, label):
    p = Period.parse(text)
    assert (p.year, p.half, p.end_month, p.label) == (year, half, end, label)
    assert str(p) == text.upper()


@pytest.mark.parametrize("text", ["2022H3", "22H1", "H1", "2022-1", ""])
def test_bad_period(text):
    with pytest.raises(ParameterError, match="expected a half-year such as 2022H1"):
        Period.parse(text)


def test_neighbours():
    assert Period.parse("2022").halves == (Period(2022, 1), Period(2022, 2))
    assert Period.parse("2022H1").previous == Period(2021, 2)
    assert Period.parse("2022H2").previous == Period(2022, 1)
    assert Period.parse("2022").previous == Period(2021)
