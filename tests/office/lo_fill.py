"""Fill a workbook in LibreOffice Calc over UNO and save it as .xlsx: a real office suite touches it.

Run with the system Python that has LibreOffice's ``uno`` module:
    /usr/bin/python3 lo_fill.py SRC.xlsx DST.xlsx CELLS.json
CELLS.json is a list of [row, column, value] or [row, column, value, number format] (0-based, first
sheet); numbers are typed as numbers, text starting with "=" as a formula.
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


def main(src, dst, cells_path):
    cells = json.load(open(cells_path, encoding="utf-8"))
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    pipe = f"evalkit_{os.getpid()}"
    office = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                               f"-env:UserInstallation=file://{profile}", f"--accept=pipe,name={pipe};urp;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(120):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0, (prop("Hidden", True),))
        sheet = doc.Sheets.getByIndex(0)
        for row, col, value, *fmt in cells:
            cell = sheet.getCellByPosition(col, row)
            if isinstance(value, (int, float)):
                cell.setValue(value)
            elif value.startswith("="):
                cell.setFormula(value)
            else:
                cell.setString(value)
            if fmt:
                locale = uno.createUnoStruct("com.sun.star.lang.Locale")
                key = doc.NumberFormats.queryKey(fmt[0], locale, False)
                cell.NumberFormat = key if key != -1 else doc.NumberFormats.addNew(fmt[0], locale)
        doc.calculateAll()
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)), (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
    finally:
        office.terminate()
        office.wait(timeout=30)


if __name__ == "__main__":
    main(*sys.argv[1:])
