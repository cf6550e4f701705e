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


# METHOD.md §5, by hand: the status each kind of the plans requires once due (the verbs §5 does not name read as their
# nearest named kind: 基本实现 as 基本完成; 完善, 建设, 打造, 进行 as 推进).
METHOD_KINDS = {
    "完成": "已完成", "全面完成": "已完成", "建成": "已完成", "全面建成": "已完成",
    "基本完成": "取得明显成效", "初步完成": "取得明显成效", "基本建成": "取得明显成效", "初步建成": "取得明显成效",
    "基本实现": "取得明显成效", "取得明显成效": "取得明显成效",
    "力争": "取得阶段性成效", "加快": "取得阶段性成效", "推进": "取得阶段性成效", "深化": "取得阶段性成效",
    "完善": "取得阶段性成效", "建设": "取得阶段性成效", "打造": "取得阶段性成效", "进行": "取得阶段性成效",
    "取得阶段性成效": "取得阶段性成效", "启动": "推进中",
}


def test_kinds_require_what_method_gives():
    from evalkit.framework.deadlines import KINDS

    assert KINDS == METHOD_KINDS


@pytest.mark.parametrize("kind,required", METHOD_KINDS.items())
def test_each_kind_before_and_after_its_month(kind, required):
    d = parse_deadline(f"2022年6月底{kind}")
    assert (d.year, d.month, d.kind, d.text) == (2022, 6, kind, f"2022年6月底{kind}")
    assert [d.required_status(m, y) for m, y in ((12, 2021), (5, 2022), (6, 2022), (12, 2022), (6, 2023))] == \
        [None, None, required, required, required]


@pytest.mark.parametrize("text,kind", [("2021年底初步完成", "初步完成"), ("2022年6月底前加快", "加快"), ("2022年底力争实现", "力争"),
                                       ("2022年底力争", "力争"), ("2023年底基本实现", "基本实现"), ("2024年底建成", "建成")])
def test_the_plans_verb_is_kept(text, kind):
    d = parse_deadline(text)
    assert (d.text, d.kind, d.month) == (text, kind, 6 if "6月" in text else 12)
    assert d.stretch == (kind == "力争")


def test_a_confirmed_reading_overrides_the_kind():
    d = parse_deadline("2021年底初步完成", "已完成")
    assert d.required_status(12, 2021) == "已完成" and d.required_status(6, 2021) is None
    with pytest.raises(FrameworkError, match="expected one of"):
        parse_deadline("2021年底初步完成", "大体完成")


@pytest.mark.parametrize("text", ["2021年底大体完成", "2021年底", "力争"])
def test_unknown_verbs_are_refused(text):
    with pytest.raises(FrameworkError, match="the plan's verb"):
        parse_deadline(text)


def test_required_status_is_monotone_in_time_and_a_stretch_goal_asks_no_more_than_a_phased_result():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from evalkit.framework.deadlines import KINDS

    rank = {None: -1, **{s: k for k, s in enumerate(STATUSES)}}
    times = st.tuples(st.integers(2020, 2026), st.sampled_from([6, 12]))

    @settings(max_examples=200, deadline=None)
    @given(st.sampled_from(list(KINDS)), st.integers(2020, 2026), st.integers(1, 12), st.booleans(), times, times)
    def check(kind, year, month, then, t1, t2):
        d = parse_deadline(f"{year}年{month}月底{kind}" + ("并持续推进" if then else ""))
        (y1, m1), (y2, m2) = sorted([t1, t2])
        assert rank[d.required_status(m1, y1)] <= rank[d.required_status(m2, y2)]
        if d.stretch:
            assert rank[d.required_status(m2, y2)] <= rank["取得阶段性成效"]

    check()


def test_a_verb_method_does_not_name_is_listed_as_derived_until_the_city_confirms_it():
    """Yuncheng 17 (“2022年底建设”) is read as 推进: the reading is among the 推定事项 with the status it requires; once
    the city records its reading (``deadline_reading``), it is no longer listed, and the status is the city's."""
    import copy

    import yaml

    import evalkit
    from evalkit.core import paths
    from evalkit.framework.deadlines import KINDS, READ_AS
    from evalkit.framework.loading import build_framework, read_entities

    fw = evalkit.load_framework("yuncheng")
    items = fw.derived_items().set_index("对象")
    readings = items[items["项目"] == "完成时限的理解"]
    ind = fw.indicators.set_index("id")
    read = ind[ind["deadline_kind"].isin(list(READ_AS)) & ~ind["derived"].map(lambda d: "deadline" in d)]
    assert sorted(readings.index) == sorted(f"指标 {i}" for i in read.index) and len(readings) >= 5
    assert readings.loc["指标 17", "取值（推定，待城市确认）"] == "“2022年底建设”中的“建设”按“推进”理解，到期应达到“取得阶段性成效”"
    assert KINDS["建设"] == "取得阶段性成效"
    spec = yaml.safe_load((paths.DATA / "yuncheng" / "framework.yaml").read_text(encoding="utf-8"))
    confirmed = copy.deepcopy(spec)
    for aspect in confirmed["aspects"]:
        for category in aspect["categories"]:
            for i in category["indicators"]:
                if i["id"] == 17:
                    i["deadline_reading"] = {"requires": "已完成", "reason": "市政务信息管理局确认：应用须于2022年底建成上线"}
    fw2 = build_framework(confirmed, read_entities(paths.DATA / "yuncheng" / "entities.csv"))
    left = fw2.derived_items()
    assert "指标 17" not in set(left.loc[left["项目"] == "完成时限的理解", "对象"])
    assert fw2.indicators.set_index("id").loc[17, "deadline_requires"] == "已完成"
