"""The export: a workbook with the tables as they are, a new file each time, a link the browser saves."""
from __future__ import annotations

import base64
import datetime as dt
import io
import re

import openpyxl
import pandas as pd

from evalkit.publish.explore_export import download_link, workbook_bytes, write_new


def test_workbook_holds_the_tables_and_no_formula():
    df = pd.DataFrame({"考评对象": ["石拐区", "=HYPERLINK(\"x\")"], "新分值": [98.92, float("nan")], "新排名": [1, 2]})
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"排名": df})))
    rows = list(wb["排名"].values)
    assert rows[0] == ("考评对象", "新分值", "新排名")
    assert rows[1] == ("石拐区", 98.92, 1)
    assert rows[2][1] is None
    cell = wb["排名"]["A3"]
    assert cell.data_type == "s" and cell.quotePrefix  # text for good, never a formula, as every evalkit workbook


def test_a_name_is_never_reused(tmp_path):
    now = dt.datetime(2026, 1, 2, 3, 4, 5)
    paths = [write_new(bytes([k]), "baotou-2022H2-市/教育局", tmp_path, now) for k in range(3)]
    assert [p.name for p in paths] == [f"{paths[0].stem}.xlsx", f"{paths[0].stem}-2.xlsx", f"{paths[0].stem}-3.xlsx"]
    assert paths[0].stem.startswith("baotou-2022H2-市_教育局") and paths[0].stem.endswith("-20260102-030405")
    assert [p.read_bytes() for p in paths] == [b"\x00", b"\x01", b"\x02"]


def test_download_link_carries_the_workbook():
    data = workbook_bytes({"t": pd.DataFrame({"a": [1]})})
    link = download_link(data, "包头<1>.xlsx")
    assert 'download="包头&lt;1&gt;.xlsx"' in link
    assert base64.b64decode(re.search(r"base64,([^\"]+)", link).group(1)) == data
