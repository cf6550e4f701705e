"""The value a spreadsheet shows for a formula whose cached value cannot be trusted: computed with the
``formulas`` library, or refused with the reason and the fix.

A formula's cached value is trusted when the workbook holds one and does not ask to be recalculated
on opening (``fullCalcOnLoad``, as xlsxwriter and openpyxl write it). Otherwise the formula is computed
here from the workbook's own cells, recursively through the formulas it refers to. Refused instead,
never guessed: a link to another workbook (cached or not: the other file may have changed), a volatile
function (``NOW``, ``RAND``, ``INDIRECT``, ``OFFSET`` …: the value depends on when or how it is read), a
circular reference, a function the ``formulas`` library does not implement, a result that is an array.

Formulas that differ only by where they stand (``=G2*0.8`` in H2, ``=G3*0.8`` in H3) are compiled once.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from openpyxl.formula.tokenizer import Tokenizer
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import range_boundaries

from .cells import Formula, cell_name

VOLATILE = frozenset({"NOW", "TODAY", "RAND", "RANDBETWEEN", "RANDARRAY", "INDIRECT", "OFFSET", "CELL", "INFO"})
"""Functions whose value depends on when or how the workbook is read: never computed by evalkit."""
_ANCHOR = (524287, 8191)  # formulas of one shape are compiled as if written in this cell (0-based)
_EXTERNAL = re.compile(r"\[([^\]]*)\]")
_EPOCH = dt.datetime(1899, 12, 30)


@dataclass(frozen=True)
class Refusal:
    """Why a formula's value is not used, and how to fix it, in English and Chinese."""

    en: str
    zh: str


@dataclass
class Sheet:
    """One sheet's cached values (a 0-based grid), its formulas and its error cells."""

    grid: list[list]
    formulas: dict[tuple[int, int], Formula]
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class Book:
    """The workbook as the evaluator sees it: sheets loaded on demand by ``load`` (name -> Sheet, or
    None if there is no such sheet), external links and defined names from the package."""

    load: Callable[[str], Sheet | None]
    sheet_names: tuple[str, ...]
    pending: bool
    links: dict[str, str]
    names: dict[str, str]
    _sheets: dict[str, Sheet | None] = field(default_factory=dict)
    _memo: dict[tuple[str, int, int], object] = field(default_factory=dict)
    _compiled: dict[str, object] = field(default_factory=dict)

    def sheet(self, name: str) -> tuple[str, Sheet | None]:
        """The sheet named ``name`` (case-insensitively, as Excel matches names)."""
        real = next((s for s in self.sheet_names if s.casefold() == name.strip("'").casefold()), name)
        if real not in self._sheets:
            self._sheets[real] = self.load(real)
        return real, self._sheets[real]


def _external(text: str, book: Book) -> Refusal | None:
    for token in Tokenizer(text).items:
        if token.type == "OPERAND" and token.subtype == "RANGE":
            found = _EXTERNAL.search(token.value) or (_EXTERNAL.search(book.names.get(token.value.upper(), "")))
            if found:
                target = book.links.get(found.group(1), f"[{found.group(1)}]")
                return Refusal(f"formula {text} takes its value from another workbook ({target}), which evalkit does not have and which may have changed; expected a value of this workbook: copy the cell and paste it as a value (Paste Special > Values)",
                               f"公式 {text} 引用了另一个工作簿（{target}）中的数据，该文件不随本表报送，其内容也可能已变化；请复制该单元格，再“选择性粘贴 > 数值”，改为直接填写的数值")
    return None


def _volatile(text: str) -> str | None:
    for token in Tokenizer(text).items:
        if token.type == "FUNC" and token.subtype == "OPEN":
            name = token.value.rstrip("(").upper().removeprefix("_XLFN.")
            if name in VOLATILE:
                return name
    return None


def needs_value(formula: Formula, book: Book) -> bool:
    """Whether evalkit must compute or refuse this formula rather than take its cached value."""
    return book.pending or not formula.cached or _external(formula.text, book) is not None


def evaluate(book: Book, sheet: str, row: int, column: int) -> object | Refusal:
    """The value a spreadsheet shows in ``sheet`` at (``row``, ``column``) (0-based), or why it is refused.

    An error value is returned as its text (``#DIV/0!``).
    """
    quiet = [logging.getLogger(n) for n in ("schedula", "formulas")]
    before = [q.disabled for q in quiet]
    for q in quiet:
        q.disabled = True
    try:
        return _value(book, sheet, row, column, ())
    finally:
        for q, b in zip(quiet, before):
            q.disabled = b


def _cached(sheet: Sheet, row: int, column: int) -> object:
    if (row, column) in sheet.errors:
        return _error(sheet.errors[(row, column)])
    value = sheet.grid[row][column] if row < len(sheet.grid) and column < len(sheet.grid[row]) else None
    if value is None or value == "":
        import schedula

        return schedula.EMPTY
    if isinstance(value, dt.datetime | dt.date) and not isinstance(value, dt.time):
        value = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        return (value - _EPOCH).total_seconds() / 86400
    if isinstance(value, dt.time | dt.timedelta):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400 if isinstance(value, dt.time) else value.total_seconds() / 86400
    return value


def _error(text: str) -> object:
    from formulas.tokens.operand import Error

    return Error.errors.get(text, Error.errors["#VALUE!"])


def _value(book: Book, name: str, row: int, column: int, stack: tuple) -> object | Refusal:
    real, sheet = book.sheet(name)
    if sheet is None:
        return Refusal(f"refers to a sheet {name!r} that the workbook does not have", f"引用了工作簿中不存在的工作表“{name}”")
    key = (real, row, column)
    formula = sheet.formulas.get((row, column))
    if formula is None or not needs_value(formula, book):
        return _cached(sheet, row, column)
    if key in book._memo:
        return book._memo[key]
    if key in stack or len(stack) > 60:
        where = "、".join(f"{s}!{cell_name(r, c)}" for s, r, c in stack if s == real)
        return Refusal(f"formula {formula.text} refers back to itself (a circular reference through {where.replace('、', ', ')}); expected a formula that can be computed: remove the circular reference or type the value",
                       f"公式 {formula.text} 存在循环引用（经过 {where}）；请消除循环引用，或直接填写数值")
    book._memo[key] = result = _compute(book, real, row, column, formula, (*stack, key))
    return result


def _compute(book: Book, sheet: str, row: int, column: int, formula: Formula, stack: tuple) -> object | Refusal:
    text = formula.text
    refused = _external(text, book)
    if refused:
        return refused
    fix_en, fix_zh = "open the file in Excel or WPS, let it recalculate (F9) and save it, or type the value", "请在 Excel 或 WPS 中打开，重新计算（F9）后保存，或直接填写数值"
    volatile = _volatile(text)
    if volatile:
        return Refusal(f"formula {text} uses {volatile}, whose value depends on when it is read, and the file holds no current value; expected a value: {fix_en}",
                       f"公式 {text} 使用了 {volatile} 函数，其结果随读取时间或方式而变，文件中没有当前结果；{fix_zh}")
    if formula.kind not in ("normal", "shared"):
        what, what_zh = {"array": ("array formula", "数组公式"), "dataTable": ("data table", "模拟运算表")}.get(formula.kind, ("shared formula", "共享公式"))
        return Refusal(f"{what} {text} has no current value that evalkit can compute; expected a value: {fix_en}",
                       f"{what_zh} {text} 没有当前结果，本系统也无法计算；{fix_zh}")
    anchor = cell_name(*_ANCHOR)
    try:
        shape = Translator(text, cell_name(row, column)).translate_formula(anchor)
        if shape not in book._compiled:
            import formulas

            book._compiled[shape] = formulas.Parser().ast(shape)[1].compile()
        function = book._compiled[shape]
        at = {_norm(v): i for i, v in reversed(list(enumerate(_ranges(shape))))}
        own = _ranges(text)  # the same references as the shape's, in the same order, as this cell writes them
        args = []
        for ref in function.inputs:
            i = at.get(_norm(str(ref)))
            if i is None or i >= len(own):
                if _is_range(str(ref).rpartition("!")[2]):  # never a reference as compiled at the anchor
                    raise ValueError(f"reference {ref} not found in the formula")
                value = _reference(book, sheet, str(ref), stack)  # a defined name: where it stands does not matter
            else:
                value = _reference(book, sheet, own[i], stack)
            if isinstance(value, Refusal):
                return value
            args.append(value)
        result = np.asarray(function(*args), dtype=object)
    except Exception as exc:  # the formulas library raises many kinds for what it cannot compute
        reason = type(exc).__name__ if not str(exc) else str(exc).splitlines()[0][:80]
        return Refusal(f"formula {text} cannot be computed by evalkit ({reason}) and the file holds no current value; expected a value: {fix_en}",
                       f"公式 {text} 无法由本系统计算，文件中也没有当前结果；{fix_zh}")
    if result.size != 1:
        return Refusal(f"formula {text} gives several values (an array); expected one value: {fix_en}",
                       f"公式 {text} 返回多个值（数组）；应为单个数值，{fix_zh}")
    return _plain(result.ravel()[0])


def _plain(value: object) -> object:
    import schedula
    from formulas.tokens.operand import XlError

    if isinstance(value, XlError):
        return str(value)
    if value is schedula.EMPTY:
        return 0.0
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | np.floating | int | float):
        return float(value)
    return str(value)


def _ranges(text: str) -> list[str]:
    return [t.value for t in Tokenizer(text).items if t.type == "OPERAND" and t.subtype == "RANGE"]


def _norm(ref: str) -> str:
    """A reference as the formulas library names a compiled function's input.

    >>> _norm("'Sheet 2'!$B$1"), _norm("评分表!G2"), _norm("G2:G2")
    ('SHEET 2!B1', '评分表!G2', 'G2')
    """
    ref = ref.replace("$", "").replace("'", "").upper()
    where, bang, cells = ref.rpartition("!")
    first, colon, last = cells.partition(":")
    return f"{where}{bang}{first}" if colon and first == last else ref


def _reference(book: Book, sheet: str, ref: str, stack: tuple) -> object | Refusal:
    """The value of one reference of a formula (a cell, a range or a defined name), as the cell writes it."""
    where, _, target = ref.rpartition("!")
    if not _is_range(target):
        defined = book.names.get(ref.upper())
        if defined is None or not _is_range(defined.rpartition("!")[2].replace("$", "")):
            return Refusal(f"refers to the name {ref!r}, which is not a range of this workbook", f"引用的名称“{ref}”不是本工作簿中的单元格区域")
        where, _, target = defined.rpartition("!")
    target = target.replace("$", "")
    name = where.strip("'") or sheet
    real, data = book.sheet(name)
    if data is None:
        return Refusal(f"refers to a sheet {name!r} that the workbook does not have", f"引用了工作簿中不存在的工作表“{name}”")
    c1, r1, c2, r2 = range_boundaries(target)
    if r1 is None:  # whole columns: as far as the sheet has rows
        r1, r2 = 1, max(len(data.grid), 1)
    if c1 is None:
        c1, c2 = 1, max((len(r) for r in data.grid), default=1)
    if (r2 - r1 + 1) * (c2 - c1 + 1) > 1_000_000:
        return Refusal(f"refers to the range {target}, more than a million cells", f"引用的区域 {target} 超过一百万个单元格")
    values = [[_value(book, real, r - 1, c - 1, stack) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
    refused = next((v for line in values for v in line if isinstance(v, Refusal)), None)
    if refused:
        return refused
    if ":" not in target:
        return values[0][0]
    return np.array(values, dtype=object)


def _is_range(text: str) -> bool:
    return re.fullmatch(r"\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?\d+:\$?\d+", text) is not None


__all__ = ["Book", "Refusal", "Sheet", "VOLATILE", "evaluate", "needs_value"]
