"""Reading one input table (``.csv`` or the first sheet of an ``.xlsx``) as strings with Excel row numbers.

Workbooks come from outside: a file above :data:`MAX_BYTES` (or that unzips past
:data:`MAX_UNZIPPED`) is refused before parsing, and openpyxl parses with defusedxml installed.
Values are read with python-calamine (fast); openpyxl reads the cells that need more than a value
(a formula with no cached value, an error such as ``#DIV/0!``, a percent number format) when the
workbook has any, and is the alternative ``engine``.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
from openpyxl.utils import get_column_letter

from ..core.errors import Problem
from .schema import INSTRUCTION_SHEETS

MAX_BYTES = 20 * 2**20
MAX_UNZIPPED = 200 * 2**20
META_SHEET = "_evalkit"
"""Hidden sheet of evalkit's templates: key/value rows (城市, 期间, 类型, 牵头考核单位, 示例数据)."""
OWN_SHEETS = (META_SHEET, *INSTRUCTION_SHEETS)
"""Sheets of evalkit's templates besides the table: their contents are not data."""
Engine = Literal["calamine", "openpyxl"]
_FORMULA = re.compile(rb"<f[ >]")
_ERROR = re.compile(rb'<c [^>]*t="e"')
_PERCENT = re.compile(rb'formatCode="[^"]*%|<xf [^>]*numFmtId="(?:9|10)"')
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an old .xls, or an encrypted workbook
ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!", "#CALC!")


@dataclass
class Table:
    """A table's cells as read; ``rows`` has the header's columns plus ``row`` (Excel's number)."""

    file: str
    sheet: str | None
    rows: pd.DataFrame
    meta: dict[str, str] = field(default_factory=dict)
    percent: frozenset[tuple[int, str]] = frozenset()  # (Excel row, header) of cells formatted as a percentage
    other_sheets: tuple[str, ...] = ()  # further sheets that hold data (not evalkit's own)

    def text(self, columns: list[str]) -> pd.DataFrame:
        """``columns`` (and ``row``) as the stripped text a person sees in each cell."""
        out = self.rows[columns].map(_text)
        return out.assign(row=self.rows["row"])


def read_table(path: Path, name: str, problems: list[Problem], engine: Engine = "calamine") -> Table | None:
    """Read ``path`` (shown as ``name`` in messages); None, with problems appended, if it cannot be used."""
    size = path.stat().st_size
    if size == 0:
        problems.append(Problem(name, "empty file; expected a header row and data rows", zh="文件为空；应有表头行和数据行"))
        return None
    if size > MAX_BYTES:
        problems.append(Problem(name, f"file is {size / 2**20:.1f} MiB; expected at most {MAX_BYTES // 2**20} MiB",
                                zh=f"文件大小 {size / 2**20:.1f} MiB，超过上限 {MAX_BYTES // 2**20} MiB"))
        return None
    if path.suffix.lower() == ".csv":
        return _read_csv(path, name, problems)
    return _read_xlsx(path, name, problems, engine)


def _read_csv(path: Path, name: str, problems: list[Problem]) -> Table | None:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
            en, zh = "is saved in a Chinese encoding (GBK); save it as \"CSV UTF-8\"", "以中文编码（GBK）保存；请另存为“CSV UTF-8（逗号分隔）”格式"
        except UnicodeDecodeError:
            en, zh = "is not text in UTF-8; save it as \"CSV UTF-8\"", "不是 UTF-8 编码的文本；请另存为“CSV UTF-8（逗号分隔）”格式"
        problems.append(Problem(name, en, zh=zh))
        return None
    first = text.split("\n", 1)[0]
    for sep, en, zh in ((";", "semicolons", "分号"), ("\t", "tabs", "制表符")):
        if sep in first and "," not in first:
            problems.append(Problem(name, f"columns are separated by {en}; expected commas: save it as \"CSV UTF-8 (comma delimited)\"", row=1,
                                    zh=f"各列以{zh}分隔，应以逗号分隔；请另存为“CSV UTF-8（逗号分隔）”格式"))
            return None
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem(name, f"cannot be read as a CSV table ({str(exc).strip()}); expected a header row and data rows, each with the same number of commas",
                                zh="无法按 CSV 表格读取；应有表头行和数据行，每行的逗号数相同"))
        return None
    return _frame(name, None, raw.values.tolist(), {}, problems)


def _read_xlsx(path: Path, name: str, problems: list[Problem], engine: Engine) -> Table | None:
    unreadable = Problem(name, "cannot be read as an Excel workbook (.xlsx); save it again from Excel or WPS as .xlsx",
                         zh="无法作为 Excel 工作簿（.xlsx）读取；请用 Excel 或 WPS 另存为 .xlsx 后重新报送")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE:
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in path.read_bytes():
            problems.append(Problem(name, "the workbook is protected by a password; remove the password (File > Info > Protect Workbook) and save again",
                                    zh="工作簿设有打开密码；请取消密码（文件 > 信息 > 保护工作簿）后重新保存报送"))
        else:
            problems.append(Problem(name, "an old Excel 97-2003 workbook (.xls) named .xlsx; save it from Excel or WPS as .xlsx",
                                    zh="这是旧版 Excel 97-2003 工作簿（.xls），仅扩展名为 .xlsx；请用 Excel 或 WPS 另存为 .xlsx"))
        return None
    try:
        with zipfile.ZipFile(path) as z:
            unzipped = sum(i.file_size for i in z.infolist())
            if unzipped <= MAX_UNZIPPED:
                sheets = b"".join(z.read(i) for i in z.infolist() if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"))
                styles = z.read("xl/styles.xml") if "xl/styles.xml" in z.namelist() else b""
                special = bool(_FORMULA.search(sheets) or _ERROR.search(sheets) or _PERCENT.search(styles))
    except (zipfile.BadZipFile, OSError, KeyError):
        problems.append(unreadable)
        return None
    if unzipped > MAX_UNZIPPED:
        problems.append(Problem(name, f"workbook unpacks to {unzipped / 2**20:.0f} MiB; expected at most {MAX_UNZIPPED // 2**20} MiB",
                                zh=f"工作簿解压后 {unzipped / 2**20:.0f} MiB，超过上限 {MAX_UNZIPPED // 2**20} MiB"))
        return None
    try:
        sheet, cells, meta, others = (_calamine if engine == "calamine" else _openpyxl)(path)
    except Exception:  # any parser failure on a corrupt workbook: report it, never crash the batch
        problems.append(unreadable)
        return None
    table = _frame(name, sheet, cells, meta, problems)
    if table is None:
        return None
    table.other_sheets = tuple(others)
    return _special_cells(path, table) if special else table


def _has_data(rows) -> bool:
    return any(_text(v) for r in rows for v in r)


def _calamine(path: Path) -> tuple[str, list[list], dict[str, str], list[str]]:
    """The first sheet's cells, the template's metadata, and the names of further sheets with data."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        first = wb.get_sheet_by_index(0)
        cells = first.to_python(skip_empty_area=False)
        meta = {}
        if META_SHEET in wb.sheet_names:
            meta = {_text(r[0]): _text(r[1]) for r in wb.get_sheet_by_name(META_SHEET).to_python() if len(r) >= 2}
        others = [n for n in wb.sheet_names[1:] if n not in OWN_SHEETS and _has_data(wb.get_sheet_by_name(n).to_python())]
        return first.name, cells, meta, others
    finally:
        wb.close()


def _openpyxl(path: Path) -> tuple[str, list[list], dict[str, str], list[str]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        cells = [list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
        meta = {}
        if META_SHEET in wb.sheetnames:
            meta = {_text(r[0]): _text(r[1]) for r in wb[META_SHEET].iter_rows(values_only=True) if len(r) >= 2}
        others = [n for n in wb.sheetnames[1:] if n not in OWN_SHEETS and _has_data(wb[n].iter_rows(values_only=True))]
        return ws.title, cells, meta, others
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
                                zh="没有数据：工作表为空；应有表头行和数据行"))
        return None
    if header_at != 0:
        problems.append(Problem(name, "the header row is not row 1; expected the column names in row 1", row=header_at + 1, sheet=sheet,
                                zh="表头不在第1行；列名应位于第1行"))
        return None
    width = max(len(r) for r in cells)
    header = [_text(v) for v in cells[0]] + [""] * (width - len(cells[0]))
    rows = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in cells[1:]], columns=range(width), dtype=object)
    rows.columns = [h or f"<column {i + 1}>" for i, h in enumerate(header)]
    for h in sorted({h for h in header if h and header.count(h) > 1}):
        where = "、".join(get_column_letter(i + 1) for i, x in enumerate(header) if x == h)
        problems.append(Problem(name, f"column {h!r} appears more than once (columns {where.replace('、', ', ')}); expected it once: delete or rename the others",
                                row=1, column=h, sheet=sheet, zh=f"列“{h}”出现多次（第 {where} 列）；每列只应出现一次，请删除或改名"))
    if len(set(header) - {""}) < len([h for h in header if h]):
        return None
    filled = rows.notna() & (rows != "")
    rows["row"] = rows.index.to_numpy() + 2
    rows = rows[filled.any(axis=1)]  # blank lines are not rows
    return Table(name, sheet, rows.reset_index(drop=True), meta)


def _special_cells(path: Path, table: Table) -> Table:
    """Cells a value alone does not describe, read with openpyxl: a formula with no cached value and an
    error value (``#DIV/0!``) are put into the table as their text, so the value check reports them where
    they are; cells formatted as a percentage are listed in ``percent``."""
    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    percent = set()
    try:
        header = [_text(c.value) for c in next(formulas.worksheets[0].iter_rows(max_row=1))]
        at = pd.Series(table.rows.index, index=table.rows["row"])
        for f_row, v_row in zip(formulas.worksheets[0].iter_rows(min_row=2), values.worksheets[0].iter_rows(min_row=2)):
            for f, v in zip(f_row, v_row):
                column = header[f.column - 1] if f.column <= len(header) else None
                if column not in table.rows.columns or v.row not in at.index:
                    continue
                if isinstance(f.value, str) and f.value.startswith("=") and v.value is None:
                    table.rows.loc[at[v.row], column] = f.value
                elif v.data_type == "e":
                    table.rows.loc[at[v.row], column] = str(v.value)
                elif isinstance(v.value, (int, float)) and "%" in (v.number_format or "").replace('"%"', ""):
                    percent.add((v.row, column))
    finally:
        formulas.close()
        values.close()
    table.percent = frozenset(percent)
    return table


def uncached_formulas(text: pd.Series) -> pd.Series:
    """True for cells that hold a formula with no computed value (see :func:`_special_cells`)."""
    return text.astype(str).str.startswith("=").astype(bool)


def error_values(text: pd.Series) -> pd.Series:
    """True for cells that hold a spreadsheet error such as ``#DIV/0!`` (see :func:`_special_cells`).

    >>> error_values(pd.Series(["#DIV/0!", "12", "#N/A"])).tolist()
    [True, False, True]
    """
    return text.astype(str).isin(ERROR_VALUES)
