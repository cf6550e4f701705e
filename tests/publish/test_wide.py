"""Tables in parts that fit the page (publish/tables.py: widths and chunks; publish/wide.py: showing the parts)."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.publish import tables, wide


@given(st.lists(st.floats(0.5, 30), min_size=1, max_size=40), st.lists(st.floats(0.5, 15), max_size=3), st.floats(20, 80))
def test_parts_repeat_the_keys_hold_every_column_once_in_order_and_fit(rest, keys, budget):
    names = [f"k{k}" for k in range(len(keys))] + [f"c{k}" for k in range(len(rest))]
    widths = pd.Series([*keys, *rest], index=names)
    df = pd.DataFrame([range(len(names))], columns=names)
    key_names = names[:len(keys)]
    parts = tables.column_chunks(df, key_names, widths=widths, budget=budget)
    assert all(list(p.columns[:len(keys)]) == key_names for p in parts)
    assert [c for p in parts for c in p.columns[len(keys):]] == names[len(keys):]
    for p in parts:  # a part too wide holds one column only: nothing else would make it fit
        assert widths[list(p.columns)].sum() <= budget + 1e-9 or len(p.columns) == len(keys) + 1
    room = budget - sum(keys)
    for a, b in zip(parts, parts[1:]):  # as few parts as fit: no two neighbours would fit as one
        assert widths[[*a.columns[len(keys):], *b.columns[len(keys):]]].sum() > room


def test_the_aspects_of_baotou_fit_one_table_with_headers_on_two_lines():
    aspects = ["一、政务服务“一网通办”", "二、政府治理“一网统管”", "三、政府办公统一协同", "四、强化基础设施支撑",
               "五、释放数据要素价值", "六、筑牢安全防护体系", "七、加强统筹管理和工作保障"]
    df = pd.DataFrame({"考评对象": ["达尔罕茂明安联合旗"], **{a: ["24.33 / 25"] for a in aspects}})
    heads = tables.headers(df)
    assert heads["一、政务服务“一网通办”"] == "一、政务服务\n“一网通办”" and heads["考评对象"] == "考评对象"
    assert all(h.count("\n") <= 2 for h in heads.values())
    assert len(tables.column_chunks(df, ["考评对象"], widths=tables.column_widths(df, 3))) == 1
    assert len(tables.column_chunks(df, ["考评对象"])) == 2  # headers on one line each: two parts


@pytest.mark.parametrize("vertical, parts", [(True, 1), (False, 3)])
def test_show_parts_marks_each_part_and_its_continuations(monkeypatch, vertical, parts):
    shown = []
    monkeypatch.setattr(wide, "display", shown.append)
    df = pd.DataFrame({"指标": [1, 2], **{f"第{k}个考评对象": ["✓", ""] for k in range(30)}})
    wide.show_parts(df, ["指标"], vertical=vertical)
    tables_shown = [s for s in shown if hasattr(s, "to_html")]
    notes = [s.data for s in shown if not hasattr(s, "to_html")]
    assert len(tables_shown) == parts and notes == ["续表："] * (parts - 1)
    html = tables_shown[0].to_html()
    assert 'class="fit fit-vertical"' in html if vertical else 'class="fit"' in html
    assert all(t.data.columns[0] == "指标" for t in tables_shown)
