"""The explore app's tables as an Excel workbook: written under ``outputs/explore/`` with a name no earlier
export has (nothing is ever overwritten), and offered to the browser as a download link."""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..core import paths
from ..core.escape import inert_workbook, sheet_title

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table (header in row 1, column widths to fit), every text a spreadsheet would take for a
    formula made inert; the .xlsx file's bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(sheet_title(name))
        ws.append([str(c) for c in df.columns])
        for row in df.itertuples(index=False):
            ws.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row])
        for k, c in enumerate(df.columns, start=1):
            longest = max([len(str(c))] + [len(str(v)) for v in df[c].head(200)])
            ws.column_dimensions[get_column_letter(k)].width = min(60, 4 + 1.6 * longest)
        ws.freeze_panes = "A2"
    inert_workbook(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_new(data: bytes, stem: str, folder: Path | None = None, now: dt.datetime | None = None) -> Path:
    """``data`` as ``<folder>/<stem>-<YYYYMMDD-HHMMSS>.xlsx`` (default folder ``outputs/explore``), ``-2``, ``-3`` …
    added if that name exists: a file is created, never replaced."""
    folder = folder or paths.OUTPUTS / "explore"
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{paths.file_name(stem)}-{(now or dt.datetime.now()).strftime('%Y%m%d-%H%M%S')}"
    for k in range(1, 10_000):
        path = folder / (f"{base}.xlsx" if k == 1 else f"{base}-{k}.xlsx")
        try:
            with open(path, "xb") as f:  # "x": fails if the file exists, so two exports never meet
                f.write(data)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}/{base}: too many exports in one second")


def download_link(data: bytes, name: str, text: str = "下载 Excel 文件") -> str:
    """An HTML link that saves ``data`` as ``name`` in the browser (a data: address: it works in JupyterLab and in
    the Voilà dashboard, where the server's files are not reachable)."""
    href = f"data:{XLSX};base64,{base64.b64encode(data).decode('ascii')}"
    return (f'<a download="{html.escape(name, quote=True)}" href="{href}" class="evalkit-download" '
            f'style="font-weight: bold; text-decoration: underline;">{html.escape(text)}（{html.escape(name)}）</a>')
