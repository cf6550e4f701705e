"""Make and fill workbooks in LibreOffice Calc over UNO and save them as .xlsx: a real office suite writes them.

Run with the system Python that has LibreOffice's ``uno`` module. One LibreOffice serves every job:
    /usr/bin/python3 lo_fill.py --serve
starts soffice, prints ``ready``, then answers each JSON line on standard input with one JSON line
(``{"ok": true}`` or ``{"ok": false, "error": ...}``) until standard input closes. Jobs:

- ``{"op": "fill", "src": ..., "dst": ..., "cells": [[row, column, value(, number format)], ...]}``: open
  ``src``, type the cells (0-based, first sheet; numbers as numbers, text starting with "=" as a formula);
- ``{"op": "new", "dst": ..., "sheets": [{"name": ..., "rows": [[...]], "hidden": false}], "merge": [[sheet, "B2:B3"]],
  "hide_rows": [[sheet, row]], "hide_columns": [[sheet, column]]}``: a new Calc document from scratch.

Each is recalculated and saved with Calc's own "Calc MS Excel 2007 XML" filter.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def start():
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    pipe = f"evalkit_{os.getpid()}"
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                               f"-env:UserInstallation=file://{profile}", f"--accept=pipe,name={pipe};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.5)
    else:
        office.terminate()
        raise SystemExit("LibreOffice did not start")
    return office, ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


def put(doc, cell, value, fmt=None):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.setValue(value)
    elif value is None:
        pass
    elif value.startswith("="):
        cell.setFormula(value)
    else:
        cell.setString(value)
    if fmt:
        locale = uno.createUnoStruct("com.sun.star.lang.Locale")
        key = doc.NumberFormats.queryKey(fmt, locale, False)
        cell.NumberFormat = key if key != -1 else doc.NumberFormats.addNew(fmt, locale)


def save(doc, dst):
    doc.calculateAll()
    doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)), (prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)


def fill(desktop, job):
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(job["src"])), "_blank", 0, (prop("Hidden", True),))
    sheet = doc.Sheets.getByIndex(0)
    for row, col, value, *fmt in job["cells"]:
        put(doc, sheet.getCellByPosition(col, row), value, fmt[0] if fmt else None)
    save(doc, job["dst"])


def new(desktop, job):
    # not Hidden: Calc's .xlsx export takes a sheet's state from the document's view, which a hidden document
    # lacks (every sheet would be written visible); soffice runs headless, so no window opens either way
    doc = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0, ())
    sheets = doc.Sheets
    for i, spec in enumerate(job["sheets"]):
        if i == 0:
            sheets.getByIndex(0).Name = spec["name"]
        else:
            sheets.insertNewByName(spec["name"], i)
        sheet = sheets.getByIndex(i)
        for r, row in enumerate(spec["rows"]):
            for c, value in enumerate(row):
                put(doc, sheet.getCellByPosition(c, r), value)
    shown = next(i for i, spec in enumerate(job["sheets"]) if not spec.get("hidden"))
    doc.CurrentController.setActiveSheet(sheets.getByIndex(shown))  # Calc keeps the active sheet visible
    for i, spec in enumerate(job["sheets"]):
        if spec.get("hidden"):
            sheets.getByIndex(i).IsVisible = False
    for i, ref in job.get("merge", []):
        sheets.getByIndex(i).getCellRangeByName(ref).merge(True)
    for i, r in job.get("hide_rows", []):
        sheets.getByIndex(i).Rows.getByIndex(r).IsVisible = False
    for i, c in job.get("hide_columns", []):
        sheets.getByIndex(i).Columns.getByIndex(c).IsVisible = False
    save(doc, job["dst"])


def serve():
    office, desktop = start()
    try:
        print("ready", flush=True)
        for line in sys.stdin:
            job = json.loads(line)
            try:
                {"fill": fill, "new": new}[job["op"]](desktop, job)
                print(json.dumps({"ok": True}), flush=True)
            except Exception as exc:  # the job's error goes back to the test, the office stays up
                print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}), flush=True)
    finally:
        office.terminate()
        office.wait(timeout=30)


def main(src, dst, cells_path):
    """One job from the command line: fill ``src`` with the cells of ``cells_path`` and save as ``dst``."""
    office, desktop = start()
    try:
        fill(desktop, {"src": src, "dst": dst, "cells": json.load(open(cells_path, encoding="utf-8"))})
    finally:
        office.terminate()
        office.wait(timeout=30)


if __name__ == "__main__":
    serve() if sys.argv[1:] == ["--serve"] else main(*sys.argv[1:])
