"""The problems of one reading, in bounded memory and time: the first :data:`LIMIT` listed in full, the
rest counted by file, sheet and column and summarised in one line each, with the first of them as an
example of their kind.

>>> log = Problems(limit=2)
>>> for row in range(2, 7):
...     log.append(Problem("a.xlsx", f"bad {row}", row=row, column="得分", zh=f"错误 {row}"))
>>> [p.row for p in log], log.hidden
([2, 3], 3)
>>> [str(p) for p in log.summary()]
["a.xlsx, column '得分': 3 more problem(s) in rows 4-6 not listed one by one (only the first 2 problems are listed); the first: row 4: bad 4. Fix the problems listed, then check the file again"]
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.errors import Problem

LIMIT = 1000
"""How many problems a reading lists in full; past it, they are counted and summarised."""


@dataclass
class _Group:
    count: int
    first: int | None
    last: int | None
    example: Problem | None


class Problems(list):
    """A list of :class:`Problem` that holds at most ``limit``; the others are counted by (file, sheet, column)."""

    def __init__(self, limit: int | None = None):
        super().__init__()
        self.limit = LIMIT if limit is None else limit
        self.groups: dict[tuple[str, str | None, str | None], _Group] = {}

    @property
    def full(self) -> bool:
        """Whether further problems are only counted."""
        return len(self) >= self.limit

    @property
    def hidden(self) -> int:
        """How many problems are counted but not listed."""
        return sum(g.count for g in self.groups.values())

    def append(self, problem: Problem) -> None:
        if not self.full:
            super().append(problem)
        else:
            self.count(problem.file, problem.sheet, problem.column, [problem.row] if problem.row is not None else [], 1, problem)

    def extend(self, problems) -> None:
        for p in problems:
            self.append(p)

    def __iadd__(self, problems):
        self.extend(problems)
        return self

    def count(self, file: str, sheet: str | None, column: str | None, rows, n: int, example: Problem | None = None) -> None:
        """Count ``n`` problems in ``rows`` of one file, sheet and column without listing them."""
        rows = [int(r) for r in rows]
        g = self.groups.setdefault((file, sheet, column), _Group(0, None, None, None))
        g.count += n
        if rows:
            g.first = min(rows) if g.first is None else min(g.first, min(rows))
            g.last = max(rows) if g.last is None else max(g.last, max(rows))
        if g.example is None:
            g.example = example

    def count_rows(self, df: pd.DataFrame, column: str, example) -> None:
        """Count one problem per row of ``df`` (``file``, ``sheet``, ``row``), ``example(first row)`` as their example."""
        for (file, sheet), part in df.groupby(["file", "sheet"], dropna=False, sort=False):
            first = part.iloc[0]
            self.count(file, None if pd.isna(sheet) else sheet, column, [part["row"].min(), part["row"].max()], len(part), example(first))

    def summary(self) -> list[Problem]:
        """One problem per (file, sheet, column) of the problems counted but not listed."""
        out = []
        for (file, sheet, column), g in self.groups.items():
            rows = "" if g.first is None else f" in row {g.first}" if g.first == g.last else f" in rows {g.first}-{g.last}"
            rows_zh = "" if g.first is None else f"（第 {g.first} 行）" if g.first == g.last else f"（第 {g.first} 至 {g.last} 行）"
            first = f"; the first: {'' if g.example is None or g.example.row is None else f'row {g.example.row}: '}{g.example.message}" if g.example else ""
            first_zh = f"；其中第一个：{'' if g.example is None or g.example.row is None else f'第 {g.example.row} 行，'}{g.example.zh}" if g.example else ""
            out.append(Problem(file, f"{g.count} more problem(s){rows} not listed one by one (only the first {self.limit} problems are listed){first}. "
                                     "Fix the problems listed, then check the file again",
                               column=column, sheet=sheet,
                               zh=f"另有 {g.count} 个问题{rows_zh}未逐条列出（仅列出前 {self.limit} 个问题）{first_zh}。请先按已列出的问题修改，再重新检查"))
        return out

    def listed(self) -> list[Problem]:
        """The problems listed, then the summary of the others."""
        return list(self) + self.summary()
