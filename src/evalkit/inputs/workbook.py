"""The look and the safety of every workbook sent to lead units: header and input fills, columns with
their validation rules, the instructions sheet, atomic saving."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..framework.model import Framework
from ..framework.periods import Period
from .sheets import META_SHEET

HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")



INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")



POINTS_FORMAT = "0.00##"



@dataclass(frozen=True)
class Column:
    """One column of a template: its header, width, the row field it shows, and its input rule."""

    header: str
    width: float
    field: str | None = None  # None: an input column, empty in the template
    rule: Callable[[str, int], DataValidation] | None = None  # (column letter, last row) -> validation
    number_format: str | None = None



def input_workbook(fw: Framework, period: Period, kind_zh: str, unit: str | None, columns: list[Column], rows: pd.DataFrame,
                   *, what: list[str], sheet: str, synthetic: bool) -> Workbook:
    """A workbook for people to fill in: ``rows`` under ``columns`` (input columns tinted, unlocked and
    validated, the rest protected), a 填报说明 sheet opening with ``what``, and the hidden metadata sheet
    that records city, period, ``kind_zh`` (类型) and lead unit."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([c.header for c in columns])
    for values in zip(*[rows[c.field].tolist() if c.field else [None] * len(rows) for c in columns]):
        ws.append([v.item() if hasattr(v, "item") else v for v in values])
    last = len(rows) + 1
    for i, c in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = c.width
        ws.cell(1, i).font = Font(bold=True)
        ws.cell(1, i).fill = HEADER_FILL
        ws.cell(1, i).alignment = Alignment(horizontal="center", vertical="center")
        if c.field is None:  # an input column: unlocked, tinted, validated
            for r in range(2, last + 1):
                cell = ws.cell(r, i)
                cell.protection = Protection(locked=False)
                cell.fill = INPUT_FILL
            if c.rule is not None and last >= 2:
                dv = c.rule(letter, last)
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{last}")
        elif c.number_format:
            for r in range(2, last + 1):
                ws.cell(r, i).number_format = c.number_format
        wrap = c.width >= 30 and c.field is not None  # long text wraps inside its column, and its row grows to show it
        for r in range(2, last + 1):
            cell = ws.cell(r, i)
            cell.alignment = Alignment(wrap_text=wrap, vertical="top")
            if wrap:
                lines = -(-2 * len(str(cell.value or "")) // int(c.width))  # a Chinese character is two units wide
                ws.row_dimensions[r].height = max(ws.row_dimensions[r].height or 15, 15 * lines)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    ws.page_setup.paperSize, ws.page_setup.orientation = ws.PAPERSIZE_A4, "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # all columns on the page's width, as many pages as rows need
    ws.print_title_rows = "1:1"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False
    _instructions(wb.create_sheet("填报说明"), fw, period, kind_zh, unit, what, synthetic)
    meta = wb.create_sheet(META_SHEET)
    for k, v in {"城市": fw.name, "期间": str(period), "类型": kind_zh, "牵头考核单位": unit or "",
                 "示例数据": "是" if synthetic else "否", "生成工具": "evalkit"}.items():
        meta.append([k, v])
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.properties.title = f"{fw.title} {period.label} {kind_zh}" + (f" {unit}" if unit else "")
    wb.properties.creator = "evalkit"
    return wb


def _instructions(ws, fw: Framework, period: Period, kind_zh: str, unit: str | None, what: list[str], synthetic: bool) -> None:
    lines = [f"{fw.title} {period.label} {kind_zh}表 填报说明", "",
             f"城市：{fw.name}", f"考评期间：{period.label}（{period}）"] + ([f"牵头考核单位：{unit}"] if unit else []) + [""] + what + [
             "", "请勿修改灰色列、表头和工作表结构；不要插入或删除列。可以排序和筛选。",
             "填写完成后保存为 .xlsx 格式，文件名保持不变，报送市政府办公室数字政府专班。",
             "报送的表格会被自动检查：出现问题时，会指出文件、工作表、行和列，请按提示修改后重新报送。"]
    if synthetic:
        lines += ["", "注意：本表为示例数据，不是真实考评结果。"]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 110
