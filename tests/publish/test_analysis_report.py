"""The internal edition's analysis sections render, in Chinese, from an Assessment."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from IPython.display import Markdown

from evalkit.analysis.sobol_summary import Summary
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
    """Each moving entity's range beside its shares; the unmoving ones named, never listed; the conclusion's
    numbers are the table's."""
    analysis_report.show_sobol(a, n=256)
    text = texts(shown)
    assert "## 排名的方差分解" in text and "**份额说明排名变动来自哪里，不说明变动有多大**。" in text
    tables = [f for f in frames(shown) if "排名范围" in f.columns]
    assert all(list(t.columns[:3]) == ["考评对象", "公布排名", "排名范围"] for t in tables)
    rows = pd.concat([t.set_index("考评对象") for t in tables if "主要来源" in t.columns])
    shares = pd.concat([t.set_index("考评对象") for t in tables if "日常监测权重" in t.columns])
    assert shares["日常监测权重"].str.fullmatch(r"(0\.\d\d|1\.00＊?|—)").all()
    assert rows["排名范围"].str.fullmatch(r"第\d+—\d+名").all()  # a rank that never moves is not in the table
    omitted_ = re.search(r"不列入下表：共(\d+)个，即(.+?)，其排名", text)
    names = re.findall(r"([^、（]+)（(?:旗县区|市直部门)第\d+名）", omitted_.group(2))
    assert len(names) == int(omitted_.group(1)) and set(names).isdisjoint(rows.index)
    assert len(rows) + len(names) == 37
    conclusion = next(i.data for i in shown if isinstance(i, Markdown) and i.data.startswith("**结论**"))
    assert f"在排名会变动的{len(rows)}个考评对象中，" in conclusion
    said = {label: int(k) for k, label in re.findall(r"(\d+)个(?:的排名变动)?主要来自(.+?)[，。]", conclusion)}
    if unresolved := re.search(r"另有(\d+)个的排名变动次数过少", conclusion):
        said["无法分解"] = int(unresolved.group(1))
    counted = rows["主要来源"].str.rstrip("△").value_counts().to_dict()
    assert said == counted and sum(said.values()) == len(rows)
    lo_hi = rows["排名范围"].str.extract(r"第(\d+)—(\d+)名").astype(int)
    span = lo_hi[1] - lo_hi[0] + 1
    widest = re.search(r"排名变动幅度最大的是(.+?)（(?:旗县区|市直部门)，(第\d+—\d+名)）.*?跨(\d+)个名次", conclusion)
    assert int(widest.group(3)) == span.max() and rows.loc[widest.group(1), "排名范围"] == widest.group(2)
    assert f"{(span == 2).sum()}个考评对象的排名只在相邻两个名次之间变动" in conclusion


HAND = Summary(entities=6, moving=5, omitted=["丙"], drivers=pd.Series({"aggregation": 3, "monitoring": 1, "unresolved": 1}),
               widest=4, widest_entities=[("乙", "d", 1, 4)], adjacent=2, imprecise=1)
LABELS = {"monitoring": "日常监测权重", "aggregation": "第三条（三）的理解"}


def test_sobol_conclusion_hand_worked():
    assert analysis_report.sobol_conclusion(HAND, LABELS, {"d": "旗县区"}) == (
        "在排名会变动的5个考评对象中，3个的排名变动主要来自第三条（三）的理解，1个主要来自日常监测权重，"
        "另有1个的排名变动次数过少，无法分解。第三条（三）的理解是最多考评对象排名变动的主要来源。"
        "权重方面，合计1个考评对象的排名变动主要来自某一考评方式的权重，其中日常监测权重最多（1个）。"
        "排名变动幅度最大的是乙（旗县区，第1—4名），跨4个名次；2个考评对象的排名只在相邻两个名次之间变动，"
        "对这些考评对象，某因素的份额再大，也只意味着一个名次之差。"
        "1个考评对象的排名只在较少的模拟中变动，份额估计误差较大（表中以“△”标注）。")


def test_sobol_conclusion_when_ranks_move_by_one_place_or_not_at_all():
    one = Summary(entities=3, moving=2, omitted=["丙"], drivers=pd.Series({"monitoring": 2}), widest=2,
                  widest_entities=[("甲", "d", 1, 2), ("乙", "d", 1, 2)], adjacent=2, imprecise=0)
    text = analysis_report.sobol_conclusion(one, LABELS, {"d": "旗县区"})
    assert text.endswith("这2个考评对象的排名都只在相邻两个名次之间变动：某因素的份额再大，也只意味着一个名次之差。")
    assert "权重方面" not in text  # only said beside the reading, when there are both
    none = Summary(entities=3, moving=0, omitted=["甲", "乙", "丙"], drivers=pd.Series(dtype=int), widest=0,
                   widest_entities=[], adjacent=0, imprecise=0)
    assert analysis_report.sobol_conclusion(none, LABELS, {}) == \
        "全部3个考评对象的排名在模拟中均不变，权重和第三条（三）的理解都不影响本期排名。"
    assert analysis_report.omitted_sentence(pd.DataFrame(columns=["entity", "group", "rank"]), {}) == \
        "所有考评对象的排名都会在模拟中变动，全部列入下表。"


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


def test_text_columns_read_from_the_left_whatever_their_dtype():
    """Issue 25: long Chinese text was right-aligned once pandas gave text columns the ``str`` dtype, not ``object``."""
    from evalkit.publish.analysis_report import _styled

    df = pd.DataFrame({"考评对象": pd.array(["昆都仑区", "市审计局"], dtype="string"),
                       "备注": pd.Series(["甲", "乙"], dtype=object), "得分": [1.5, 2.0]})
    styler = _styled(df)
    styler._compute()
    left = {col for (_, col), props in styler.ctx.items() if ("text-align", "left") in props}
    assert left == {0, 1}
