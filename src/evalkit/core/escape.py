"""Text from inputs (entity and lead-unit names, remarks, statuses, problem messages) made inert before
it reaches the published HTML: table cells are HTML-escaped by pandas' Styler, names inside Markdown
text are HTML-escaped and their Markdown specials backslash-escaped, so that nothing a lead unit types
becomes a tag, a link, an image or a table cell border."""
from __future__ import annotations

import hashlib
import html
import re
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell beginning with one of these is read as a formula by Excel, WPS or LibreOffice when typed or edited."""


def inert_workbook(wb: Any) -> None:
    """Make every text cell of an openpyxl workbook that a spreadsheet would take for a formula text for good: stored as
    a string (never a formula, whatever openpyxl guessed) with the quote prefix, which keeps it text when edited."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def sheet_title(text: str) -> str:
    """A worksheet name made from a name read from outside: the characters no sheet name takes (``[ ] : * ? / \\``)
    become ``_``, no quote at either end, at most 31 characters.

    >>> sheet_title("<b>旗县区</b>")
    '<b>旗县区<_b>'
    """
    return re.sub(r"[\[\]:*?/\\]", "_", str(text)).strip("'")[:31] or "_"


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]{}()#+\-.!|~:])")
"""Backslash-escaped in Markdown text (``:`` so that no address becomes a link); ``<``, ``>`` and ``&`` are
HTML-escaped instead."""


def md(text: Any) -> str:
    r"""``text`` as literal characters inside Markdown: HTML-escaped, Markdown specials escaped, one line.

    >>> print(md('<b>甲</b>'))
    &lt;b&gt;甲&lt;/b&gt;
    >>> print(md('[x](javascript:alert(1))'))
    \[x\]\(javascript\:alert\(1\)\)
    >>> print(md('a|b\nc'))
    a\|b c
    """
    one_line = " ".join(str(text).splitlines())
    return html.escape(_MARKDOWN_SPECIALS.sub(r"\\\1", one_line), quote=True)


NAME_COLUMNS = ("考评对象", "牵头考核单位", "指标", "方面", "来源", "部分", "牵头考核单位评分", "指标内容", "完成时限", "应达到",
                "填报情况", "问题", "考评期", "组别", "等次", "原因", "项目", "内容", "城市")
"""Columns of names and text: left-aligned (numbers stay right-aligned); entity names never wrap."""


def styled(df: pd.DataFrame, **fmt: Any) -> Styler:
    """A table for the report: no index, cells and column headers HTML-escaped, numbers to 2 decimals,
    "—" for missing values (``fmt`` overrides ``Styler.format``'s options), name columns left-aligned with their headers."""
    uid = hashlib.sha256(df.to_csv().encode()).hexdigest()[:8]  # from the content, not random: equal runs, equal reports
    s = (df.style.set_uuid(uid).hide(axis="index")
         .format(**({"precision": 2, "na_rep": "—"} | fmt), escape="html")
         .format_index(escape="html", axis=1))
    names = [c for c in df.columns if c in NAME_COLUMNS]
    if names:
        s = (s.set_properties(subset=names, **{"text-align": "left"})
             .set_table_styles({c: [{"selector": "th", "props": "text-align: left;"}] for c in names}, overwrite=False))
    units = [c for c in names if c == "考评对象"]
    if units:
        s = s.set_properties(subset=units, **{"white-space": "nowrap"})
    return s
