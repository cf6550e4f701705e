"""The lead units' workbooks: exactly their rows, validations, protection, instructions, metadata."""
from __future__ import annotations

import openpyxl
import pytest

import evalkit
from evalkit.core.errors import OutputExistsError
from evalkit.inputs.templates import write_templates


@pytest.fixture(scope="module")
def written(baotou, tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    return out, write_templates(baotou, "2022H1", out)


def test_one_workbook_per_lead_unit_with_exactly_its_rows(baotou, written):
    out, files = written
    need = baotou.assignments()
    leads = sorted(need["lead_unit"].unique())
    mon = sorted(p for p in files if p.parent.name == "monitoring")
    assert len(mon) == len(leads)
    assert {p.name for p in mon} == {f"2022H1_{u}_日常监测评分表.xlsx" for u in leads}
    for unit in ("市工信局", "市教育局", "市委网信办"):
        ws = openpyxl.load_workbook(out / "monitoring" / f"2022H1_{unit}_日常监测评分表.xlsx").worksheets[0]
        rows = {(r[0], r[1], r[3]) for r in ws.iter_rows(min_row=2, values_only=True)}
        expected = {(u, e, i) for u, e, i in need[need["lead_unit"] == unit][["lead_unit", "entity", "indicator"]].itertuples(index=False)}
        assert rows == expected
    assert {p.name for p in files if p.parent == out} == {"verification.xlsx", "methods.xlsx"}


def test_template_features(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / "monitoring" / "2022H1_市工信局_日常监测评分表.xlsx")
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["牵头考核单位", "考评对象", "组别", "指标"]
    assert {"指标内容", "分值", "完成时限", "得分", "完成情况", "备注"} <= set(header)
    assert ws.freeze_panes == "A2"
    assert ws.protection.sheet
    score_col = header.index("得分") + 1
    assert ws.cell(2, score_col).protection.locked is False
    assert ws.cell(2, 1).protection.locked is True
    assert ws.column_dimensions["F"].width == 60
    rules = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert rules["decimal"].formula1 == "0" and rules["decimal"].formula2 == "MAX($G2,ROUND($G2,2))"
    assert str(rules["decimal"].sqref) == f"I2:I{ws.max_row}"
    assert rules["list"].formula1 == '"未启动,推进中,取得阶段性成效,取得明显成效,已完成"'
    assert wb.sheetnames == ["评分表", "填报说明", "_evalkit"]
    assert wb["_evalkit"].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in wb["_evalkit"].iter_rows(values_only=True)}
    assert meta["期间"] == "2022H1" and meta["牵头考核单位"] == "市工信局" and meta["类型"] == "日常监测"
    notes = "\n".join(r[0] for r in wb["填报说明"].iter_rows(values_only=True) if r[0])
    assert "市工信局" in notes and "2022年上半年" in notes and "得分" in notes
    # points are stored at full precision, shown with up to 4 decimals
    pts = [r[6] for r in ws.iter_rows(min_row=2, values_only=True) if r[3] == 65]
    assert pts and pts[0] == pytest.approx(2 / 3, abs=1e-15)


def test_methods_and_verification_workbooks(baotou, written):
    out, _ = written
    ws = openpyxl.load_workbook(out / "methods.xlsx").worksheets[0]
    assert [c.value for c in ws[1]] == ["考评对象", "组别", "实地调研", "民意调查", "第三方评估", "备注"]
    assert ws.max_row - 1 == len(baotou.entities)
    assert {(dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation} == {("0", "100")}
    ws = openpyxl.load_workbook(out / "verification.xlsx").worksheets[0]
    assert ws.max_row - 1 == len(baotou.assignments())


def test_never_overwrites(baotou, written):
    out, files = written
    before = files[0].read_bytes()
    with pytest.raises(OutputExistsError, match="never overwrite"):
        write_templates(baotou, "2022H1", out)
    assert files[0].read_bytes() == before


def test_empty_template_is_reported_cell_by_cell(baotou, written, monkeypatch):
    """Every empty cell is a problem: listed one by one up to the limit, the rest counted in a summary line per file."""
    from evalkit.inputs import problems

    out, _ = written
    for limit in (100_000, 300):
        monkeypatch.setattr(problems, "LIMIT", limit)
        with pytest.raises(evalkit.InputError) as exc:
            evalkit.read_period(baotou, "2022H1", out)
        empty = [p for p in exc.value.problems if p.column == "得分" and p.row is not None]
        counted = sum(int(p.message.split()[0]) for p in exc.value.problems if p.column == "得分" and p.row is None)
        assert len(empty) == min(limit, len(baotou.assignments())) and len(empty) + counted == len(baotou.assignments())
        assert empty[0].sheet == "评分表" and empty[0].row == 2 and empty[0].zh == "未填写；应填写数字"
