"""``scores.xlsx``: the publication workbook of a run (one sheet per group, aspects, the full-precision
detail, notes). Score sheets store the printed 2-decimal values, so that Excel, WPS and LibreOffice show
the report's numbers; full precision is in the 明细 sheet (and results.csv)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from . import grades as grading
from .archive import synthetic
from .framework import Framework
from .ranking import display_round

FORMULA_STARTS = ("=", "+", "-", "@")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
CJK_FONT = "Noto Sans CJK SC"
NOT_APPLICABLE = "不适用"


def _sheet(wb: Workbook, title: str, table: pd.DataFrame, widths: dict[str, float] | None = None, *,
           banner: str = "", precise: bool = False) -> None:
    """One sheet: bold header row repeated on every printed page, A4 fitted to the width, a CJK font, the
    ``banner`` (示例数据) in the printed header; floats shown with 2 decimals (``precise``: all of them)."""
    ws = wb.create_sheet(title[:31])
    ws.append(list(table.columns))
    for row in table.itertuples(index=False):
        ws.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    for row in ws.iter_rows():
        for cell in row:
            cell.font = Font(name=CJK_FONT, bold=cell.row == 1)
    for cell in ws[1]:
        cell.fill = HEADER_FILL
    scores = {i for i, (name, dtype) in enumerate(table.dtypes.items(), start=1) if dtype.kind == "f"}
    for col in ws.iter_cols(min_row=2):
        for cell in col:
            if cell.column in scores:
                cell.number_format = "0.000000" if precise else "0.00"
            elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # text from an input is never a formula
                cell.quotePrefix = True
    for i, name in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(name, max(10, 2.2 * len(str(name))))
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = f"{title}{'　' + banner if banner else ''}"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"


def write_scores(path: Path, framework: Framework, results: pd.DataFrame, aspects: pd.DataFrame | None,
                 notes: pd.DataFrame, *, created: dt.datetime | None = None) -> None:
    """Write the publication workbook: per group in rank order the printed 2-decimal scores, the rank (an
    integer), 并列, the grade; 各方面得分 (不适用 where an aspect does not apply); 明细 at full precision;
    说明. ``created`` (the run's start) dates the workbook, so that a re-run writes the same bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    annual = "annual" in results
    banner = "示例数据（合成数据，不是真实考评结果）" if synthetic(notes) else ""
    bands = grading.bands(framework)
    names = {"monitoring": framework.method_names.get("monitoring", "日常监测"), **framework.method_names,
             "half_year": "半年考评分值", "h1": "上半年", "h2": "下半年", "annual": "年度考评分值", "rank": "排名"}
    total = "annual" if annual else "half_year"
    for group, label in framework.groups.items():
        part = results[results["group"] == group].sort_values("rank", kind="stable")
        if part.empty:
            continue
        columns = ["h1", "h2", "annual"] if annual else [m.key for m in framework.methods] + ["half_year"]
        table = pd.DataFrame({"考评对象": part["entity"], "组别": label,
                              **{names[c]: display_round(part[c].astype("float64")) for c in columns}})
        table["排名"] = part["rank"].astype("int64")
        table["并列"] = part["rank"].duplicated(keep=False).map({True: "并列", False: ""})
        table["等次"] = grading.grade(part[total].astype("float64"), bands)
        _sheet(wb, label, table, {"考评对象": 22}, banner=banner)
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
        _sheet(wb, "各方面得分", table, {"考评对象": 22}, banner=banner)
        for cell in (c for col in wb["各方面得分"].iter_cols(min_col=3, min_row=2) for c in col):
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
    detail = results.rename(columns={"entity": "考评对象", "group": "组别", **names})
    detail["组别"] = results["group"].map(framework.groups)
    _sheet(wb, "明细", detail, {"考评对象": 22}, banner=banner, precise=True)
    _sheet(wb, "说明", notes, {"项目": 18, "内容": 90}, banner=banner)
    wb.properties.creator = "evalkit"
    if created is not None:
        stamp = created.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
        wb.properties.created = wb.properties.modified = stamp
    wb.save(path)
