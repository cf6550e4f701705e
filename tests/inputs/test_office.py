"""Workbooks made and saved by LibreOffice Calc (over UNO, one LibreOffice for the session: conftest.py) read
back right: templates filled in Calc, and a corpus of Calc workbooks made from scratch, each with its
expected outcome."""
from __future__ import annotations

import shutil

import openpyxl
import pytest

import evalkit
from evalkit.core import paths
from evalkit.inputs.templates import write_templates

from .corpus import table

EDU = "monitoring/2022H1_市教育局_日常监测评分表.xlsx"
pytestmark = pytest.mark.slow


@pytest.fixture
def period(tmp_path):
    dst = tmp_path / "2022H1"
    shutil.copytree(paths.DATA / "baotou" / "2022H1", dst)
    return dst


def test_template_filled_in_libreoffice_reads_back(baotou, calc, tmp_path):
    out = tmp_path / "period"
    files = write_templates(baotou, "2022H1", out)
    template = next(p for p in files if p.name == "2022H1_市教育局_日常监测评分表.xlsx")
    ws = openpyxl.load_workbook(template).worksheets[0]
    header = [c.value for c in ws[1]]
    score_col, status_col = header.index("得分"), header.index("完成情况")
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    typed = [0.5, 0.25, 0.5, 1, 0.33, 0.5][: len(rows)]
    cells = [[i + 1, score_col, v] for i, v in enumerate(typed)] + [[i + 1, status_col, "推进中"] for i in range(len(rows))]
    calc.fill(template, tmp_path / "filled.xlsx", cells)
    shutil.move(tmp_path / "filled.xlsx", template)
    inputs = evalkit.read_period(baotou, "2022H1", out, strict=False)
    mine = inputs.monitoring[inputs.monitoring["lead_unit"] == "市教育局"].sort_values("row")
    assert mine["score"].tolist() == typed
    assert set(mine["status"]) == {"推进中"}
    assert not [p for p in inputs.problems if "市教育局_" in p.file]


def test_percent_typed_in_calc_is_read_as_shown(baotou, calc, period, tmp_path):
    """95.6 % typed in Calc is stored as 0.956 with a percent format: read as 95.6, never as 0.956."""
    before = evalkit.read_period(baotou, "2022H1", period).methods.set_index("entity")
    ws = openpyxl.load_workbook(period / "methods.xlsx").worksheets[0]
    col = [c.value for c in ws[1]].index("民意调查")
    calc.fill(period / "methods.xlsx", tmp_path / "methods.xlsx", [[1, col, 0.956, "0.0%"]])
    shutil.move(tmp_path / "methods.xlsx", period / "methods.xlsx")
    after = evalkit.read_period(baotou, "2022H1", period).methods.set_index("entity")
    first = ws.cell(2, 1).value
    assert after.loc[first, "survey"] == 95.6
    others = after.drop(index=first)
    assert others.equals(before.drop(index=first)[others.columns])


def test_error_value_computed_by_calc_is_named(baotou, calc, period, tmp_path):
    ws = openpyxl.load_workbook(period / EDU).worksheets[0]
    col = [c.value for c in ws[1]].index("得分")
    calc.fill(period / EDU, tmp_path / "edu.xlsx", [[1, col, "=1/0"]])
    shutil.move(tmp_path / "edu.xlsx", period / EDU)
    with pytest.raises(evalkit.InputError) as exc:
        evalkit.read_period(baotou, "2022H1", period)
    [p] = exc.value.problems
    assert (p.row, p.column) == (2, "得分") and "shows the error #DIV/0!" in p.message and "错误值 #DIV/0!" in p.zh


# -- a corpus of plain Calc workbooks, made from scratch -------------------------------------------------

def _plain(rows: list[list]) -> list[list]:
    return [[None if v is None else v for v in r] for r in rows]


@pytest.fixture(scope="session")
def calc_corpus(calc, tmp_path_factory):
    """Every Calc-made file of the corpus, made once: name -> (period-relative path it replaces, the file)."""
    out = tmp_path_factory.mktemp("calc-corpus")
    demo = paths.DATA / "baotou" / "2022H1"
    mh, mrows = table(demo / "methods.xlsx")
    eh, erows = table(demo / EDU)
    note, score, points = mh.index("备注"), eh.index("得分"), eh.index("分值")
    methods = [[*r[:note], None if i == 0 else "已核实", *r[note + 1:]] for i, r in enumerate(mrows)]  # one 备注 left blank
    edu = [[*r[:score], f"=G{i + 2}*0.8" if i == 0 else r[score], *r[score + 1:]] for i, r in enumerate(erows)]
    for r in edu:
        r[eh.index("备注")] = None
    made = {
        "plain methods": ("methods.xlsx", dict(sheets=[{"name": "填报表", "rows": _plain([mh, *methods])}])),
        "formula, blank note": (EDU, dict(sheets=[{"name": "评分表", "rows": _plain([eh, *edu])}])),
        "hidden first sheet": (EDU, dict(sheets=[{"name": "评分表", "rows": _plain([eh, *erows]), "hidden": True},
                                                 {"name": "评分表 (修改)", "rows": _plain([eh, *edu])}])),
        "merged cells": (EDU, dict(sheets=[{"name": "评分表", "rows": _plain([eh, *erows])}], merge=[[0, "B2:B3"]])),
        "hidden row": (EDU, dict(sheets=[{"name": "评分表", "rows": _plain([eh, *erows])}], hide_rows=[[0, 2]])),
    }
    calc.new(out / "其他单位.xlsx", sheets=[{"name": "Sheet1", "rows": [[0.7]]}])
    linked = [[*r[:score], f"='file://{out}/其他单位.xlsx'#$Sheet1.A1" if i == 0 else r[score], *r[score + 1:]] for i, r in enumerate(erows)]
    made["link to another workbook"] = (EDU, dict(sheets=[{"name": "评分表", "rows": _plain([eh, *linked])}]))
    files = {}
    for name, (target, spec) in made.items():
        path = out / f"{name}.xlsx"
        calc.new(path, **spec)
        files[name] = (target, path)
    assert points == 6  # the formula =G2*0.8 is 0.8 of the row's points
    return files


def read(baotou, folder, calc_corpus, name):
    target, path = calc_corpus[name]
    shutil.copy(path, folder / target)
    return evalkit.read_period(baotou, "2022H1", folder, strict=False)


def test_plain_calc_workbook_with_a_blank_note_reads_clean(baotou, period, calc_corpus):
    """LibreOffice writes a percent style into every file and leaves blank cells out: read as typed."""
    expected = evalkit.read_period(baotou, "2022H1", period).methods
    got = read(baotou, period, calc_corpus, "plain methods")
    assert got.problems == []
    assert got.methods.drop(columns=["file", "sheet"]).equals(expected.drop(columns=["file", "sheet"]))


def test_formula_computed_by_calc_is_its_cached_value(baotou, period, calc_corpus):
    got = read(baotou, period, calc_corpus, "formula, blank note")
    assert got.problems == []
    mine = got.monitoring[got.monitoring["lead_unit"] == "市教育局"].set_index("row")
    assert mine.loc[2, "score"] == 0.8 and set(mine["note"]) == {""}


def test_hidden_first_sheet_is_named_and_the_visible_one_is_read(baotou, period, calc_corpus):
    got = read(baotou, period, calc_corpus, "hidden first sheet")
    [p] = got.problems
    assert (p.file, p.sheet) == (EDU, "评分表")
    assert "sheet '评分表' is hidden and holds data; expected the table on sheet '评分表 (修改)' only" in p.message
    assert "取消隐藏" in p.zh and "；" in p.zh
    assert got.monitoring.set_index(["lead_unit", "row"]).loc[("市教育局", 2), "score"] == 0.8


def test_merged_cells_in_calc_are_named_as_merged(baotou, period, calc_corpus):
    got = read(baotou, period, calc_corpus, "merged cells")
    [p] = got.problems
    assert (p.file, p.row, p.column) == (EDU, 2, "考评对象") and "cells B2:B3 are merged" in p.message and "取消合并" in p.zh
    assert "empty" not in p.message


def test_hidden_row_in_calc_is_named_as_hidden(baotou, period, calc_corpus):
    got = read(baotou, period, calc_corpus, "hidden row")
    [p] = got.problems
    assert (p.file, p.row) == (EDU, 3) and "row 3 is hidden and holds data" in p.message and "取消隐藏" in p.zh
    assert 3 not in set(got.monitoring.loc[got.monitoring["lead_unit"] == "市教育局", "row"])


def test_a_link_to_another_workbook_made_in_calc_is_refused_naming_it(baotou, period, calc_corpus):
    got = read(baotou, period, calc_corpus, "link to another workbook")
    [p] = got.problems
    assert (p.file, p.row, p.column) == (EDU, 2, "得分")
    assert "cell I2: formula" in p.message and "takes its value from another workbook (其他单位.xlsx)" in p.message
    assert "引用了另一个工作簿（其他单位.xlsx）" in p.zh and "选择性粘贴" in p.zh
    assert 2 not in set(got.monitoring.loc[got.monitoring["lead_unit"] == "市教育局", "row"])


def test_validate_on_a_calc_workbook_exits_cleanly(period, calc_corpus):
    import subprocess
    import sys

    shutil.copy(calc_corpus["formula, blank note"][1], period / EDU)
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "validate", "baotou", "2022H1", "--data-dir", str(period)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
