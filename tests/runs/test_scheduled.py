"""The operator's recipes (issue 25): the cron line on a fresh checkout in cron's bare environment, a log that is
stamped, separated per night, rotated and follows EVALKIT_OUTPUTS, one run at a time, the ledger always verified, any
failure loud (non-zero, on stderr for cron's mail); systemd units that verify; the CI recipe's durable archive branch;
``make clean`` that never touches outputs/."""
from __future__ import annotations

import fcntl
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from evalkit.core import paths

from .test_batch import _cron_command

DEPLOY = paths.ROOT / "deploy"
BROKEN = "city: baotou\nperiod: 2022H1\nstrict: yes please\n"
"""A params file that fails at once: the night has a failure without minutes of runs."""
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{4} \[\d+\] ")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A fresh clone of the project (no outputs/), with the project's .venv beside its code."""
    folder = tmp_path_factory.mktemp("checkout") / "evalkit"
    subprocess.run(["git", "clone", "--quiet", str(paths.ROOT), str(folder)], check=True)
    (folder / ".venv").symlink_to(paths.ROOT / ".venv")
    for name in ("scheduled-run.sh", "crontab", "archive-branch.sh"):  # the recipes as they are now, committed or not
        (folder / "deploy" / name).write_bytes((DEPLOY / name).read_bytes())
    return folder


def cron(checkout: Path, params: Path, outputs: str | None = None, **env: str) -> subprocess.CompletedProcess:
    """The crontab's line, as cron runs it: ``sh -c`` with only PATH (and the variables given here) set."""
    command = _cron_command().replace("/srv/evalkit", shlex.quote(str(checkout)))
    extra = {"EVALKIT_PARAMS": str(params), **({"EVALKIT_OUTPUTS": outputs} if outputs else {}), **env}
    return subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", *[f"{k}={v}" for k, v in extra.items()], "sh", "-c", command],
                          capture_output=True, text=True, timeout=600)


def broken_params(tmp_path: Path) -> Path:
    (tmp_path / "params" / "baotou").mkdir(parents=True)
    (tmp_path / "params" / "baotou" / "2022H1.yaml").write_text(BROKEN, encoding="utf-8")
    return tmp_path / "params"


@pytest.mark.slow
def test_the_cron_line_on_a_fresh_checkout_logs_verifies_and_fails_loudly(checkout, tmp_path):
    """No outputs/ yet: the script makes it. A bad params file fails the night, the ledger is verified all the same,
    and the night's stamped lines go to stderr (cron mails them) with a non-zero exit."""
    assert not (checkout / "outputs").exists()
    assert re.search(r"^MAILTO=\S+@\S+$", (DEPLOY / "crontab").read_text(encoding="utf-8"), re.M)
    assert ">" not in _cron_command()  # nothing redirected: what the script prints on a failure is cron's mail
    done = cron(checkout, broken_params(tmp_path))
    assert done.returncode == 1, done.stderr
    log = (checkout / "outputs" / "scheduled-run.log").read_text(encoding="utf-8").splitlines()
    assert log and all(STAMP.match(line) for line in log)
    assert "===== scheduled run" in log[0] and "outputs outputs =====" in log[0]
    assert any("strict: expected true or false" in line for line in log)
    assert re.search(r"runs: exit [1-9]\d*; ledger verify: exit 0$", log[-1])  # verified although a run failed
    assert re.match(r"evalkit scheduled run FAILED \(runs: exit [1-9]\d*; ledger verify: exit 0\)", done.stderr)
    assert "strict: expected true or false" in done.stderr and done.stdout == ""
    again = cron(checkout, broken_params(tmp_path / "second"))
    nights = [line for line in (checkout / "outputs" / "scheduled-run.log").read_text(encoding="utf-8").splitlines()
              if "===== scheduled run" in line]
    assert again.returncode == 1 and len(nights) == 2  # one separator per night, the log appended
    assert again.stderr.count("===== scheduled run") == 1  # the mail holds that night only


@pytest.mark.slow
def test_the_log_follows_evalkit_outputs_and_rotates(checkout, tmp_path):
    outputs = tmp_path / "elsewhere" / "out"
    outputs.mkdir(parents=True)
    (outputs / "scheduled-run.log").write_text("old night\n" * 20, encoding="utf-8")
    done = cron(checkout, broken_params(tmp_path), str(outputs), EVALKIT_LOG_BYTES="100")
    assert done.returncode == 1
    assert (outputs / "scheduled-run.log.1").read_text(encoding="utf-8").startswith("old night")
    assert "===== scheduled run" in (outputs / "scheduled-run.log").read_text(encoding="utf-8").splitlines()[0]
    assert not (checkout / "outputs" / "scheduled-run.log").exists() or "elsewhere" not in (
        checkout / "outputs" / "scheduled-run.log").read_text(encoding="utf-8")


@pytest.mark.slow
def test_an_overlapping_night_waits_then_skips_with_a_clear_line(checkout, tmp_path):
    """While another scheduled run holds the lock, a second one waits EVALKIT_WAIT seconds, then says so (exit 75)."""
    outputs = tmp_path / "out"
    outputs.mkdir()
    with open(outputs / ".scheduled-run.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done = cron(checkout, broken_params(tmp_path), str(outputs), EVALKIT_WAIT="1")
    assert done.returncode == 75
    assert "skipped: another one is still running" in done.stderr
    assert "this run skipped" in (outputs / "scheduled-run.log").read_text(encoding="utf-8")


def test_the_systemd_units_verify(tmp_path):
    """``systemd-analyze verify`` with the paths set: no error and no warning (an unknown key only warns)."""
    if subprocess.run(["which", "systemd-analyze"], capture_output=True).returncode:
        pytest.skip("systemd-analyze is not installed")
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text(encoding="utf-8").replace("/srv/evalkit", str(paths.ROOT)).replace("User=evalkit", "User=root")
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    (tmp_path / "evalkit-notify@evalkit-run.service.service").write_text(
        (tmp_path / "evalkit-notify@.service").read_text(encoding="utf-8"), encoding="utf-8")
    service = (tmp_path / "evalkit-run.service").read_text(encoding="utf-8")
    assert "OnFailure=evalkit-notify@%n.service" in service and "Wants=network-online.target" in service
    assert "TimeoutStartSec=" in service
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *(str(tmp_path / n) for n in (
        "evalkit-run.service", "evalkit-run.timer", "evalkit-notify@evalkit-run.service.service"))],
        capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_the_ci_recipe_runs_one_at_a_time_and_keeps_the_archive_on_a_branch(tmp_path):
    """The workflow: a concurrency group, the archive restored from and pushed to a branch (always, also after a
    failed run). The branch script, against a local origin: the first night starts an empty archive, the next
    checkout finds what the first kept."""
    workflow = yaml.safe_load((paths.ROOT / ".github" / "workflows" / "scheduled-run.yml").read_text(encoding="utf-8"))
    assert workflow["concurrency"] == {"group": "evalkit-scheduled-run", "cancel-in-progress": False}
    steps = workflow["jobs"]["run"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert runs.index("deploy/archive-branch.sh restore") < runs.index("deploy/scheduled-run.sh") < runs.index("deploy/archive-branch.sh keep")
    assert next(s for s in steps if s.get("run") == "deploy/archive-branch.sh keep")["if"] == "always()"
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(paths.ROOT), str(origin)], check=True)

    def night(name: str) -> Path:
        work = tmp_path / name
        subprocess.run(["git", "clone", "--quiet", str(origin), str(work)], check=True)
        (work / "deploy" / "archive-branch.sh").write_bytes((DEPLOY / "archive-branch.sh").read_bytes())
        subprocess.run(["bash", "deploy/archive-branch.sh", "restore"], cwd=work, check=True, capture_output=True)
        return work

    first = night("first")
    assert sorted(p.name for p in (first / "outputs").iterdir()) == [".git", ".gitignore"]
    (first / "outputs" / "ledger.jsonl").write_text('{"seq": 1}\n', encoding="utf-8")
    (first / "outputs" / ".locks").mkdir()
    kept = subprocess.run(["bash", "deploy/archive-branch.sh", "keep"], cwd=first, capture_output=True, text=True)
    assert kept.returncode == 0 and "pushed to evalkit-archive" in kept.stdout, kept.stderr
    second = night("second")
    assert (second / "outputs" / "ledger.jsonl").read_text(encoding="utf-8") == '{"seq": 1}\n'
    assert not (second / "outputs" / ".locks").exists()  # transient state is not archived


def test_make_clean_never_touches_outputs(tmp_path):
    """``make clean`` leaves outputs/ alone; ``make clean-outputs`` removes nothing unless "outputs" is typed."""
    plan = subprocess.run(["make", "-n", "clean"], cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout
    assert "outputs" not in plan
    refused = subprocess.run(["make", "-s", "clean-outputs"], cwd=paths.ROOT, input="yes\n", capture_output=True, text=True)
    assert refused.returncode != 0 and "nothing removed" in refused.stdout
