"""``scores.xlsx``: the publication workbook of a run (one sheet per group, aspects, the full-precision
detail, notes). Score sheets store the printed 2-decimal values, so that Excel, WPS and LibreOffice show
the report's numbers; full precision is in the 明细 sheet (and results.csv)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..core.escape import sheet_title
from ..core.files import save_workbook
from ..core.recorded import synthetic
from ..core.rounding import display_round
from ..framework import grades as grading
from ..framework.model import Framework
from .tables import rank_change

HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
MARK_FONT = "C55A11"
"""The colour of the 示例数据 mark, as in the reports."""
CJK_FONT = "Noto Sans CJK SC"
NOT_APPLICABLE = "不适用"
HEADER_ROWS = 2
"""Row 1: the sheet's caption and the 示例数据 mark; row 2: the column names; the data from row 3."""


def _sheet(wb: Workbook, title: str, table: pd.DataFrame, widths: dict[str, float] | None = None, *,
           caption: str = "", banner: str = "", precise: bool = False) -> None:
    """One sheet: row 1 the ``caption`` and the ``banner`` (示例数据) in view, row 2 the bold header, both
    repeated on every printed page; A4 fitted to the width, a CJK font, the banner in the printed header too;
    floats shown with 2 decimals (``precise``: all of them)."""
    ws = wb.create_sheet(sheet_title(title))
    ws.append(["　".join(t for t in (caption or title, banner) if t)])
    ws.append(list(table.columns))
    for row in table.itertuples(index=False):
        ws.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    for row in ws.iter_rows():
        for cell in row:
            cell.font = Font(name=CJK_FONT, bold=cell.row <= HEADER_ROWS)
    ws["A1"].font = Font(name=CJK_FONT, bold=True, size=12, color=MARK_FONT if banner else None)
    ws["A1"].alignment = Alignment(horizontal="left")
    for cell in ws[HEADER_ROWS]:
        cell.fill = HEADER_FILL
    scores = {i for i, (name, dtype) in enumerate(table.dtypes.items(), start=1) if dtype.kind == "f"}
    for col in ws.iter_cols(min_row=HEADER_ROWS + 1):
        for cell in col:
            if cell.column in scores:
                cell.number_format = "0.000000" if precise else "0.00"
    for i, name in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(name, min(14, max(10, 2.2 * len(str(name)))))
    lines = 1
    for cell in ws[HEADER_ROWS]:  # a long column name wraps, not the column wider than the page
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        lines = max(lines, -(-2 * len(str(cell.value)) // int(ws.column_dimensions[cell.column_letter].width)))
    ws.row_dimensions[HEADER_ROWS].height = 16 * min(lines, 4)
    ws.freeze_panes = f"A{HEADER_ROWS + 1}"
    ws.print_title_rows = f"1:{HEADER_ROWS}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if len(table.columns) > 8 else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = f"{title}{'　' + banner if banner else ''}"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"


def write_scores(path: Path, framework: Framework, results: pd.DataFrame, aspects: pd.DataFrame | None,
                 notes: pd.DataFrame, *, created: dt.datetime | None = None, period: str = "",
                 previous: pd.DataFrame | None = None, internal: bool = True) -> None:
    """Write a results workbook: per group in rank order the printed 2-decimal scores, the rank (an integer), 并列,
    the grade (as the bulletin states it: :func:`evalkit.framework.grades.in_bulletin`) and, with the ``previous``
    period's results (its ``entity``, ``half_year`` or ``annual`` and ``rank``), the change of the printed total
    (signed) and of the rank as the bulletin prints them; a year's 尾差 marked ``*`` as in the bulletin; 各方面得分
    (不适用 where an aspect does not apply); 说明 (``notes``). ``internal`` adds 明细 at full precision: the public
    workbook holds the printed values only. Each sheet opens with its caption (the city, ``period``) and, for
    synthetic inputs, 示例数据 in view. ``created`` (the run's start) dates the workbook, so that a re-run writes
    the same bytes."""
    from .bulletin import tail_differences

    wb = Workbook()
    wb.remove(wb.active)
    annual = "annual" in results
    banner = "示例数据（合成数据，不是真实考评结果）" if synthetic(notes) else ""
    caption = f"{framework.name}数字政府建设考评结果" + (f"（{period}）" if period else "")
    bands = grading.bands(framework)
    names = {"monitoring": framework.method_names.get("monitoring", "日常监测"), **framework.method_names,
             "half_year": "半年考评分值", "h1": "上半年", "h2": "下半年", "annual": "年度考评分值", "rank": "排名"}
    total = "annual" if annual else "half_year"
    marked = set(tail_differences(results)["entity"]) if annual else set()
    grade_column = grading.in_bulletin(framework)
    grades = grading.in_groups(results, total, bands) if grade_column else None  # a cap looks at the whole group
    for group, label in framework.groups.items():
        part = results[results["group"] == group].sort_values("rank", kind="stable")
        if part.empty:
            continue
        columns = ["h1", "h2", "annual"] if annual else [m.key for m in framework.methods] + ["half_year"]
        table = pd.DataFrame({"考评对象": [e + ("*" if e in marked else "") for e in part["entity"]], "组别": label,
                              **{names[c]: display_round(part[c].astype("float64")) for c in columns}})
        table["排名"] = part["rank"].astype("int64")
        table["并列"] = part["rank"].duplicated(keep=False).map({True: "并列", False: ""})
        if grade_column:
            table[grade_column] = grades[part.index].to_numpy()
        if previous is not None and len(previous):
            before = previous.set_index("entity")
            now, then = display_round(part[total].astype("float64")), part["entity"].map(display_round(before[total].astype("float64")))
            table["分值变化"] = (now - then).round(2)
            table["排名变化"] = [rank_change(before["rank"].get(e), r) for e, r in zip(part["entity"], part["rank"])]
        _sheet(wb, label, table, {"考评对象": 22}, caption=f"{caption}：{label}", banner=banner)
        if "分值变化" in table:  # signed, as the bulletin prints it, and still a number
            for cell in wb[sheet_title(label)][get_column_letter(list(table.columns).index("分值变化") + 1)][HEADER_ROWS:]:
                cell.number_format = "+0.00;-0.00;0.00"
    if marked:
        notes = pd.concat([notes, pd.DataFrame({"项目": ["尾差"], "内容": [
            "带*的考评对象，年度考评分值按两个半年考评分值的全精度平均计算后保留两位小数，与两个半年公布值的平均相差0.01分，以公布值为准。"]})],
            ignore_index=True)
    if aspects is not None and len(aspects):
        labels = dict(zip(framework.aspects["id"], framework.aspects["name"]))
        pivot = aspects.pivot(index="entity", columns="aspect", values="score").reindex(columns=list(framework.aspects["id"]))
        order = results.assign(g=results["group"].map({g: k for k, g in enumerate(framework.groups)})).sort_values(["g", "rank"], kind="stable")
        pivot = pivot.reindex(order["entity"])
        pivot = pivot.apply(lambda c: display_round(c.astype("float64")).where(c.notna()))
        pivot.columns = [f"{k}、{labels[k]}（{p:g}分）" for k, p in zip(pivot.columns, framework.aspects["points"])]
        table = pivot.reset_index().rename(columns={"entity": "考评对象"})
        table.insert(1, "组别", order["group"].map(framework.groups).to_numpy())
        table = table.astype({c: object for c in pivot.columns}).fillna(NOT_APPLICABLE)
        _sheet(wb, "各方面得分", table, {"考评对象": 22}, caption=f"{caption}：各方面得分", banner=banner)
        for cell in (c for col in wb["各方面得分"].iter_cols(min_col=3, min_row=HEADER_ROWS + 1) for c in col):
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
            else:
                cell.alignment = Alignment(horizontal="right")  # 不适用, in the numbers' column
    if internal:
        detail = results.rename(columns={"entity": "考评对象", "group": "组别", **names})
        detail["组别"] = results["group"].map(framework.groups)
        _sheet(wb, "明细", detail, {"考评对象": 22}, caption=f"{caption}：明细（全精度）", banner=banner, precise=True)
    _sheet(wb, "说明", notes, {"项目": 18, "内容": 90}, caption=f"{caption}：说明", banner=banner)
    wb.properties.creator = "evalkit"
    if created is not None:
        stamp = created.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
        wb.properties.created = wb.properties.modified = stamp
    save_workbook(wb, path)  # every name stays text (escape.inert_workbook)
