"""Papermill runs, the archive they leave, and the audit that re-runs them (end to end)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evalkit.core import keys, paths
from evalkit.publish.pdf_signing import validate_pdf
from evalkit.core.recorded import recorded
from evalkit.core.files import sha256
from evalkit.publish import fonts
from evalkit.publish.plots import CJK_FONT
from evalkit.inputs.params import load_params
from evalkit.runs.audit import audit
from evalkit.runs import archive
from evalkit.runs.runner import run

from ..conftest import FIXTURE_PARAMS
from .forger import write_manifest

EXAMPLE = "data/baotou/examples/method_7"
pytestmark = pytest.mark.slow


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "evalkit.cli", *args], capture_output=True, text=True, cwd=paths.ROOT, **kw)


@pytest.fixture(scope="module")
def archived(fixture_run):
    """The session's run of the fixture period (conftest.fixture_run), shared by the read-only tests."""
    return fixture_run / "baotou" / "2022H1"


def copy_of(outputs: Path, tmp_path: Path) -> Path:
    """A private copy of the whole outputs folder; the run folder inside it."""
    shutil.copytree(outputs, tmp_path / "out")
    return tmp_path / "out" / "baotou" / "2022H1"


def own_copy(tmp_path) -> Path:
    """Params pointing at a private copy of the fixture data, which a test may change."""
    data = tmp_path / "data"
    shutil.copytree(paths.ROOT / EXAMPLE, data)
    params = tmp_path / "params" / "baotou"
    params.mkdir(parents=True)
    (params / "2022H1.yaml").write_text(yaml.safe_dump({"city": "baotou", "period": "2022H1", "data_dir": str(data),
                                                        "applicability": str(data / "applicability.csv")}), encoding="utf-8")
    return tmp_path / "params"


def test_end_to_end_run_archives_everything(archived):
    assert archived.name == "2022H1" and archived.parent.name == "baotou"
    assert {p.name for p in archived.iterdir()} >= {"10_period_assessment.ipynb", "results.csv", "manifest.json"}
    results = pd.read_csv(archived / "results.csv").set_index("entity")
    assert results.loc["昆都仑区", "half_year"] == pytest.approx(93.72, abs=1e-9)
    assert results.loc["市教育局", "half_year"] == pytest.approx(84.50, abs=1e-9)
    m = json.loads((archived / "manifest.json").read_text(encoding="utf-8"))
    assert m["parameters"]["applicability"] == f"{EXAMPLE}/applicability.csv"
    assert m["inputs"]["data/baotou/framework.yaml"] == sha256(paths.DATA / "baotou" / "framework.yaml")
    assert f"{EXAMPLE}/methods.csv" in m["inputs"] and f"{EXAMPLE}/monitoring/市教育局.csv" in m["inputs"]
    assert m["entities"]["sha256"] == sha256(paths.DATA / "baotou" / "entities.csv")
    assert m["results"]["sha256"] == sha256(archived / "results.csv")
    assert m["software"]["evalkit"] and m["software"]["packages"]["papermill"] and m["software"]["python"]
    # every installed distribution, the source hash, Chromium, the font
    assert len(m["software"]["packages"]) > 100 and {"mplfonts", "fonttools", "pillow", "jinja2"} <= set(m["software"]["packages"])
    assert len(m["software"]["source_sha256"]) == 64 and m["software"]["chromium"].startswith("Chromium")
    assert m["software"]["fonts"] == {f.name: sha256(f) for f in fonts.files()}  # every face the reports embed
    assert CJK_FONT.name in m["software"]["fonts"] and "LXGWWenKai-Regular.ttf" in m["software"]["fonts"]
    assert set(m["git"]) == {"commit", "dirty", "changed"} and m["run"]["id"] and m["run"]["started"] < m["run"]["ended"]
    # every input is kept in the folder by its hash, and every file is listed with its hash
    assert all((archived / "inputs" / h).is_file() for h in m["inputs"].values())
    assert (archived / "inputs" / m["source_notebook"]["sha256"]).is_file()
    assert m["files"] == {p.relative_to(archived).as_posix(): sha256(p) for p in archived.rglob("*")
                          if p.is_file() and p.name not in ("manifest.json", "manifest.sig")}
    assert archive.manifest_signature(archived, "baotou")[0] == "signed"  # the tests' Baotou key (conftest.signing_keys)
    for pdf in ("report.pdf", "report-internal.pdf"):  # PAdES, with the tests' Baotou document key and certificate
        assert validate_pdf(archived / pdf, keys.certificates("baotou")[0]) == []
        assert "Signature is Valid" in subprocess.run(["pdfsig", str(archived / pdf)], capture_output=True, text=True).stdout
    assert {"report.html", "report.pdf", "scores.xlsx", "results.csv", "10_period_assessment.ipynb"} <= set(m["files"])
    assert m["run"]["papermill"]["version"]
    # the executed notebook records the same results
    pd.testing.assert_frame_equal(recorded(archived / "10_period_assessment.ipynb"),
                                  pd.read_csv(archived / "results.csv").astype({"rank": "Int64"}))


def test_audit_untouched_run_is_identical(fixture_run, tmp_path):
    """On a copy: an audit appends its line to the ledger of the outputs folder it finds the run in."""
    folder = copy_of(fixture_run, tmp_path)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    report = audit(folder)
    assert report.identical, report.problems
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before  # nothing written into the run folder


def test_audit_against_other_inputs_names_a_changed_or_missing_input(tmp_path):
    params = own_copy(tmp_path)
    folder = run(load_params("baotou", "2022H1", params), outputs=tmp_path / "out")
    methods = tmp_path / "data" / "methods.csv"
    methods.write_text(methods.read_text(encoding="utf-8").replace("90,85,80", "91,85,80"), encoding="utf-8")
    # by default the archived copies are used: the original's change is a warning, the audit holds
    report = audit(folder)
    assert report.identical and any("methods.csv" in w and "archived copy" in w for w in report.warnings)
    # against the project's inputs (the data copy is outside the project: its absolute paths are used)
    report = audit(folder, inputs=paths.ROOT)
    assert not report.identical
    assert any("input changed" in p and "methods.csv" in p for p in report.problems)
    (tmp_path / "data" / "monitoring" / "市教育局.csv").unlink()
    out = cli("audit", str(folder), "--inputs", str(paths.ROOT))
    assert out.returncode == 1 and "input missing" in out.stderr and "市教育局.csv" in out.stderr and "NOT identical" in out.stderr


def test_audit_shows_differing_rows(fixture_run, tmp_path):
    folder = copy_of(fixture_run, tmp_path)
    results = folder / "results.csv"
    tampered = results.read_text(encoding="utf-8").replace("昆都仑区,district,98.7", "昆都仑区,district,97.7")
    # a results table changed after the run no longer matches its hash
    results.write_text(tampered, encoding="utf-8")
    report = audit(folder)
    assert not report.identical and any("results.csv: changed" in p for p in report.problems)
    # if both the table and its recorded hashes were changed, the re-run shows the values that differ
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    m["results"]["sha256"] = m["files"]["results.csv"] = sha256(results)
    write_manifest(folder, m)  # re-signed, as an insider with the key could
    report = audit(folder)
    assert not report.identical and report.differences["entity"].unique().tolist() == ["昆都仑区"]
    assert report.differences.query("column == 'monitoring'")[["archived", "now"]].values.tolist() == [[97.7, 98.7]]


def test_second_run_refuses_unless_forced(fixture_run, tmp_path):
    """A second run of an archived period (a copy of the session's run) is refused; with --force it runs, the first kept."""
    params, out = FIXTURE_PARAMS, copy_of(fixture_run, tmp_path).parents[1]
    again = cli("run", "baotou", "2022H1", "--params", str(params), "--outputs", str(out))
    assert again.returncode == 2 and "never overwritten" in again.stderr and "Traceback" not in again.stderr
    forced = cli("run", "baotou", "2022H1", "--params", str(params), "--outputs", str(out), "--force")
    assert forced.returncode == 0
    names = sorted(p.name for p in (out / "baotou").iterdir())
    assert names[0] == "2022H1" and names[1].startswith("2022H1.20") and len(names) == 2


def test_killed_run_leaves_no_folder(tmp_path):
    params = own_copy(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "evalkit.cli", "run", "baotou", "2022H1", "--params", str(params), "--outputs", str(out)],
                            cwd=paths.ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list((out / ".partial").glob("*/*.ipynb")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its kernel, midway
    proc.wait()
    assert not (out / "baotou" / "2022H1").exists()
    # the next run cleans the dead run's staging folder and succeeds
    assert run(load_params("baotou", "2022H1", params), outputs=out).exists()
    assert list((out / ".partial").iterdir()) == []


def test_failing_notebook_keeps_its_copy_and_exits_non_zero(tmp_path):
    params = own_copy(tmp_path)
    (tmp_path / "data" / "methods.csv").write_text("考评对象,实地调研,民意调查,第三方评估\n昆都仑区,90,85,800\n", encoding="utf-8")
    out = tmp_path / "out"
    done = cli("run", "baotou", "2022H1", "--params", str(params), "--outputs", str(out))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "failed with InputError" in done.stderr and "800 is out of range; expected 0 to 100" in done.stderr
    kept = list((out / "failed").glob("baotou-2022H1-*.ipynb"))
    assert len(kept) == 1 and "failed/" in done.stderr
    nb = json.loads(kept[0].read_text(encoding="utf-8"))
    assert any(o.get("output_type") == "error" for c in nb["cells"] for o in c.get("outputs", []))
    assert not (out / "baotou" / "2022H1").exists()


def test_papermill_cli_gives_the_same_numbers(archived, tmp_path):
    out_nb = tmp_path / "out.ipynb"
    params = FIXTURE_PARAMS / "baotou" / "2022H1.yaml"
    papermill = Path(sys.executable).parent / "papermill"
    command = [str(papermill), "notebooks/10_period_assessment.ipynb", str(out_nb), "-f", str(params), "--execution-timeout", "300"]
    try:
        done = subprocess.run(command, cwd=paths.ROOT, capture_output=True, text=True, timeout=400)
    except subprocess.TimeoutExpired:  # plain papermill's kernel listens on TCP ports, which a parallel test's kernel can
        # take between their choice and their use (evalkit's own runs use IPC sockets): once more, then it is a failure
        done = subprocess.run(command, cwd=paths.ROOT, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(recorded(out_nb), recorded(archived / "10_period_assessment.ipynb"), check_exact=True)


def test_run_all_keeps_going_and_exits_non_zero(tmp_path):
    params = own_copy(tmp_path)
    (params / "baotou" / "2022H2.yaml").write_text("city: baotou\nperiod: 2022H2\ndata_dir: /nowhere\n", encoding="utf-8")
    done = cli("run", "--all", "--params", str(params), "--outputs", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "1 成功 succeeded" in done.stdout and "1 失败 failed" in done.stdout and "no such folder" in done.stderr


def test_running_all_cells_as_stored_equals_evalkit_run(demo_archive, tmp_path):
    """What JupyterLab's Run All does: the stored notebook, its own default parameters, the evalkit kernel, gives what
    ``evalkit run baotou 2022H1`` (params/baotou/2022H1.yaml) archived in the session's demo archive."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(paths.ROOT / "notebooks" / "10_period_assessment.ipynb"), as_version=4)
    NotebookClient(nb, kernel_name="evalkit", resources={"metadata": {"path": str(tmp_path)}}).execute()
    archived = demo_archive / "baotou" / "2022H1"
    assert json.loads((archived / "manifest.json").read_text(encoding="utf-8"))["parameters"]["period"] == "2022H1"
    pd.testing.assert_frame_equal(recorded(nb), recorded(archived / "10_period_assessment.ipynb"), check_exact=True)


def test_staging_clean_up_removes_only_this_hosts_dead_runs(tmp_path):
    """Issue 22: on an outputs folder shared by several hosts (Dask workers), a run cleans up only the staging folders
    of its own host whose process is gone; another host's run in progress (its process invisible here) is kept."""
    import socket

    from evalkit.runs.commit import _clean_partials

    root = tmp_path / ".partial"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    for name, host, pid in (("mine-dead", socket.gethostname(), dead), ("mine-alive", socket.gethostname(), os.getpid()),
                            ("theirs", "another-host", dead)):
        (root / name).mkdir(parents=True)
        (root / name / ".pid").write_text(json.dumps({"host": host, "pid": int(pid)}))
    _clean_partials(root)
    assert sorted(p.name for p in root.iterdir()) == ["mine-alive", "theirs"]
