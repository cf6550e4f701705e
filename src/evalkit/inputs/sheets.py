"""Reading one input table (``.csv`` or the table's sheet of an ``.xlsx``) as strings with Excel row numbers.

Workbooks come from outside: a file above :data:`MAX_BYTES` (or that unzips past :data:`MAX_UNZIPPED`)
is refused before parsing, every XML part is parsed with defusedxml, and a workbook that holds macros is
refused by the inventory (:func:`evalkit.inputs.schema.inventory`). Every ``.xlsx`` takes one path,
:func:`evalkit.inputs.workbooks.read_workbook`: the first visible sheet's values as a spreadsheet shows
them, with what a person must be told about its cells (formulas whose cached value cannot be trusted,
merged cells, hidden rows, columns and sheets).
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pandas as pd
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from ..core.errors import Problem
from .package import SheetInfo
from .schema import INSTRUCTION_SHEETS
from .workbooks import Engine, Flag, read_workbook

MAX_BYTES = 20 * 2**20
MAX_UNZIPPED = 200 * 2**20
META_SHEET = "_evalkit"
"""Hidden sheet of evalkit's templates: key/value rows (城市, 期间, 类型, 牵头考核单位, 示例数据)."""
OWN_SHEETS = (META_SHEET, *INSTRUCTION_SHEETS)
"""Sheets of evalkit's templates besides the table: their contents are not data."""
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an old .xls, or an encrypted workbook
INTERNAL = "evalkit failed reading this file"
"""How a problem that is a fault of evalkit's own begins (the fuzz tests look for it: it must never appear)."""
ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!", "#CALC!")
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, IndexError, ParseError, DefusedXmlException,
           NotImplementedError, UnicodeError, RecursionError)
"""What the parsers raise on a damaged workbook (python-calamine's errors are plain ``Exception``s, caught
where it is called): the workbook "cannot be read"."""


@dataclass
class Table:
    """A table's cells as read; ``rows`` has the header's columns plus ``row`` (Excel's number)."""

    file: str
    sheet: str | None
    rows: pd.DataFrame
    meta: dict[str, str] = field(default_factory=dict)
    percent: frozenset[tuple[int, str]] = frozenset()  # (Excel row, header) of cells formatted as a percentage
    other_sheets: tuple[str, ...] = ()  # further visible sheets that hold data (not evalkit's own)
    hidden_sheets: tuple[SheetInfo, ...] = ()  # hidden sheets that hold data
    flags: tuple[Flag, ...] = ()  # findings about cells (:class:`evalkit.inputs.workbooks.Flag`), by 0-based column
    columns: tuple[str, ...] = ()  # the header of each column, in order (as in ``rows``)

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
    try:
        if path.suffix.lower() == ".csv":
            return _read_csv(path, name, problems)
        return _read_xlsx(path, name, problems, engine)
    except Exception as exc:  # a fault of evalkit's own: the file is named and the other files are still read
        problems.append(Problem(name, f"{INTERNAL} ({type(exc).__name__}: {str(exc)[:200]}); save it again from Excel or WPS as .xlsx, "
                                      "and send the file to evalkit's maintainers", zh="本系统读取该文件时出错；请用 Excel 或 WPS 重新另存为 .xlsx 后报送，并将该文件发送给系统维护人员"))
        return None


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
    except (zipfile.BadZipFile, OSError, ValueError):
        problems.append(unreadable)
        return None
    if unzipped > MAX_UNZIPPED:
        problems.append(Problem(name, f"workbook unpacks to {unzipped / 2**20:.0f} MiB; expected at most {MAX_UNZIPPED // 2**20} MiB",
                                zh=f"工作簿解压后 {unzipped / 2**20:.0f} MiB，超过上限 {MAX_UNZIPPED // 2**20} MiB"))
        return None
    from python_calamine import CalamineError

    try:
        read = read_workbook(path, engine, OWN_SHEETS, META_SHEET, _has_data)
    except (*DAMAGED, CalamineError):
        problems.append(unreadable)
        return None
    table = _frame(name, read.sheet, read.grid, read.meta, problems)
    if table is None:
        return None
    header = [c for c in table.rows.columns if c != "row"]
    table.columns = tuple(header)
    table.other_sheets = tuple(read.others)
    table.hidden_sheets = tuple(read.hidden)
    table.flags = tuple(read.flags)
    table.percent = frozenset((r + 1, header[c]) for r, c in read.percent if r > 0 and c < len(header))
    return table


def _has_data(rows) -> bool:
    return any(_text(v) for r in rows for v in r)


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


def error_values(text: pd.Series) -> pd.Series:
    """True for cells that hold a spreadsheet error such as ``#DIV/0!`` (as :mod:`evalkit.inputs.workbooks` puts them in the table).

    >>> error_values(pd.Series(["#DIV/0!", "12", "#N/A"])).tolist()
    [True, False, True]
    """
    return text.astype(str).isin(ERROR_VALUES)
