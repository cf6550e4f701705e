"""Publication as an act (issue 21): a published record is frozen, a correction keeps the original and says why,
scheduled runs never replace a published period and say why they run, prune never removes a record."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import evalkit
import evalkit.cli
from evalkit.core import paths
from evalkit.core.codes import code
from evalkit.core.files import sha256
from evalkit.inputs.params import load_params
from evalkit.publish.site import build_site
from evalkit.runs import ledger, publication
from evalkit.runs.runner import run
from evalkit.store.published import entries

from .forger import write_manifest
from .test_runner import cli, copy_of, own_copy

pytestmark = pytest.mark.slow


def official_copy(tmp_path) -> Path:
    """Params of Baotou's demo 2022H1 on a private copy of its data, which a test may change: an official run (the
    worked example of METHOD.md §7 runs under its own applicability, a what-if, which is never published)."""
    data = tmp_path / "data"
    shutil.copytree(paths.DATA / "baotou" / "2022H1", data)
    params = tmp_path / "params" / "baotou"
    params.mkdir(parents=True)
    (params / "2022H1.yaml").write_text(yaml.safe_dump({"city": "baotou", "period": "2022H1", "data_dir": str(data)}), encoding="utf-8")
    return tmp_path / "params"


@pytest.fixture(scope="module")
def published_once(tmp_path_factory) -> Path:
    """An official run of a private copy of the demo 2022H1, run and published once for this file under ``work/``, and
    a copy of that folder as it then stood under ``pristine/``."""
    root = tmp_path_factory.mktemp("published")
    params, out = official_copy(root / "work"), root / "work" / "out"
    publication.publish(run(load_params("baotou", "2022H1", params), outputs=out))
    shutil.copytree(root / "work", root / "pristine", symlinks=True)
    return root


@pytest.fixture
def published(published_once) -> tuple[Path, Path, Path]:
    """(params, outputs, data) of :func:`published_once`, as they stood after publication whatever an earlier test did:
    restored in place, so that the paths the archive records hold (this file's tests run one after another in their
    process, and each process has its own)."""
    work = published_once / "work"
    shutil.rmtree(work)
    shutil.copytree(published_once / "pristine", work, symlinks=True)
    return work / "params", work / "out", work / "data"


def third_party(data: Path, score: float) -> None:
    """Change 昆都仑区's 第三方评估 score in the copy's methods.xlsx, as a lead unit's corrected submission would."""
    import openpyxl

    wb = openpyxl.load_workbook(data / "methods.xlsx")
    ws = wb["填报表"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "昆都仑区")
    row[[c.value for c in ws[1]].index("第三方评估")].value = score
    wb.save(data / "methods.xlsx")


def test_a_published_record_is_frozen_even_with_force(demo_archive, tmp_path):
    """A copy of the session's demo archive, whose periods are published: ``run --force`` of the project's own params
    is refused and moves nothing."""
    out = tmp_path / "out"
    shutil.copytree(demo_archive, out)
    folder = out / "baotou" / "2022H1"
    before, folders = sha256(folder / "manifest.json"), sorted(p.name for p in (out / "baotou").iterdir())
    done = cli("run", "baotou", "2022H1", "--outputs", str(out), "--force")
    assert done.returncode == 2 and "is published" in done.stderr and "--correct --reason" in done.stderr
    assert "Traceback" not in done.stderr
    assert sha256(folder / "manifest.json") == before and sorted(p.name for p in (out / "baotou").iterdir()) == folders
    again = cli("publish", str(folder))
    assert again.returncode == 2 and "already the published record" in again.stderr


def test_scheduled_runs_report_a_published_periods_changed_input_and_run_nothing(published):
    params, out, data = published
    quiet = cli("run", "--all", "--params", str(params), "--outputs", str(out), "--json")
    assert json.loads(quiet.stdout)["runs"][0]["status"] == "published"
    third_party(data, 60)
    for extra in ([], ["--force"], ["--dry-run"]):
        done = cli("run", "--all", "--params", str(params), "--outputs", str(out), "--json", *extra)
        row = json.loads(done.stdout)["runs"][0]
        assert done.returncode == 0 and row["status"] == "published", done.stdout
        assert "methods.xlsx: changed" in row["reason"] and "--correct --reason" in row["reason"]
    assert [p.name for p in (out / "baotou").iterdir()] == ["2022H1"]


def test_a_correction_keeps_the_original_states_its_reason_and_is_signed(published, tmp_path):
    params, out, data = published
    original = json.loads((out / "baotou" / "2022H1" / "manifest.json").read_text(encoding="utf-8"))["run"]["id"]
    bare = cli("run", "baotou", "2022H1", "--params", str(params), "--outputs", str(out), "--correct")
    assert bare.returncode == 2 and "--reason" in bare.stderr
    reason = "昆都仑区第三方评估分值录入有误，经专班核实更正为60分。"
    third_party(data, 60)
    done = cli("run", "baotou", "2022H1", "--params", str(params), "--outputs", str(out), "--correct", "--reason", reason)
    assert done.returncode == 0, done.stderr
    folders = sorted(p.name for p in (out / "baotou").iterdir())
    assert folders[0] == "2022H1" and folders[1].startswith("2022H1.") and len(folders) == 2
    kept = json.loads((out / "baotou" / folders[1] / "manifest.json").read_text(encoding="utf-8"))
    assert kept["run"]["id"] == original  # the original record, unchanged, beside the correction
    new = json.loads((out / "baotou" / "2022H1" / "manifest.json").read_text(encoding="utf-8"))
    assert new["correction"]["of"] == original and new["correction"]["reason"] == reason
    entry = publication.published(out, "baotou", "2022H1")
    assert entry["event"] == "correct" and entry["run_id"] == new["run"]["id"] and "signature" in entry
    page = (out / "baotou" / "2022H1" / "report.html").read_text(encoding="utf-8")
    assert "更正说明" in page and "昆都仑区第三方评估分值录入有误" in page and code(original) in page and code(new["run"]["id"]) in page
    assert ledger.verify(out) == []
    for run_id, state in ((new["run"]["id"], "已发布 published"), (original, "已被更正或替换 superseded")):
        found = cli("verify", code(run_id), "--outputs", str(out))
        assert found.returncode == 0 and state in found.stdout and "签名有效" in found.stdout, found.stdout + found.stderr
    h = evalkit.history("baotou", out)
    assert h.sql("SELECT run_id FROM runs WHERE published")["run_id"].tolist() == [new["run"]["id"]]  # the history follows
    h.con.close()
    site = build_site(out, tmp_path / "site")
    assert "更正说明" in (site.parent / "baotou" / "2022H1" / "bulletin.html").read_text(encoding="utf-8")  # so does the site
    assert cli("prune", "--outputs", str(out)).returncode == 0
    assert sorted(p.name for p in (out / "baotou").iterdir()) == folders  # a corrected original is a record: kept


def test_unpublished_periods_rerun_on_data_not_on_drift_and_prune_removes_only_the_superseded(tmp_path):
    params, out = own_copy(tmp_path), tmp_path / "out"
    first = run(load_params("baotou", "2022H1", params), outputs=out)
    m = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    m["software"]["chromium"] = "Chromium 1.0"
    write_manifest(first, m)  # the environment it ran in differs from today's
    drift = json.loads(cli("run", "--all", "--params", str(params), "--outputs", str(out), "--json").stdout)["runs"][0]
    assert drift["status"] == "unchanged" and "not re-run for a code or environment difference alone" in drift["reason"]
    assert "chromium" in drift["reason"]
    methods = tmp_path / "data" / "methods.csv"
    methods.write_text(methods.read_text(encoding="utf-8").replace("昆都仑区,90,85,80", "昆都仑区,90,85,70"), encoding="utf-8")
    plan = json.loads(cli("run", "--all", "--params", str(params), "--outputs", str(out), "--json", "--dry-run").stdout)["runs"][0]
    assert plan["status"] == "would run" and "methods.csv: changed" in plan["reason"]
    assert [p.name for p in (out / "baotou").iterdir()] == ["2022H1"]
    done = json.loads(cli("run", "--all", "--params", str(params), "--outputs", str(out), "--json").stdout)["runs"][0]
    assert done["status"] == "ok" and "methods.csv: changed" in done["message"]
    assert len(list((out / "baotou").iterdir())) == 2
    pruned = cli("prune", "--outputs", str(out))
    assert pruned.returncode == 0 and "removed" in pruned.stdout
    assert [p.name for p in (out / "baotou").iterdir()] == ["2022H1"]
    assert [e["event"] for e in entries(out)][-1] == "prune" and ledger.verify(out) == []


def test_a_tampered_run_cannot_be_published(fixture_run, tmp_path):
    folder, out = copy_of(fixture_run, tmp_path), tmp_path / "out"
    page = folder / "report.html"
    page.write_text(page.read_text(encoding="utf-8").replace("93.72", "99.72"), encoding="utf-8")
    done = cli("publish", str(folder))
    assert done.returncode == 2 and "not published" in done.stderr and "report.html: changed" in done.stderr
    assert publication.published(out, "baotou", "2022H1") is None


def test_a_city_that_requires_sm2_signs_its_run_and_ledger_with_it(tmp_path, monkeypatch, signing_keys):
    """国密: Ulanhot given an SM2 record key; its run's manifest and ledger entries are SM2 signatures that verify."""
    from evalkit.core import keys
    from evalkit.runs import archive

    shutil.copytree(signing_keys, tmp_path / "keys")
    monkeypatch.setenv(keys.KEYS_VARIABLE, str(tmp_path / "keys" / "private"))
    monkeypatch.setenv(keys.TRUST_VARIABLE, str(tmp_path / "keys" / "trust"))
    assert evalkit.cli.main(["keys", "new", "ulanhot", "--sm2"]) == 0  # the SM2 record key, the P-256 PDF key and its certificate
    out = tmp_path / "out"
    folder = run(load_params("ulanhot", "2022H1"), outputs=out)
    assert json.loads((folder / "manifest.sig").read_text(encoding="utf-8"))["algorithm"] == "sm2-sm3"
    assert archive.manifest_signature(folder, "ulanhot")[0] == "signed"
    assert all(json.loads(line)["signature"]["algorithm"] == "sm2-sm3" for line in (out / "ledger.jsonl").read_text(encoding="utf-8").splitlines())
    assert ledger.verify(out) == []


def test_a_damaged_ledger_stops_a_run_before_anything_moves_and_a_deleted_record_is_named(published):
    """Issue 22's first faults: the ledger cut mid-line, then `run --force`: a clear message, no traceback, and the
    published folder where it was; a run folder deleted: `ledger verify` names it."""
    params, out, _ = published
    folder = out / "baotou" / "2022H1"
    before = sha256(folder / "manifest.json")
    path = out / "ledger.jsonl"
    intact = path.read_bytes()
    path.write_bytes(intact[:-40])
    done = cli("run", "baotou", "2022H1", "--params", str(params), "--outputs", str(out), "--force")
    assert done.returncode == 2 and "the ledger is damaged" in done.stderr and "Traceback" not in done.stderr
    assert sha256(folder / "manifest.json") == before and [p.name for p in (out / "baotou").iterdir()] == ["2022H1"]
    path.write_bytes(intact)
    shutil.rmtree(folder)
    problems = ledger.verify(out)
    assert any(p.startswith("baotou/2022H1: the ledger records run") and "存档目录缺失" in p for p in problems), problems


def test_a_what_if_run_is_never_published(fixture_run, tmp_path):
    """A run under an adjusted applicability (the worked example's own, a copy of the session's run) is refused
    publication, with a Chinese reason; a forger who strips the override from its manifest breaks the signature, and
    is refused for that."""
    folder, out = copy_of(fixture_run, tmp_path), tmp_path / "out"
    done = cli("publish", str(folder))
    assert done.returncode == 2 and "不得发布" in done.stderr and "applicability.csv" in done.stderr
    assert "Traceback" not in done.stderr and publication.published(out, "baotou", "2022H1") is None
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["applicability"][0]["standing"] == "测算结果，非正式结果"
    for pdf in ("report.pdf", "report-internal.pdf"):  # every page of both editions says so in its running head
        pages = subprocess.run(["pdftotext", str(folder / pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")[:-1]
        assert pages and all("测算稿" in page for page in pages), pdf
    del m["applicability"]
    write_manifest(folder, m, sign=False)
    forged = cli("publish", str(folder))
    assert forged.returncode == 2 and "not published" in forged.stderr and "不得发布" not in forged.stderr
    assert publication.published(out, "baotou", "2022H1") is None
