"""The internal edition's analysis sections render, in Chinese, from an Assessment."""
from __future__ import annotations

import pandas as pd
import pytest
from IPython.display import Markdown

from evalkit.publish import analysis_report, wide
from evalkit.scoring.assessment import assess


@pytest.fixture(scope="module")
def a():
    return assess("baotou", "2022H2", previous={"period": "2022H1"})


@pytest.fixture()
def shown(monkeypatch):
    items = []
    monkeypatch.setattr(analysis_report, "display", items.append)
    monkeypatch.setattr(wide, "display", items.append)
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
    districts, departments = frames(shown)[-2:]  # one matrix per group, each fits the page with its names upright
    assert list(districts.columns[:2]) == ["指标", "昆都仑区"] and districts.shape[1] == 1 + 10
    assert departments.shape == (90, 1 + 27) and "市政府办公室" in departments.columns
    for matrix in (districts, departments):
        assert set(matrix.iloc[:, 1:].stack()) <= {"✓", ""} and (matrix.iloc[:, 1:] == "✓").any(axis=1).all()


def test_coherence_section(a, shown):
    analysis_report.show_coherence(a)
    assert "## 指标体系的统计一致性" in texts(shown) and "**旗县区**" in texts(shown)
    assert any("方差占比" in f.columns for f in frames(shown))


def test_sobol_section(a, shown):
    analysis_report.show_sobol(a, n=128)
    table = frames(shown)[0]
    assert "## 排名的方差分解" in texts(shown) and "（每格为 S1 / ST）" in texts(shown)
    assert list(table.columns[:3]) == ["考评对象", "公布排名", "日常监测权重"]
    assert table["日常监测权重"].str.fullmatch(r"(-?\d\.\d\d|—) / (-?\d\.\d\d|—)").all()


def test_attribution_section_prints_parts_that_add_up(a, shown):
    analysis_report.show_attribution(a)
    keys = ["考评对象", "上期排名", "本期排名", "总分变化"]
    tables = frames(shown)  # each group in parts that repeat the keys
    assert all(list(t.columns[:4]) == keys for t in tables) and len(tables) > 2
    groups: list[list[pd.DataFrame]] = []
    for t in tables:  # a 续表 lists the same entities as the part before it
        if groups and groups[-1][0].index.get_level_values("考评对象").tolist() == t["考评对象"].tolist():
            groups[-1].append(t.set_index(keys))
        else:
            groups.append([t.set_index(keys)])
    assert len(groups) == 2
    table = pd.concat([pd.concat(g, axis=1).reset_index() for g in groups], ignore_index=True)
    parts = table.columns[4:]
    assert len(table) == 37 and len(parts) == 7 + 3
    assert ((table[parts].sum(axis=1) * 100).round().astype(int) == (table["总分变化"] * 100).round().astype(int)).all()
