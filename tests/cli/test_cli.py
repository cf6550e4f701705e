"""The command line: readable output, non-zero exit and no traceback on bad input."""
from __future__ import annotations

import shutil
import subprocess
import sys

from evalkit.core import paths

from ..conftest import EXAMPLE


def run(*args):
    return subprocess.run([sys.executable, "-m", "evalkit.cli", *args], capture_output=True, text=True, cwd=paths.ROOT)


def test_framework_summary():
    out = run("framework", "baotou")
    assert out.returncode == 0
    assert "7 个方面, 27 个类别, 90 项指标" in out.stdout and "合计" in out.stdout


def test_score_the_worked_example():
    out = run("score", "baotou", "2022H1", "--data-dir", str(EXAMPLE), "--applicability", str(EXAMPLE / "applicability.csv"))
    assert out.returncode == 0, out.stderr
    assert "93.72" in out.stdout and "84.50" in out.stdout and "旗县区排名" in out.stdout


def test_bad_input_exits_non_zero_without_traceback(tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(EXAMPLE, folder)
    (folder / "monitoring" / "市教育局.csv").write_text("牵头考核单位,考评对象,指标,得分\n市教育局,市教育局,25,x\n", encoding="utf-8")
    for cmd in ("score", "validate"):
        out = run(cmd, "baotou", "2022H1", "--data-dir", str(folder), "--applicability", str(EXAMPLE / "applicability.csv"))
        assert out.returncode == 1
        assert "Traceback" not in out.stderr
        assert "monitoring/市教育局.csv" in out.stderr and "'x' is not a number" in out.stderr and "“x”不是数字" in out.stderr
        assert "文件 file" in out.stderr and "行 row" in out.stderr


def test_bad_parameters_exit_2():
    out = run("score", "baotou", "2022H3")
    assert out.returncode == 2 and "expected a half-year such as 2022H1" in out.stderr and "Traceback" not in out.stderr
    out = run("framework", "atlantis")
    assert out.returncode == 2 and "no framework file" in out.stderr


def test_validate_the_demo_period_and_templates(tmp_path):
    out = run("validate", "baotou", "2022H1")
    assert out.returncode == 0 and "没有问题 no problems" in out.stdout
    out = run("templates", "baotou", "2022H1", "--out", str(tmp_path / "t"))
    assert out.returncode == 0 and "28 个模板" in out.stdout
    again = run("templates", "baotou", "2022H1", "--out", str(tmp_path / "t"))
    assert again.returncode == 2 and "never overwrite" in again.stderr and "Traceback" not in again.stderr
    empty = run("validate", "baotou", "2022H1", "--data-dir", str(tmp_path / "t"))
    assert empty.returncode == 1 and "未填写；应填写数字" in empty.stderr
