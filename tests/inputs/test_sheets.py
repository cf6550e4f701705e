"""The error catalogue of returned workbooks: one faulty workbook per kind, each located exactly."""
from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

import evalkit
from evalkit.core import paths
from evalkit.inputs import sheets

DEMO = paths.DATA / "baotou" / "2022H1"
EDU = "monitoring/2022H1_市教育局_日常监测评分表.xlsx"
CAC = "monitoring/2022H1_市委网信办_日常监测评分表.xlsx"


def assigned(baotou, unit):
    """How many assignments ``unit`` scores: all missing if its file is lost (a task-force verification
    of one of them does not stand in for the lead unit's score)."""
    need = baotou.assignments()
    return (need["lead_unit"] == unit).sum()


@pytest.fixture
def folder(tmp_path):
    dst = tmp_path / "2022H1"
    shutil.copytree(DEMO, dst)
    return dst


def set_cells(path, changes):
    """``changes``: (Excel row, header, value); also ``("delete", header)`` to drop a column."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for change in changes:
        if change[0] == "delete":
            ws.delete_cols(header.index(change[1]) + 1)
        else:
            row, col, value = change
            ws.cell(row, header.index(col) + 1).value = value
    wb.save(path)


def problems(baotou, folder):
    with pytest.raises(evalkit.InputError) as exc:
        evalkit.read_period(baotou, "2022H1", folder)
    return exc.value.problems


def only(found):
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_demo_period_reads_clean(baotou):
    for engine in ("calamine", "openpyxl"):
        inputs = evalkit.read_period(baotou, "2022H1", engine=engine)
        assert inputs.problems == [] and inputs.synthetic
        assert len(inputs.monitoring) == len(baotou.assignments())


def test_both_engines_read_the_same(baotou):
    a = evalkit.read_period(baotou, "2022H1", engine="calamine")
    b = evalkit.read_period(baotou, "2022H1", engine="openpyxl")
    pd.testing.assert_frame_equal(a.monitoring, b.monitoring)
    pd.testing.assert_frame_equal(a.methods, b.methods)


@pytest.mark.parametrize("column,value,message,zh", [
    ("考评对象", "月球区", "unknown entity '月球区'", "未知的考评对象“月球区”"),
    ("牵头考核单位", "市宇航局", "unknown lead unit '市宇航局'", "未知的牵头考核单位“市宇航局”"),
    ("指标", 91, "unknown indicator '91'", "未知的指标“91”"),
    ("指标", 1, "indicator 1 for '市教育局' is not assigned to '市教育局'", "不由“市教育局”负责"),
    ("得分", "满分", "'满分' is not a number", "“满分”不是数字"),
    ("得分", -0.5, "-0.5 is out of range; expected 0 to 1", "超出范围"),
    ("得分", 1.5, "1.5 is out of range; expected 0 to 1", "超出范围"),
    ("得分", "=RAND()", "formula =RAND() uses RAND, whose value depends on when it is read", "RAND 函数"),
    ("完成情况", "差不多", "unknown status '差不多'", "未知的完成情况“差不多”"),
])
def test_bad_cell_is_located(baotou, folder, column, value, message, zh):
    # row 2 of 市教育局's workbook: 市教育局 itself, indicator 25 (1 point)
    set_cells(folder / EDU, [(2, column, value)])
    p = only([p for p in problems(baotou, folder) if p.file == EDU])
    assert (p.sheet, p.row, p.column) == ("评分表", 2, column)
    assert message in p.message and zh in p.zh


def test_formula_without_a_cached_value_is_computed(baotou, folder):
    """openpyxl writes a formula with no value: the value a spreadsheet would show is computed."""
    set_cells(folder / EDU, [(2, "得分", "=0.5+0.5"), (3, "得分", "=ROUND(1/3,2)")])
    got = evalkit.read_period(baotou, "2022H1", folder).monitoring.set_index(["lead_unit", "row"]).loc["市教育局", "score"]
    assert (got[2], got[3]) == (1.0, 0.33)


def test_method_score_out_of_range(baotou, folder):
    set_cells(folder / "methods.xlsx", [(3, "民意调查", 101)])
    p = only(problems(baotou, folder))
    assert (p.file, p.sheet, p.row, p.column) == ("methods.xlsx", "填报表", 3, "民意调查")
    assert "101 is out of range; expected 0 to 100" in p.message


def test_verified_score_above_points(baotou, folder):
    wb = openpyxl.load_workbook(folder / "verification.xlsx")
    ws = wb.worksheets[0]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[3].value == 65 and r[1].value == "市工信局")
    ws.cell(row, 9).value = 0.7
    wb.save(folder / "verification.xlsx")
    p = only(problems(baotou, folder))
    assert (p.file, p.row, p.column) == ("verification.xlsx", row, "核实得分")
    assert "0.7 is out of range; expected 0 to 0.67 (the points, 0.6667, typed to 2 decimals)" in p.message


def test_duplicate_across_files(baotou, folder):
    extra = pd.DataFrame({"牵头考核单位": ["市教育局"], "考评对象": ["市教育局"], "指标": [25], "得分": [1]})
    extra.to_excel(folder / "monitoring" / "补报.xlsx", index=False)
    p = only(problems(baotou, folder))
    assert (p.file, p.row, p.column) == ("monitoring/补报.xlsx", 2, "指标")
    assert f"first given in {EDU} row 2" in p.message


def test_missing_required_column(baotou, folder):
    set_cells(folder / EDU, [("delete", "得分")])
    found = problems(baotou, folder)
    assert sum("no score from 市教育局" in p.message for p in found) == assigned(baotou, "市教育局")
    p = only([p for p in found if p.file == EDU])
    assert (p.file, p.row, p.column) == (EDU, 1, "得分")
    assert "required column missing" in p.message and "缺少必填列“得分”" in p.zh


@pytest.mark.parametrize("content,message", [
    (b"", "empty file"),
    (b"this is not a workbook", "cannot be read as an Excel workbook"),
])
def test_empty_or_unreadable_file(baotou, folder, content, message):
    (folder / EDU).write_bytes(content)
    found = problems(baotou, folder)
    assert message in only([p for p in found if p.file == EDU]).message
    # its rows are then missing: each is listed, nothing is dropped silently
    assert sum("no score from 市教育局" in p.message for p in found) == assigned(baotou, "市教育局")


def test_empty_sheet(baotou, folder):
    wb = openpyxl.Workbook()
    wb.save(folder / "monitoring" / "空表.xlsx")
    p = only(problems(baotou, folder))
    assert p.file == "monitoring/空表.xlsx" and "the sheet is empty" in p.message


def test_workbook_for_another_period(baotou, folder):
    shutil.copy(paths.DATA / "baotou" / "2022H2" / "monitoring" / "2022H2_市教育局_日常监测评分表.xlsx", folder / EDU)
    found = problems(baotou, folder)
    p = only([p for p in found if p.file == EDU])
    assert (p.sheet, p.message) == ("_evalkit", "workbook is for period 2022H2; expected 2022H1")


def test_workbook_of_another_kind(baotou, folder):
    shutil.copy(folder / "methods.xlsx", folder / "monitoring" / "methods.xlsx")
    p = only(problems(baotou, folder))
    assert p.file == "monitoring/methods.xlsx" and "workbook is a 考评方式 table; expected a 日常监测 table" in p.message


def test_assignments_nobody_scored(baotou, folder):
    (folder / EDU).unlink()
    found = problems(baotou, folder)
    assert len(found) == assigned(baotou, "市教育局") == 3
    assert {p.message for p in found} == {f"no score from 市教育局 for 市教育局, indicator {i}; expected a row in that lead unit's table" for i in (25, 26, 27)}


def test_file_above_the_size_limit(baotou, folder, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_BYTES", 1000)
    found = problems(baotou, folder)
    assert any(p.file == EDU and "expected at most 0 MiB" in p.message for p in found)


def test_several_faults_in_one_workbook_reported_at_once(baotou, folder):
    set_cells(folder / CAC, [(2, "得分", "abc"), (3, "完成情况", "没做"), (4, "考评对象", "火星区"), (5, "得分", 9)])
    found = [(p.row, p.column) for p in problems(baotou, folder) if p.file == CAC]
    assert found == [(4, "考评对象"), (2, "得分"), (5, "得分"), (3, "完成情况")]


def test_lenient_lists_without_dropping_or_clamping(baotou, folder):
    set_cells(folder / EDU, [(2, "得分", 1.5)])
    inputs = evalkit.read_period(baotou, "2022H1", folder, strict=False)
    assert [p.row for p in inputs.problems] == [2]
    r = evalkit.score_period(baotou, inputs)
    assert r.missing.iloc[0][["lead_unit", "entity", "indicator"]].tolist() == ["市教育局", "市教育局", 25]
    s = r.indicators.set_index(["entity", "indicator"]).loc[("市教育局", 25), "score"]
    assert s == 0  # counted 0 and listed, never clamped to 1


def test_inputs_are_never_modified(baotou, folder):
    before = {p: p.read_bytes() for p in folder.rglob("*.xlsx")}
    evalkit.score_period(baotou, evalkit.read_period(baotou, "2022H1", folder))
    assert {p: p.read_bytes() for p in folder.rglob("*.xlsx")} == before


def test_defusedxml_is_in_use():
    import openpyxl.xml
    assert openpyxl.xml.DEFUSEDXML


def test_round_trip_equals_csv(baotou, folder, tmp_path):
    """templates -> filled -> read -> scored equals scoring the same numbers from CSV."""
    from_xlsx = evalkit.read_period(baotou, "2022H1", folder)
    csv = tmp_path / "csv"
    (csv / "monitoring").mkdir(parents=True)
    m = from_xlsx.monitoring
    pd.DataFrame({"牵头考核单位": m["lead_unit"], "考评对象": m["entity"], "指标": m["indicator"],
                  "得分": [repr(float(x)) for x in m["score"]], "完成情况": m["status"]}).to_csv(csv / "monitoring" / "all.csv", index=False)
    v = from_xlsx.verification
    pd.DataFrame({"牵头考核单位": v["lead_unit"], "考评对象": v["entity"], "指标": v["indicator"], "核实得分": v["verified"]}).to_csv(csv / "verification.csv", index=False)
    me = from_xlsx.methods
    pd.DataFrame({"考评对象": me["entity"], "实地调研": me["field"], "民意调查": me["survey"], "第三方评估": me["third_party"]}).to_csv(csv / "methods.csv", index=False)
    a = evalkit.score_period(baotou, from_xlsx)
    b = evalkit.score_period(baotou, evalkit.read_period(baotou, "2022H1", csv))
    pd.testing.assert_frame_equal(a.totals, b.totals, check_exact=True)
    assert len(a.corrections) == len(b.corrections) > 0
