"""A damaged ledger (issue 22): a run refuses before anything moves, and ``evalkit ledger repair`` keeps the damaged
file as evidence, rebuilds a sound ledger from the entries that hold and the signed run records, says what it
could not rebuild, and launders nothing a forger wrote."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from evalkit.core import keys
from evalkit.runs import ledger
from evalkit.runs.publication import published
from evalkit.runs.repair import repair

from .forger import rechain
from .test_commit import _state

pytestmark = pytest.mark.slow


@pytest.fixture
def archived(demo_archive, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(demo_archive, out, ignore=shutil.ignore_patterns("site", ".locks"))
    return out


def evalkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evalkit.cli", *args], capture_output=True, text=True, timeout=300)


def test_a_truncated_ledger_stops_the_run_and_repair_rebuilds_it(archived):
    """The issue's case: the ledger cut mid-line. `run --force` moved the published folder aside and lost it; now it
    refuses before anything moves, naming the damage and the repair, with no traceback."""
    path = archived / ledger.NAME
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # the last entry (a publication) cut mid-line
    before = _state(archived)
    done = evalkit("run", "baotou", "2022H1", "--force", "--outputs", str(archived))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "ledger is damaged" in done.stderr and "evalkit ledger repair" in done.stderr and "台账已损坏" in done.stderr
    assert _state(archived) == before and not list((archived / ".partial").glob("*"))

    fixed = evalkit("ledger", "repair", "--outputs", str(archived))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    evidence = next(archived.glob("ledger.damaged-*.jsonl"))
    assert evidence.read_bytes() == data[: len(data) - 40] and not evidence.stat().st_mode & 0o222
    assert "line" in fixed.stdout and "cut off" in fixed.stdout
    assert "reads as publish of baotou 2022" in fixed.stderr, fixed.stderr  # the cut publication cannot be rebuilt: said so
    assert ledger.verify(archived) == []
    assert _state(archived) == before
    assert published(archived, "baotou", "2022H1") is not None and published(archived, "baotou", "2022") is None
    rebuilt = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert all("recovered" in e for e in rebuilt) and all("signature" in e for e in rebuilt)
    again = evalkit("ledger", "repair", "--outputs", str(archived))
    assert again.returncode == 0 and "nothing to repair" in again.stdout and len(list(archived.glob("ledger.damaged-*"))) == 1


def test_a_deleted_middle_line_is_re_chained_and_the_runs_it_recorded_are_found_again(archived):
    path = archived / ledger.NAME
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # the run entry of a period never re-run (2022H2 or 2022), past the first line: the demo archive's runs end in any
    # order, and the entry of the 2022H1 run later kept aside is not missed (its replace entry places the run)
    i = next(i for i, line in enumerate(lines) if i > 0 and json.loads(line)["event"] == "run"
             and json.loads(line)["period"] in ("2022H2", "2022"))
    removed = json.loads(lines[i])
    path.write_text("".join(lines[:i] + lines[i + 1:]), encoding="utf-8")
    assert any("chain is broken" in p for p in ledger.verify(archived))
    done = repair(archived)
    assert done.evidence and done.kept == len(lines) - 1 and not done.dropped
    if removed["event"] in ("run", "replace"):
        assert any(removed["run_id"][:8] in r for r in done.recorded)
    assert ledger.verify(archived) == []


def test_a_forged_entry_is_dropped_not_laundered(archived):
    """A forger without the key edits a publication to another run and re-chains the hashes (dropping the signatures
    that no longer hold): repair, run by the task force with the key, keeps only what held before it, so the forged
    publication is not re-signed; the real runs are recorded again from their signed manifests."""
    path = archived / ledger.NAME
    runs = _state(archived)
    aside = next(run for name, run in runs.items() if name.startswith("baotou/2022H1."))

    def forge(entry):
        if entry["event"] == "publish" and entry["period"] == "2022H1":
            entry["run_id"], entry["folder"] = aside, next(n for n, r in runs.items() if r == aside)
            entry.pop("signature")

    rechain(path, forge)
    assert keys.private_key("baotou") is not None
    done = repair(archived)
    assert any("not signed" in d or "未签名" in d for d in done.dropped), done.dropped
    assert any("publish of baotou 2022H1" in lost for lost in done.lost)
    assert published(archived, "baotou", "2022H1") is None  # the forged publication is gone; the real one must be redone
    assert ledger.verify(archived) == []


def test_a_deleted_ledger_is_rebuilt_from_the_signed_manifests(archived):
    (archived / ledger.NAME).unlink()
    done = repair(archived)
    assert not done.evidence and len(done.recorded) == len(_state(archived))
    assert any("publications and audits cannot be rebuilt" in lost for lost in done.lost)
    assert ledger.verify(archived) == []


def test_an_unsound_run_folder_is_named_not_recorded(archived):
    (archived / ledger.NAME).unlink()
    folder = archived / "baotou" / "2022H2"
    (folder / "results.csv").write_text("entity,total\n昆都仑区,99.99\n", encoding="utf-8")
    done = repair(archived)
    assert any(lost.startswith("baotou/2022H2: not recorded") and "results.csv: changed" in lost for lost in done.lost)
    assert any("2022H2" in p and "not in the ledger" in p for p in ledger.verify(archived))
