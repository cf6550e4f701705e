"""One reading path for every program's workbooks (issue 23): a corpus made by xlsxwriter, openpyxl and pandas,
and Excel's, WPS's and online sheets' conventions reproduced in XML (corpus.py), each file with its expected
outcome.
The LibreOffice-made files are in test_office.py."""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass

import pandas as pd
import pytest

import evalkit
from evalkit.core import paths

from . import corpus

EDU = "monitoring/2022H1_市教育局_日常监测评分表.xlsx"
SCORE, NOTE = "得分", "备注"


@dataclass(frozen=True)
class Case:
    """A workbook made by a program from 市教育局's rows, and what reading it must give: the scores of rows
    2-4 (None: left out) and the problems, as (row, column, part of the message, part of the Chinese)."""

    make: object  # (path, header, rows) -> None; rows may be changed first by ``edit``
    scores: tuple
    problems: tuple = ()
    edit: object = None


def _set(column, values):
    def edit(header, rows):
        for row, value in zip(rows, values):
            if value is not ...:
                row[header.index(column)] = value
    return edit


def _both(*edits):
    def edit(header, rows):
        for e in edits:
            e(header, rows)
    return edit


CASES = {
    "xlsxwriter: a stale cached formula (fullCalcOnLoad) is computed": Case(
        corpus.by_xlsxwriter, (0.8, 0.5, 0.5), edit=_both(_set(SCORE, ["=G2*0.8", ..., ...]), _set(NOTE, [None, None, None]))),
    "xlsxwriter: a link to another workbook is refused, the cell named": Case(
        corpus.by_xlsxwriter, (None, 0.5, 0.5), ((2, SCORE, "cell I2: formula =[1]Sheet1!A1 takes its value from another workbook", "引用了另一个工作簿"),),
        edit=_set(SCORE, ["=[1]Sheet1!A1", ..., ...])),
    "xlsxwriter: a formula on another sheet is followed": Case(
        lambda p, h, r: corpus.by_xlsxwriter(p, h, r, sheets={"计算": [["系数"], [0.5]]}), (0.5, 0.5, 0.5),
        ((None, None, "sheet '计算' holds data", "工作表“计算”中有数据"),), edit=_set(SCORE, ["=计算!A2*G2", ..., ...])),
    "xlsxwriter: a volatile function is refused": Case(
        corpus.by_xlsxwriter, (None, 0.5, 0.5), ((2, SCORE, "uses NOW, whose value depends on when it is read", "NOW 函数"),),
        edit=_set(SCORE, ["=IF(NOW()>0,1,0)", ..., ...])),
    "xlsxwriter: a circular reference is refused": Case(
        corpus.by_xlsxwriter, (None, None, 0.5), ((2, SCORE, "refers back to itself (a circular reference", "循环引用"),
                                                  (3, SCORE, "refers back to itself", "循环引用")),
        edit=_set(SCORE, ["=I3", "=I2", ...])),
    "xlsxwriter: a function the formulas library lacks is refused": Case(
        corpus.by_xlsxwriter, (None, 0.5, 0.5), ((2, SCORE, "cannot be computed by evalkit", "无法由本系统计算"),),
        edit=_set(SCORE, ['=_xlfn.DISPIMG("ID_1",1)', ..., ...])),
    "xlsxwriter: an error value computed is named as one": Case(
        corpus.by_xlsxwriter, (None, 0.5, 0.5), ((2, SCORE, "shows the error #DIV/0!", "错误值 #DIV/0!"),), edit=_set(SCORE, ["=1/0", ..., ...])),
    "xlsxwriter: an array formula awaiting recalculation is refused": Case(
        corpus.by_xlsxwriter, (None, 0.5, 0.5), ((2, SCORE, "array formula =G2*0.8 has no current value", "数组公式"),),
        edit=_set(SCORE, ["{=G2*0.8}", ..., ...])),
    "openpyxl: formulas with no cached value, across rows and ranges, are computed": Case(
        corpus.by_openpyxl, (1.0, 0.5, 0.25), edit=_set(SCORE, ["=SUM(G2:G2)", "=ROUND(G3,2)", "=I3/2"])),
    "openpyxl: a hidden first sheet beside the visible copy is named": Case(
        lambda p, h, r: corpus.by_openpyxl(p, h, r, first_sheet=("评分表", [h, *r])), (1.0, 0.5, 0.5),
        ((None, None, "sheet '评分表' is hidden and holds data; expected the table on sheet '评分表 (2)'", "选择“取消隐藏”"),)),
    "openpyxl: a very hidden first sheet is named with a fix that works": Case(
        lambda p, h, r: corpus.by_openpyxl(p, h, r, first_sheet=("评分表", [h, *r]), first_state="veryHidden"), (1.0, 0.5, 0.5),
        ((None, None, "is very hidden", "建立副本"),)),
    "openpyxl: merged cells are named as merged, not as empty": Case(
        lambda p, h, r: corpus.by_openpyxl(p, h, r, merged=["I3:I4"]), (1.0, None, None),
        ((3, SCORE, "cells I3:I4 are merged", "取消合并单元格"),)),
    "openpyxl: a hidden row and a hidden column are named": Case(
        lambda p, h, r: corpus.by_openpyxl(p, h, r, hidden_rows=[4], hidden_columns=["I"]), (1.0, 0.5, None),
        ((4, None, "row 4 is hidden and holds data", "第 4 行被隐藏"), (1, SCORE, "column I is hidden and holds data", "第 I 列被隐藏"))),
    "openpyxl: a merged or hidden column that the table does not use is no problem": Case(
        lambda p, h, r: corpus.by_openpyxl(p, h, r, hidden_columns=["F"], merged=["E2:E4"]), (1.0, 0.5, 0.5)),
    "openpyxl: a formula on a percent-formatted score is refused like a typed percentage": Case(
        lambda p, h, r: corpus.by_openpyxl(p, h, r, percent=["I2"]), (None, 0.5, 0.5), ((2, SCORE, "is shown as a percentage", "百分比"),),
        edit=_set(SCORE, ["=G2/2", ..., ...])),
    "pandas (openpyxl)": Case(lambda p, h, r: corpus.by_pandas(p, h, r, "openpyxl"), (1.0, 0.5, 0.25), edit=_set(SCORE, [..., ..., "=0.5/2"])),
    "pandas (xlsxwriter)": Case(lambda p, h, r: corpus.by_pandas(p, h, r, "xlsxwriter"), (1.0, 0.5, 0.25), edit=_set(SCORE, [..., ..., "=0.5/2"])),
    "WPS: cached formulas trusted, a picture in a cell's note": Case(
        corpus.by_wps, (0.8, 0.5, 0.5), edit=_both(_set(SCORE, [("=G2*0.8", 0.8), ..., ...]),
                                                   _set(NOTE, [..., ('=_xlfn.DISPIMG("ID_9F3A2B",1)', '=DISPIMG("ID_9F3A2B",1)'), ...]))),
    "WPS: a percent style on a score is refused": Case(
        lambda p, h, r: corpus.by_wps(p, h, r, percent_cells={"I2"}), (None, 0.5, 0.5), ((2, SCORE, "is shown as a percentage", "百分比"),)),
    "Excel: a shared formula filled down, its cached values trusted": Case(
        lambda p, h, r: corpus.by_excel_shared(p, h, r, pending=False), (0.5, 0.25, 0.25)),
    "Excel: a shared formula filled down, awaiting recalculation, computed cell by cell": Case(
        lambda p, h, r: corpus.by_excel_shared(p, h, r, pending=True), (0.5, 0.25, 0.25)),
    "an online sheet's export (inline strings, no r attributes, a namespace prefix, numbers as text)": Case(
        corpus.by_online_export, (1.0, 0.5, 0.5), edit=_set("指标", ["25", "26", "27"])),
}


@pytest.fixture(scope="session")
def made(tmp_path_factory):
    """Every file of CASES, made once by its program."""
    out = tmp_path_factory.mktemp("corpus")
    header, rows = corpus.table(paths.DATA / "baotou" / "2022H1" / EDU)
    files = {}
    for i, (name, case) in enumerate(CASES.items()):
        mine = [list(r) for r in rows]
        if case.edit:
            case.edit(header, mine)
        files[name] = out / f"{i}.xlsx"
        case.make(files[name], list(header), mine)
    return files


@pytest.fixture
def folder(tmp_path):
    return shutil.copytree(paths.DATA / "baotou" / "2022H1", tmp_path / "2022H1")


@pytest.mark.parametrize("name", list(CASES))
def test_each_program_s_workbook_reads_as_expected(baotou, folder, made, name):
    case = CASES[name]
    shutil.copy(made[name], folder / EDU)
    before = ((folder / EDU).read_bytes(), (folder / EDU).stat().st_mtime_ns)
    got = evalkit.read_period(baotou, "2022H1", folder, strict=False)
    mine = got.monitoring[got.monitoring["lead_unit"] == "市教育局"].set_index("row")["score"]
    assert tuple(float(mine[r]) if r in mine.index else None for r in (2, 3, 4)) == case.scores
    found = [(p.row, p.column, p.message, p.zh) for p in got.problems if p.file == EDU]
    assert len(found) == len(case.problems), found
    for (row, column, en, zh), p in zip(case.problems, found):
        assert (p[0], p[1]) == (row, column) and en in p[2] and zh in p[3], p
        assert not re.search(r"[;:,]", re.sub(r"[A-Z]+\d+:[A-Z]+\d+|=\S+", "", p[3]))  # full-width punctuation in Chinese
    assert not [p for p in got.problems if p.file != EDU]  # nothing reported missing besides
    assert ((folder / EDU).read_bytes(), (folder / EDU).stat().st_mtime_ns) == before  # input files are never modified


def test_a_stale_cached_formula_scores_as_the_value_typed(baotou, folder, tmp_path):
    """xlsxwriter caches 0 for =G2*0.8 and asks for a recalculation: the total is the one with 0.8 typed."""
    header, rows = corpus.table(folder / EDU)
    rows[0][header.index(SCORE)] = 0.8
    corpus.by_openpyxl(folder / EDU, header, rows)
    typed = evalkit.score_period(baotou, evalkit.read_period(baotou, "2022H1", folder)).totals
    rows[0][header.index(SCORE)] = "=G2*0.8"
    corpus.by_xlsxwriter(folder / EDU, header, rows)
    stale = evalkit.score_period(baotou, evalkit.read_period(baotou, "2022H1", folder)).totals
    pd.testing.assert_frame_equal(stale, typed)


def test_a_macro_workbook_is_refused_and_never_archived(baotou, folder):
    from evalkit.runs.archive import input_files

    header, rows = corpus.table(folder / EDU)
    corpus.by_xlsxwriter(folder / EDU, header, rows, vba=b"\xd0\xcf\x11\xe0macro")
    got = evalkit.read_period(baotou, "2022H1", folder, strict=False)
    p = next(p for p in got.problems if p.file == EDU)
    assert "holds macros (xl/vbaProject.bin)" in p.message and "含有宏" in p.zh
    assert [e.action for e in got.inventory if e.name == EDU] == ["refused"]
    assert not [n for n in input_files([], [folder]) if "市教育局" in n]


def test_validate_names_the_file_and_exits_without_a_traceback(folder):
    import subprocess
    import sys

    header, rows = corpus.table(folder / EDU)
    rows[0][header.index(SCORE)] = "=[1]Sheet1!A1"
    rows[1][header.index(NOTE)] = None
    corpus.by_xlsxwriter(folder / EDU, header, rows)
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "validate", "baotou", "2022H1", "--data-dir", str(folder)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "2022H1_市教育局_日常监测评分表.xlsx" in done.stderr and "I2" in done.stderr
