"""What a workbook's sheets and cells tell a person beyond its values, as problems, and the values they
withhold: further sheets with data (visible or hidden), and the findings of
:func:`evalkit.inputs.workbooks.read_workbook` (formulas refused, merged cells, hidden rows and columns)
in the columns a table uses.

A withheld value is reported once, by its finding: the checks of the values skip it, and lenient mode
leaves it out (a row whose key or whole line is withheld is left out; a withheld value alone leaves only
that value out). Its key, when readable, still counts as given, so it is not reported missing as well.
"""
from __future__ import annotations

import pandas as pd

from ..core.errors import Problem
from .schema import Kind
from .sheets import META_SHEET, Table

ROW = "!row"
"""Column of the withheld mask that marks a whole row withheld (its key, or the row itself)."""


def withheld(header: str) -> str:
    """The mask column of one column's withheld values.

    >>> withheld("得分")
    '!得分'
    """
    return f"!{header}"


def sheet_problems(t: Table) -> list[Problem]:
    """Further sheets that hold data: the table is on one sheet only."""
    found = []
    for sheet in t.other_sheets:
        found.append(Problem(t.file, f"sheet {sheet!r} holds data; expected the table on the first sheet ({t.sheet}) only: move the rows there, or delete the sheet",
                             sheet=sheet, zh=f"工作表“{sheet}”中有数据；表格只应在第一个工作表（{t.sheet}）中，请把这些行移过去，或删除该工作表"))
    for info in t.hidden_sheets:
        s = info.name
        if info.state == "veryHidden":
            en = (f"sheet {s!r} is very hidden (it cannot be shown from the sheet tabs) and holds data; expected the table on sheet {t.sheet!r} only: "
                  f"right-click the tab of {t.sheet!r} > Move or Copy, choose (new book) and Create a copy, and submit the new workbook")
            zh = (f"工作表“{s}”被深度隐藏（无法通过工作表标签取消隐藏），其中有数据；表格只应在工作表“{t.sheet}”中：请右键单击“{t.sheet}”标签，"
                  f"选择“移动或复制”，工作簿选“(新工作簿)”并勾选“建立副本”，报送这个新工作簿")
        else:
            en = (f"sheet {s!r} is hidden and holds data; expected the table on sheet {t.sheet!r} only: right-click a sheet tab > Unhide, "
                  f"move the rows to submit into {t.sheet!r}, and delete {s!r}")
            zh = (f"工作表“{s}”被隐藏，其中有数据；表格只应在工作表“{t.sheet}”中：请右键单击任一工作表标签，选择“取消隐藏”，"
                  f"把要报送的行移到“{t.sheet}”中，再删除“{s}”")
        found.append(Problem(t.file, en, sheet=s, zh=zh))
    return found


def cell_problems(t: Table, used: set[str], keys: set[str]) -> tuple[list[Problem], pd.DataFrame]:
    """The findings in the columns a table uses (``used``, by header; ``keys``: the headers of its key), and,
    per row of ``t.rows``, the values they withhold: :data:`ROW` and :func:`withheld` of each used column."""
    rows = t.rows["row"].astype("int64")
    held: dict[str, set[int]] = {ROW: set(), **{withheld(h): set() for h in used}}
    found = []
    for flag in t.flags:
        headers = [t.columns[c] for c in flag.columns if c < len(t.columns)]
        mine = [h for h in headers if h in used]
        if flag.columns and not mine:
            continue  # only columns the table does not use
        found.append(Problem(t.file, flag.en, row=flag.row, column=mine[0] if mine else None, sheet=t.sheet, zh=flag.zh))
        held[ROW].update(flag.rows)
        for r, c in flag.cells:
            header = t.columns[c] if c < len(t.columns) else None
            if header in used:
                held[withheld(header)].add(r)
                if header in keys:
                    held[ROW].add(r)
    return found, pd.DataFrame({k: rows.isin(v) for k, v in held.items()}, index=t.rows.index)


def meta_problems(meta: dict[str, str], name: str, kind: Kind, period: str, city: str) -> list[Problem]:
    """A template's own record (its hidden sheet) of its period, kind and city must match where it was put.

    >>> from evalkit.inputs.schema import KINDS
    >>> [p.message for p in meta_problems({"期间": "2022H2"}, "a.xlsx", KINDS["methods"], "2022H1", "测试市")]
    ['workbook is for period 2022H2; expected 2022H1']
    """
    found = []
    if meta.get("期间") and meta["期间"] != period:
        found.append(Problem(name, f"workbook is for period {meta['期间']}; expected {period}", sheet=META_SHEET,
                             zh=f"该工作簿属于 {meta['期间']} 考评期，应为 {period}"))
    if meta.get("类型") and meta["类型"] != kind.zh:
        found.append(Problem(name, f"workbook is a {meta['类型']} table; expected a {kind.zh} table here", sheet=META_SHEET,
                             zh=f"该工作簿是{meta['类型']}表，此处应为{kind.zh}表"))
    if meta.get("城市") and city and meta["城市"] != city:
        found.append(Problem(name, f"workbook is for {meta['城市']}; expected {city}", sheet=META_SHEET,
                             zh=f"该工作簿属于{meta['城市']}，应为{city}"))
    return found
