"""The executor interface and batches: any task failure is that task's, a batch resumes, and Dask
(a real scheduler and two workers on 127.0.0.1) gives the same results as the local engine."""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from evalkit.runs import batch
from evalkit.core import paths
from evalkit.runs.executor import current, result, start
from evalkit.inputs.params import all_params

FIXTURE_PARAMS = Path(__file__).parents[1] / "fixtures" / "params"
BIN = Path(sys.executable).parent


def _boom(x: int) -> int:
    if x == 2:
        raise KeyError("no such thing")
    return x * 10


def test_local_engine_submits_and_collects_every_failure_type():
    with start("local", jobs=2) as ex:
        futures = [ex.submit(_boom, k) for k in range(4)]
        outcomes = [result(f) for f in ex.as_completed(futures)]
    values = sorted(v for v, exc in outcomes if exc is None)
    errors = [exc for _, exc in outcomes if exc is not None]
    assert values == [0, 10, 30] and len(errors) == 1 and isinstance(errors[0], KeyError)


def test_current_is_the_enclosing_executor():
    with start("local", jobs=1) as ex:
        with current() as inner:
            assert inner is ex


def test_unknown_engine_and_unreachable_scheduler_are_clear():
    from evalkit.core.errors import EvalkitError

    with pytest.raises(EvalkitError, match="unknown engine"):
        with start("spark"):
            pass
    with pytest.raises(EvalkitError, match="cannot reach the Dask scheduler"):
        with start(scheduler=f"tcp://127.0.0.1:{_free_port()}", timeout=2):
            pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_cities(tmp_path: Path, ulanhot: tuple[str, ...] = ("2022H1",)) -> Path:
    """Params of the worked example (Baotou's 2022H1) and of Ulanhot's ``ulanhot`` periods."""
    params = tmp_path / "params"
    sources = [FIXTURE_PARAMS / "baotou" / "2022H1.yaml"] + [paths.PARAMS / "ulanhot" / f"{p}.yaml" for p in ulanhot]
    for source in sources:
        (params / source.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, params / source.parent.name / source.name)
    return params


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evalkit.cli", *args], capture_output=True, text=True, cwd=paths.ROOT, timeout=900)


def _stable(page: Path) -> bytes:
    """A report without what differs between any two runs on any engine: papermill's injected cell id, pandas
    Styler's random table ids, and the run's own verification code (核验码, derived from its run id)."""
    page = re.sub(rb'(id="cell-id=|T_)[0-9a-f]{5,}', rb"\1", page.read_bytes())
    return re.sub("核验码：[0-9-]{14}".encode(), "核验码：".encode(), page)


@pytest.fixture(scope="module")
def dask_cluster():
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, torn down after."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              cwd=paths.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    time.sleep(2)
    procs += [subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                               cwd=paths.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    from distributed import Client

    with Client(address, timeout=30) as client:
        client.wait_for_workers(2, timeout=60)
    yield address
    for p in reversed(procs):
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


@pytest.mark.slow
def test_dask_scheduler_gives_the_local_engines_results(fixture_run, plan_runs, dask_cluster, tmp_path):
    """The worked example and Ulanhot's 2022H2 (with the 2022H1 it compares with) on two Dask workers: the same results
    and pages as the session's runs of the same periods by the local engine (conftest.fixture_run, plan_runs)."""
    params = _two_cities(tmp_path, ("2022H1", "2022H2"))
    done = _cli("run", "--all", "--params", str(params), "--outputs", str(tmp_path / "outputs"), "--scheduler", dask_cluster)
    assert done.returncode == 0, done.stderr
    assert "3 成功 succeeded, 0 未变 unchanged, 0 失败 failed" in done.stdout
    for city, period, local in (("baotou", "2022H1", fixture_run), ("ulanhot", "2022H2", plan_runs)):
        here, there = tmp_path / "outputs" / city / period, local / city / period
        assert (here / "results.csv").read_bytes() == (there / "results.csv").read_bytes()
        assert _stable(here / "report.html") == _stable(there / "report.html")
        assert (here / "report.pdf").stat().st_size > 10_000
    # a second batch finds both runs archived and unchanged, and does not redo them
    again = _cli("run", "--all", "--params", str(params), "--outputs", str(tmp_path / "outputs"), "--scheduler", dask_cluster)
    assert again.returncode == 0 and again.stdout.count("未变 unchanged") == 4, again.stdout  # three rows and the summary


class _UlanhotBreaks:
    """The local engine, but ulanhot's task raises an exception nobody expects, in its worker process."""

    def __init__(self, ex):
        self.ex = ex

    def submit(self, fn, /, *args):
        return self.ex.submit(_ulanhot_breaks, fn, *args)

    def as_completed(self, futures):
        return self.ex.as_completed(futures)


def _ulanhot_breaks(fn, spec, *args):
    if spec.city == "ulanhot":
        raise ValueError("the notebook recorded no 'results' table")
    return fn(spec, *args)


@pytest.mark.slow
def test_an_unexpected_exception_fails_only_its_task(tmp_path):
    specs = all_params(params_dir=_two_cities(tmp_path))
    with start("local", jobs=2) as ex:
        outcomes = batch.run_all(specs, outputs=tmp_path / "outputs", progress=False, executor=_UlanhotBreaks(ex))
    by_city = {o.spec.city: o for o in outcomes}
    assert by_city["baotou"].ok and (tmp_path / "outputs" / "baotou" / "2022H1" / "manifest.json").is_file()
    assert not by_city["ulanhot"].ok and "ValueError" in by_city["ulanhot"].message and "ulanhot 2022H1" in by_city["ulanhot"].message
    assert not (tmp_path / "outputs" / "ulanhot").exists()
    results = pd.read_csv(tmp_path / "outputs" / "baotou" / "2022H1" / "results.csv").set_index("entity")
    assert results.loc["昆都仑区", "half_year"] == pytest.approx(93.72, abs=1e-9)  # METHOD.md §7's worked example


def test_audit_all_reports_an_unreadable_archive_as_its_failure(tmp_path):
    broken = tmp_path / "baotou" / "2022H1"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text('{"inputs": 3}', encoding="utf-8")
    with start("local", jobs=1) as ex:
        reports = batch.audit_all([broken, tmp_path / "nothing"], executor=ex)
    assert [r.identical for r in reports.values()] == [False, False]
    assert all(r.problems and str(d) in r.problems[0] for d, r in reports.items())


ORPHAN_PARENT = """
import sys, time
from pathlib import Path
from evalkit.runs.executor import start
from tests.runs.test_executor import _print_then_archive

with start("local", jobs=2) as ex:
    futures = [ex.submit(_print_then_archive, sys.argv[1], k) for k in range(2)]
    time.sleep(600)
"""


def _print_then_archive(folder: str, k: int) -> None:
    """A task as a run is one: a Jupyter kernel and a browser up (Chromium under Playwright), then, later, a file written."""
    from jupyter_client.manager import start_new_kernel

    from evalkit.publish.printing import Printer

    with Printer() as printer:
        printer.start()
        start_new_kernel(kernel_name="evalkit")
        Path(folder, f"up-{k}").touch()
        time.sleep(8)
        Path(folder, f"archived-{k}").write_text("a run archived after its batch died")


def _tree(pid: int) -> set[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return {int(c) for c in children} | {p for c in children for p in _tree(int(c))}


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.slow
def test_a_batch_killed_with_sigkill_leaves_no_worker_kernel_or_browser(tmp_path):
    """Issue 22: `kill -9` of `run --all` left a worker that archived a run after its parent died, alive with Chromium.
    Now each worker dies with the batch, and its browser and children with it; nothing is written afterwards."""
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_PARENT, str(tmp_path)], cwd=paths.ROOT)
    deadline = time.monotonic() + 90
    while len(list(tmp_path.glob("up-*"))) < 2 and time.monotonic() < deadline and parent.poll() is None:
        time.sleep(0.2)
    assert len(list(tmp_path.glob("up-*"))) == 2, "the workers did not start"
    family = _tree(parent.pid)
    assert any("chromium" in Path(f"/proc/{p}/comm").read_text() for p in family if _alive(p)), "no browser in the tree"
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ")[:120] for p in family if _alive(p)]
    assert not left, left
    time.sleep(9)
    assert not list(tmp_path.glob("archived-*")), "a worker went on after its batch died"
