"""Property-based tests of the reader (hypothesis): over the values typed into a score cell, and over the XML of a
sheet. Whatever the input, the reader raises nothing but evalkit's own errors, and a number it accepts is the
number the file holds (typed, or computed from a formula the way a spreadsheet does): never a mutated one."""
from __future__ import annotations

import copy
import math
import shutil
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.inputs.sheets import INTERNAL, read_table

from ..conftest import SMALL, SMALL_ENTITIES
from .corpus import by_online_export, half_marks_period

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
POINTS = 10.0  # indicator 1 of the small framework, which 局甲 scores for 东区 in row 2 of its workbook


@pytest.fixture(scope="module")
def small():
    return evalkit.build_framework(copy.deepcopy(SMALL), SMALL_ENTITIES.copy())


@pytest.fixture(scope="module")
def base(small, tmp_path_factory):
    """A complete period of the small framework: every score at half its points, every method 80."""
    return half_marks_period(small, tmp_path_factory.mktemp("small") / "2022H1")


def _with_cell(base: Path, tmp: Path, value, number_format: str | None = None) -> Path:
    """The base period with 局甲's table as an .xlsx whose row 2 score is ``value`` (东区, indicator 1)."""
    folder = tmp / "p"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(base, folder)
    rows = pd.read_csv(folder / "monitoring" / "局甲.csv", dtype=str)
    (folder / "monitoring" / "局甲.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(rows.columns) + ["分值"])
    for r in rows.itertuples(index=False):
        ws.append([r[0], r[1], int(r[2]), float(r[3]), POINTS])
    assert (ws["B2"].value, ws["C2"].value) == ("东区", 1)
    ws["D2"].value = value
    if number_format:
        ws["D2"].number_format = number_format
    wb.save(folder / "monitoring" / "局甲.xlsx")
    return folder


def _intended(value) -> float | None:
    """The number a person means by ``value`` when it is one plain number (None: not one)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return float(d) if d.is_finite() else None


def _outcome(small, folder):
    got = evalkit.read_period(small, "2022H1", folder, strict=False)
    assert not [p for p in got.problems if INTERNAL in p.message]
    score = got.monitoring.set_index(["lead_unit", "entity", "indicator"])["score"]
    mine = [p for p in got.problems if p.file == "monitoring/局甲.xlsx"]
    return (float(score[("局甲", "东区", 1)]) if ("局甲", "东区", 1) in score.index else None), mine


numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
                    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
                    st.text(alphabet="0123456789.-+eE%％ ,，", max_size=12),
                    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=8))


@FAST
@given(value=numbers)
def test_a_typed_value_is_read_as_typed_or_named(small, base, tmp_path, value):
    if isinstance(value, str) and value.startswith("="):
        value = "'" + value
    folder = _with_cell(base, tmp_path, value)
    score, problems = _outcome(small, folder)
    intended = _intended(value)
    if score is not None:  # accepted: exactly the number in the cell, within range
        assert intended is not None and math.isfinite(intended)
        assert score == intended and 0 <= score <= POINTS
        assert problems == []
    else:
        assert [(p.row, p.column) for p in problems] == [(2, "得分")]


_refs = st.sampled_from(["E2", "$E$2", "E$2"])
_consts = st.one_of(st.integers(0, 20).map(str), st.floats(0, 20, allow_nan=False).map(lambda x: repr(round(x, 3))))
_terms = st.one_of(_consts, _refs)
formulas = st.recursive(_terms, lambda inner: st.tuples(inner, st.sampled_from("+-*/"), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
                        max_leaves=5)


def _python(expr: str) -> float | None:
    """The formula computed in Python (IEEE doubles, as spreadsheets compute): None on a division by zero."""
    try:
        return float(eval(expr.replace("$", "").replace("E2", repr(POINTS)), {"__builtins__": {}}))  # noqa: S307 - our own grammar
    except ZeroDivisionError:
        return None


@FAST
@given(expr=formulas)
def test_a_formula_is_computed_as_a_spreadsheet_would_or_named(small, base, tmp_path, expr):
    folder = _with_cell(base, tmp_path, "=" + expr)
    score, problems = _outcome(small, folder)
    expected = _python(expr)
    if score is not None:
        assert expected is not None and score == pytest.approx(expected, rel=1e-12, abs=1e-12) and problems == []
    else:
        assert [(p.row, p.column) for p in problems] == [(2, "得分")]
        assert expected is None or not 0 <= expected <= POINTS + 1e-9 or abs(expected) < 1e-6 or "#" in problems[0].message


# -- sheet XML -------------------------------------------------------------------------------------------

_cell_xml = st.one_of(
    st.just("<c/>"),
    st.builds(lambda v: f'<c t="inlineStr"><is><t>{v}</t></is></c>', st.sampled_from(["东区", "局甲", "x", "", "=1", "&amp;"])),
    st.builds(lambda v, s: f'<c s="{s}"><v>{v}</v></c>', st.sampled_from(["1", "0.5", "-1", "1e308", "NaN", "", "abc"]), st.integers(0, 3)),
    st.builds(lambda f, v: f"<c><f>{f}</f>{v}</c>", st.sampled_from(["1+1", "A1", "B2*2", "SUM(A1:C3)", "[1]S!A1", "NOW()", "1/0", "ZZZ(1)", ")("]),
              st.sampled_from(["", "<v>3</v>", "<v/>"])),
    st.builds(lambda si, f: f'<c><f t="shared" si="{si}" ref="A1:C3">{f}</f></c>', st.integers(0, 2), st.sampled_from(["", "A1+1"])),
    st.builds(lambda v: f'<c t="e"><v>{v}</v></c>', st.sampled_from(["#DIV/0!", "#N/A", "#BOGUS"])),
    st.builds(lambda r, v: f'<c r="{r}"><v>{v}</v></c>', st.sampled_from(["A1", "C2", "B9", "XFD3", "A0", "1A", ""]), st.sampled_from(["1", "2"])),
)
_row_xml = st.builds(lambda attrs, cells: f"<row{attrs}>{''.join(cells)}</row>",
                     st.sampled_from(["", ' r="2"', ' hidden="1"', ' r="5" hidden="true"', ' r="x"']), st.lists(_cell_xml, max_size=4))
_tail = st.sampled_from(["", '<mergeCells><mergeCell ref="A2:A3"/></mergeCells>', '<mergeCells><mergeCell ref="bogus"/></mergeCells>',
                         '<autoFilter ref="A1:C9"><filterColumn colId="0"/></autoFilter>'])
_cols = st.sampled_from(["", '<cols><col min="2" max="2" hidden="1"/></cols>', '<cols><col min="0" max="99999" hidden="1"/></cols>'])


@settings(max_examples=150, deadline=None)
@given(cols=_cols, rows=st.lists(_row_xml, max_size=5), tail=_tail, calc=st.sampled_from(["", '<calcPr fullCalcOnLoad="1"/>']))
def test_any_sheet_xml_is_read_or_refused_with_the_file_named(tmp_path_factory, cols, rows, tail, calc):
    path = tmp_path_factory.mktemp("xml") / "t.xlsx"
    by_online_export(path, ["考评对象", "指标", "得分"], [["东区", 1, 5]])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    parts["xl/worksheets/sheet1.xml"] = f"<worksheet {ns}>{cols}<sheetData>{''.join(rows)}</sheetData>{tail}</worksheet>".encode()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"</x:workbook>", calc.replace("<", "<x:").encode() + b"</x:workbook>")
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    problems: list = []
    table = read_table(path, "t.xlsx", problems)
    assert not [p for p in problems if INTERNAL in p.message], problems
    assert table is not None or problems
    assert all(p.file == "t.xlsx" for p in problems)


def test_the_fuzz_target_runs_its_seeds(tmp_path):
    """`make fuzz` (fuzz/fuzz_reader.py, atheris) starts from these seeds: each passes the target's checks."""
    import importlib.util

    from evalkit.core import paths

    spec = importlib.util.spec_from_file_location("fuzz_reader", paths.ROOT / "fuzz" / "fuzz_reader.py")
    target = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(target)
    target.seeds(tmp_path)
    for seed in sorted(tmp_path.iterdir()):
        target.TestOneInput(seed.read_bytes())
