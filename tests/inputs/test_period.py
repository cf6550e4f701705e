"""Reading a period's CSV tables: names through aliases, and errors that name file, row and column."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

import evalkit
from evalkit.inputs.applicability import load_applicability

from ..conftest import EXAMPLE


@pytest.fixture
def fw(baotou):
    return baotou.with_applicability(load_applicability(baotou, EXAMPLE / "applicability.csv"))


@pytest.fixture
def folder(tmp_path):
    dst = tmp_path / "2022H1"
    shutil.copytree(EXAMPLE, dst)
    return dst


def edit(path, row, column, value):
    """Set one cell; ``row`` as Excel shows it (header is row 1)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 2, column] = value
    df.to_csv(path, index=False)


def problems(fw, folder):
    with pytest.raises(evalkit.InputError) as exc:
        evalkit.read_period(fw, "2022H1", folder)
    return exc.value.problems


def test_reads_the_example(fw):
    inputs = evalkit.read_period(fw, "2022H1", EXAMPLE)
    assert len(inputs.monitoring) == 104 and inputs.problems == []
    assert set(inputs.methods.columns) >= {"entity", "field", "survey", "third_party"}
    assert inputs.monitoring["row"].min() == 2


def test_aliases_and_bom(fw, folder):
    path = folder / "monitoring" / "市审批服务局.csv"
    df = pd.read_csv(path, dtype=str)
    df["牵头考核单位"] = "审批服务局"
    path.write_text(df.to_csv(index=False), encoding="utf-8-sig")
    inputs = evalkit.read_period(fw, "2022H1", folder)
    assert set(inputs.monitoring["lead_unit"]) >= {"市审批服务局"}


@pytest.mark.parametrize("column,value,message", [
    ("考评对象", "月球区", "unknown entity '月球区'"),
    ("牵头考核单位", "市宇航局", "unknown lead unit '市宇航局'"),
    ("指标", "91", "unknown indicator '91'"),
    ("得分", "满分", "'满分' is not a number"),
    ("得分", "-1", "-1 is out of range; expected 0 to 1"),
    ("得分", "1.2", "1.2 is out of range; expected 0 to 1"),
    ("得分", "", "empty; expected a number"),
    ("完成情况", "差不多", "unknown status '差不多'"),
])
def test_bad_cell_is_located(fw, folder, column, value, message):
    edit(folder / "monitoring" / "市政府办公室.csv", 2, column, value)
    found = [p for p in problems(fw, folder) if p.file == "monitoring/市政府办公室.csv"]
    assert len(found) == 1
    assert (found[0].row, found[0].column) == (2, column)
    assert message in found[0].message


def test_full_marks_typed_to_two_decimals(fw, folder):
    path = folder / "monitoring" / "市工信局.csv"
    df = pd.read_csv(path, dtype=str)
    df.loc[df["指标"] == "65", "得分"] = "0.67"
    df.to_csv(path, index=False)
    inputs = evalkit.read_period(fw, "2022H1", folder)
    got = inputs.monitoring.set_index(["entity", "indicator"]).loc[("昆都仑区", 65), "score"]
    assert got == 2 / 3
    df.loc[df["指标"] == "65", "得分"] = "0.68"
    df.to_csv(path, index=False)
    assert "0.68 is out of range; expected 0 to 0.67 (the points, 0.6667, typed to 2 decimals)" in str(problems(fw, folder))


def test_missing_column_duplicate_and_unassigned(fw, folder):
    (folder / "monitoring" / "extra.csv").write_text(
        "牵头考核单位,考评对象,指标,得分\n市教育局,市教育局,25,1\n市教育局,昆都仑区,1,1\n", encoding="utf-8")
    (folder / "monitoring" / "broken.csv").write_text("单位,对象,指标\n", encoding="utf-8")
    found = problems(fw, folder)
    by_file = {(p.file, p.row, p.column): p.message for p in found}
    # files are read in name order: extra.csv before 市教育局.csv, whose row 5 repeats extra.csv's row 2
    assert "duplicate row for (市教育局, 市教育局, 25); first given in monitoring/extra.csv row 2" in by_file[("monitoring/市教育局.csv", 5, "指标")]
    assert "is not assigned to '市教育局'" in by_file[("monitoring/extra.csv", 3, "指标")]
    assert "required column missing" in by_file[("monitoring/broken.csv", 1, "牵头考核单位")]
    assert "required column missing" in by_file[("monitoring/broken.csv", 1, "得分")]


def test_strict_collects_everything_lenient_returns_it(fw, folder):
    edit(folder / "monitoring" / "市教育局.csv", 2, "得分", "abc")
    edit(folder / "methods.csv", 3, "民意调查", "120")
    found = problems(fw, folder)
    assert [(p.file, p.row, p.column) for p in found] == [("monitoring/市教育局.csv", 2, "得分"), ("methods.csv", 3, "民意调查")]
    inputs = evalkit.read_period(fw, "2022H1", folder, strict=False)
    assert [str(p) for p in inputs.problems] == [str(p) for p in found]
    r = evalkit.score_period(fw, inputs)
    assert len(r.missing) == 2 and len(r.warnings) == 4  # the two problems, and the two scores counted 0


def test_no_folder_and_no_monitoring(fw, tmp_path):
    with pytest.raises(evalkit.InputError, match="no such folder"):
        evalkit.read_period(fw, "2022H1", tmp_path / "nowhere")
    with pytest.raises(evalkit.InputError, match="no monitoring tables"):
        evalkit.read_period(fw, "2022H1", tmp_path)


def test_input_files_are_not_modified(fw, folder):
    before = {p: p.read_bytes() for p in folder.rglob("*.csv")}
    evalkit.score_period(fw, evalkit.read_period(fw, "2022H1", folder))
    assert {p: p.read_bytes() for p in folder.rglob("*.csv")} == before
