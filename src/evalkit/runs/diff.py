"""What changed between two archived runs: parameters, environment, input files down to the cell, results and ranks.

Both runs are read from their folders alone (inputs from the copies each keeps in ``inputs/<sha256>``).
"""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.paths import confined, kept_copy
from . import archive, provenance
from .audit import value_differences


@dataclass(frozen=True)
class Change:
    """One difference between run A and run B, located as precisely as its kind allows."""

    kind: str  # parameter, environment, input, cell, result
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    a: Any = None
    b: Any = None


KINDS = {"parameter": "参数", "environment": "运行环境", "input": "输入文件", "cell": "单元格", "result": "结果"}


def diff(run_a: Path, run_b: Path) -> list[Change]:
    """Every difference between two run folders, parameters first, results last."""
    a, b = archive.load_manifest(run_a), archive.load_manifest(run_b)
    changes = [Change("parameter", column=k, a=x, b=y) for k, x, y in _flat_diff(a["parameters"], b["parameters"])]
    changes += [Change("environment", column=what, a=x, b=y) for what, x, y in provenance.differences(a["software"], b["software"])]
    for name in sorted(set(a["inputs"]) | set(b["inputs"])):
        ha, hb = a["inputs"].get(name), b["inputs"].get(name)
        if ha == hb:
            continue
        if ha is None or hb is None:
            changes.append(Change("input", file=name, a="absent" if ha is None else ha[:12], b="absent" if hb is None else hb[:12]))
            continue
        cells = cell_changes(kept_copy(run_a, ha), kept_copy(run_b, hb), name)
        changes += cells or [Change("input", file=name, a=ha[:12], b=hb[:12])]
    ra = pd.read_csv(confined(run_a, a["results"]["file"]))
    rb = pd.read_csv(confined(run_b, b["results"]["file"]))
    changes += [Change("result", file="results.csv", row=None, sheet=str(r.entity), column=r.column, a=r.archived, b=r.now)
                for r in value_differences(ra, rb).itertuples()]
    return changes


def _flat_diff(a: Any, b: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted key, A, B) for each leaf value that differs.

    >>> _flat_diff({"x": 1, "p": {"d": "a"}}, {"x": 1, "p": {"d": "b"}, "y": 2})
    [('p.d', 'a', 'b'), ('y', None, 2)]
    """
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _flat_diff(a.get(k), b.get(k), f"{prefix}{k}.")]
    return [] if a == b else [(prefix.rstrip("."), a, b)]


def _sheets(path: Path, name: str) -> dict[str, list[list[Any]]]:
    """The cell values of a table file by sheet (a CSV is one sheet named ''), read by its content: a run keeps its
    inputs under their hashes, without a suffix."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":  # a zip: an .xlsx workbook
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
        finally:
            wb.close()
    if name.lower().endswith((".csv", ".txt")):
        return {"": [row for row in csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace")))]}
    return {}


def cell_changes(path_a: Path, path_b: Path, name: str) -> list[Change]:
    """Each cell whose value differs between two versions of a table: sheet, row and column as Excel shows
    them (the column named by its header in row 1), value in A and in B."""
    from openpyxl.utils import get_column_letter

    sa, sb = _sheets(path_a, name), _sheets(path_b, name)
    out = []
    for sheet in list(sa) + [s for s in sb if s not in sa]:
        ra, rb = sa.get(sheet, []), sb.get(sheet, [])
        header = (rb or ra or [[]])[0]
        for i in range(max(len(ra), len(rb))):
            xa, xb = ra[i] if i < len(ra) else [], rb[i] if i < len(rb) else []
            for j in range(max(len(xa), len(xb))):
                va, vb = xa[j] if j < len(xa) else None, xb[j] if j < len(xb) else None
                if va != vb and not (va in (None, "") and vb in (None, "")):
                    label = f"{get_column_letter(j + 1)} {header[j]}" if j < len(header) and header[j] not in (None, "") else get_column_letter(j + 1)
                    out.append(Change("cell", file=name, sheet=sheet, row=i + 1, column=label, a=va, b=vb))
    return out


def table(changes: list[Change]) -> pd.DataFrame:
    """The changes for people, in Chinese and English (like ``evalkit validate``'s problems)."""
    return pd.DataFrame({
        "类别 kind": [f"{KINDS[c.kind]} {c.kind}" for c in changes],
        "文件 file": [c.file for c in changes],
        "工作表/对象 sheet/entity": [c.sheet for c in changes],
        "行 row": [c.row if c.row is not None else "" for c in changes],
        "列 column": [c.column for c in changes],
        "A": ["" if c.a is None else c.a for c in changes],
        "B": ["" if c.b is None else c.b for c in changes],
    })


def as_json(changes: list[Change]) -> list[dict[str, Any]]:
    """The changes as plain JSON-ready records."""
    return [{k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v)) for k, v in asdict(c).items()} for c in changes]
