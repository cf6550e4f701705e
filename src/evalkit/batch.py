"""Batches of runs through an executor (local processes or Dask) with a progress bar.

A failed run, whatever the exception, is recorded as that run's failure and the batch goes on; a run
whose archive is complete is not redone, so a batch killed midway resumes where it stopped.
"""
from __future__ import annotations

import json
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from . import archive, paths
from .errors import EvalkitError
from .executor import Executor, current, result
from .params import RunSpec
from .runner import run


@dataclass
class Outcome:
    """How one run of a batch ended."""

    spec: RunSpec
    ok: bool
    seconds: float
    where: str
    message: str = ""
    skipped: bool = False  # its archive was complete already


def archived(folder: Path) -> bool:
    """Whether ``folder`` holds a complete archived run: a readable manifest, the results it names
    with their recorded SHA-256, and every published file it lists."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        results = folder / manifest["results"]["file"]
        return (results.is_file() and archive.sha256(results) == manifest["results"]["sha256"]
                and all((folder / name).is_file() for name in manifest.get("outputs", {})))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _message(spec: RunSpec, exc: BaseException) -> str:
    return str(exc) if isinstance(exc, EvalkitError) else f"{spec.label}: failed with {type(exc).__name__}: {exc}"


def _run_one(spec: RunSpec, outputs: Path | None, force: bool, timeout: int, scorecards: bool) -> Outcome:
    t0 = time.perf_counter()
    try:
        path = run(spec, outputs=outputs, force=force, timeout=timeout, scorecards=scorecards, jobs=1)
        return Outcome(spec, True, time.perf_counter() - t0, str(path))
    except Exception as exc:  # one run's failure, of any kind, is that run's
        return Outcome(spec, False, time.perf_counter() - t0, "", _message(spec, exc))


def run_all(specs: list[RunSpec], *, outputs: Path | None = None, force: bool = False, timeout: int = 600,
            jobs: int | None = None, progress: bool = True, scorecards: bool = False,
            executor: Executor | None = None) -> list[Outcome]:
    """Run every spec through ``executor`` (default: the current one, else ``jobs`` local processes),
    half-years before years; a failed run does not stop the batch, a year whose half failed is not run,
    and without ``force`` a run already archived completely is skipped."""
    from tqdm import tqdm

    root = outputs or paths.OUTPUTS
    outcomes: list[Outcome] = []
    bar = tqdm(total=len(specs), desc="evalkit run", unit="run", disable=not progress)
    with current(jobs) if executor is None else nullcontext(executor) as ex:
        for wave in ([s for s in specs if not s.period.is_annual], [s for s in specs if s.period.is_annual]):
            failed = {(o.spec.city, o.spec.period.year) for o in outcomes if not o.ok}
            todo = []
            for s in wave:
                folder = root / s.city / str(s.period)
                if s.period.is_annual and (s.city, s.period.year) in failed:
                    outcomes.append(Outcome(s, False, 0.0, "", f"{s.label}: not run, a half-year of {s.period.year} failed"))
                elif not force and archived(folder):
                    outcomes.append(Outcome(s, True, 0.0, str(folder), skipped=True))
                else:
                    todo.append(s)
                    continue
                bar.update()
            futures = {ex.submit(_run_one, s, outputs, force, timeout, scorecards): s for s in todo}
            for f in ex.as_completed(futures):
                outcome, exc = result(f)
                if exc is not None:  # the task itself was lost (a killed worker, an unpicklable result)
                    outcome = Outcome(futures[f], False, 0.0, "", _message(futures[f], exc))
                outcomes.append(outcome)
                bar.update()
    bar.close()
    order = {s.label: i for i, s in enumerate(specs)}
    return sorted(outcomes, key=lambda o: order[o.spec.label])



def _audit_one(run_dir: Path, timeout: int):
    from .audit import AuditReport, audit

    try:
        return audit(run_dir, timeout=timeout)
    except Exception as exc:  # an unreadable archive is that audit's failure
        return AuditReport(identical=False, problems=[f"{run_dir}: {_message_text(exc)}"])


def _message_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, EvalkitError) else f"{type(exc).__name__}: {exc}"


def audit_all(run_dirs: list[Path], *, timeout: int = 600, jobs: int | None = None, executor: Executor | None = None) -> dict[Path, object]:
    """Audit every archived run through ``executor`` (default: the current one, else local processes);
    each run's :class:`~evalkit.audit.AuditReport`, a failure of any kind being that run's problem."""
    from .audit import AuditReport

    reports: dict[Path, object] = {}
    with current(jobs) if executor is None else nullcontext(executor) as ex:
        futures = {ex.submit(_audit_one, Path(d), timeout): Path(d) for d in run_dirs}
        for f in ex.as_completed(futures):
            report, exc = result(f)
            reports[futures[f]] = report if exc is None else AuditReport(identical=False, problems=[f"{futures[f]}: {_message_text(exc)}"])
    return {Path(d): reports[Path(d)] for d in run_dirs}
