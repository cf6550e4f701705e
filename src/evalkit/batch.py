"""Batches of runs in parallel processes; a failed run does not stop the batch.

A run starts once the runs it reads (a half-year's previous half, a year's halves) have finished; when
one of them failed, it is not run and says which and why (:func:`blocked`). With ``skip_unchanged`` a
period whose inputs, parameters, framework, notebook, code and environment equal its archived run's is
reported ``unchanged`` and not run again (:func:`plan`). Progress is a bar on a terminal and one line per
finished run otherwise (:func:`reporter`).
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from . import paths
from .errors import EvalkitError
from .params import RunSpec
from .periods import Period
from .runner import changes, run

Status = Literal["ok", "failed", "unchanged", "not run"]


@dataclass
class Outcome:
    """How one run of a batch ended."""

    spec: RunSpec
    ok: bool
    seconds: float
    where: str
    message: str = ""
    status: Status = "ok"

    def line(self) -> str:
        """One line for logs: label, status, time, folder or first line of the problem."""
        tail = self.where if self.ok else self.message.splitlines()[0] if self.message else ""
        return f"{self.spec.label}: {self.status} {self.seconds:.0f}s {tail}".rstrip()


def dependencies(spec: RunSpec) -> list[Period]:
    """The periods whose inputs a run reads besides its own: a year's halves, a half-year's previous half."""
    if spec.period.is_annual:
        return list(spec.period.halves)
    previous = spec.parameters.get("previous")
    return [Period.parse(previous["period"])] if previous else []


def blocked(spec: RunSpec, done: dict[tuple[str, str], Outcome]) -> Outcome | None:
    """A "not run" outcome naming the root cause when a run this one reads failed
    ("2024H2 not run: 2024H1 failed: <its first problem>"); None when it may run."""
    for dep in dependencies(spec):
        before = done.get((spec.city, str(dep)))
        if before is not None and not before.ok:
            cause = before.message if before.status == "not run" else f"{dep} failed: {before.message.splitlines()[0] if before.message else ''}"
            cause = cause.removeprefix(f"{spec.city} ")
            return Outcome(spec, False, 0.0, "", f"{spec.label} not run: {cause}", "not run")
    return None


def plan(spec: RunSpec, outputs: Path | None, force: bool, skip_unchanged: bool) -> Outcome | bool:
    """An "unchanged" outcome when ``skip_unchanged`` and the archived run of ``spec`` would be reproduced as is;
    otherwise whether to run it with ``force`` (so that a changed period replaces its archived run, which is kept)."""
    if force or not skip_unchanged:
        return force
    found = changes(spec, outputs)
    if found == []:
        return Outcome(spec, True, 0.0, str((outputs or paths.OUTPUTS) / spec.city / str(spec.period)), "", "unchanged")
    return found is not None


def _run_one(spec: RunSpec, outputs: Path | None, force: bool, timeout: int, scorecards: bool) -> Outcome:
    t0 = time.perf_counter()
    try:
        path = run(spec, outputs=outputs, force=force, timeout=timeout, scorecards=scorecards, jobs=1)
        return Outcome(spec, True, time.perf_counter() - t0, str(path))
    except EvalkitError as exc:
        return Outcome(spec, False, time.perf_counter() - t0, "", str(exc), "failed")


def reporter(total: int, *, progress: bool = True, stream: TextIO | None = None) -> tuple[Callable[[Outcome], None], Callable[[], None]]:
    """(update, close): a progress bar when ``stream`` is a terminal, else one line per finished run;
    nothing when not ``progress``."""
    stream = stream or sys.stderr
    if not progress:
        return (lambda o: None), (lambda: None)
    if stream.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc="evalkit run", unit="run", file=stream)
        return (lambda o: bar.update()), bar.close
    return (lambda o: print(f"evalkit run: {o.line()}", file=stream, flush=True)), (lambda: None)


def run_all(specs: list[RunSpec], *, outputs: Path | None = None, force: bool = False, timeout: int = 600,
            jobs: int | None = None, progress: bool = True, scorecards: bool = False,
            skip_unchanged: bool = True) -> list[Outcome]:
    """Run every spec on ``jobs`` processes (default: one per core), each once the runs it reads are done;
    a failed run does not stop the batch, and a run that reads a failed one is not run (its message says why).
    With ``skip_unchanged`` a period unchanged since its archived run is skipped and a changed one replaces it
    (the archived run is kept beside it); ``force`` re-runs every period so."""
    jobs = jobs or os.cpu_count() or 1
    update, close = reporter(len(specs), progress=progress)
    done: dict[tuple[str, str], Outcome] = {}
    in_batch = {(s.city, str(s.period)) for s in specs}
    pending = list(specs)
    running: dict[Future, RunSpec] = {}

    def finish(o: Outcome) -> None:
        done[(o.spec.city, str(o.spec.period))] = o
        update(o)

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        while pending or running:
            for s in list(pending):
                waiting = [d for d in dependencies(s) if (s.city, str(d)) in in_batch and (s.city, str(d)) not in done]
                if waiting:
                    continue
                pending.remove(s)
                outcome = blocked(s, done) or plan(s, outputs, force, skip_unchanged)
                if isinstance(outcome, Outcome):
                    finish(outcome)
                else:
                    running[pool.submit(_run_one, s, outputs, outcome, timeout, scorecards)] = s
            if not running:
                continue
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for f in finished:
                running.pop(f)
                finish(f.result())
    close()
    order = {s.label: i for i, s in enumerate(specs)}
    return sorted(done.values(), key=lambda o: order[o.spec.label])
