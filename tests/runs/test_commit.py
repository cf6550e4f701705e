"""Archiving under faults (issue 22): a process killed (SIGKILL) at each step of archiving a run, of replacing an
archived run (``--force``) and of a correction, a full disk at each step, and a read-only store. After each fault,
what the next run does first (:func:`evalkit.runs.commit.recover`) leaves every run in exactly one folder, intact,
recorded where it is, and the published record unchanged unless the correction had been committed to."""
from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from evalkit.core.errors import StorageError
from evalkit.runs import archive, commit, ledger
from evalkit.runs.publication import published
from evalkit.runs.repair import repair

pytestmark = pytest.mark.slow

KILLER = textwrap.dedent("""
    import json, os, signal, socket, sys
    from pathlib import Path
    from evalkit.runs import commit, ledger

    outputs, staging, final, expected, k = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4] or None, int(sys.argv[5])
    (staging / ".pid").write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid()}))
    steps = 0

    def fault(fn):
        def step(*args, **kwargs):
            global steps
            if steps == k:
                os.kill(os.getpid(), signal.SIGKILL)
            steps += 1
            return fn(*args, **kwargs)
        return step

    Path.rename, ledger.add, commit.write_json, Path.unlink = fault(Path.rename), fault(ledger.add), fault(commit.write_json), fault(Path.unlink)
    manifest = json.loads((staging / "manifest.json").read_text(encoding="utf-8"))
    commit.commit(outputs, staging, final, manifest, expected)
    print(steps)
""")


def _new_run(outputs: Path, like: Path, correction: dict | None = None) -> tuple[Path, dict]:
    """A finished, sealed run of the same period in a staging folder, as a run leaves it just before archiving."""
    staging = outputs / commit.PARTIAL / f"baotou-2022H1-{uuid.uuid4().hex[:8]}"
    shutil.copytree(like, staging)
    (staging / archive.SIGNATURE).unlink()
    manifest = archive.load_manifest(staging)
    manifest["run"]["id"] = str(uuid.uuid4())
    manifest["run"]["started"] = "2030-01-01T00:00:00+00:00"
    if correction:
        manifest["correction"] = correction
    archive.seal(staging, manifest)
    return staging, manifest


def _state(outputs: Path) -> dict[str, str]:
    """Where each archived run is: run id by folder."""
    return {ledger.relative(f, outputs): archive.load_manifest(f)["run"]["id"] for f in ledger.run_folders(outputs)}


@pytest.fixture
def archived(demo_archive, tmp_path):
    """A copy of the demo archive (2022H1 published, an older run of it kept aside)."""
    out = tmp_path / "out"
    shutil.copytree(demo_archive, out, ignore=shutil.ignore_patterns("site", "*.duckdb*", ".locks"))
    return out


@pytest.mark.parametrize("scenario", ["replace", "correct"])
def test_a_kill_at_each_step_of_archiving_loses_nothing(archived, tmp_path, scenario):
    """Killed before its plan is written, the new run is discarded and all stays as it was; killed after, the next
    run finishes the archiving exactly as it would have finished. Every step is tried until one run finishes."""
    record = published(archived, "baotou", "2022H1")
    if scenario == "replace":  # an unpublished period, replaced as with --force: the same runs, a ledger without publications
        (archived / ledger.NAME).unlink()
        repair(archived)
        record = None
    base = tmp_path / "base"
    shutil.copytree(archived, base, symlinks=True)
    before = _state(base)
    finished = False
    for k in range(20):
        out = tmp_path / f"k{k}"
        shutil.copytree(base, out, symlinks=True)
        correction = {"of": record["run_id"], "reason": "更正第3项指标得分", "published": record["time"]} if record else None
        staging, manifest = _new_run(out, out / "baotou" / "2022H1", correction)
        done = subprocess.run([sys.executable, "-c", KILLER, str(out), str(staging), str(out / "baotou" / "2022H1"),
                               record["run_id"] if record else "", str(k)], capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, -9), done.stderr
        commit.recover(out)  # what the next run, publication or repair does first
        assert ledger.verify(out) == []
        after = _state(out)
        lost = {run for run in before.values() if run not in after.values()}
        assert not lost, (k, lost)
        assert len(set(after.values())) == len(after), f"a run in two folders after a kill at step {k}"
        plan_written = (out / ledger.PENDING).exists() and k > 0
        new = manifest["run"]["id"]
        if new in after.values():
            assert after["baotou/2022H1"] == new
            assert any(name.startswith("baotou/2022H1.") and run == before["baotou/2022H1"] for name, run in after.items())
            now = published(out, "baotou", "2022H1")
            assert (now and now["run_id"]) == (new if correction else None), f"step {k}"
        else:
            assert not plan_written, f"step {k}: the plan was written but the run was dropped"
            assert after == before and published(out, "baotou", "2022H1") == record
        assert not list((out / commit.PARTIAL).iterdir()), "a staging folder left behind"
        if done.returncode == 0:
            finished = True
            break
    assert finished and k >= 5, f"only {k} steps were tried"


@pytest.mark.parametrize("failing", ["plan", "rename", "ledger"])
def test_a_full_disk_at_a_step_is_one_clear_error_and_the_next_run_finishes(archived, monkeypatch, failing):
    """The disk fills at a step: before the plan, nothing changes (the run is not archived); after it, the error says
    the plan is kept, and once there is room the next run finishes the archiving. The ledger never keeps half a line."""
    record = published(archived, "baotou", "2022H1")
    correction = {"of": record["run_id"], "reason": "更正", "published": record["time"]}
    staging, manifest = _new_run(archived, archived / "baotou" / "2022H1", correction)
    ledger_before = (archived / ledger.NAME).read_bytes()
    full = OSError(errno.ENOSPC, "No space left on device")

    def no_space(*args, **kwargs):
        raise full

    real_add = ledger.add

    def add_on_a_full_disk(*args, **kwargs):  # the line is written, then the disk refuses it: the append is undone
        with monkeypatch.context() as m:
            m.setattr(os, "fsync", no_space)
            return real_add(*args, **kwargs)

    target = {"plan": (commit, "write_json", no_space), "rename": (Path, "rename", no_space),
              "ledger": (ledger, "add", add_on_a_full_disk)}[failing]
    with monkeypatch.context() as m:
        m.setattr(*target)
        with pytest.raises((OSError, StorageError)) as caught:
            commit.commit(archived, staging, archived / "baotou" / "2022H1", manifest, record["run_id"])
    if failing == "plan":
        assert isinstance(caught.value, OSError)
        assert not (archived / ledger.PENDING).exists() or not list((archived / ledger.PENDING).iterdir())
    else:
        assert "磁盘已满" in str(caught.value) and "nothing is lost" in str(caught.value)
    assert (archived / ledger.NAME).read_bytes().startswith(ledger_before)
    assert (archived / ledger.NAME).read_bytes().endswith(b"\n")
    commit.discard(archived, staging)  # what the failed run does on its way out
    commit.recover(archived)
    assert ledger.verify(archived) == []
    now = published(archived, "baotou", "2022H1")
    assert now["run_id"] == (record["run_id"] if failing == "plan" else manifest["run"]["id"])


def test_a_ledger_append_that_fails_leaves_no_half_line(archived, monkeypatch):
    before = (archived / ledger.NAME).read_bytes()
    folder = archived / "baotou" / "2022H1"
    monkeypatch.setattr(ledger.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    with pytest.raises(OSError):
        ledger.append(archived, "audit", folder, archive.load_manifest(folder), result="identical")
    assert (archived / ledger.NAME).read_bytes() == before


def test_publication_during_a_run_is_never_overwritten(archived):
    """Published (by another operator) while the run executed: the run is refused at archiving, nothing moves."""
    staging, manifest = _new_run(archived, archived / "baotou" / "2022H1")
    before = _state(archived)
    with pytest.raises(commit.PublishedMeanwhile, match="运行期间该期已发布"):
        commit.commit(archived, staging, archived / "baotou" / "2022H1", manifest, expected=None)
    assert _state(archived) == before


def test_a_read_only_store_gives_each_run_its_own_copies(tmp_path):
    """The write-once store on a read-only file system (a read-only bind mount in a user namespace): the run keeps
    its own copy of each input, nothing fails, and the copies match."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("user namespaces are not permitted here (unshare -rm)")
    store = tmp_path / ".store"
    (store / "sha256").mkdir(parents=True)
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"an input")
    folder = tmp_path / "run"
    folder.mkdir()
    script = (f"from pathlib import Path; from evalkit.runs import archive; "
              f"print(archive.keep({{'in.xlsx': Path({str(source)!r})}}, Path({str(folder)!r}), Path({str(store)!r})))")
    done = subprocess.run(["unshare", "-rm", "sh", "-c", f'mount --bind "{store}" "{store}" && mount -o remount,bind,ro "{store}" '
                           f'&& touch "{store}/x" 2>/dev/null && exit 9; exec "{sys.executable}" -c "$0"', script],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    digest = json.loads(done.stdout.replace("'", '"'))["in.xlsx"]
    kept = folder / "inputs" / digest
    assert kept.read_bytes() == b"an input" and kept.stat().st_nlink == 1
    assert not list((store / "sha256").iterdir())
    assert os.stat(kept).st_mode & 0o222 == 0
