"""How the explore app names and lays out what it shows: aspects and indicators with their names, tables
with left-aligned text that never wraps a name one character per line, and errors in Chinese."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from ..core import paths
from ..core.errors import EvalkitError, InputError
from ..core.escape import NAME_COLUMNS, styled
from ..framework.model import Framework

LONG_TEXT = ("指标内容", "问题", "内容", "原因")
"""Columns of sentences: left-aligned, wrapped at a readable width (never one character per line)."""


def aspect_label(fw: Framework, aspect: str) -> str:
    """An aspect as （一）name, so that the numeral 一 is never taken for the dash of a missing value.

    >>> from types import SimpleNamespace
    >>> aspect_label(SimpleNamespace(aspects=pd.DataFrame({"id": ["一"], "name": ["政务服务“一网通办”"]})), "一")
    '（一）政务服务“一网通办”'
    """
    names = dict(zip(fw.aspects["id"], fw.aspects["name"]))
    return f"（{aspect}）{names.get(aspect, '')}"


def indicator_label(fw: Framework, indicator: Any, width: int = 24) -> str:
    """An indicator as its number and the start of its text, e.g. ``12 建设…``; the number alone when it has no text."""
    text = dict(zip(fw.indicators["id"].astype(str), fw.indicators["text"].astype(str))).get(str(indicator), "").strip()
    return f"{indicator} {text[:width]}{'…' if len(text) > width else ''}".strip()


def table(df: pd.DataFrame, **fmt: Any) -> Styler:
    """A table of the app: as the report's (:func:`evalkit.core.escape.styled`), every text column and header left-aligned,
    names on one line, sentences wrapped at a readable width."""
    s = styled(df, **fmt)
    text = [c for c in df.columns if c in NAME_COLUMNS or not pd.api.types.is_numeric_dtype(df[c])]
    long = [c for c in text if c in LONG_TEXT]
    short = [c for c in text if c not in long]
    styles = [{"selector": "th", "props": "text-align: left; white-space: nowrap;"},
              {"selector": "td", "props": "padding: 2px 8px;"}]
    s = s.set_table_styles(styles, overwrite=False)
    if short:
        s = s.set_properties(subset=short, **{"text-align": "left", "white-space": "nowrap"})
    if long:
        s = s.set_properties(subset=long, **{"text-align": "left", "white-space": "normal", "min-width": "12em", "max-width": "28em"})
    return s


def chinese_error(exc: EvalkitError) -> str:
    """What went wrong, in Chinese for the reader: an input error's problems each with their Chinese message."""
    if isinstance(exc, InputError):
        lines = [f"{_shown(p.file)}：{p.zh or p.message}" for p in exc.problems]
        return "无法读取本期考评数据：" + "；".join(lines) + "。"
    text = str(exc)
    if "period" in text and "expected a half-year" in text:
        return "考评期格式不正确：应为半年期间，如 2022H1、2022H2。"
    return f"无法完成考评：{text}"


def _shown(file: str) -> str:
    """A path as the reader knows it: relative to the project folder when it is inside."""
    try:
        return str(Path(file).resolve().relative_to(paths.ROOT))
    except ValueError:
        return file
