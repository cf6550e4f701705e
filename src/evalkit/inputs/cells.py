"""The cells of one sheet that a value alone does not describe, read from the sheet's XML in one pass:
formulas (their text, whether a value is cached), error values, numbers shown as a percentage, merged
cells, hidden rows and columns, and a filter that hides rows.

Positions are 0-based (row, column) pairs, as in the grid that python-calamine returns. A cell or row
written without its ``r`` attribute (some libraries and online exports omit it) takes the position after
the previous one, as Excel reads it. Shared formulas are expanded to each cell's own formula.

>>> facts = scan(b'<worksheet><sheetData><row r="2" hidden="1"><c r="B2"><f>A2*2</f></c><c><v>3</v></c></row>'
...              b'</sheetData><mergeCells><mergeCell ref="A3:A4"/></mergeCells></worksheet>', frozenset())
>>> facts.formulas[(1, 1)].text, facts.formulas[(1, 1)].cached, facts.hidden_rows, facts.merged
('=A2*2', False, {1}, [(2, 0, 3, 0)])
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from defusedxml.ElementTree import iterparse
from openpyxl.formula.translate import Translator, TranslatorError
from openpyxl.utils.cell import (
    column_index_from_string,
    get_column_letter,
    range_boundaries,
)

from .package import local

_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_MARKS = (b"<f>", b"<f ", b"<f/>", b":f>", b":f ", b't="e"', b'hidden="1"', b'hidden="true"', b"mergeCell", b"filterColumn")
"""Byte strings of which a sheet that :func:`scan` has anything to find holds at least one (a fast test:
plain substring searches over the sheet's XML)."""


@dataclass(frozen=True)
class Formula:
    """A formula cell: its text as Excel shows it (``=G2*0.8``), whether the file holds its value, and
    its kind (``normal``, ``shared``, ``array``, ``dataTable``; ``untranslated``: a shared formula whose
    references could not be moved to this cell)."""

    text: str
    cached: bool
    kind: str = "normal"


@dataclass
class Facts:
    """What :func:`scan` found in one sheet."""

    formulas: dict[tuple[int, int], Formula] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # cells holding an error value (#DIV/0!)
    percent: set[tuple[int, int]] = field(default_factory=set)  # number cells shown as a percentage
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, first column, last row, last column
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    filtered: bool = False  # a filter is set: rows it hides are hidden by the filter


def special(data: bytes, percent_styles: frozenset[int]) -> bool:
    """Whether a sheet's XML may hold anything :func:`scan` looks for (a quick test on the bytes)."""
    return any(mark in data for mark in _MARKS) or any(b' s="%d"' % i in data for i in percent_styles)


def position(ref: str) -> tuple[int, int]:
    """A cell reference as a 0-based (row, column) pair; ``ValueError`` if it is not one of a sheet.

    >>> position("G12"), position("$A$1")
    ((11, 6), (0, 0))
    """
    found = _REF.fullmatch(ref.strip())
    if not found or int(found.group(2)) < 1 or int(found.group(2)) > 1_048_576 or column_index_from_string(found.group(1).upper()) > 16384:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(found.group(2)) - 1, column_index_from_string(found.group(1).upper()) - 1


def cell_name(row: int, column: int) -> str:
    """The Excel name of a 0-based (row, column) pair.

    >>> cell_name(11, 6)
    'G12'
    """
    return f"{get_column_letter(column + 1)}{row + 1}"


def scan(data: bytes, percent_styles: frozenset[int]) -> Facts:
    """Read a sheet's XML for the facts of :class:`Facts`. Raises ``xml.etree.ElementTree.ParseError`` (or a
    defusedxml error) on XML that is not well formed, ``ValueError`` on a cell reference that is not one."""
    facts = Facts()
    shared: dict[str, tuple[str, str]] = {}  # si -> (formula text, the cell it was written in)
    row, column = -1, -1
    cell: dict[str, object] = {}
    for event, element in iterparse(io.BytesIO(data), events=("start", "end")):
        name = local(element.tag)
        if event == "start":
            if name == "row":
                r = element.get("r")
                row = int(r) - 1 if r else row + 1
                column = -1
                if element.get("hidden") in ("1", "true"):
                    facts.hidden_rows.add(row)
            elif name == "c":
                r = element.get("r")
                row, column = position(r) if r else (max(row, 0), column + 1)
                cell = {"t": element.get("t", "n"), "s": element.get("s", "0"), "f": None, "v": False, "ref": r or cell_name(row, column)}
            elif name == "filterColumn":
                facts.filtered = True
            continue
        if name == "f":
            cell["f"] = (element.text or "", element.get("t", "normal"), element.get("si"), element.get("ref"))
        elif name == "v" or name == "is":
            cell["v"] = cell.get("v") or bool((element.text or "").strip()) or name == "is"
            if name == "v" and cell["t"] == "e":
                facts.errors[(row, column)] = (element.text or "").strip()
        elif name == "c":
            _cell(facts, shared, row, column, cell, percent_styles)
            element.clear()
        elif name == "row":
            element.clear()
        elif name == "col" and element.get("hidden") in ("1", "true"):
            low, high = int(element.get("min", "1")), int(element.get("max", element.get("min", "1")))
            facts.hidden_columns.update(range(low - 1, min(high, 16384)))
        elif name == "mergeCell" and element.get("ref"):
            c1, r1, c2, r2 = range_boundaries(element.get("ref"))
            if None in (c1, r1, c2, r2) or min(c1, r1) < 1 or c2 < c1 or r2 < r1:
                raise ValueError(f"not a range of cells: {element.get('ref')!r}")
            facts.merged.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))
    return facts


def _cell(facts: Facts, shared: dict[str, tuple[str, str]], row: int, column: int, cell: dict, percent_styles: frozenset[int]) -> None:
    if cell["t"] == "n" and (cell["v"] or cell["f"] is not None) and str(cell["s"]).isdigit() and int(str(cell["s"])) in percent_styles:
        facts.percent.add((row, column))
    if cell["f"] is None:
        return
    text, kind, si, _ = cell["f"]
    if kind == "shared" and si is not None:
        if text.strip():
            shared[si] = (text, str(cell["ref"]))
        elif si in shared:
            master, origin = shared[si]
            try:
                text = Translator("=" + master, origin).translate_formula(str(cell["ref"]))[1:]
            except TranslatorError:
                text, kind = master, "untranslated"  # its own references unknown: never computed
    if not text.strip():
        return  # a shared formula whose first cell is missing: its value is cached like any value
    facts.formulas[(row, column)] = Formula("=" + text.strip(), bool(cell["v"]), kind)
