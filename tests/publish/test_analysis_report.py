"""The internal edition's analysis sections render, in Chinese, from an Assessment."""
from __future__ import annotations

import pytest
from IPython.display import Markdown

from evalkit.publish import analysis_report
from evalkit.scoring.assessment import assess


@pytest.fixture(scope="module")
def a():
    return assess("baotou", "2022H2", previous={"period": "2022H1"})


@pytest.fixture()
def shown(monkeypatch):
    items = []
    monkeypatch.setattr(analysis_report, "display", items.append)
    return items


def texts(items):
    return "\n".join(i.data for i in items if isinstance(i, Markdown))


def frames(items):
    return [i.data for i in items if hasattr(i, "data") and hasattr(i.data, "columns")]


def test_applicability_section(a, shown):
    analysis_report.show_applicability(a)
    assert "## 考评对象适用范围" in texts(shown) and "市本级50个部门" in texts(shown)
    reviewed = frames(shown)[0]
    assert len(reviewed) == 17 and reviewed["复核意见"].str.match("^(调整|维持)：").all()
    matrix = frames(shown)[-1]
    assert matrix.shape == (90, 1 + 37) and set(matrix.iloc[:, 1:].stack()) <= {"✓", ""}


def test_coherence_section(a, shown):
    analysis_report.show_coherence(a)
    assert "## 指标体系的统计一致性" in texts(shown) and "**旗县区**" in texts(shown)
    assert any("方差占比" in f.columns for f in frames(shown))


def test_sobol_section(a, shown):
    analysis_report.show_sobol(a, n=128)
    table = frames(shown)[0]
    assert "## 排名的方差分解" in texts(shown)
    assert {"日常监测权重 S1", "日常监测权重 ST"} <= set(table.columns)


def test_attribution_section_prints_parts_that_add_up(a, shown):
    analysis_report.show_attribution(a)
    table = frames(shown)[0]
    parts = table.columns[table.columns.get_loc("总分变化") + 1:]
    assert len(table) == 37
    assert ((table[parts].sum(axis=1) * 100).round().astype(int) == (table["总分变化"] * 100).round().astype(int)).all()
