"""One reading path for every ``.xlsx``, whichever program wrote it (Excel, WPS, LibreOffice, an online
sheet's export, xlsxwriter, openpyxl, pandas): the table's sheet and its cells as a spreadsheet shows
them, and what a person must be told about them.

The table is the first visible sheet. Values come from python-calamine (or openpyxl); the sheet's XML is
scanned (:mod:`evalkit.inputs.cells`) when it holds formulas, error values, percentages, merged cells,
hidden rows or columns. A formula's value is its cached value when that can be trusted, else computed or
refused (:mod:`evalkit.inputs.recalc`). Every finding that is not a plain value is a :class:`Flag`:
located, said in English and Chinese with its fix, and naming the cells whose values it withholds.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .cells import Facts, cell_name, scan, special
from .package import Package, SheetInfo, inspect
from .recalc import Book, Refusal, Sheet, evaluate, needs_value

Engine = Literal["calamine", "openpyxl"]


@dataclass(frozen=True)
class Flag:
    """A finding about cells of the table: where (Excel ``row``, 0-based ``columns``; none for whole rows),
    what and the fix (``en``, ``zh``), and the cells (Excel row, column) or whole rows it withholds."""

    row: int
    columns: tuple[int, ...]
    en: str
    zh: str
    cells: frozenset[tuple[int, int]] = frozenset()
    rows: frozenset[int] = frozenset()


@dataclass
class Read:
    """A workbook as read: the table's sheet, its cells, the template's metadata, other sheets with data."""

    sheet: str
    grid: list[list]
    meta: dict[str, str] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)  # visible sheets besides the table that hold data
    hidden: list[SheetInfo] = field(default_factory=list)  # hidden sheets that hold data
    percent: set[tuple[int, int]] = field(default_factory=set)  # 0-based cells shown as a percentage
    flags: list[Flag] = field(default_factory=list)


def _values(engine: Engine, path: Path):
    """A function sheet name -> its cells as a 0-based grid (None: no such sheet), and a closer."""
    if engine == "calamine":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        names = set(wb.sheet_names)
        return (lambda n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) if n in names else None), wb.close
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    return (lambda n: [list(r) for r in wb[n].iter_rows(min_row=1, min_col=1, values_only=True)] if n in wb.sheetnames else None), wb.close


def read_workbook(path: Path, engine: Engine, own_sheets: tuple[str, ...], meta_sheet: str, has_data) -> Read:
    """Read ``path``; ``own_sheets`` hold no data (evalkit's instructions and ``meta_sheet``), ``has_data``
    says whether a grid holds any value. Raises the parsers' exceptions on a damaged workbook."""
    with zipfile.ZipFile(path) as z:
        pkg = inspect(z)
        sheets = [s for s in pkg.sheets if s.name]
        table = next((s for s in sheets if s.visible and s.name not in own_sheets), None) or next(
            (s for s in sheets if s.name not in own_sheets), None)
        if table is None:
            raise ValueError("the workbook has no sheet")
        data = z.read(table.part) if table.part in z.namelist() else b""
        facts = scan(data, pkg.percent_styles) if special(data, pkg.percent_styles) else Facts()
        load, close = _values(engine, path)
        try:
            grid = [list(r) for r in (load(table.name) or [])]
            read = Read(table.name, grid)
            if meta_sheet in {s.name for s in sheets}:
                read.meta = {_key(r[0]): _key(r[1]) for r in load(meta_sheet) or [] if len(r) >= 2}
            for s in sheets:
                if s.name != table.name and s.name not in own_sheets and has_data(load(s.name) or []):
                    if s.visible:
                        read.others.append(s.name)
                    else:
                        read.hidden.append(s)
            _formulas(read, facts, pkg, z, table, load)
        finally:
            close()
    for (r, c), text in facts.errors.items():
        _put(read.grid, r, c, text)
    read.percent = set(facts.percent)
    _merged(read, facts)
    _hidden(read, facts)
    return read


def _key(value) -> str:
    return "" if value is None else str(value).strip()


def _put(grid: list[list], row: int, column: int, value) -> None:
    while len(grid) <= row:
        grid.append([])
    line = grid[row]
    while len(line) <= column:
        line.append(None)
    line[column] = value


def _formulas(read: Read, facts: Facts, pkg: Package, z: zipfile.ZipFile, table: SheetInfo, load) -> None:
    """Replace each formula's cached value that cannot be trusted by its computed value, or flag it."""
    parts = {s.name: s.part for s in pkg.sheets}

    def sheet(name: str) -> Sheet | None:
        if name == table.name:
            return Sheet(read.grid, facts.formulas, facts.errors)
        grid = load(name)
        if grid is None:
            return None
        part = parts.get(name, "")
        other = scan(z.read(part), frozenset()) if part in z.namelist() else Facts()
        return Sheet([list(r) for r in grid], other.formulas, other.errors)

    book = Book(sheet, tuple(parts), pkg.recalc_pending, pkg.links, pkg.names)
    computed = {}
    for (r, c), formula in facts.formulas.items():
        if needs_value(formula, book):
            computed[(r, c)] = evaluate(book, table.name, r, c)
    for (r, c), value in computed.items():
        if isinstance(value, Refusal):
            _put(read.grid, r, c, "")
            read.flags.append(Flag(r + 1, (c,), f"cell {cell_name(r, c)}: {value.en}", f"单元格 {cell_name(r, c)}：{value.zh}",
                                   cells=frozenset({(r + 1, c)})))
        else:
            _put(read.grid, r, c, value)


def _merged(read: Read, facts: Facts) -> None:
    """Merged cells: the first cell's value is shown in all of them; withheld, and named with the fix."""
    for r1, c1, r2, c2 in facts.merged:
        ref = f"{cell_name(r1, c1)}:{cell_name(r2, c2)}"
        first = read.grid[r1][c1] if r1 < len(read.grid) and c1 < len(read.grid[r1]) else None
        r2, c2 = min(r2, max(len(read.grid) - 1, r1)), min(c2, max((len(x) for x in read.grid), default=0) + 1, c1 + 1000)
        cells = set()
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if r > 0:
                    cells.add((r + 1, c))
                    _put(read.grid, r, c, first)
        read.flags.append(Flag(r1 + 1, tuple(range(c1, c2 + 1)),
                               f"cells {ref} are merged; expected one value in each cell: select them, unmerge them (Home > Merge & Center > Unmerge Cells) and type the value into each row",
                               f"单元格 {ref} 为合并单元格；每个单元格应各填一个值：请选中后取消合并（开始 > 合并居中 > 取消合并单元格），并在每一行分别填写",
                               cells=frozenset(cells)))


def _filled(value) -> bool:
    return value is not None and str(value).strip() != ""


def _hidden(read: Read, facts: Facts) -> None:
    """Hidden rows and columns that hold data: named with the way to show them; a hidden row is withheld."""
    rows = sorted(r for r in facts.hidden_rows if r < len(read.grid) and any(_filled(v) for v in read.grid[r]))
    runs: list[list[int]] = []
    for r in rows:
        if runs and runs[-1][-1] == r - 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    for run in runs:
        a, b = run[0] + 1, run[-1] + 1
        which, which_zh = (f"row {a}", f"第 {a} 行") if a == b else (f"rows {a}-{b}", f"第 {a} 至 {b} 行")
        if facts.filtered:
            en = f"{which} hidden by a filter and hold{'s' if a == b else ''} data; expected every row in view: clear the filter (Data > Filter > Clear), check {'it' if a == b else 'them'} and save"
            zh = f"{which_zh}被筛选隐藏，其中有数据；请清除筛选（数据 > 筛选 > 全部显示），核对后保存"
        else:
            en = f"{which} {'is' if a == b else 'are'} hidden and hold{'s' if a == b else ''} data; expected every row in view: select the rows around, right-click > Unhide, check {'it' if a == b else 'them'} and delete what should not be submitted"
            zh = f"{which_zh}被隐藏，其中有数据；请选中其上下相邻的行，右键单击选择“取消隐藏”，核对后删除不应报送的行"
        read.flags.append(Flag(a, (), en.replace(" hidden by", " is hidden by" if a == b else " are hidden by"), zh,
                               rows=frozenset(r + 1 for r in run)))
    for c in sorted(facts.hidden_columns):
        if any(c < len(line) and _filled(line[c]) for line in read.grid):
            letter = cell_name(0, c)[:-1]
            read.flags.append(Flag(1, (c,), f"column {letter} is hidden and holds data; expected every column in view: select the columns on either side, right-click > Unhide, and check its values",
                                   f"第 {letter} 列被隐藏，其中有数据；请选中其左右相邻的列，右键单击选择“取消隐藏”，核对其中的数据"))
