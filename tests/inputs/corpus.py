"""Workbooks as the programs lead units use write them: xlsxwriter, openpyxl, pandas (both engines), and, by
hand in XML, Excel's shared formulas, WPS Office and an online sheet's export (none of these programs runs
here). The LibreOffice-made
files are in test_office.py (LibreOffice over UNO).

Every builder takes a table (a header and rows of Python values; a value starting with ``=`` is a formula)
and writes it as ``path``'s first sheet.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pandas as pd

Rows = list[list]


def table(path: Path) -> tuple[list[str], Rows]:
    """The first sheet of an evalkit workbook as header and rows (values as stored)."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [str(h) for h in rows[0]], rows[1:]


def by_xlsxwriter(path: Path, header: list[str], rows: Rows, *, sheets: dict[str, Rows] | None = None, vba: bytes | None = None) -> None:
    """xlsxwriter: formulas with a cached value of 0 and ``fullCalcOnLoad`` (its defaults); ``vba`` adds a
    vbaProject.bin, as a macro workbook renamed .xlsx holds."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("评分表")
    ws.write_row(0, 0, header)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if isinstance(v, str) and v.startswith("="):
                ws.write_formula(i, j, v)
            elif v is not None:
                ws.write(i, j, v)
    for name, extra in (sheets or {}).items():
        other = wb.add_worksheet(name)
        for i, row in enumerate(extra):
            other.write_row(i, 0, row)
    if vba is not None:
        wb.add_vba_project(io.BytesIO(vba), is_stream=True)
    wb.close()


def by_openpyxl(path: Path, header: list[str], rows: Rows, *, hidden_rows=(), hidden_columns=(), merged=(), first_sheet=None,
                first_state="hidden", percent=()) -> None:
    """openpyxl: formulas with no cached value; hidden rows (Excel row numbers) and columns (letters),
    merged ranges, a hidden (or very hidden) first sheet ``first_sheet`` = (name, rows) before the table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if first_sheet is not None:
        ws.title = first_sheet[0]
        for row in first_sheet[1]:
            ws.append(row)
        ws.sheet_state = first_state
        ws = wb.create_sheet("评分表 (2)")
        wb.active = 1
    else:
        ws.title = "评分表"
    ws.append(header)
    for row in rows:
        ws.append(row)
    for r in hidden_rows:
        ws.row_dimensions[r].hidden = True
    for c in hidden_columns:
        ws.column_dimensions[c].hidden = True
    for ref in merged:
        ws.merge_cells(ref)
    for ref in percent:
        ws[ref].number_format = "0.0%"
    wb.save(path)


def by_pandas(path: Path, header: list[str], rows: Rows, engine: str) -> None:
    """pandas' ``to_excel`` with ``engine`` (openpyxl or xlsxwriter): a text starting with = becomes a formula."""
    pd.DataFrame(rows, columns=header).to_excel(path, index=False, engine=engine, sheet_name="评分表")


def _col(j: int) -> str:
    return openpyxl.utils.get_column_letter(j + 1)


def by_wps(path: Path, header: list[str], rows: Rows, *, percent_cells=()) -> None:
    """An .xlsx as WPS Office (ET) writes it, reproduced in XML: the KSOProductBuildVer property of WPS in
    docProps/custom.xml, calcId 144525, every text in the shared strings, formulas with their cached value
    (WPS recalculates before saving), a percent style with the built-in format 10 (0.00%) and, in the
    note column, a picture placed in a cell (嵌入单元格图片) as WPS stores it: the formula
    ``_xlfn.DISPIMG("ID_…",1)`` whose cached value is its own text, with the picture in xl/cellimages.xml."""
    strings: list[str] = []

    def sst(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    lines = []
    for i, row in enumerate([header, *rows]):
        cells = []
        for j, v in enumerate(row):
            ref = f"{_col(j)}{i + 1}"
            style = ' s="1"' if ref in percent_cells else ""
            if v is None:
                continue
            if isinstance(v, tuple):  # (formula, cached value)
                f, cached = v
                t = ' t="str"' if isinstance(cached, str) else ""
                cells.append(f'<c r="{ref}"{style}{t}><f>{escape(f.lstrip("="))}</f><v>{escape(str(cached))}</v></c>')
            elif isinstance(v, str):
                cells.append(f'<c r="{ref}" t="s"><v>{sst(v)}</v></c>')
            else:
                cells.append(f'<c r="{ref}"{style}><v>{v}</v></c>')
        lines.append(f'<row r="{i + 1}" spans="1:{len(header)}">{"".join(cells)}</row>')
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/cellimages.xml" ContentType="application/vnd.wps-officedocument.cellimage+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>',
        "docProps/custom.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer"><vt:lpwstr>2052-12.1.0.16120</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="ICV"><vt:lpwstr>5A1B0C1D2E3F</vt:lpwstr></property></Properties>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {main}><workbookPr/><bookViews><workbookView windowWidth="28800" windowHeight="12540"/></bookViews><sheets><sheet name="评分表" sheetId="1" r:id="rId1"/></sheets><calcPr calcId="144525"/></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="http://www.wps.cn/officeDocument/2020/cellImage" Target="cellimages.xml"/></Relationships>',
        "xl/styles.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/cellimages.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><etc:cellImages xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData"/>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {main}><sheetPr/><dimension ref="A1:{_col(len(header) - 1)}{len(rows) + 1}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><sheetFormatPr defaultColWidth="9" defaultRowHeight="13.5"/><sheetData>{"".join(lines)}</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>',
    }
    parts["xl/sharedStrings.xml"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                     f'count="{len(strings)}" uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))


def by_online_export(path: Path, header: list[str], rows: Rows) -> None:
    """An .xlsx as online sheets' exports and streaming writers write it, reproduced in XML: elements with
    a namespace prefix (``<x:c>``), text as inline strings, rows and cells without their ``r`` attribute,
    no styles part, and numbers given as text where the sheet held them as text."""
    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    lines = []
    for row in [header, *rows]:
        cells = []
        for v in row:
            if v is None or v == "":
                cells.append("<x:c/>")
            elif isinstance(v, str):
                cells.append(f'<x:c t="inlineStr"><x:is><x:t>{escape(v)}</x:t></x:is></x:c>')
            else:
                cells.append(f"<x:c><x:v>{v}</x:v></x:c>")
        lines.append(f"<x:row>{''.join(cells)}</x:row>")
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:workbook {ns}><x:sheets><x:sheet name="Sheet1" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet {ns}><x:sheetData>{"".join(lines)}</x:sheetData></x:worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))


def by_excel_shared(path: Path, header: list[str], rows: Rows, *, pending: bool) -> None:
    """Excel's way of storing one formula filled down a column, reproduced in XML: a shared formula, written
    once in its first cell (``<f t="shared" ref="I2:I4" si="0">G2*0.5</f>``) and referred to by the others
    (``<f t="shared" si="0"/>``), each cell with its cached value; ``pending`` marks the cached values stale
    (``fullCalcOnLoad``) and caches 0, as a program that leaves the computing to the next one does."""
    score = header.index("得分")
    letter = _col(score)
    for i, row in enumerate(rows[:3]):
        row[score] = (f"=G{i + 2}*0.5", 0 if pending else row[header.index("分值")] * 0.5)
    by_wps(path, header, rows)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace("<f>G2*0.5</f>", f'<f t="shared" ref="{letter}2:{letter}4" si="0">G2*0.5</f>')
    sheet = sheet.replace("<f>G3*0.5</f>", '<f t="shared" si="0"/>').replace("<f>G4*0.5</f>", '<f t="shared" si="0"/>')
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    if pending:
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'<calcPr calcId="144525"/>', b'<calcPr calcId="191029" fullCalcOnLoad="1"/>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def half_marks_period(framework, folder: Path) -> Path:
    """``folder`` as a complete period of ``framework`` in CSV: every score at half its points, every method 80."""
    (folder / "monitoring").mkdir(parents=True)
    points = framework.indicators.set_index("id")["points"]
    for unit, part in framework.assignments().groupby("lead_unit"):
        pd.DataFrame({"牵头考核单位": part["lead_unit"], "考评对象": part["entity"], "指标": part["indicator"],
                      "得分": part["indicator"].map(points) / 2}).to_csv(folder / "monitoring" / f"{unit}.csv", index=False)
    pd.DataFrame({"考评对象": framework.entities["entity"], "实地调研": 80, "民意调查": 80, "第三方评估": 80}).to_csv(
        folder / "methods.csv", index=False)
    return folder
