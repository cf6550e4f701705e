"""Coverage-guided fuzzing of the workbook reader with atheris (libFuzzer): ``make fuzz`` runs it for a bounded time.

Two targets share one input, chosen by its first byte:

- **sheet XML** (even first byte): the rest of the input is the XML of a workbook's first sheet, inside an
  otherwise valid package (recalculation pending or not, by the second byte). Reading it must end in a table
  or in problems naming the file: no exception escapes, and no problem is a fault of evalkit's own
  (:data:`evalkit.inputs.sheets.INTERNAL`).
- **typed values** (odd first byte): three score cells of a lead unit's workbook, each a number, a text or a
  formula over constants and the row's points, written by openpyxl or xlsxwriter. Every score the reader
  accepts must be the number the cell holds (computed as a spreadsheet computes it): a mutated number
  accepted in silence is a failure; anything else must be a problem naming the cell's row and column.

    .venv/bin/python fuzz/fuzz_reader.py -max_total_time=60        # what `make fuzz` runs
    .venv/bin/python fuzz/fuzz_reader.py CRASH_FILE                # replay one input

Seeds are written at start into outputs/fuzz/corpus (git-ignored), crashes into outputs/fuzz/.
"""
from __future__ import annotations

import copy
import math
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["evalkit.inputs"]):
    import evalkit
    from evalkit.inputs.sheets import INTERNAL, read_table

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402

from tests.conftest import SMALL, SMALL_ENTITIES  # noqa: E402
from tests.inputs.corpus import by_online_export, by_wps, half_marks_period  # noqa: E402

WORK = Path(tempfile.mkdtemp(prefix="evalkit-fuzz-"))
FRAMEWORK = evalkit.build_framework(copy.deepcopy(SMALL), SMALL_ENTITIES.copy())
POINTS = 10.0
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _package(sheet: bytes, pending: bool) -> Path:
    path = WORK / "sheet.xlsx"
    by_online_export(path, ["考评对象", "指标", "得分"], [["东区", 1, 5]])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet
    if pending:
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"</x:workbook>", b'<x:calcPr fullCalcOnLoad="1"/></x:workbook>')
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def sheet_xml(fdp: atheris.FuzzedDataProvider) -> None:
    pending = fdp.ConsumeBool()
    problems: list = []
    table = read_table(_package(fdp.ConsumeBytes(fdp.remaining_bytes()), pending), "t.xlsx", problems)
    internal = [p for p in problems if INTERNAL in p.message]
    if internal:
        raise AssertionError(internal[0].message)
    if table is None and not problems:
        raise AssertionError("a table refused with no problem")


def _base() -> Path:
    folder = WORK / "base" / "2022H1"
    return folder if folder.exists() else half_marks_period(FRAMEWORK, folder)


def _cell(fdp: atheris.FuzzedDataProvider) -> tuple[object, float | None]:
    """A value to type and the number it means (None: not a number evalkit may accept)."""
    kind = fdp.ConsumeIntInRange(0, 3)
    if kind == 0:
        x = fdp.ConsumeFloat()
        return x, x if math.isfinite(x) else None
    if kind == 1:
        text = fdp.ConsumeUnicodeNoSurrogates(12)
        try:
            return text, float(text.strip()) if text.strip() and text.strip().lstrip("+-").replace(".", "", 1).isdigit() else None
        except ValueError:
            return text, None
    a, b = fdp.ConsumeIntInRange(0, 40) / 4, fdp.ConsumeIntInRange(0, 40) / 4
    op = "+-*/"[fdp.ConsumeIntInRange(0, 3)]
    left = "E{row}" if kind == 3 else repr(a)
    value = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y, "/": lambda x, y: x / y if y else None}[op](
        POINTS if kind == 3 else a, b)
    return f"={left}{op}{b!r}", value


def typed_values(fdp: atheris.FuzzedDataProvider) -> None:
    folder = WORK / "p" / "2022H1"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(_base(), folder)
    rows = pd.read_csv(folder / "monitoring" / "局甲.csv", dtype=str)
    (folder / "monitoring" / "局甲.csv").unlink()
    table = [[r[0], r[1], int(r[2]), float(r[3]), POINTS] for r in rows.itertuples(index=False)]
    meant = {}
    for i in range(3):  # rows 2-4: 东区, 西区, 局甲 on indicator 1 (10 points)
        value, number = _cell(fdp)
        if isinstance(value, str) and value.startswith("="):
            value = value.format(row=i + 2)
        table[i][3], meant[i + 2] = value, number
    header = ["牵头考核单位", "考评对象", "指标", "得分", "分值"]
    path = folder / "monitoring" / "局甲.xlsx"
    writer = fdp.ConsumeIntInRange(0, 2)
    try:
        if writer == 0:
            wb = openpyxl.Workbook()
            wb.active.append(header)
            for r in table:
                wb.active.append(r)
            wb.save(path)
        elif writer == 1:
            from tests.inputs.corpus import by_xlsxwriter
            by_xlsxwriter(path, header, table)
        else:
            by_wps(path, header, [[(v, meant[i + 2]) if j == 3 and isinstance(v, str) and v.startswith("=") and meant[i + 2] is not None else v
                                   for j, v in enumerate(r)] for i, r in enumerate(table)])
    except (ValueError, TypeError, openpyxl.utils.exceptions.IllegalCharacterError):
        return  # a value the writing program itself refuses
    got = evalkit.read_period(FRAMEWORK, "2022H1", folder, strict=False)
    if [p for p in got.problems if INTERNAL in p.message]:
        raise AssertionError(got.problems)
    scores = got.monitoring.set_index(["lead_unit", "row"])["score"]
    named = {p.row for p in got.problems if p.file == "monitoring/局甲.xlsx" and p.column == "得分"}
    for row, number in meant.items():
        if ("局甲", row) in scores.index:
            accepted = float(scores[("局甲", row)])
            if number is None or abs(accepted - number) > 1e-9 * max(1.0, abs(number)):
                raise AssertionError(f"row {row}: {table[row - 2][3]!r} accepted as {accepted}, the cell holds {number}")
        elif row not in named:
            raise AssertionError(f"row {row}: {table[row - 2][3]!r} left out without a problem naming it")


def TestOneInput(data: bytes) -> None:  # noqa: N802 - atheris' name
    fdp = atheris.FuzzedDataProvider(data)
    (typed_values if fdp.ConsumeIntInRange(0, 255) % 2 else sheet_xml)(fdp)


def seeds(folder: Path) -> None:
    """Valid inputs to start from: sheets written by the programs of the corpus, and typed values."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in {"online": by_online_export, "wps": by_wps}.items():
        path = WORK / f"{name}.xlsx"
        make(path, ["考评对象", "指标", "得分"], [["东区", 1, 5], ["西区", 1, ("=A1*2", 2) if name == "wps" else 2.5]])
        with zipfile.ZipFile(path) as z:
            (folder / f"{name}-sheet").write_bytes(b"\x00\x00" + z.read("xl/worksheets/sheet1.xml"))
    (folder / "merged").write_bytes(b"\x00\x01<worksheet " + NS + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>\xe8\x80\x83\xe8\xaf\x84\xe5\xaf\xb9\xe8\xb1\xa1</t></is></c></row>'
                                    b'<row r="2" hidden="1"><c r="A2"><f>B2*2</f></c></row></sheetData><mergeCells><mergeCell ref="A2:A3"/></mergeCells></worksheet>')
    for i in range(4):
        (folder / f"typed-{i}").write_bytes(bytes([1, i, 0x40, 0x24, 0, 0, 0, 0, 0, 0, i, 2, 7, i]) + b"0.5" * 3)


def main() -> None:
    out = ROOT / "outputs" / "fuzz"
    corpus = out / "corpus"
    seeds(corpus)
    args = [sys.argv[0], f"-artifact_prefix={out}/", *sys.argv[1:]]
    if not any(not a.startswith("-") for a in sys.argv[1:]):
        args.append(str(corpus))
    atheris.Setup(args, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
