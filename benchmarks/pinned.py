"""A real Dask cluster on 127.0.0.1 whose every worker owns one core, and what a benchmark run needs beside it.

``dask scheduler`` and one ``dask worker --nthreads 1`` per core, each worker started under ``taskset -c N``: the
worker's nanny, the worker process, and everything a task starts there (the Jupyter kernel of a run, Playwright's
driver and its Chromium) inherit that affinity, so one worker and its browser use one core and no more. The
scheduler and the submitting process are not pinned. Everything started here is stopped by its process id.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
DASK = str(Path(sys.executable).with_name("dask"))


def load() -> str:
    """The load average, as printed beside each measurement."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def foreign_cpu() -> float:
    """CPU seconds used so far by the processes that are not this one's own (its children included): read before
    and after a measurement, the difference is at least what other work took meanwhile (a process that ended took its
    time with it)."""
    import psutil

    mine = {os.getpid(), *(p.pid for p in psutil.Process().children(recursive=True))}
    total = 0.0
    for p in psutil.process_iter(["pid", "cpu_times"]):
        if p.info["pid"] not in mine and p.info["cpu_times"] is not None:
            total += p.info["cpu_times"].user + p.info["cpu_times"].system
    return total


def _pinned(core: int) -> list[str]:
    if shutil.which("taskset"):
        return ["taskset", "-c", str(core)]
    raise RuntimeError("pinning needs taskset (util-linux)")


@contextmanager
def pinned_cluster(cores: list[int], env: dict[str, str] | None = None, timeout: float = 90) -> Iterator[str]:
    """A scheduler on 127.0.0.1 and one single-threaded worker pinned to each of ``cores``; yields the scheduler's
    address. ``env`` is added to this process's environment for all of them (``EVALKIT_DATA``); ``benchmarks/``
    is on their ``PYTHONPATH`` so that functions of these modules run there."""
    from distributed import Client

    environ = dict(os.environ, **(env or {}))
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(BENCHMARKS), environ.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryDirectory(prefix="evalkit-pinned-") as tmp:
        file = Path(tmp) / "scheduler.json"
        log = open(Path(tmp) / "cluster.log", "wb")
        procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(file)], env=environ, stdout=log, stderr=subprocess.STDOUT)]
        try:
            deadline = time.monotonic() + timeout
            while not file.exists() or not file.read_text().strip():
                if time.monotonic() > deadline or procs[0].poll() is not None:
                    raise RuntimeError(f"the scheduler did not start; see {log.name}")
                time.sleep(0.1)
            address = json.loads(file.read_text())["address"]
            for core in cores:
                procs.append(subprocess.Popen([*_pinned(core), DASK, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                               "--name", f"core{core}", "--no-dashboard", "--local-directory", tmp],
                                              env=environ, stdout=log, stderr=subprocess.STDOUT))
            with Client(address, timeout=timeout) as client:
                client.wait_for_workers(len(cores), timeout=timeout)
            yield address
        finally:
            for p in reversed(procs):  # workers first (each closes its browser), the scheduler last
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            log.close()


def affinity_tree() -> dict[str, object]:
    """Run on a worker (``client.run``): the cores this process may use, and for each process it started (kernel,
    Playwright's driver, Chromium's processes) its name and cores."""
    import psutil

    me = psutil.Process()
    children = {}
    for child in me.children(recursive=True):
        try:
            children[f"{child.name()}[{child.pid}]"] = sorted(child.cpu_affinity())
        except psutil.Error:
            continue
    return {"cores": sorted(os.sched_getaffinity(0)), "children": children}


def describe(trees: dict[str, dict[str, object]]) -> list[str]:
    """One line per worker: its cores and whether every process it started has the same."""
    lines = []
    for worker, tree in sorted(trees.items()):
        names = sorted({n.split("[")[0] for n in tree["children"]})
        same = all(c == tree["cores"] for c in tree["children"].values())
        lines.append(f"    worker {worker}: cores {tree['cores']}; {len(tree['children'])} child processes "
                     f"({', '.join(names) or 'none'}) {'all on the same cores' if same else 'NOT all on its cores'}")
    return lines
