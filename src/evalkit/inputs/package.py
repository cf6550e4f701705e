"""What an ``.xlsx`` package holds besides its cells: the sheets in order with their state (visible,
hidden), whether its cached formula values can be trusted, links to other workbooks, defined names,
the cell styles that show a percentage, and macros.

Only the package's small parts are parsed here (``workbook.xml``, its relationships, ``styles.xml``),
with defusedxml; the sheets themselves are read by :mod:`evalkit.inputs.cells` and python-calamine.
Element names are matched without their namespace prefix: online spreadsheets and some libraries
write ``<x:sheet>`` where Excel writes ``<sheet>``.

>>> percent_format("0.0%"), percent_format('0.0"%"'), percent_format("0\\\\%"), percent_format("0.00")
(True, False, False, False)
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring

MACRO_PARTS = ("xl/vbaProject.bin", "xl/macrosheets/", "xl/dialogsheets/", "xl/activeX/")
"""Parts of a package that hold code (VBA, Excel 4.0 macro sheets, dialog sheets, ActiveX controls)."""
BUILTIN_PERCENT = frozenset({9, 10})
"""Excel's built-in number formats ``0%`` and ``0.00%``."""
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True)
class SheetInfo:
    """One sheet as ``workbook.xml`` lists it: its name, its part in the package and its state."""

    name: str
    part: str
    state: str = "visible"  # visible, hidden or veryHidden

    @property
    def visible(self) -> bool:
        return self.state not in ("hidden", "veryHidden")


@dataclass(frozen=True)
class Package:
    """The facts of a workbook that its cells alone do not tell."""

    sheets: tuple[SheetInfo, ...]
    recalc_pending: bool = False  # the cached values of formulas are stale until a program recalculates
    links: dict[str, str] = field(default_factory=dict)  # external workbook index ("1") -> the file it names
    names: dict[str, str] = field(default_factory=dict)  # defined name (upper case) -> its formula
    percent_styles: frozenset[int] = frozenset()  # indexes of cellXfs whose number format shows a percentage
    macros: tuple[str, ...] = ()  # parts that hold code


def local(tag: str) -> str:
    """An element's name without its namespace.

    >>> local("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"), local("x:sheet"), local("row")
    ('sheet', 'sheet', 'row')
    """
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [e for e in element.iter() if local(e.tag) == name]


def _attr(element: Element, name: str, default: str = "") -> str:
    """An attribute by its local name (``r:id`` and ``id`` alike)."""
    for key, value in element.attrib.items():
        if local(key) == name:
            return value
    return default


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true")


def percent_format(code: str) -> bool:
    """Whether a number format code shows a number as a percentage (a ``%`` outside quotes and escapes)."""
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in code


def macro_parts(names: list[str]) -> tuple[str, ...]:
    """The parts among ``names`` that hold code.

    >>> macro_parts(["xl/workbook.xml", "xl/vbaProject.bin", "xl/macrosheets/sheet1.xml"])
    ('xl/vbaProject.bin', 'xl/macrosheets/sheet1.xml')
    """
    return tuple(n for n in names if any(n == p or (p.endswith("/") and n.startswith(p)) for p in MACRO_PARTS))


def _target(base: str, target: str) -> str:
    """A relationship's target as a part name: relative to ``base``'s folder, or absolute from the root."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """The relationships of ``part``: id -> (target, target mode)."""
    name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if name not in z.namelist():
        return {}
    root = fromstring(z.read(name))
    return {_attr(r, "Id"): (_attr(r, "Target"), _attr(r, "TargetMode")) for r in _children(root, "Relationship")}


def workbook_part(z: zipfile.ZipFile) -> str:
    """The workbook part, as the package's root relationships name it (``xl/workbook.xml`` by default)."""
    for target, _ in _rels(z, "").values():
        if target.rstrip("/").endswith(".xml") and "workbook" in target.lower():
            return _target("", target)
    return "xl/workbook.xml"


def inspect(z: zipfile.ZipFile) -> Package:
    """Read the package's workbook, relationships and styles. Raises ``KeyError`` if the workbook part is
    missing and ``xml.etree.ElementTree.ParseError`` (or a defusedxml error) if a part is not XML."""
    part = workbook_part(z)
    root = fromstring(z.read(part))
    rels = _rels(z, part)
    sheets = []
    for s in _children(root, "sheet"):
        target = rels.get(_attr(s, "id"), ("", ""))[0]
        sheets.append(SheetInfo(_attr(s, "name"), _target(part, target) if target else "", _attr(s, "state", "visible") or "visible"))
    calc = next(iter(_children(root, "calcPr")), None)
    pending = calc is not None and (_flag(_attr(calc, "fullCalcOnLoad")) or (
        _attr(calc, "calcMode") == "manual" and _attr(calc, "calcOnSave") in ("0", "false")))
    links = {}
    for i, ref in enumerate(_children(root, "externalReference"), start=1):
        link_part = _target(part, rels.get(_attr(ref, "id"), ("", ""))[0])
        links[str(i)] = _linked_file(z, link_part) if link_part else "?"
    names = {_attr(n, "name").upper(): (n.text or "") for n in _children(root, "definedName") if not _attr(n, "localSheetId")}
    styles = next((_target(part, t) for t, _ in rels.values() if t.endswith("styles.xml")), "xl/styles.xml")
    return Package(tuple(sheets), pending, links, names, _percent_styles(z, styles), macro_parts(z.namelist()))


def _linked_file(z: zipfile.ZipFile, part: str) -> str:
    """The file an external-link part points to, as written (a path or a URL)."""
    for target, mode in _rels(z, part).values():
        if mode == "External" or target:
            return target
    return "?"


def _percent_styles(z: zipfile.ZipFile, part: str) -> frozenset[int]:
    if part not in z.namelist():
        return frozenset()
    root = fromstring(z.read(part))
    custom = {_attr(f, "numFmtId"): _attr(f, "formatCode") for f in _children(root, "numFmt")}
    xfs = next((e for e in root.iter() if local(e.tag) == "cellXfs"), None)
    found = set()
    for i, xf in enumerate([e for e in xfs if local(e.tag) == "xf"] if xfs is not None else []):
        fmt = _attr(xf, "numFmtId", "0")
        if (fmt.isdigit() and int(fmt) in BUILTIN_PERCENT) or percent_format(custom.get(fmt, "")):
            found.add(i)
    return frozenset(found)


def macros_in(path) -> tuple[str, ...]:
    """The parts of the workbook at ``path`` that hold code; none if it is not a readable package (the
    reader then says it cannot be read)."""
    try:
        with zipfile.ZipFile(path) as z:
            return macro_parts(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return ()
