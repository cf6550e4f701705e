"""Audit, diff and ledger on real runs: a self-contained archive, tampering caught, the environment compared."""
from __future__ import annotations

import json
import re
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import load_workbook

from evalkit.runs import ledger
from evalkit.core import paths
from evalkit.core.files import sha256
from evalkit.publish import font_cache
from evalkit.runs.audit import audit
from evalkit.inputs.params import load_params
from evalkit.runs.runner import run

from .forger import rechain, rehash, write_manifest
from ..conftest import FIXTURE_PARAMS
from .test_runner import cli, copy_of, own_copy

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outputs(fixture_run) -> Path:
    """The session's archived run of the fixture period in its outputs folder with its ledger (conftest.fixture_run;
    tests copy it before changing it)."""
    return fixture_run


def test_copied_folder_audits_without_the_project_data_and_leaves_its_record_with_the_auditor(outputs, tmp_path):
    """The folder on a USB stick: copied elsewhere, audited with the project's data out of reach
    (EVALKIT_INPUTS points every read of data/ and of relative inputs at an empty folder, as if data/ were
    renamed away), the auditor's font cache planted with other fonts (an audit reads none from it), its manifest
    edited to other versions: still identical, each difference listed. The audit writes
    audit.json and a Chinese summary, and a line in the auditor's own ledger, never into the run folder. Edited to
    claim uncommitted code, it no longer matches its internal report (whose 运行记录 would say so): named."""
    stick = tmp_path / "stick" / "2022H1"
    shutil.copytree(outputs / "baotou" / "2022H1", stick)
    m = json.loads((stick / "manifest.json").read_text(encoding="utf-8"))
    now_pandas, now_python = m["software"]["packages"]["pandas"], m["software"]["python"]
    m["software"]["packages"]["pandas"] = "2.0.0"
    m["software"]["python"] = "3.10.0"
    m["software"]["source_sha256"] = "0" * 64  # the run's code differed from what is installed now
    write_manifest(stick, m)
    empty, audits, planted = tmp_path / "no-data", tmp_path / "auditor", tmp_path / "fonts.sqlite3"
    empty.mkdir()
    with sqlite3.connect(os.environ[font_cache.VARIABLE]) as session, sqlite3.connect(planted) as db:
        session.backup(db)  # the session's cache, holding this run's subsets and glyphs, each then replaced by another
        db.execute("UPDATE subsets SET woff = (SELECT woff FROM subsets WHERE chars != subsets.chars LIMIT 1)")
        db.execute("UPDATE glyphs SET outline = (SELECT outline FROM glyphs WHERE name != glyphs.name AND length(outline) > 40 LIMIT 1)")
        assert db.execute("SELECT count(*) FROM subsets").fetchone()[0] >= 7
    env = {**os.environ, paths.INPUTS_VARIABLE: str(empty), "EVALKIT_AUDITS": str(audits), font_cache.VARIABLE: str(planted)}
    before = sorted(p.relative_to(stick).as_posix() for p in stick.rglob("*"))
    done = subprocess.run([sys.executable, "-m", "evalkit.cli", "audit", str(stick)], capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "identical (结果一致)" in done.stdout and "KeyboardInterrupt" not in done.stderr and "Traceback" not in done.stderr
    assert f"package pandas: 2.0.0 then, {now_pandas} now" in done.stderr
    assert f"python: 3.10.0 then, {now_python} now" in done.stderr
    assert "source_sha256: 0000000000000000000000000000000000000000000000000000000000000000 then" in done.stderr
    assert sorted(p.relative_to(stick).as_posix() for p in stick.rglob("*")) == before
    record = json.loads(next(audits.glob("baotou-2022H1-*/audit.json")).read_text(encoding="utf-8"))
    assert record["verdict"] == "identical" and record["run"]["code"] and record["auditor"]["evalkit"]
    text = next(audits.glob("baotou-2022H1-*/复核结论.txt")).read_text(encoding="utf-8")
    assert "复核对象：包头市2022年上半年考评结果" in text and "结论：结果一致。" in text and "核验码" in text
    entry = json.loads((audits / "ledger.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert entry["event"] == "audit" and entry["result"] == "identical" and entry["folder"] == str(stick.resolve())
    assert ledger.verify(audits) == []
    m["git"] = {"commit": "abc", "dirty": True, "changed": ["src/evalkit/ranking.py"]}
    write_manifest(stick, m)
    again = subprocess.run([sys.executable, "-m", "evalkit.cli", "audit", str(stick)], capture_output=True, text=True,
                           cwd=tmp_path, env=env)
    assert again.returncode == 1 and "the run used uncommitted code (src/evalkit/ranking.py)" in again.stderr
    assert "report-internal.html: the re-run writes another page" in again.stderr and "presentation differs" in again.stderr


@pytest.mark.parametrize("tamper, named", [
    ("scores", "scores.xlsx: changed"),
    ("html", "report.html: changed"),
    ("pdf", "report.pdf: missing"),
    ("extra", "notes.txt: not listed"),
])
def test_audit_catches_tampering_with_published_files(outputs, tmp_path, tamper, named):
    folder = copy_of(outputs, tmp_path)
    if tamper == "scores":
        wb = load_workbook(folder / "scores.xlsx")
        ws = wb.worksheets[0]
        ws.cell(row=2, column=ws.max_column - 1).value = 10.0  # an entity's total
        wb.save(folder / "scores.xlsx")
    elif tamper == "html":
        page = folder / "report.html"
        page.write_text(page.read_text(encoding="utf-8").replace("昆都仑区", "昆都仑区 ", 1), encoding="utf-8")
    elif tamper == "pdf":
        (folder / "report.pdf").unlink()
    else:
        (folder / "notes.txt").write_text("x", encoding="utf-8")
    out = cli("audit", str(folder))
    assert out.returncode == 1 and named in out.stderr and "NOT identical" in out.stderr and "Traceback" not in out.stderr


def test_republished_files_are_compared_byte_for_byte(outputs, tmp_path):
    """A forger who edits scores.xlsx and updates its hash in the manifest is caught by the re-run's workbook."""
    folder = copy_of(outputs, tmp_path)
    wb = load_workbook(folder / "scores.xlsx")
    wb.worksheets[0].cell(row=2, column=2).value = 10.0
    wb.save(folder / "scores.xlsx")
    rehash(folder, "scores.xlsx")
    report = audit(folder)
    assert not report.identical and report.verdict == "presentation differs" and report.problems == []
    assert any(p.startswith(f"scores.xlsx, sheet {wb.worksheets[0].title}, cell B2: archived 10, now '组别'") for p in report.presentation), report.presentation


def test_a_cell_that_adds_5_with_a_regenerated_results_csv_is_named(outputs, tmp_path):
    folder = copy_of(outputs, tmp_path)
    path = folder / "10_period_assessment.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if "a = assess(" in c.source)
    cell.source += "\na.result.totals.loc[0, 'half_year'] += 5"
    nbformat.write(nb, str(path))
    results = (folder / "results.csv").read_text(encoding="utf-8").replace("93.72", "98.72")
    (folder / "results.csv").write_text(results, encoding="utf-8")
    rehash(folder, "10_period_assessment.ipynb", "results.csv")
    report = audit(folder)
    assert not report.identical
    assert any("10_period_assessment.ipynb, cell 2: its code differs from the recorded source notebook" in p and "+= 5" in p
               for p in report.problems)


@pytest.mark.parametrize("damage, message", [("truncate", "not valid JSON"), ("no-inputs", "lacks inputs")])
def test_malformed_manifest_is_a_clear_audit_failure(outputs, tmp_path, damage, message):
    folder = copy_of(outputs, tmp_path)
    manifest = folder / "manifest.json"
    if damage == "truncate":
        manifest.write_bytes(manifest.read_bytes()[:500])
    else:
        m = json.loads(manifest.read_text(encoding="utf-8"))
        del m["inputs"]
        manifest.write_text(json.dumps(m), encoding="utf-8")
    out = cli("audit", str(folder))
    assert out.returncode == 1 and message in out.stderr and "Traceback" not in out.stderr


def test_ledger_verify_catches_one_changed_byte(outputs, tmp_path):
    folder = copy_of(outputs, tmp_path)
    out = tmp_path / "out"
    assert cli("ledger", "verify", "--outputs", str(out)).returncode == 0
    ledger = out / "ledger.jsonl"
    original = ledger.read_bytes()
    ledger.write_bytes(original.replace(b'"archived"', b'"archiveD"', 1))
    done = cli("ledger", "verify", "--outputs", str(out))
    assert done.returncode == 1 and "line 1: the entry was edited" in done.stderr
    ledger.write_bytes(original)
    results = folder / "results.csv"
    results.write_bytes(results.read_bytes().replace(b"93.72", b"93.73"))
    done = cli("ledger", "verify", "--outputs", str(out))
    assert done.returncode == 1 and "baotou/2022H1/results.csv: changed" in done.stderr


def test_ledger_chain_detects_deleted_and_reordered_entries(outputs, tmp_path):
    folder = copy_of(outputs, tmp_path)
    out = tmp_path / "out"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for result in ("identical", "identical"):  # what two audits append
        ledger.append(out, "audit", folder, manifest, result=result)
    assert ledger.verify(out) == []
    lines = (out / "ledger.jsonl").read_bytes().splitlines(keepends=True)
    assert [json.loads(line)["event"] for line in lines] == ["run", "audit", "audit"]
    (out / "ledger.jsonl").write_bytes(lines[0] + lines[2])
    assert any("line 2: the chain is broken" in p for p in ledger.verify(out))
    (out / "ledger.jsonl").write_bytes(lines[0] + lines[2] + lines[1])
    assert any("chain is broken" in p for p in ledger.verify(out))


def test_diff_names_the_changed_cell_and_the_results(tmp_path):
    params = own_copy(tmp_path)
    out = tmp_path / "out"
    a = run(load_params("baotou", "2022H1", params), outputs=out)
    methods = tmp_path / "data" / "methods.csv"
    methods.write_text(methods.read_text(encoding="utf-8").replace("昆都仑区,90,85,80", "昆都仑区,90,85,60"), encoding="utf-8")
    b = run(load_params("baotou", "2022H1", params), outputs=out, force=True)
    a = next(p for p in (out / "baotou").iterdir() if p != b)
    done = cli("diff", str(a), str(b), "--json")
    assert done.returncode == 1
    changes = json.loads(done.stdout)
    cell = [c for c in changes if c["kind"] == "cell"]
    assert cell == [{"kind": "cell", "file": str(methods.resolve()), "sheet": "", "row": 2, "column": "D 第三方评估",
                     "a": "80", "b": "60"}]
    results = {(c["sheet"], c["column"]): (c["a"], c["b"]) for c in changes if c["kind"] == "result"}
    assert results[("昆都仑区", "third_party")] == (80, 60)
    assert results[("昆都仑区", "half_year")] == pytest.approx((93.72, 91.72))
    table = cli("diff", str(a), str(b))
    assert table.returncode == 1 and "单元格 cell" in table.stdout and "第三方评估" in table.stdout and "处不同 difference(s)" in table.stdout
    same = cli("diff", str(b), str(b))
    assert same.returncode == 0 and "no differences" in same.stdout



def test_two_runs_of_the_same_inputs_publish_the_same_bytes(demo_archive):
    """report.html byte for byte but for the run's own verification code (核验码, from its run id); scores.xlsx too
    but for what names the run (its 说明 rows 运行编号, and the document time, which is the run's start); the audit's
    re-run, with the same run record, matches all bytes."""
    import zipfile

    second = demo_archive / "baotou" / "2022H1"  # the session's demo archive ran 2022H1 twice, the first kept aside
    first = next(p for p in second.parent.iterdir() if p.name.startswith("2022H1."))
    pages = [(f / "report.html").read_text(encoding="utf-8") for f in (first, second)]
    codes = [re.findall("核验码：([0-9-]{14})", page) for page in pages]
    assert len(codes[0]) == 1 and codes[0] != codes[1]
    assert pages[0].replace(codes[0][0], codes[1][0]) == pages[1]
    books = [load_workbook(f / "scores.xlsx") for f in (first, second)]
    assert [ws.title for ws in books[0]] == [ws.title for ws in books[1]]
    for a, b in zip(*books):
        rows = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in (a, b)]
        differing = [(x, y) for x, y in zip(*rows) if x != y]
        assert differing == [] or (a.title == "说明" and [x[0] for x, _ in differing] == ["核验码"])
    with zipfile.ZipFile(second / "scores.xlsx") as z:
        m = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
        assert m["run"]["started"][:19] in z.read("docProps/core.xml").decode().replace("Z", "")
        *minute, second = (int(x) for x in re.split("[-T:]", m["run"]["started"][:19]))
        assert {i.date_time for i in z.infolist()} == {(*minute, second - second % 2)}  # ZIP (DOS) times count 2 s steps


def reseal_source(folder: Path, nb: nbformat.NotebookNode) -> None:
    """What a forger who knows the layout does to the archived source notebook: write it under its new hash and
    record that hash in the manifest (files and source_notebook)."""
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    old = m["source_notebook"]["sha256"]
    (folder / "inputs" / old).unlink()
    tmp = folder / "inputs" / "new"
    nbformat.write(nb, str(tmp))
    digest = sha256(tmp)
    tmp.rename(folder / "inputs" / digest)
    m["source_notebook"]["sha256"] = digest
    m["inputs"] = {k: (digest if v == old else v) for k, v in m["inputs"].items()}
    del m["files"][f"inputs/{old}"]
    m["files"][f"inputs/{digest}"] = digest
    write_manifest(folder, m)


def test_a_hidden_cell_in_the_archive_never_runs_and_is_named(outputs, tmp_path):
    """Issue 21: a code cell tagged remove_cell (shown in neither edition) added to the archived source and executed
    notebooks, every hash re-sealed: the audit runs the installed notebook, so the cell never runs; it is named."""
    folder = copy_of(outputs, tmp_path)
    marker = tmp_path / "pwned"
    cell = nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('ran')", metadata={"tags": ["remove_cell"]})
    for path in (folder / "10_period_assessment.ipynb",):
        nb = nbformat.read(str(path), as_version=4)
        nb.cells.insert(2, cell)
        nbformat.write(nb, str(path))
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    source = nbformat.read(str(folder / "inputs" / m["source_notebook"]["sha256"]), as_version=4)
    source.cells.insert(1, cell)
    reseal_source(folder, source)
    rehash(folder, "10_period_assessment.ipynb")
    report = audit(folder)
    assert not marker.exists()
    assert not report.identical
    assert any("the archived source differs from the installed notebook" in p and "pwned" in p and "检出提交" in p
               for p in report.problems), report.problems


def test_recorded_names_never_leave_the_audit_folder(outputs, tmp_path):
    """A manifest input named ../../../../<somewhere>/x (re-signed, as an insider with the key could) is refused
    and nothing is written outside the audit's temporary folder."""
    folder = copy_of(outputs, tmp_path)
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    escape = f"../../../../{tmp_path.name}-escaped/x.csv"
    name, digest = next(iter(m["inputs"].items()))
    m["inputs"] = {escape if k == name else k: v for k, v in m["inputs"].items()}
    write_manifest(folder, m)  # an insider with the key: the confinement must hold even then
    report = audit(folder)
    assert not report.identical
    assert any("input refused" in p and "must stay inside its folder" in p for p in report.problems), report.problems
    assert not list(Path("/").glob(f"{tmp_path.name}-escaped")) and not list(Path("/tmp").glob(f"{tmp_path.name}-escaped"))


@pytest.mark.parametrize("field, value, named", [
    ("source_notebook", {"path": "notebooks/10_period_assessment.ipynb", "sha256": "../../../../etc/passwd"}, "is not a SHA-256"),
    ("city", "../../elsewhere", "not a plain name"),
    ("notebook", "../../../x.ipynb", "notebook '../../../x.ipynb'"),
])
def test_hostile_manifest_names_are_refused(outputs, tmp_path, field, value, named):
    folder = copy_of(outputs, tmp_path)
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    m[field] = value
    write_manifest(folder, m, sign=field != "city")  # a hostile city name must not even reach the key look-up
    report = audit(folder)
    assert not report.identical and any(named in p and "运行记录不可信" in p for p in report.problems), report.problems


def test_changed_injected_parameters_are_named(outputs, tmp_path):
    """The injected-parameters cell edited to aggregation="aspect_mean", its hash re-sealed: the audit reads the
    cell as literals (never runs it) and names the parameter that disagrees with the manifest."""
    folder = copy_of(outputs, tmp_path)
    path = folder / "10_period_assessment.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    cell.source = cell.source.replace('aggregation = "sum"', 'aggregation = "aspect_mean"')
    nbformat.write(nb, str(path))
    rehash(folder, "10_period_assessment.ipynb")
    report = audit(folder)
    assert not report.identical
    assert any("the injected parameter aggregation is 'aspect_mean'" in p for p in report.problems), report.problems


def test_diff_reads_an_xlsx_input_by_content_and_names_the_cell_and_the_ranks(tmp_path):
    """Issue 21: the archive keeps inputs under their hashes, without a suffix; a changed .xlsx input (the demo
    period's methods workbook) is read by its content and the difference named down to the cell, with the rank it moved."""
    import yaml
    from openpyxl import load_workbook

    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(paths.DATA / "baotou" / "2022H1", data)
    params = tmp_path / "params"
    (params / "baotou").mkdir(parents=True)
    (params / "baotou" / "2022H1.yaml").write_text(yaml.safe_dump({"city": "baotou", "period": "2022H1", "data_dir": str(data)}),
                                                   encoding="utf-8")
    first = run(load_params("baotou", "2022H1", params), outputs=out)
    results = pd.read_csv(first / "results.csv")
    leader = results[(results["group"] == "district") & (results["rank"] == 1)]["entity"].iloc[0]
    book = next(data.glob("methods*.xlsx"))
    wb = load_workbook(book)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("考评对象")].value == leader)
    cell = row[header.index("第三方评估")]
    before = cell.value
    cell.value = 0
    wb.save(book)
    b = run(load_params("baotou", "2022H1", params), outputs=out, force=True)
    a = next(p for p in (out / "baotou").iterdir() if p != b)
    done = cli("diff", str(a), str(b), "--json")
    assert done.returncode == 1, done.stderr
    changes = json.loads(done.stdout)
    assert [c for c in changes if c["kind"] == "cell"] == [{"kind": "cell", "file": str(book.resolve()), "sheet": ws.title,
                                                            "row": cell.row, "column": f"{cell.column_letter} 第三方评估",
                                                            "a": before, "b": 0}]
    moved = {(c["sheet"], c["column"]): (c["a"], c["b"]) for c in changes if c["kind"] == "result"}
    assert moved[(leader, "third_party")][1] == 0
    assert moved[(leader, "rank")][0] == 1 and moved[(leader, "rank")][1] > 1


def test_a_forgery_without_the_key_is_caught_by_the_signatures(outputs, tmp_path):
    """report-internal.html edited (90.00 -> 91.00), the manifest re-hashed and the whole ledger chain re-hashed,
    as anyone can: the manifest's and the ledger entries' signatures no longer match, and audit and verify say so."""
    folder = copy_of(outputs, tmp_path)
    page = folder / "report-internal.html"
    page.write_text(page.read_text(encoding="utf-8").replace("90.00", "91.00", 3), encoding="utf-8")
    rehash(folder, "report-internal.html", sign=False)
    new = sha256(folder / "manifest.json")
    rechain(folder.parents[1] / "ledger.jsonl", lambda e: e.update(manifest_sha256=new) if e["folder"] == "baotou/2022H1" else None)
    report = audit(folder)
    assert not report.identical
    assert any(p.startswith("manifest.json: the signature does not match") for p in report.problems), report.problems
    problems = ledger.verify(folder.parents[1])
    assert any("ledger.jsonl, line 1: the signature does not match" in p for p in problems), problems
    assert any("baotou/2022H1/manifest.json: the signature does not match" in p for p in problems), problems
    done = cli("ledger", "verify", "--outputs", str(folder.parents[1]))
    assert done.returncode == 1 and "签名不符" in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_stripped_signatures_are_named_where_the_city_signs(outputs, tmp_path):
    """The forger's way round the signatures: delete manifest.sig and drop every entry's signature, re-hashing the
    chain. Baotou has a trusted key, so an unsigned record of Baotou is itself the finding."""
    folder = copy_of(outputs, tmp_path)
    (folder / "manifest.sig").unlink()
    rechain(folder.parents[1] / "ledger.jsonl", strip=True)
    report = audit(folder)
    assert any("manifest.json: not signed" in p and "baotou signs its records" in p for p in report.problems), report.problems
    problems = ledger.verify(folder.parents[1])
    assert any("line 1: not signed" in p for p in problems) and any("2022H1/manifest.json: not signed" in p for p in problems)


def test_an_untouched_signed_run_verifies(outputs, tmp_path):
    folder = copy_of(outputs, tmp_path)
    assert (folder / "manifest.sig").is_file()
    assert ledger.verify(folder.parents[1]) == []
    assert all("signature" in json.loads(line) for line in (folder.parents[1] / "ledger.jsonl").read_text(encoding="utf-8").splitlines())


def test_an_edited_page_re_signed_by_an_insider_is_a_presentation_difference_named_by_file(outputs, tmp_path):
    """report-internal.html edited (three 90.00 -> 91.00) with the manifest re-hashed and re-signed, as only an
    insider holding the key could: the re-run's page differs, and the audit says the results themselves agree."""
    folder = copy_of(outputs, tmp_path)
    page = folder / "report-internal.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("84.50", "85.50", 3), encoding="utf-8")
    rehash(folder, "report-internal.html")
    report = audit(folder)
    assert report.verdict == "presentation differs" and report.problems == [] and report.differences is None
    assert any(p.startswith("report-internal.html: the re-run writes another page") for p in report.presentation)


def test_a_recorded_table_edited_re_signed_is_a_results_difference(outputs, tmp_path):
    """The problem list the notebook recorded (the 整改清单's and the history's source) emptied in the executed
    notebook, every hash re-sealed and re-signed: the re-run's recorded table differs, so the results differ."""
    folder = copy_of(outputs, tmp_path)
    path = folder / "10_period_assessment.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    emptied = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            d = out.get("data", {}).get("application/vnd.evalkit.results+json")
            if d is not None and d.get("name") in ("problems", "aspects") and d["data"] and not emptied:
                d["data"] = []
                emptied.append(d["name"])
    assert emptied
    nbformat.write(nb, str(path))
    rehash(folder, "10_period_assessment.ipynb")
    report = audit(folder)
    assert report.verdict == "results differ", (report.problems, report.tables)
    assert any(f"recorded table {emptied[0]!r}: its values differ" in t for t in report.tables)


def test_a_modified_store_file_is_named_with_every_run_holding_it_and_never_linked_again(outputs, tmp_path):
    """Issue 22: one file of the write-once store edited in place (as root can, read-only or not): verify names it
    and the run that holds it; a later run of the same input keeps its own intact copy instead of linking to it."""
    folder = copy_of(outputs, tmp_path)
    out = folder.parents[1]
    stored = sorted((out / ".store" / "sha256").glob("*/*"))
    assert stored and all(p.stat().st_mode & 0o222 == 0 for p in stored)  # read-only
    victim = next(p for p in stored if p.stat().st_size > 100)
    data = bytearray(victim.read_bytes())
    data[50] ^= 1
    victim.write_bytes(bytes(data))
    problems = ledger.verify(out)
    assert any(p.startswith(f".store/sha256/{victim.name[:2]}/{victim.name}: modified") and "baotou/2022H1" in p
               for p in problems), problems
    again = run(load_params("baotou", "2022H1", FIXTURE_PARAMS), outputs=out, force=True)
    copy = again / "inputs" / victim.name
    assert copy.is_file() and sha256(copy) == victim.name and copy.stat().st_ino != victim.stat().st_ino
