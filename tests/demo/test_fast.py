"""The fast writer: the demo generator's files, sheets and cell values, and the same period read back."""
from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

import evalkit
from evalkit.core.errors import OutputExistsError
from evalkit.demo.fast import write_fast_period
from evalkit.demo.period import write_demo_period


@pytest.mark.parametrize("period", ["2022H1", "2023H2"])
def test_same_files_sheets_and_values_as_the_demo_generator(baotou, period, tmp_path):
    slow = write_demo_period(baotou, period, tmp_path / "slow")
    fast = write_fast_period(baotou, period, tmp_path / "fast")
    assert [p.relative_to(tmp_path / "fast") for p in fast] == [p.relative_to(tmp_path / "slow") for p in slow]
    for a, b in zip(slow, fast):
        wa, wb = load_workbook(a), load_workbook(b)
        assert wa.sheetnames == wb.sheetnames, b.name
        assert wa.properties.title == wb.properties.title
        for sa, sb in zip(wa.worksheets, wb.worksheets):
            assert sa.sheet_state == sb.sheet_state
            assert list(sa.iter_rows(values_only=True)) == list(sb.iter_rows(values_only=True)), (b.name, sa.title)
    read_slow = evalkit.read_period(baotou, period, tmp_path / "slow")
    read_fast = evalkit.read_period(baotou, period, tmp_path / "fast")
    for name in ("monitoring", "verification", "methods"):
        pd.testing.assert_frame_equal(getattr(read_slow, name).drop(columns=["file"], errors="ignore"),
                                      getattr(read_fast, name).drop(columns=["file"], errors="ignore"))


def test_refuses_existing_files(baotou, tmp_path):
    write_fast_period(baotou, "2022H1", tmp_path)
    with pytest.raises(OutputExistsError):
        write_fast_period(baotou, "2022H1", tmp_path)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    from openpyxl import Workbook

    from evalkit.demo.fast import _save

    frame = Workbook()
    frame.active.title = "填报表"
    _save(frame, [["考评对象"], ["=1+1"], ["@x"]], tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in ws["A"]] == ["考评对象", "=1+1", "@x"] and ws["A2"].data_type == "s"
