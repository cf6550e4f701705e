"""Applicability: the rules of framework.yaml expanded, Baotou's reviewed readings, and the workbook
the task force sends to the lead units, read back so that a changed cell replaces the framework's reading."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import evalkit
from evalkit.framework.applicability import applicability_table, pairs, rule_text
from evalkit.inputs.applicability import load_applicability
from evalkit.inputs.applicability import KIND, NO, YES, read_applicability_workbook, write_applicability_workbook
from evalkit.cli.main import main
from evalkit.core.errors import InputError, OutputExistsError


@pytest.fixture(scope="module")
def baotou():
    return evalkit.load_framework("baotou")


@pytest.fixture()
def book(baotou, tmp_path):
    return write_applicability_workbook(baotou, tmp_path / "适用范围.xlsx")


def entities_of(fw, indicator):
    a = fw.assignments()
    return set(a.loc[a["indicator"] == indicator, "entity"])


def test_reviewed_readings_have_a_decision_and_a_reason(baotou):
    ind = baotou.indicators.set_index("id")
    reviewed = [1, 2, 5, 6, 19, 31, 44, 45, 54, 57, 65, 66, 75, 83, 84, 87, 88]
    for i in reviewed:
        assert ind.loc[i, "review"].startswith(("调整：", "维持：")), i
        assert ind.loc[i, "reason"], i
    assert baotou.notes and "市本级50个部门" in baotou.notes[0]


def test_reviewed_readings_as_decided(baotou):
    ents = baotou.entities.set_index("entity")["group"]
    districts = set(ents[ents == "district"].index)
    assert entities_of(baotou, 66) == {"市工信局"}  # 条件较好旗县区, 分批次: not every district
    assert entities_of(baotou, 75) == {"市工信局"}  # 市本级50个部门, not the 27 assessed departments
    assert entities_of(baotou, 57) == set(ents.index)
    assert entities_of(baotou, 88) == {"市委组织部", "市人社局"}  # setting training content: the two lead units' duty
    assert districts <= entities_of(baotou, 45) and not {"市委宣传部", "市大数据中心"} & entities_of(baotou, 45)
    five = entities_of(baotou, 5)
    assert not {"市税务局", "市委网信办", "市委组织部", "市委宣传部"} & five and districts <= five
    assert {"市公安局", "市住建局"} <= entities_of(baotou, 1) and "市税务局" not in entities_of(baotou, 1)
    assert entities_of(baotou, 19) == {"市审批服务局"}
    # 31 (三张清单认领和填报) as 2 and 44: only the units with 政务服务事项, not the party departments, 市税务局 or 市大数据中心
    assert entities_of(baotou, 31) == entities_of(baotou, 2) == set(baotou.entity_sets["政务服务事项实施部门"])
    assert not {"市委组织部", "市委宣传部", "市委网信办", "市税务局", "市大数据中心"} & entities_of(baotou, 31)


def test_sets_and_except_are_checked():
    spec = {"city": "test", "name": "测试市", "title": "测试", "groups": {"district": "区", "department": "部门"}, "methods": [{"key": "monitoring", "name": "日常监测", "weight": 1}],
            "entity_sets": {"甲组": ["局甲", "局乙"]},
            "aspects": [{"id": "一", "name": "甲", "points": 100, "categories": [{"id": "一", "name": "甲一", "indicators": [
                {"id": 1, "text": "t", "deadline": "6月底完成", "lead_units": ["局甲"], "applies": ["甲组", "districts"], "except": ["局乙"]},
                {"id": 2, "text": "t", "deadline": "6月底完成", "lead_units": ["局甲"], "applies": ["all"]}]}]}]}
    entities = pd.DataFrame({"entity": ["区甲", "局甲", "局乙"], "group": ["district", "department", "department"], "aliases": [(), (), ()]})
    fw = evalkit.framework.loading.build_framework(spec, entities)
    assert entities_of(fw, 1) == {"区甲", "局甲"}
    assert rule_text(fw, ("甲组", "districts"), ("局乙",)) == "甲组、全部区（不含局乙）"
    bad = dict(spec, entity_sets={"甲组": ["局丁"]})
    with pytest.raises(evalkit.FrameworkError, match="entity_sets.甲组: '局丁' is not in entities.csv"):
        evalkit.framework.loading.build_framework(bad, entities)


def test_table_marks_exactly_the_assignments(baotou):
    t = applicability_table(baotou)
    assert len(t) == 90 and list(t.columns[:7]) == ["指标", "指标内容", "牵头考核单位", "适用范围", "考评对象数", "理由", "复核意见"]
    marked = t.melt(id_vars=list(t.columns[:7]), var_name="entity", value_name="v").query("v == '适用'")
    got = set(zip(marked["entity"], marked["指标"]))
    assert got == set(zip(*pairs(baotou).T.values))
    assert (t["考评对象数"] == t.iloc[:, 7:].eq("适用").sum(axis=1)).all()


def test_workbook_round_trips_unchanged(baotou, book):
    got = read_applicability_workbook(baotou, book)
    assert set(zip(got["entity"], got["indicator"])) == set(zip(*pairs(baotou).T.values))
    wb = openpyxl.load_workbook(book)
    ws = wb["适用范围"]
    assert ws.protection.sheet and wb["_evalkit"].sheet_state == "hidden"
    assert ws.cell(2, 8).protection.locked is False and ws.cell(2, 1).protection.locked is not False
    assert ws.data_validations.dataValidation[0].formula1 == f'"{YES},{NO}"'


def test_a_changed_cell_replaces_the_framework_reading(baotou, book):
    wb = openpyxl.load_workbook(book)
    ws = wb["适用范围"]
    header = [c.value for c in ws[1]]
    row66 = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == 66)
    row1 = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == 1)
    ws.cell(row66, header.index("昆都仑区") + 1).value = YES
    ws.cell(row1, header.index("市公安局") + 1).value = NO
    ws.cell(row1, header.index("牵头单位意见") + 1).value = "市公安局事项在自治区平台办理"
    wb.save(book)
    fw = baotou.with_applicability(load_applicability(baotou, book))
    assert entities_of(fw, 66) == {"市工信局", "昆都仑区"}
    assert entities_of(fw, 1) == entities_of(baotou, 1) - {"市公安局"}
    a = fw.assignments()
    assert set(a.loc[(a["indicator"] == 66), "lead_unit"]) == {"市工信局"}
    assert len(a) == len(baotou.assignments())  # one added, one removed


def test_bad_workbook_lists_every_problem(baotou, book, tmp_path):
    wb = openpyxl.load_workbook(book)
    ws = wb["适用范围"]
    ws.cell(2, 8).value = "是"
    ws.cell(3, 1).value = 999
    wb["_evalkit"]["B1"].value = "西宁市"
    wb.save(book)
    with pytest.raises(InputError) as exc:
        read_applicability_workbook(baotou, book)
    messages = [str(p) for p in exc.value.problems]
    assert any("workbook is for 西宁市; expected 包头市" in m for m in messages)
    assert any("row 2, column '昆都仑区': '是' is neither 适用 nor 不适用" in m for m in messages)
    assert any("row 3, column '指标': indicator '999'" in m for m in messages)
    assert any("indicator(s) 2 missing" in m for m in messages)
    assert all(p.zh for p in exc.value.problems)


def test_workbook_is_never_overwritten(baotou, book):
    with pytest.raises(OutputExistsError):
        write_applicability_workbook(baotou, book)


def test_cli_writes_and_reads_the_workbook(tmp_path, capsys):
    out = tmp_path / "baotou.xlsx"
    assert main(["applicability", "baotou", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert dict(r for r in wb["_evalkit"].iter_rows(values_only=True))["类型"] == KIND
    assert main(["validate", "baotou", "2022H1", "--applicability", str(out)]) == 0
    assert main(["applicability", "baotou", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


def test_workbook_prints_on_a4_landscape_one_page_wide_with_the_header_on_every_page(book):
    ws = openpyxl.load_workbook(book)["适用范围"]
    setup = ws.page_setup
    assert (setup.orientation, int(setup.paperSize), int(setup.fitToWidth), int(setup.fitToHeight)) == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "H2"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    header = [c.value for c in ws[1]]
    assert ws.cell(1, header.index("达尔罕茂明安联合旗") + 1).alignment.textRotation == 255  # entity names run down
    assert ws.row_dimensions[1].height == 13 * 9 + 8  # the longest name, 9 characters
    assert ws.row_dimensions[2].height > ws.row_dimensions[1].height / 8  # rows sized for their wrapped text


def test_row_height_counts_the_wrapped_lines():
    from evalkit.inputs.applicability import row_height

    assert row_height(["一" * 10], [18.5]) == 11.5 * 1 + 2  # 17 units of text in 18 units: one line
    assert row_height(["一" * 30, "ab"], [18.5, 5]) == 11.5 * 3 + 2  # 51 units: three lines


@pytest.mark.slow
def test_workbook_printed_by_libreoffice_repeats_the_header_on_every_page(book, tmp_path):
    """Printed (LibreOffice, as an office would): A4 landscape, a few pages, each starting with the header row."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)], check=True,
                   capture_output=True, timeout=300)
    pdf = tmp_path / "适用范围.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(info.split("Pages:")[1].split()[0])
    assert "841.89 x 595.3" in info and 3 <= pages <= 12  # was 29 portrait pages with the columns split
    for n in range(1, pages):  # the last page is the instructions sheet
        text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True).stdout
        assert "指标内容" in text and "牵头考核单位" in text and "复核意见" in text and "牵头单位意见" in text, n
