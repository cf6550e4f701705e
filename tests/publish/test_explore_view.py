"""Names with their numbers, tables laid out for Chinese text, errors in Chinese."""
from __future__ import annotations

import pandas as pd

from evalkit.core.errors import InputError, ParameterError, Problem
from evalkit.core.paths import ROOT
from evalkit.framework.loading import load_framework
from evalkit.publish.explore_view import aspect_label, chinese_error, indicator_label, table


def test_aspects_and_indicators_are_named():
    fw = load_framework("baotou")
    assert aspect_label(fw, "一") == "（一）政务服务“一网通办”"
    assert aspect_label(fw, "七") == "（七）加强统筹管理和工作保障"
    text = fw.indicators.set_index(fw.indicators["id"].astype(str)).loc["12", "text"]
    assert indicator_label(fw, 12) == f"12 {text[:24]}…" and len(text) > 24
    assert indicator_label(fw, "12", width=200) == f"12 {text}"


def test_table_left_aligns_text_and_keeps_names_on_one_line():
    df = pd.DataFrame({"考评对象": ["市大数据中心"], "组别": ["市直部门"], "指标内容": ["长" * 60], "完成情况": ["已完成"], "分值": [1.5]})
    s = table(df)
    page = s.to_html()
    cells = {df.columns[j]: dict(props) for (i, j), props in s._compute().ctx.items()}
    assert all(cells[c]["text-align"] == "left" for c in ("考评对象", "组别", "指标内容", "完成情况"))  # pandas 3's str columns too
    assert cells["组别"]["white-space"] == "nowrap" and cells["指标内容"]["white-space"] == "normal"
    assert "分值" not in cells  # numbers keep their right alignment
    assert "1.50" in page and "text-align: right" not in page
    css = page.split("</style>")[0]
    assert "white-space: nowrap" in css and "white-space: normal" in css and "min-width: 12em" in css
    assert all(f">{c}</th>" in page for c in df.columns)


def test_errors_read_in_chinese():
    missing = InputError([Problem(str(ROOT / "data" / "baotou" / "2021H1"), "no such folder", zh="文件夹不存在；应存放本期的报送表格")])
    assert chinese_error(missing) == "无法读取本期考评数据：data/baotou/2021H1：文件夹不存在；应存放本期的报送表格。"
    bad = ParameterError("period '2022H3': expected a half-year such as 2022H1 or 2022H2, or a year such as 2022")
    assert chinese_error(bad) == "考评期格式不正确：应为半年期间，如 2022H1、2022H2。"
