"""Tables wider than an A4 page, shown in parts that fit it: each part repeats the key columns, the parts after the
first are marked 续表. The CSS classes set here (the report template's ``fit:`` block) let a part's headers wrap
(``fit``: on the lines :func:`~evalkit.publish.tables.headers` breaks them into, whose widths
decide the parts) or stand upright (``fit-vertical``, for a matrix whose columns are names), its cells never wrapping."""
from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd
from IPython.display import Markdown, display
from pandas.io.formats.style import Styler

from ..core.escape import styled
from .tables import column_chunks, column_widths, headers

VERTICAL_EM = 1.0 + 6 / 10.5
"""A column under an upright (vertical) header: one character and 3 px of padding each side (the template's
``fit-vertical`` class), in em."""


def vertical_widths(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Column widths (em) of a table whose columns other than ``keys`` have upright headers and one-character cells."""
    widths = column_widths(df[keys])
    return pd.concat([widths, pd.Series(VERTICAL_EM, index=[c for c in df.columns if c not in keys])])


def show_parts(df: pd.DataFrame, keys: list[str], *, header_lines: int = 3, vertical: bool = False,
               style: Callable[[pd.DataFrame], Styler] = styled) -> None:
    """Show ``df`` in as few parts as fit the page (:func:`~evalkit.publish.tables.column_chunks`), each starting with
    the ``keys`` columns; headers wrap on up to ``header_lines`` lines, or stand upright with ``vertical``."""
    if df.empty:
        display(Markdown("（无）"))
        return
    widths = vertical_widths(df, keys) if vertical else column_widths(df, header_lines)
    heads = {str(c): str(c) for c in df.columns} if vertical else headers(df, header_lines)
    for k, part in enumerate(column_chunks(df, keys, widths=widths)):
        if k:
            display(Markdown("续表："))
        display(style(part).format_index(lambda c: html.escape(heads[str(c)]), axis=1)  # the lines measured, no others
                .set_table_attributes(f'class="fit{" fit-vertical" if vertical else ""}"'))
