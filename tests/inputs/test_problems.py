"""Bounded work on huge input (issue 23): past a set number, problems are counted and summarised, not listed;
the time is measured in benchmarks/bench_problems.py."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest

import evalkit
from evalkit.core import paths
from evalkit.inputs import problems

EDU = "monitoring/2022H1_市教育局_日常监测评分表.xlsx"


def test_duplicate_rows_past_the_limit_are_summarised(baotou, tmp_path):
    folder = shutil.copytree(paths.DATA / "baotou" / "2022H1", tmp_path / "2022H1")
    rows = pd.read_excel(folder / EDU, engine="calamine")
    (folder / EDU).unlink()
    many = pd.concat([rows] * 1000, ignore_index=True)  # 3,000 rows: 2,997 duplicates
    many.to_csv(folder / "monitoring" / "市教育局.csv", index=False)
    got = evalkit.read_period(baotou, "2022H1", folder, strict=False).problems
    assert len(got) == problems.LIMIT + 1
    [summary] = [p for p in got if p.row is None]
    listed = [p for p in got if p.row is not None]
    assert all("duplicate row" in p.message for p in listed)
    assert summary == got[-1] and summary.file == "monitoring/市教育局.csv" and summary.column == "指标"
    assert summary.message.startswith(f"{2997 - problems.LIMIT} more problem(s) in rows {listed[-1].row + 1}-3001 not listed one by one")
    assert "duplicate row" in summary.message and "未逐条列出" in summary.zh and "；" in summary.zh
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "validate", "baotou", "2022H1", "--data-dir", str(folder)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) < problems.LIMIT + 10 and "not listed one by one" in done.stderr


def test_a_strict_read_raises_the_listed_problems_and_the_summary(baotou, tmp_path, monkeypatch):
    monkeypatch.setattr(problems, "LIMIT", 5)
    folder = shutil.copytree(paths.DATA / "baotou" / "2022H1", tmp_path / "2022H1")
    (folder / "methods.xlsx").unlink()
    (folder / "methods.csv").write_text("考评对象,实地调研,民意调查,第三方评估\n" + "月球区,1,1,1\n" * 40, encoding="utf-8")
    with pytest.raises(evalkit.InputError) as exc:
        evalkit.read_period(baotou, "2022H1", folder)
    found = exc.value.problems
    assert [p.row for p in found[:5]] == [2, 3, 4, 5, 6]
    assert found[5].row is None and found[5].message.startswith("35 more problem(s) in rows 7-41")
    assert len(found) < 20  # each kind of what follows summarised once per file and column
