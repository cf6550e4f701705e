"""``scores.xlsx``: the publication workbook of a run (one sheet per group, aspects, notes)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .framework import Framework

FORMULA_STARTS = ("=", "+", "-", "@")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


def _sheet(wb: Workbook, title: str, table: pd.DataFrame, widths: dict[str, float] | None = None) -> None:
    ws = wb.create_sheet(title[:31])
    ws.append(list(table.columns))
    for row in table.itertuples(index=False):
        ws.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    scores = {i for i, (name, dtype) in enumerate(table.dtypes.items(), start=1) if dtype.kind == "f"}
    for col in ws.iter_cols(min_row=2):
        for cell in col:
            if cell.column in scores:
                cell.number_format = "0.00"  # shown with 2 decimals, stored at full precision
            elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # text from an input is never a formula
                cell.quotePrefix = True
    for i, name in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(name, max(10, 2.2 * len(str(name))))
    ws.freeze_panes = "A2"


def write_scores(path: Path, framework: Framework, results: pd.DataFrame, aspects: pd.DataFrame | None,
                 notes: pd.DataFrame) -> None:
    """Write the publication workbook: numbers at full precision shown with 2 decimals, ranks as integers."""
    wb = Workbook()
    wb.remove(wb.active)
    annual = "annual" in results
    names = {"monitoring": framework.method_names.get("monitoring", "日常监测"), **framework.method_names,
             "half_year": "半年考评分值", "h1": "上半年", "h2": "下半年", "annual": "年度考评分值", "rank": "排名"}
    for group, label in framework.groups.items():
        part = results[results["group"] == group].sort_values("rank", kind="stable")
        if part.empty:
            continue
        columns = ["h1", "h2", "annual", "rank"] if annual else [m.key for m in framework.methods] + ["half_year", "rank"]
        table = pd.DataFrame({"考评对象": part["entity"], **{names[c]: part[c] for c in columns}})
        table["排名"] = table["排名"].astype("int64")
        _sheet(wb, label, table, {"考评对象": 22})
    if aspects is not None and len(aspects):
        labels = dict(zip(framework.aspects["id"], framework.aspects["name"]))
        pivot = aspects.pivot(index="entity", columns="aspect", values="score").reindex(columns=list(framework.aspects["id"]))
        pivot = pivot.reindex(results["entity"])
        pivot.columns = [f"{k}、{labels[k]}({p:g}分)" for k, p in zip(pivot.columns, framework.aspects["points"])]
        _sheet(wb, "各方面得分", pivot.reset_index().rename(columns={"entity": "考评对象"}), {"考评对象": 22})
    _sheet(wb, "说明", notes, {"项目": 18, "内容": 90})
    wb.properties.creator = "evalkit"
    wb.save(path)
