"""The command line: readable output, non-zero exit and no traceback on bad input."""
from __future__ import annotations

import json
import os
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


def test_a_city_that_is_a_path_is_refused_without_traceback():
    """The issue's case: ``evalkit score ../../elsewhere/x 2022H1`` loaded a framework from outside data/."""
    for args in (("score", "../../elsewhere/x", "2022H1"), ("framework", "/etc"), ("run", "..", "2022H1"),
                 ("templates", "baotou", "../2022H1"), ("keys", "new", "../../x"), ("run", "--all", "--city", ".x")):
        out = run(*args)
        assert out.returncode == 2 and "Traceback" not in out.stderr, args
        assert "expected a plain name" in out.stderr or "expected a half-year" in out.stderr, args


def test_a_framework_with_a_method_named_twice_is_refused_without_traceback(tmp_path):
    """The issue's case: such a framework passed ``evalkit framework`` and scoring then raised a traceback."""
    (tmp_path / "baotou").mkdir()
    shutil.copy(paths.DATA / "baotou" / "entities.csv", tmp_path / "baotou")
    text = (paths.DATA / "baotou" / "framework.yaml").read_text(encoding="utf-8")
    text = text.replace("  - {key: third_party, name: 第三方评估, weight: 0.1}\n",
                        "  - {key: third_party, name: 第三方评估, weight: 0.1}\n  - {key: field, name: 实地核查, weight: 0.2}\n")
    (tmp_path / "baotou" / "framework.yaml").write_text(text, encoding="utf-8")
    for args in (("framework", "baotou"), ("score", "baotou", "2022H1", "--data-dir", str(paths.DATA / "baotou" / "2022H1"))):
        out = subprocess.run([sys.executable, "-m", "evalkit.cli", *args], capture_output=True, text=True, cwd=paths.ROOT,
                             env={**os.environ, "EVALKIT_DATA": str(tmp_path)})
        assert out.returncode == 2 and "Traceback" not in out.stderr
        assert "framework.yaml, line 22, methods[4].key: method key 'field' is given twice (first at line 19)" in out.stderr


def test_a_params_file_with_duplicate_and_boolean_values_is_refused_without_traceback(tmp_path):
    (tmp_path / "baotou").mkdir()
    (tmp_path / "baotou" / "2022H1.yaml").write_text(
        "city: baotou\nperiod: 2022H1\nstrict: true\nstrict: false\nweights: {monitoring: true, others: false}\n", encoding="utf-8")
    out = run("run", "baotou", "2022H1", "--params", str(tmp_path), "--dry-run")
    assert out.returncode == 2 and "Traceback" not in out.stderr and "3 problem(s) (3 个问题)" in out.stderr
    assert "2022H1.yaml, line 4, strict: given twice (first at line 3)" in out.stderr
    assert "2022H1.yaml, line 5, weights.monitoring: expected a number from 0 to 1, got true" in out.stderr


def test_a_manifest_naming_a_path_never_places_files_outside(tmp_path):
    """``evalkit rectification RUN`` writes under outputs/rectification/CITY/PERIOD: a manifest from elsewhere whose city
    or period is a path is refused before anything is written."""
    from evalkit.runs.archive import REQUIRED

    for city, period in (("../../x", "2022H1"), ("baotou", "../../")):
        run_dir = tmp_path / f"run-{len(city)}"
        run_dir.mkdir()
        manifest = {k: "" for k in REQUIRED} | {"city": city, "period": period, "notebook": "x.ipynb"}
        (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        out = run("rectification", str(run_dir))
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
        assert "expected a plain name" in out.stderr or "expected a half-year" in out.stderr


def _override(tmp_path, extra=""):
    """Baotou's own applicability with 昆都仑区 added to indicator 3 (no score) and removed from indicator 1 (scored)."""
    from evalkit.framework.applicability import pairs
    from evalkit.framework.loading import load_framework

    p = pairs(load_framework("baotou"))
    p = p[~((p["entity"] == "昆都仑区") & (p["indicator"] == 1))]
    path = tmp_path / "调整.csv"
    path.write_text("考评对象,指标\n" + "".join(f"{e},{i}\n" for e, i in p.itertuples(index=False)) + "昆都仑区,3\n" + extra,
                    encoding="utf-8")
    return path


def test_an_override_scores_in_strict_mode_and_says_so_in_chinese(tmp_path):
    out = run("score", "baotou", "2022H1", "--applicability", str(_override(tmp_path)))
    assert out.returncode == 0, out.stderr
    assert "本结果按调整后的考评对象适用范围（文件“调整.csv”" in out.stderr and "不属于牵头考核单位报送差错" in out.stderr
    assert "按 0 分计" in out.stderr and "未计入" in out.stderr and "warning" not in out.stderr
    from evalkit.core.rounding import display_round
    from evalkit.scoring.assessment import assess

    a = assess("baotou", "2022H1", applicability=_override(tmp_path))
    line = next(l for l in out.stdout.splitlines() if l.strip().startswith("昆都仑区"))
    total = a.result.totals.set_index("entity").loc["昆都仑区", "half_year"]  # indicator 3 counted 0
    assert "旗县区排名（测算，非正式结果）" in out.stdout and f"{display_round(total):.2f}" in line
    assert a.result.indicators.set_index(["entity", "indicator"]).loc[("昆都仑区", 3), "score"] == 0
    checked = run("validate", "baotou", "2022H1", "--applicability", str(_override(tmp_path)))
    assert checked.returncode == 0 and "没有问题" in checked.stdout and "请按提示修改" not in checked.stderr


def test_an_unknown_name_in_the_override_is_its_own_error(tmp_path):
    path = _override(tmp_path, "某某区,1\n")
    for mode in ([], ["--lenient"]):
        out = run("score", "baotou", "2022H1", "--applicability", str(path), *mode)
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert "调整.csv" in out.stderr and "“某某区”不是包头市的考评对象" in out.stderr and "考评对象" in out.stderr
        assert "请按提示修改后重新报送" not in out.stderr


def test_every_command_has_one_module_and_the_help_loads_none():
    """``main.MODULES`` names the module of every command the parser knows, and that module holds it; ``--help`` and
    ``verify`` import neither the notebooks' nor the PDFs' libraries."""
    import argparse
    import importlib

    from evalkit.cli.main import MODULES
    from evalkit.cli.parser import parser

    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    assert sorted(sub.choices) == sorted(n for names in MODULES.values() for n in names)
    for module, names in MODULES.items():
        assert sorted(importlib.import_module(f"evalkit.cli.{module}").COMMANDS) == sorted(names)
    probe = ("import sys; from evalkit.cli.main import main\ntry: main(sys.argv[1:])\nexcept SystemExit: pass\n"
             "print(sorted(m for m in ('nbconvert', 'pyhanko', 'papermill', 'duckdb') if m in sys.modules))")
    for args in (["--help"], ["verify", "ABCD-EFGH"]):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)
        assert done.stdout.strip().splitlines()[-1] == "[]", (args, done.stdout[-500:], done.stderr[-500:])
