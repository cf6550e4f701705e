"""Reading one input table (``.csv`` or the first sheet of an ``.xlsx``) as strings with Excel row numbers.

Workbooks come from outside: a file above :data:`MAX_BYTES` (or that unzips past
:data:`MAX_UNZIPPED`) is refused before parsing, and openpyxl parses with defusedxml installed.
Values are read with python-calamine (fast); openpyxl is used only to locate formula cells that
have no cached value, and as the alternative ``engine``.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from .errors import Problem

MAX_BYTES = 20 * 2**20
MAX_UNZIPPED = 200 * 2**20
META_SHEET = "_evalkit"
"""Hidden sheet of evalkit's templates: key/value rows (城市, 期间, 类型, 牵头考核单位, 示例数据)."""
Engine = Literal["calamine", "openpyxl"]
_FORMULA = re.compile(rb"<f[ >]")


@dataclass
class Table:
    """A table's cells as read; ``rows`` has the header's columns plus ``row`` (Excel's number)."""

    file: str
    sheet: str | None
    rows: pd.DataFrame
    meta: dict[str, str] = field(default_factory=dict)

    def text(self, columns: list[str]) -> pd.DataFrame:
        """``columns`` (and ``row``) as the stripped text a person sees in each cell."""
        out = self.rows[columns].map(_text)
        return out.assign(row=self.rows["row"])


def read_table(path: Path, name: str, problems: list[Problem], engine: Engine = "calamine") -> Table | None:
    """Read ``path`` (shown as ``name`` in messages); None, with problems appended, if it cannot be used."""
    size = path.stat().st_size
    if size == 0:
        problems.append(Problem(name, "empty file; expected a header row and data rows", zh="文件为空;应有表头行和数据行"))
        return None
    if size > MAX_BYTES:
        problems.append(Problem(name, f"file is {size / 2**20:.1f} MiB; expected at most {MAX_BYTES // 2**20} MiB",
                                zh=f"文件大小 {size / 2**20:.1f} MiB,超过上限 {MAX_BYTES // 2**20} MiB"))
        return None
    if path.suffix.lower() == ".csv":
        return _read_csv(path, name, problems)
    return _read_xlsx(path, name, problems, engine)


def _read_csv(path: Path, name: str, problems: list[Problem]) -> Table | None:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", header=None)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem(name, f"cannot be read as a UTF-8 CSV table ({type(exc).__name__}); expected a header row and data rows",
                                zh="无法按 UTF-8 编码的 CSV 表格读取;应有表头行和数据行"))
        return None
    return _frame(name, None, raw.values.tolist(), {}, problems)


def _read_xlsx(path: Path, name: str, problems: list[Problem], engine: Engine) -> Table | None:
    unreadable = Problem(name, "cannot be read as an Excel workbook (.xlsx); save it again from Excel or WPS as .xlsx",
                         zh="无法作为 Excel 工作簿(.xlsx)读取;请用 Excel 或 WPS 另存为 .xlsx 后重新报送")
    try:
        with zipfile.ZipFile(path) as z:
            unzipped = sum(i.file_size for i in z.infolist())
            has_formulas = any(_FORMULA.search(z.read(i)) for i in z.infolist() if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")) \
                if unzipped <= MAX_UNZIPPED else False
    except (zipfile.BadZipFile, OSError):
        problems.append(unreadable)
        return None
    if unzipped > MAX_UNZIPPED:
        problems.append(Problem(name, f"workbook unpacks to {unzipped / 2**20:.0f} MiB; expected at most {MAX_UNZIPPED // 2**20} MiB",
                                zh=f"工作簿解压后 {unzipped / 2**20:.0f} MiB,超过上限 {MAX_UNZIPPED // 2**20} MiB"))
        return None
    try:
        sheet, cells, meta = (_calamine if engine == "calamine" else _openpyxl)(path)
    except Exception:  # any parser failure on a corrupt workbook: report it, never crash the batch
        problems.append(unreadable)
        return None
    table = _frame(name, sheet, cells, meta, problems)
    if table is not None and has_formulas:
        _uncached_formulas(path, table)
    return table


def _calamine(path: Path) -> tuple[str, list[list], dict[str, str]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        first = wb.get_sheet_by_index(0)
        cells = first.to_python(skip_empty_area=False)
        meta = {}
        if META_SHEET in wb.sheet_names:
            meta = {_text(r[0]): _text(r[1]) for r in wb.get_sheet_by_name(META_SHEET).to_python() if len(r) >= 2}
        return first.name, cells, meta
    finally:
        wb.close()


def _openpyxl(path: Path) -> tuple[str, list[list], dict[str, str]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        cells = [list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
        meta = {}
        if META_SHEET in wb.sheetnames:
            meta = {_text(r[0]): _text(r[1]) for r in wb[META_SHEET].iter_rows(values_only=True) if len(r) >= 2}
        return ws.title, cells, meta
    finally:
        wb.close()


def _text(value) -> str:
    """A cell as the text a person sees: 25.0 -> '25', 2/3 -> its shortest exact repr."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


def _frame(name: str, sheet: str | None, cells: list[list], meta: dict[str, str], problems: list[Problem]) -> Table | None:
    header_at = next((i for i, r in enumerate(cells) if any(_text(v) for v in r)), None)
    if header_at is None:
        problems.append(Problem(name, "no data: the sheet is empty; expected a header row and data rows", sheet=sheet,
                                zh="没有数据:工作表为空;应有表头行和数据行"))
        return None
    if header_at != 0:
        problems.append(Problem(name, "the header row is not row 1; expected the column names in row 1", row=header_at + 1, sheet=sheet,
                                zh="表头不在第1行;列名应位于第1行"))
        return None
    width = max(len(r) for r in cells)
    header = [_text(v) for v in cells[0]] + [""] * (width - len(cells[0]))
    rows = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in cells[1:]], columns=range(width), dtype=object)
    rows.columns = [h or f"<column {i + 1}>" for i, h in enumerate(header)]
    rows = rows.loc[:, ~rows.columns.duplicated()]
    filled = rows.notna() & (rows != "")
    rows["row"] = rows.index.to_numpy() + 2
    rows = rows[filled.any(axis=1)]  # blank lines are not rows
    return Table(name, sheet, rows.reset_index(drop=True), meta)


def _uncached_formulas(path: Path, table: Table) -> None:
    """Put the text of formula cells that have no cached value into the table, so the value check
    reports them where they are (:func:`uncached_formulas` tells them apart)."""
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        header = [c.value for c in next(formulas.worksheets[0].iter_rows(max_row=1))]
        at = pd.Series(table.rows.index, index=table.rows["row"])
        for f_row, v_row in zip(formulas.worksheets[0].iter_rows(min_row=2), values.worksheets[0].iter_rows(min_row=2)):
            for f, v in zip(f_row, v_row):
                if isinstance(f.value, str) and f.value.startswith("=") and v.value is None and f.row in at.index \
                        and f.column <= len(header) and header[f.column - 1] in table.rows.columns:
                    table.rows.loc[at[f.row], header[f.column - 1]] = f.value
    finally:
        formulas.close()
        values.close()


def uncached_formulas(text: pd.Series) -> pd.Series:
    """True for cells that hold a formula with no computed value (see :func:`_uncached_formulas`)."""
    return text.astype(str).str.startswith("=").astype(bool)
