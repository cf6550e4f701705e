"""Scheduled runs and the archive under faults: idempotent run --all, cascades, logs for machines, recipes,
a per-period lock, a full disk, an unwritable outputs folder."""
from __future__ import annotations

import errno
import json
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evalkit import cli as cli_module
from evalkit.core import paths
from evalkit.inputs.params import RunSpec
from evalkit.framework.periods import Period
from evalkit.runs import batch
from evalkit.runs.batch import Outcome, blocked
from evalkit.runs.commit import kept_name

from ..conftest import FIXTURE_PARAMS
from .test_runner import EXAMPLE, cli, own_copy

DEPLOY = paths.ROOT / "deploy"
WORKFLOW = paths.ROOT / ".github" / "workflows" / "scheduled-run.yml"


def _spec(period: str, previous: str | None = None) -> RunSpec:
    params = {"city": "x", "period": period, "previous": {"period": previous} if previous else None}
    return RunSpec("x", Period.parse(period), Path("p.yaml"), params)


def test_cascade_names_the_root_cause():
    h1 = Outcome(_spec("2024H1"), False, 1.0, "", "x 2024H1: cell 2 failed with InputError: methods.csv row 3\nmore", "failed")
    h2 = blocked(_spec("2024H2", "2024H1"), {("x", "2024H1"): h1})
    assert h2.message == "x 2024H2 not run: 2024H1 failed: x 2024H1: cell 2 failed with InputError: methods.csv row 3"
    year = RunSpec("x", Period.parse("2024"), Path("p.yaml"), {})
    assert blocked(year, {("x", "2024H1"): Outcome(h1.spec, True, 0, "o"), ("x", "2024H2"): h2}).message == (
        "x 2024 not run: 2024H2 not run: 2024H1 failed: x 2024H1: cell 2 failed with InputError: methods.csv row 3")
    assert blocked(_spec("2024H2", "2024H1"), {("x", "2024H1"): Outcome(h1.spec, True, 0, "o")}) is None


class _Recorded:
    """An executor that runs nothing until the batch reads its results: it records what was submitted by then."""

    def __init__(self):
        self.submitted: list[str] = []
        self.at_first_read: list[str] | None = None

    def submit(self, fn, /, spec, *args):
        self.submitted.append(spec)
        return Future()

    def as_completed(self, futures):
        self.at_first_read = [str(spec.period) for spec in self.submitted]
        for future, spec in reversed(list(futures.items())):  # what reads ends before what it reads
            if spec.period.half == 1:
                future.set_result(Outcome(spec, False, 1.0, "", f"x {spec.period}: cell 2 failed with InputError: a.xlsx row 3", "failed"))
            elif spec.period.year == 2025:
                future.set_result(Outcome(spec, True, 1.0, f"out/{spec.period}"))
            else:
                future.set_exception(RuntimeError("lost"))
            yield future


def test_run_all_submits_every_run_at_once_and_names_the_root_cause_after(monkeypatch):
    """A year and its halves run side by side (one city's runs are no longer serial); the cascade is applied once
    all have ended, whatever order they ended in: a failed run that reads a failed one is reported as not run."""
    monkeypatch.setattr(batch, "plan", lambda spec, *a: (False, "run"))
    specs = [_spec("2024H1"), _spec("2024H2", "2024H1"), RunSpec("x", Period.parse("2024"), Path("p.yaml"), {}),
             _spec("2025H1", "2024H2"), _spec("2025H2", "2025H1")]
    ex = _Recorded()
    outcomes = {str(o.spec.period): o for o in batch.run_all(specs, executor=ex, progress=False)}
    assert ex.at_first_read == ["2024H1", "2024H2", "2024", "2025H1", "2025H2"]
    assert outcomes["2024H1"].status == "failed"
    assert outcomes["2024H2"].message == "x 2024H2 not run: 2024H1 failed: x 2024H1: cell 2 failed with InputError: a.xlsx row 3"
    assert outcomes["2024"].message == outcomes["2024H2"].message.replace("2024H2", "2024")  # its first half failed
    assert outcomes["2025H1"].status == "not run" and outcomes["2025H1"].message.startswith("x 2025H1 not run: 2024H2 not run")
    assert outcomes["2025H2"].ok  # it succeeded: what it read was readable, whatever became of the run of 2025H1


def test_kept_name_is_the_runs_own_start_with_a_unique_suffix(tmp_path):
    folder = tmp_path / "2022H1"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"run": {"started": "2022-07-01T02:03:04+00:00"}}), encoding="utf-8")
    archive_stamp = kept_name(folder).name
    assert archive_stamp == "2022H1.20220701-020304"  # UTC
    (tmp_path / archive_stamp).mkdir()
    assert kept_name(folder).name == f"{archive_stamp}-2"
    (tmp_path / f"{archive_stamp}-2").mkdir()
    assert kept_name(folder).name == f"{archive_stamp}-3"


@pytest.mark.slow
def test_full_disk_is_one_line_and_nothing_stranded(tmp_path, monkeypatch, capsys):
    """Disk full simulated by a write that raises ENOSPC (tests run as root, where a small tmpfs is not at hand)."""
    params = own_copy(tmp_path)
    out = tmp_path / "out"

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr("evalkit.runs.outputs.write_scores", full)
    code = cli_module.main(["run", "baotou", "2022H1", "--params", str(params), "--outputs", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "the disk is full" in err and "nothing was archived" in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("evalkit run:")]) == 1
    assert list((out / ".partial").iterdir()) == [] and not (out / "baotou").exists()


def test_unwritable_outputs_is_one_line(tmp_path):
    """Read-only outputs: chmod does not stop root, so a file stands where the outputs folder should be."""
    blocker = tmp_path / "outputs"
    blocker.write_text("not a folder", encoding="utf-8")
    done = cli("run", "baotou", "2022H1", "--params", str(FIXTURE_PARAMS), "--outputs", str(blocker / "sub"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "a file stands where a folder is expected" in done.stderr and "nothing was archived" in done.stderr


@pytest.mark.slow
def test_two_concurrent_runs_give_one_archive_and_one_clear_refusal(tmp_path):
    params = own_copy(tmp_path)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "evalkit.cli", "run", "baotou", "2022H1", "--params", str(params), "--outputs", str(out)]
    procs = [subprocess.Popen(command, cwd=paths.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    refusal = next(err for code, _, err in results if code == 2)
    assert ("another evalkit run of this period is under way" in refusal or "never overwritten" in refusal)
    assert "Traceback" not in refusal
    assert sorted(p.name for p in (out / "baotou").iterdir()) == ["2022H1"]
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in ledger] == ["run"]


@pytest.mark.slow
def test_run_all_twice_runs_nothing_the_second_time_then_reruns_a_changed_period(tmp_path):
    params = own_copy(tmp_path)
    out = tmp_path / "out"
    first = cli("run", "--all", "--params", str(params), "--outputs", str(out))
    assert first.returncode == 0, first.stderr
    again = cli("run", "--all", "--params", str(params), "--outputs", str(out), "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["ok"] and summary["counts"] == {"ok": 0, "failed": 0, "unchanged": 1, "published": 0, "would run": 0, "not run": 0}
    assert summary["runs"][0]["status"] == "unchanged"
    # a changed input: re-run, the old run kept under its own start time, its report still names it
    before = json.loads((out / "baotou" / "2022H1" / "manifest.json").read_text(encoding="utf-8"))
    methods = tmp_path / "data" / "methods.csv"
    methods.write_text(methods.read_text(encoding="utf-8").replace("90,85,80", "91,85,80"), encoding="utf-8")
    third = cli("run", "--all", "--params", str(params), "--outputs", str(out), "--quiet")
    assert third.returncode == 0 and "1 成功 succeeded" in third.stdout and "城市 city" not in third.stdout
    assert sorted(p.name for p in (out / "baotou").iterdir()) == ["2022H1", before["run"]["kept_as"]]
    assert cli("ledger", "verify", "--outputs", str(out)).returncode == 0


def _cron_command() -> str:
    """The command of the crontab's schedule line (the lines before it set cron's variables, MAILTO)."""
    line = next(ln for ln in (DEPLOY / "crontab").read_text().splitlines() if ln[:1].isdigit() or ln[:1] == "*")
    return " ".join(line.split()[5:])


def test_recipes_all_call_the_scheduled_run_script():
    assert "deploy/scheduled-run.sh" in _cron_command()
    service = (DEPLOY / "systemd" / "evalkit-run.service").read_text()
    assert "ExecStart=/srv/evalkit/deploy/scheduled-run.sh" in service and "Type=oneshot" in service
    timer = (DEPLOY / "systemd" / "evalkit-run.timer").read_text()
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow[True]["schedule"][0]["cron"]  # `on:` parses as True in YAML 1.1
    runs = [s["run"] for s in workflow["jobs"]["run"]["steps"] if "run" in s]
    assert "deploy/scheduled-run.sh" in runs and any("make setup" in r for r in runs)


@pytest.mark.slow
def test_the_scheduled_command_passes_twice(fixture_run, tmp_path):
    """The exact command of the CI workflow (and cron, systemd), on the fixture params, in a copy of the session's
    outputs that holds their first half-year: the second half, then the year (from both halves' parameters); the
    second time nothing runs."""
    shutil.copytree(fixture_run, tmp_path / "out")
    workflow = yaml.safe_load(WORKFLOW.read_text())
    step = next(s for s in workflow["jobs"]["run"]["steps"] if "scheduled-run" in s.get("run", ""))
    env = {**os.environ, **step.get("env", {}), "EVALKIT_PARAMS": str(FIXTURE_PARAMS), "EVALKIT_OUTPUTS": str(tmp_path / "out")}
    first = subprocess.run(shlex.split(step["run"]), cwd=paths.ROOT, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "2 成功 succeeded, 1 未变 unchanged" in first.stdout and "台账完整" in first.stdout and first.stderr == ""  # all is well
    # no terminal: one line per finished run, no progress bar, no kernel noise
    assert "evalkit run: baotou 2022H2: ok" in first.stdout and "\r" not in first.stdout
    assert first.stdout == (tmp_path / "out" / "scheduled-run.log").read_text(encoding="utf-8")  # the log holds the same lines
    year = pd.read_csv(tmp_path / "out" / "baotou" / "2022" / "results.csv").set_index("entity")
    assert year.loc["昆都仑区", "annual"] == pytest.approx(93.72)
    m = json.loads((tmp_path / "out" / "baotou" / "2022" / "manifest.json").read_text(encoding="utf-8"))
    assert m["parameters"]["h1"]["data_dir"] == EXAMPLE and m["parameters"]["h2"]["period"] == "2022H2"
    second = subprocess.run(shlex.split(step["run"]), cwd=paths.ROOT, env=env, capture_output=True, text=True)
    assert second.returncode == 0 and "0 成功 succeeded, 3 未变 unchanged" in second.stdout
    assert "KeyboardInterrupt" not in first.stderr + second.stderr
