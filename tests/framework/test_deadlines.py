"""Every distinct deadline string of Baotou's table, parsed (METHOD.md §3), and the statuses of §5."""
from __future__ import annotations

import pytest

from evalkit import FrameworkError
from evalkit.framework.deadlines import STATUSES, parse_deadline

EVERY_DEADLINE = {
    "持续推进": (None, None, True),
    "按进度推进": (None, None, True),
    "持续优化": (None, None, True),
    "3月底取得阶段性成效并持续推进": (3, "取得阶段性成效", True),
    "4月底完成": (4, "完成", False),
    "5月底完成": (5, "完成", False),
    "5月底取得阶段性成效并持续推进": (5, "取得阶段性成效", True),
    "5月底取得明显成效并持续推进": (5, "取得明显成效", True),
    "6月底完成": (6, "完成", False),
    "6月底取得阶段性成效": (6, "取得阶段性成效", False),
    "6月底取得阶段性成效并持续推进": (6, "取得阶段性成效", True),
    "6月底取得明显成效": (6, "取得明显成效", False),
    "6月底取得明显成效并持续推进": (6, "取得明显成效", True),
    "6月份取得明显成效": (6, "取得明显成效", False),
    "7月底完成": (7, "完成", False),
    "8月底完成": (8, "完成", False),
    "10月底完成": (10, "完成", False),
    "10月取得明显成效": (10, "取得明显成效", False),
    "11月底完成": (11, "完成", False),
    "11月取得明显成效": (11, "取得明显成效", False),
    "11月份取得明显成效": (11, "取得明显成效", False),
    "12月底完成": (12, "完成", False),
    "12月取得明显成效并持续推进": (12, "取得明显成效", True),
}


def test_table_has_exactly_these_deadlines(baotou):
    assert set(baotou.indicators["deadline"]) == set(EVERY_DEADLINE)


@pytest.mark.parametrize("text,expected", EVERY_DEADLINE.items())
def test_parse(text, expected):
    d = parse_deadline(text)
    assert (d.month, d.kind, d.continues) == expected


@pytest.mark.parametrize("text", ["尽快", "13月底完成", "6月底", "", "完成"])
def test_unparseable(text):
    with pytest.raises(FrameworkError, match="expected"):
        parse_deadline(text)


@pytest.mark.parametrize("text,h1,h2", [
    ("6月底完成", "已完成", "已完成"),
    ("10月底完成", None, "已完成"),
    ("5月底取得阶段性成效并持续推进", "取得阶段性成效", "取得阶段性成效"),
    ("11月取得明显成效", None, "取得明显成效"),
    ("持续推进", "推进中", "推进中"),
    ("12月取得明显成效并持续推进", None, "取得明显成效"),
])
def test_required_status_by_half(text, h1, h2):
    d = parse_deadline(text)
    assert d.required_status(6) == h1 and d.required_status(12) == h2


def test_status_order():
    assert STATUSES == ("未启动", "推进中", "取得阶段性成效", "取得明显成效", "已完成")


@pytest.mark.parametrize("text,year,month,h1_2023,h2_2023,h1_2024", [
    ("2023年底完成", 2023, 12, None, "已完成", "已完成"),
    ("2022年6月底完成", 2022, 6, "已完成", "已完成", "已完成"),
    ("2024年底完成", 2024, 12, None, None, None),
])
def test_deadlines_with_a_year(text, year, month, h1_2023, h2_2023, h1_2024):
    d = parse_deadline(text)
    assert (d.year, d.month, d.kind) == (year, month, "完成")
    assert (d.required_status(6, 2023), d.required_status(12, 2023), d.required_status(6, 2024)) == (h1_2023, h2_2023, h1_2024)
