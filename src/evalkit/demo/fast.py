"""The demo generator's workbooks, value for value, written fast: for benchmarks that read periods of 100,000 rows.

:func:`evalkit.demo.period.write_demo_period` styles every template cell and then types each value into the saved
template (most of its time is openpyxl's per-cell styles and a second load and save). :func:`write_fast_period`
writes the same files, sheets and cell values (the templates' rows, the filled input columns, 填报说明, the hidden
metadata sheet) in openpyxl's write-only mode, a column at a time, without the templates' look (fills, widths,
validation, protection). A reader sees the same period; a person sees plain sheets. The demo periods are
written by ``write_demo_period`` as before.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ..core.errors import OutputExistsError
from ..core.escape import FORMULA_STARTS
from ..core.files import save_whole
from ..framework.model import Framework
from ..framework.periods import Period
from ..inputs.schema import KINDS, STATUS, Kind
from ..inputs.templates import asked_for, sheet_name, template_plan
from ..inputs.workbook import Column, input_workbook
from .period import SEED, demo_values


def write_fast_period(framework: Framework, period: str | Period, out_dir: str | Path, seed: int = SEED) -> list[Path]:
    """Write into ``out_dir`` (refusing existing files) the workbooks :func:`~evalkit.demo.period.write_demo_period`
    writes, with the same values, in write-only mode; return their paths in the same order."""
    period = Period.parse(period)
    values = demo_values(framework, period, seed)
    plan = template_plan(framework, period, Path(out_dir))
    existing = [p for p in plan if p.exists()]
    if existing:
        raise OutputExistsError(f"{existing[0]} exists (and {len(existing) - 1} more); choose another output folder")
    for path, (kind, unit, columns, rows) in plan.items():
        k = KINDS[kind]
        frame = input_workbook(framework, period, k.zh, unit, columns, rows.iloc[:0], what=asked_for(kind, unit, len(rows)),
                               sheet=sheet_name(kind), synthetic=True)  # the sheets around the rows, as the template has them
        table = filled(rows, columns, k, values[k.key], framework.method_names)
        _save(frame, table, path)
    return list(plan)


def filled(rows: pd.DataFrame, columns: list[Column], kind: Kind, values: pd.DataFrame,
           method_names: dict[str, str]) -> list[list[object]]:
    """The template's table (header and rows) with ``values`` in its input columns, matched by the kind's keys, as
    ``period._fill`` types them (an empty or zero value left blank)."""
    headers = [c.header for c in columns]
    data = {c.header: [v.item() if hasattr(v, "item") else v for v in rows[c.field].tolist()] if c.field else [None] * len(rows)
            for c in columns}
    if kind.value is None:
        cols = {name: k for k, name in method_names.items() if name in headers and k in values}
    else:
        cols = {c.header: c.field for c in (kind.value, STATUS) if c.field in values}
    keys = list(kind.keys)
    wanted = list(zip(*[data[c.header] for c in keys])) if len(keys) > 1 else data[keys[0].header]
    given = list(zip(*[values[c.field].tolist() for c in keys])) if len(keys) > 1 else values[keys[0].field].tolist()
    for header, field in cols.items():
        by = dict(zip(given, values[field].tolist()))
        data[header] = [(by[key] or None) if key in by else old for key, old in zip(wanted, data[header])]
    return [headers, *map(list, zip(*[data[h] for h in headers]))]


def _cell(ws, v: object) -> object:
    """A value as ``save_workbook`` stores it: text that looks like a formula is kept as text."""
    if isinstance(v, str) and v.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(ws, v)
        cell.data_type, cell.quotePrefix = "s", True
        return cell
    return v


def _save(frame: Workbook, table: list[list[object]], path: Path) -> None:
    wb = Workbook(write_only=True)
    for i, ws in enumerate(frame.worksheets):
        out = wb.create_sheet(ws.title)
        out.sheet_state = ws.sheet_state
        for row in table if i == 0 else ws.iter_rows(values_only=True):
            out.append([_cell(out, v) for v in row])
    wb.properties.title, wb.properties.creator = frame.properties.title, frame.properties.creator
    save_whole(wb, path)  # its formula-like text made inert cell by cell above
