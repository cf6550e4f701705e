"""Comparing a re-run's outputs with a run's archived ones, in two kinds: the results (``results.csv`` and every
table the notebook recorded, value by value) and the presentation (both editions' HTML byte for byte,
``scores.xlsx`` sheet by sheet and cell by cell, the PDFs by their text: Chromium writes the print time and
random object ids into a PDF, and its signature carries the signing time)."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import nbformat

from ..core.errors import EvalkitError
from ..core.recorded import RESULTS_MIME

HTML = ("report.html", "report-internal.html")
PDF = ("report.pdf", "report-internal.pdf")
WORKBOOKS = ("scores.xlsx", "scores-internal.xlsx")
SHOWN = 20
"""Differing cells named one by one, per workbook; the rest are counted."""


def recorded_tables(notebook: Path) -> dict[str, Any]:
    """Every table a notebook recorded, by name, as recorded (columns and rows)."""
    nb = nbformat.read(str(notebook), as_version=4)
    return {d.get("name", "results"): (d["columns"], d["data"]) for cell in nb.cells for out in cell.get("outputs", [])
            if (d := out.get("data", {}).get(RESULTS_MIME)) is not None}


def table_differences(archived: Path, again: Path) -> list[str]:
    """The recorded tables (besides ``results``, compared on its own) whose values differ, each named."""
    a, b = recorded_tables(archived), recorded_tables(again)
    found = []
    for name in sorted((set(a) | set(b)) - {"results"}):
        if a.get(name) != b.get(name):
            rows = (len(a[name][1]) if name in a else 0, len(b[name][1]) if name in b else 0)
            found.append(f"recorded table {name!r}: its values differ ({rows[0]} rows archived, {rows[1]} now) "
                         f"(记录的表格“{name}”数值不同)")
    return found


def presentation_differences(run_dir: Path, again: Path, outputs: dict[str, str]) -> list[str]:
    """The published files of the re-run that differ from the archived ones, as precisely as each kind allows."""
    found = []
    for name in HTML:
        if name in outputs and (again / name).read_bytes() != (run_dir / name).read_bytes():
            found.append(f"{name}: the re-run writes another page (its bytes differ) (重新生成的{name}与存档不同)")
    for name in WORKBOOKS:
        if name in outputs and (again / name).read_bytes() != (run_dir / name).read_bytes():
            found += cell_differences(run_dir / name, again / name) or [
                f"{name}: the same cells, other bytes (its document properties or layout) (成绩表单元格相同，文件字节不同)"]
    for name in PDF:
        if name in outputs and pdf_text(again / name) != pdf_text(run_dir / name):
            found.append(f"{name}: the re-run's text differs from the archived one (重新生成的 PDF 文字与存档不同)")
    return found


def cell_differences(archived: Path, again: Path) -> list[str]:
    """Each cell of a workbook whose value differs: sheet, cell, archived and new value."""
    from openpyxl import load_workbook

    a, b = (load_workbook(io.BytesIO(p.read_bytes()), data_only=True) for p in (archived, again))
    found = []
    for sheet in dict.fromkeys([*a.sheetnames, *b.sheetnames]):
        if sheet not in a.sheetnames or sheet not in b.sheetnames:
            found.append(f"{archived.name}, sheet {sheet}: only in the {'re-run' if sheet in b.sheetnames else 'archive'} (工作表不一致)")
            continue
        wa, wb = a[sheet], b[sheet]
        for row in range(1, max(wa.max_row, wb.max_row) + 1):
            for col in range(1, max(wa.max_column, wb.max_column) + 1):
                va, vb = wa.cell(row, col).value, wb.cell(row, col).value
                if va != vb:
                    found.append(f"{archived.name}, sheet {sheet}, cell {wa.cell(row, col).coordinate}: archived {va!r}, now {vb!r} "
                                 f"(成绩表单元格不同)")
    return found[:SHOWN] + ([f"{archived.name}: {len(found) - SHOWN} more cell(s) differ (另有 {len(found) - SHOWN} 个单元格不同)"]
                            if len(found) > SHOWN else [])


def pdf_text(path: Path) -> str:
    """The text of a PDF as ``pdftotext -layout`` extracts it (poppler-utils)."""
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise EvalkitError(f"pdftotext could not read {path}: {done.stderr.strip()} (install poppler-utils)")
    return done.stdout

