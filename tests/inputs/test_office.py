"""A template filled and saved in LibreOffice Calc reads back to the same numbers."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

import evalkit
from evalkit.inputs.templates import write_templates

LO_PYTHON = "/usr/bin/python3"
FILL = Path(__file__).parents[1] / "office" / "lo_fill.py"


def office_available() -> str | None:
    if not shutil.which("soffice"):
        return "LibreOffice is not installed (Debian package libreoffice-calc; `make test` installs it when run as root with apt)"
    if subprocess.run([LO_PYTHON, "-c", "import uno"], capture_output=True).returncode != 0:
        return "LibreOffice's Python bridge is not installed (Debian package python3-uno)"
    return None


@pytest.mark.slow
def test_template_filled_in_libreoffice_reads_back(baotou, tmp_path):
    reason = office_available()
    if reason:
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    out = tmp_path / "period"
    files = write_templates(baotou, "2022H1", out)
    template = next(p for p in files if p.name == "2022H1_市教育局_日常监测评分表.xlsx")
    ws = openpyxl.load_workbook(template).worksheets[0]
    header = [c.value for c in ws[1]]
    score_col, status_col = header.index("得分"), header.index("完成情况")
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    typed = [0.5, 0.25, 0.5, 1, 0.33, 0.5][: len(rows)]
    cells = [[i + 1, score_col, v] for i, v in enumerate(typed)] + [[i + 1, status_col, "推进中"] for i in range(len(rows))]
    (tmp_path / "cells.json").write_text(json.dumps(cells, ensure_ascii=False), encoding="utf-8")
    filled = tmp_path / "filled.xlsx"
    done = subprocess.run([LO_PYTHON, str(FILL), str(template), str(filled), str(tmp_path / "cells.json")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    shutil.move(filled, template)
    inputs = evalkit.read_period(baotou, "2022H1", out, strict=False)
    mine = inputs.monitoring[inputs.monitoring["lead_unit"] == "市教育局"].sort_values("row")
    assert mine["score"].tolist() == typed
    assert set(mine["status"]) == {"推进中"}
    assert not [p for p in inputs.problems if "市教育局_" in p.file]


def calc(src: Path, dst: Path, cells: list, tmp_path: Path) -> None:
    """``src`` filled in LibreOffice Calc with ``cells`` and saved as ``dst`` (see tests/office/lo_fill.py)."""
    reason = office_available()
    if reason:
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    (tmp_path / "cells.json").write_text(json.dumps(cells, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([LO_PYTHON, str(FILL), str(src), str(dst), str(tmp_path / "cells.json")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def period(tmp_path):
    dst = tmp_path / "2022H1"
    shutil.copytree(evalkit.core.paths.DATA / "baotou" / "2022H1", dst)
    return dst


@pytest.mark.slow
def test_percent_typed_in_calc_is_read_as_shown(baotou, period, tmp_path):
    """95.6 % typed in Calc is stored as 0.956 with a percent format: read as 95.6, never as 0.956."""
    before = evalkit.read_period(baotou, "2022H1", period).methods.set_index("entity")
    ws = openpyxl.load_workbook(period / "methods.xlsx").worksheets[0]
    col = [c.value for c in ws[1]].index("民意调查")
    calc(period / "methods.xlsx", tmp_path / "methods.xlsx", [[1, col, 0.956, "0.0%"]], tmp_path)
    shutil.move(tmp_path / "methods.xlsx", period / "methods.xlsx")
    after = evalkit.read_period(baotou, "2022H1", period).methods.set_index("entity")
    first = ws.cell(2, 1).value
    assert after.loc[first, "survey"] == 95.6
    others = after.drop(index=first)
    assert others.equals(before.drop(index=first)[others.columns])


@pytest.mark.slow
def test_error_value_computed_by_calc_is_named(baotou, period, tmp_path):
    edu = period / "monitoring" / "2022H1_市教育局_日常监测评分表.xlsx"
    ws = openpyxl.load_workbook(edu).worksheets[0]
    col = [c.value for c in ws[1]].index("得分")
    calc(edu, tmp_path / "edu.xlsx", [[1, col, "=1/0"]], tmp_path)
    shutil.move(tmp_path / "edu.xlsx", edu)
    with pytest.raises(evalkit.InputError) as exc:
        evalkit.read_period(baotou, "2022H1", period)
    [p] = exc.value.problems
    assert (p.row, p.column) == (2, "得分") and "shows the error #DIV/0!" in p.message and "错误值 #DIV/0!" in p.zh
