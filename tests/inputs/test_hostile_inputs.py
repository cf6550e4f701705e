"""Careless and hostile input (issue 11): nothing silently mis-scored, ignored or followed; messages that say the fix.

Each case is a real file, made with openpyxl or written as bytes (the office-made ones are in test_office.py).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

import evalkit
from evalkit.core import paths
from evalkit.runs.archive import input_files
from evalkit.inputs.applicability import load_applicability

EDU = "monitoring/2022H1_市教育局_日常监测评分表.xlsx"


@pytest.fixture
def folder(tmp_path):
    dst = tmp_path / "2022H1"
    shutil.copytree(paths.DATA / "baotou" / "2022H1", dst)
    return dst


@pytest.fixture(scope="module")
def xining():
    return evalkit.load_framework("xining")


@pytest.fixture
def xfolder(tmp_path):
    dst = tmp_path / "2024H1"
    shutil.copytree(paths.DATA / "xining" / "2024H1", dst)
    return dst


def problems(fw, folder, period="2022H1"):
    with pytest.raises(evalkit.InputError) as exc:
        evalkit.read_period(fw, period, folder)
    return exc.value.problems


def edit(path, row, header, value, number_format=None):
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    cell = ws.cell(row, [c.value for c in ws[1]].index(header) + 1)
    cell.value = value
    if number_format:
        cell.number_format = number_format
    wb.save(path)
    return ws.cell(row, 1).value


def cli(*args):
    return subprocess.run([sys.executable, "-m", "evalkit.cli", *args], capture_output=True, text=True, cwd=paths.ROOT)


# -- silently mis-scored ---------------------------------------------------------------------------------

def test_percent_formatted_method_score_is_the_percentage_shown(baotou, folder):
    before = evalkit.read_period(baotou, "2022H1", folder).methods.set_index("entity")
    entity = edit(folder / "methods.xlsx", 2, "民意调查", before.iloc[0]["survey"] / 100, "0.0%")
    after = evalkit.read_period(baotou, "2022H1", folder).methods.set_index("entity")
    assert after.loc[entity, "survey"] == before.loc[entity, "survey"]


def test_a_share_typed_without_percent_format_is_refused(baotou, folder):
    edit(folder / "methods.xlsx", 2, "民意调查", 0.956)
    [p] = problems(baotou, folder)
    assert (p.file, p.row, p.column) == ("methods.xlsx", 2, "民意调查")
    assert "looks like a share (95.6%)" in p.message and "type 95.6" in p.message and "95.6" in p.zh


def test_percent_text_in_a_csv_is_the_percentage(baotou, folder):
    df = pd.read_excel(folder / "methods.xlsx", dtype=str, engine="openpyxl")
    df.loc[0, "民意调查"] = "95.6%"
    (folder / "methods.xlsx").unlink()
    df.drop(columns=["备注"]).to_csv(folder / "methods.csv", index=False)
    assert evalkit.read_period(baotou, "2022H1", folder).methods.set_index("entity").loc[df.loc[0, "考评对象"], "survey"] == 95.6


def test_percent_formatted_rate_target_is_read_as_shown(xining, xfolder):
    entity = edit(xfolder / "targets.xlsx", 2, "实际值", 0.927, "0.0%")
    got = evalkit.read_period(xining, "2024H1", xfolder).targets.set_index(["entity", "indicator"])
    assert got.loc[(entity, 13), "actual"] == 92.7


def test_rate_above_100_percent_and_percent_on_a_count_are_refused(xining, xfolder):
    wb = openpyxl.load_workbook(xfolder / "targets.xlsx")
    ws = wb.worksheets[0]
    rows = {r[2].value: r[0].row for r in ws.iter_rows(min_row=2)}  # the last row of each indicator
    ws.cell(rows[13], 6).value = 927
    ws.cell(rows[21], 6).value = 0.5
    ws.cell(rows[21], 6).number_format = "0%"
    wb.save(xfolder / "targets.xlsx")
    found = {p.row: p for p in problems(xining, xfolder, "2024H1")}
    assert "927 is out of range; expected 0 to 100 (a rate cannot pass 100 %)" in found[rows[13]].message
    assert "shown as a percentage; expected a plain number" in found[rows[21]].message


@pytest.mark.parametrize("text,message", [("1e-400", "too small to be a real value"), ("inf", "is not a number"),
                                          ("nan", "is not a number"), ("0.0000001", "implausibly small")])
def test_underflow_and_non_finite_numbers_are_refused(baotou, tmp_path, text, message):
    example = paths.DATA / "baotou" / "examples" / "method_7"
    fw = baotou.with_applicability(load_applicability(baotou, example / "applicability.csv"))
    folder = shutil.copytree(example, tmp_path / "2022H1")
    path = folder / "monitoring" / "市教育局.csv"
    df = pd.read_csv(path, dtype=str)
    df.loc[0, "得分"] = text
    df.to_csv(path, index=False)
    [p] = problems(fw, folder)
    assert message in p.message and (p.row, p.column) == (2, "得分")


def test_a_typo_in_a_method_header_is_never_a_method_without_data(baotou, folder):
    wb = openpyxl.load_workbook(folder / "methods.xlsx")
    ws = wb.worksheets[0]
    cell = next(c for c in ws[1] if c.value == "民意调查")
    cell.value = "民意调査"
    wb.save(folder / "methods.xlsx")
    found = problems(baotou, folder)
    assert {p.column for p in found} == {"民意调查", "民意调査"}
    assert any("unknown column '民意调査' holds data" in p.message for p in found)
    done = cli("score", "baotou", "2022H1", "--data-dir", str(folder), "--redistribute")
    assert done.returncode == 1 and "民意调査" in done.stderr and "Traceback" not in done.stderr


# -- silently ignored ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Verification.xlsx", "VERIFICATION.XLSX", "专班核实.xlsx"])
def test_verification_under_another_name_or_case_is_read(baotou, folder, name):
    expected = evalkit.read_period(baotou, "2022H1", folder).verification
    (folder / "verification.xlsx").rename(folder / name)
    got = evalkit.read_period(baotou, "2022H1", folder)
    assert len(got.verification) == len(expected) > 0
    assert [e.name for e in got.inventory if e.kind == "verification"] == [name]


def test_old_formats_and_unrecognised_files_are_refused_by_name(baotou, folder):
    shutil.copy(folder / "verification.xlsx", folder / "verification.xls")
    shutil.copy(folder / EDU, folder / "monitoring" / "补报.xlsm")
    (folder / "monitoring" / "旧表").mkdir()
    (folder / "得分汇总.xlsx").write_bytes((folder / "methods.xlsx").read_bytes())
    found = {p.file: p for p in problems(baotou, folder)}
    assert "save it from Excel or WPS as .xlsx" in found["verification.xls"].message
    assert "另存为 .xlsx" in found["monitoring/补报.xlsm"].zh
    assert "a folder inside monitoring/" in found["monitoring/旧表"].message
    assert "unrecognised file" in found["得分汇总.xlsx"].message
    assert len(found) == 4


def test_two_tables_of_one_kind_are_an_error(baotou, folder):
    shutil.copy(folder / "verification.xlsx", folder / "专班核实.xlsx")
    [p] = problems(baotou, folder)
    assert p.file == "专班核实.xlsx" and "a second 专班核实 table beside verification.xlsx" in p.message


def test_rows_on_a_second_sheet_are_an_error(baotou, folder):
    wb = openpyxl.load_workbook(folder / EDU)
    wb.create_sheet("补充").append(["牵头考核单位", "考评对象", "指标", "得分"])
    wb.save(folder / EDU)
    [p] = problems(baotou, folder)
    assert (p.file, p.sheet) == (EDU, "补充") and "holds data; expected the table on the first sheet" in p.message


def test_a_second_score_column_is_an_error(baotou, folder):
    wb = openpyxl.load_workbook(folder / EDU)
    ws = wb.worksheets[0]
    ws.protection.sheet = False
    ws.cell(1, ws.max_column + 1).value = "得分"
    wb.save(folder / EDU)
    found = [p for p in problems(baotou, folder) if p.file == EDU]
    assert any("column '得分' appears more than once" in p.message and p.row == 1 for p in found)


def test_another_lead_units_rows_in_a_workbook_name_both(baotou, folder):
    edit(folder / EDU, 2, "牵头考核单位", "市公安局")
    found = [p for p in problems(baotou, folder) if p.file == EDU]
    assert len(found) == 1
    assert "a row of 市公安局 in the workbook of 市教育局" in found[0].message and "“市教育局”的评分表中出现了“市公安局”" in found[0].zh


def test_a_verification_row_never_hides_a_missing_monitoring_row(baotou, folder):
    ver = evalkit.read_period(baotou, "2022H1", folder).verification.iloc[0]
    path = next(folder.glob(f"monitoring/*_{ver['lead_unit']}_*.xlsx"))
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    ws.protection.sheet = False
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if (r[1].value, r[3].value) == (ver["entity"], ver["indicator"]))
    ws.delete_rows(row)
    wb.save(path)
    [p] = problems(baotou, folder)
    assert f"no score from {ver['lead_unit']} for {ver['entity']}, indicator {ver['indicator']}" in p.message


@pytest.mark.parametrize("break_it", ["missing", "renamed", "empty column"])
def test_validate_checks_what_score_needs(baotou, folder, break_it):
    if break_it == "missing":
        (folder / "methods.xlsx").unlink()
    elif break_it == "renamed":
        wb = openpyxl.load_workbook(folder / "methods.xlsx")
        next(c for c in wb.worksheets[0][1] if c.value == "第三方评估").value = "第三方"
        wb.save(folder / "methods.xlsx")
    else:
        wb = openpyxl.load_workbook(folder / "methods.xlsx")
        ws = wb.worksheets[0]
        col = [c.value for c in ws[1]].index("第三方评估") + 1
        for r in range(2, ws.max_row + 1):
            ws.cell(r, col).value = None
        wb.save(folder / "methods.xlsx")
    validate = cli("validate", "baotou", "2022H1", "--data-dir", str(folder))
    score = cli("score", "baotou", "2022H1", "--data-dir", str(folder))
    assert validate.returncode == 1 and score.returncode != 0
    assert "Traceback" not in validate.stderr + score.stderr
    if break_it == "empty column":  # a method without data this period: fine when its weight is redistributed
        assert cli("validate", "baotou", "2022H1", "--data-dir", str(folder), "--redistribute").returncode == 0


def test_validate_lists_what_it_read_and_ignored(folder):
    (folder / "~$methods.xlsx").write_bytes(b"lock")
    (folder / ".DS_Store").write_bytes(b"\0")
    done = cli("validate", "baotou", "2022H1", "--data-dir", str(folder))
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "忽略 ignored" in lines["~$methods.xlsx"] and "lock file" in lines["~$methods.xlsx"]
    assert "忽略 ignored" in lines[".DS_Store"] and "读取 read" in lines["methods.xlsx"]


# -- followed where it must not be -------------------------------------------------------------------------

def test_links_out_of_the_folder_lock_and_system_files_are_never_read_or_hashed(baotou, folder):
    os.symlink("/etc/passwd", folder / "targets.csv")
    os.symlink("/etc/hostname", folder / "monitoring" / "外部.csv")
    (folder / "monitoring" / "~$2022H1_市教育局_日常监测评分表.xlsx").write_bytes(b"owner")
    (folder / ".DS_Store").write_bytes(b"\0")
    found = {p.file: p for p in problems(baotou, folder)}
    assert set(found) == {"targets.csv", "monitoring/外部.csv"}
    assert all("a link to a file outside the period folder" in p.message for p in found.values())
    hashed = input_files([], [folder])
    assert not [name for name in hashed if "passwd" in name or "外部" in name or "~$" in name or "DS_Store" in name]
    assert len(hashed) == 28


# -- vague messages that now say the fix --------------------------------------------------------------------

def test_spreadsheet_error_value_is_named(baotou, folder):
    wb = openpyxl.load_workbook(folder / EDU)
    ws = wb.worksheets[0]
    cell = ws.cell(2, [c.value for c in ws[1]].index("得分") + 1)
    cell.value, cell.data_type = "#DIV/0!", "e"
    wb.save(folder / EDU)
    [p] = problems(baotou, folder)
    assert (p.row, p.column) == (2, "得分") and "shows the error #DIV/0!" in p.message


def test_semicolon_csv_and_chinese_encoding_are_named(baotou, folder):
    (folder / "methods.xlsx").unlink()
    (folder / "methods.csv").write_text("考评对象;实地调研;民意调查;第三方评估\n昆都仑区;90;85;80\n", encoding="utf-8")
    [p] = [p for p in problems(baotou, folder) if p.file == "methods.csv"]
    assert "separated by semicolons; expected commas" in p.message
    (folder / "methods.csv").write_bytes("考评对象,实地调研,民意调查,第三方评估\n昆都仑区,90,85,80\n".encode("gbk"))
    [p] = [p for p in problems(baotou, folder) if p.file == "methods.csv"]
    assert "Chinese encoding (GBK)" in p.message


def test_password_protected_workbook_says_so(baotou, folder, tmp_path):
    with open(folder / EDU, "rb") as src, open(tmp_path / "enc.xlsx", "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)  # what Excel writes with 用密码进行加密
    shutil.move(tmp_path / "enc.xlsx", folder / EDU)
    p = next(p for p in problems(baotou, folder) if p.file == EDU)
    assert "protected by a password; remove the password" in p.message and "密码" in p.zh


def test_negative_actual_says_it_once_and_plainly(xining, xfolder):
    edit(xfolder / "targets.xlsx", 2, "实际值", -3)
    [p] = problems(xining, xfolder, "2024H1")
    assert p.message == "-3 is negative; expected 0 to 100"


def test_fractional_limit_is_printed_as_typed(baotou, folder):
    wb = openpyxl.load_workbook(folder / "verification.xlsx")
    ws = wb.worksheets[0]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[3].value == 65)
    ws.cell(row, 9).value = 0.7
    wb.save(folder / "verification.xlsx")
    [p] = problems(baotou, folder)
    assert "expected 0 to 0.67 (the points, 0.6667, typed to 2 decimals)" in p.message and "0 至 0.67" in p.zh


def test_bad_timeout_is_refused_without_a_traceback():
    done = cli("run", "baotou", "2022H1", "--timeout", "-5")
    assert done.returncode == 2 and "expected a whole number of seconds above 0" in done.stderr and "Traceback" not in done.stderr


def test_chinese_messages_use_full_width_punctuation(baotou, folder):
    edit(folder / EDU, 2, "得分", "满分")
    [p] = problems(baotou, folder)
    assert "；" in p.zh and ";" not in p.zh


def test_readme_documents_the_schema_as_declared():
    from evalkit.inputs.schema import describe

    assert describe() in (paths.ROOT / "README.md").read_text(encoding="utf-8")


def test_templates_carry_exactly_the_schema_columns(baotou, tmp_path):
    from evalkit.inputs.schema import KINDS
    from evalkit.inputs.templates import write_templates

    for path in write_templates(baotou, "2022H1", tmp_path):
        kind = KINDS["monitoring"] if path.parent.name == "monitoring" else next(k for k in KINDS.values() if k.matches(path.name))
        header = [c.value for c in openpyxl.load_workbook(path).worksheets[0][1]]
        declared = [c.header for c in kind.columns] + list(kind.informational)
        if kind.value is None:
            declared += [m.name for m in baotou.methods if m.key != "monitoring"]
        assert sorted(header) == sorted(declared), path.name


@pytest.mark.parametrize("indicator", ["4.7", "91"])
def test_applicability_never_rounds_an_indicator(baotou, tmp_path, indicator):
    path = tmp_path / "applicability.csv"
    path.write_text(f"考评对象,指标\n昆都仑区,{indicator}\n", encoding="utf-8")
    with pytest.raises(evalkit.InputError) as exc:  # an error of the override file: its row and column
        load_applicability(baotou, path)
    assert [(p.row, p.column, p.zh) for p in exc.value.problems] == [(2, "指标", f"指标“{indicator}”不存在")]
