"""The 报告's list of the plan's goals left out of the assessment (issue 26): every excused item of the coverage table,
in the plan's order, with its reason, for the city to confirm; nothing for a city without a plan."""
from __future__ import annotations

from types import SimpleNamespace

import evalkit
from evalkit.core import paths
from evalkit.framework.coverage import read_coverage
from evalkit.publish import coverage


def test_the_section_lists_every_excused_item_with_its_reason(capsys):
    fw = evalkit.load_framework("xining")
    table = read_coverage(paths.DATA / "xining" / "coverage.yaml")
    shown = coverage.excused_table(table)
    excused = [e for e in table.entries if not e.indicators and not e.heading]
    assert len(shown) == len(excused) and list(shown["序号"]) == list(range(1, len(excused) + 1))
    assert shown["规划原文"].iloc[0] == "到2024年，高效落实“有诉必应马上办”工作机制"  # the plan's words, full-width punctuation
    assert shown["未纳入考评的理由"].str.endswith("。").all() and not shown["规划原文"].str.contains(",").any()
    assert "2035年" in " ".join(shown["规划原文"])
    text = coverage.summary(table)
    assessed = sum(1 for e in table.entries if e.indicators)
    assert f"其中 {assessed} 条由" in text and f"{len(excused)} 条未纳入考评" in text
    coverage.excused(SimpleNamespace(framework=fw))
    assert coverage.TITLE == "规划目标未纳入考评的事项（待确认）"


def test_a_city_without_a_plan_shows_nothing():
    baotou = evalkit.load_framework("baotou")
    assert coverage.table_of(baotou) is None
    coverage.excused(SimpleNamespace(framework=baotou))  # returns without displaying
