"""Batches of runs through an executor (local processes or Dask, :mod:`evalkit.runs.executor`); a failed run,
whatever the exception, is that run's recorded failure and the batch goes on.

Every run is submitted at once: a run reads the inputs of the periods it compares with (a half-year's previous
halves, a year's halves and the year before's), never their outputs, so it need not wait for them. When a run fails
and a run it reads failed too, it is reported as not run, naming the root cause (:func:`blocked`). What runs is
decided by :func:`plan`, and every decision carries its reason: a published period is never re-run (a change to
its inputs is reported: correcting it is an explicit act); an unpublished period re-runs when its inputs,
framework or parameters changed; a code or environment drift alone is reported and re-runs only with ``force``;
an unchanged period is skipped, so a batch killed midway resumes where it stopped. ``dry_run`` only says what
would run and why. Progress is a bar on a terminal and one line per finished run otherwise (:func:`reporter`).
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from ..core import paths
from ..core.errors import EvalkitError
from ..framework.periods import Period
from ..inputs.params import RunSpec
from . import publication
from .executor import Executor, current, result
from .runner import changes, run

Status = Literal["ok", "failed", "unchanged", "published", "would run", "not run"]


@dataclass
class Outcome:
    """How one run of a batch ended."""

    spec: RunSpec
    ok: bool
    seconds: float
    where: str
    message: str = ""
    status: Status = "ok"
    reason: str = ""  # why it ran, or why not

    def line(self) -> str:
        """One line for logs: label, status, time, folder or first line of the problem, and the reason."""
        tail = self.where if self.ok else self.message.splitlines()[0] if self.message else ""
        return f"{self.spec.label}: {self.status} {self.seconds:.0f}s {tail}".rstrip() + (f" ({self.reason})" if self.reason else "")


def dependencies(spec: RunSpec) -> list[Period]:
    """The periods whose inputs a run reads besides its own: a year's halves (and the year before's), a
    half-year's previous half and the same half of the year before."""
    p = spec.parameters
    if spec.period.is_annual:
        before = [Period.parse(h["period"]) for h in p["previous_year"].values()] if p.get("previous_year") else []
        return [*spec.period.halves, *before]
    return [Period.parse(p[k]["period"]) for k in ("previous", "year_before") if p.get(k)]


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


def plan(spec: RunSpec, outputs: Path | None, force: bool, skip_unchanged: bool) -> Outcome | tuple[bool, str]:
    """An outcome when ``spec`` is not to run (published, or unchanged), else ``(force, reason)``: whether the
    run replaces the archived one (kept beside it) and why it runs."""
    folder = str((outputs or paths.OUTPUTS) / spec.city / str(spec.period))
    record = publication.published(outputs or paths.OUTPUTS, spec.city, str(spec.period))
    if record is not None:
        found = changes(spec, outputs)
        if found is not None and found.data:
            return Outcome(spec, True, 0.0, folder, "", "published", "published record kept, but since then " + "; ".join(found.data)
                           + f"; to correct it: evalkit run {spec.city} {spec.period} --correct --reason \"…\"")
        return Outcome(spec, True, 0.0, folder, "", "published", "published record, frozen")
    if force:
        return True, "--force"
    if not skip_unchanged:
        return False, "run"
    found = changes(spec, outputs)
    if found is None:
        return False, "no archived run"
    if found.data:
        return True, "; ".join(found.data)
    if found.drift:
        return Outcome(spec, True, 0.0, folder, "", "unchanged", "data unchanged; not re-run for a code or environment "
                       "difference alone (--force re-runs it): " + "; ".join(found.drift))
    return Outcome(spec, True, 0.0, folder, "", "unchanged")


def _message(spec: RunSpec, exc: BaseException) -> str:
    return str(exc) if isinstance(exc, EvalkitError) else f"{spec.label}: failed with {type(exc).__name__}: {exc}"


def _run_one(spec: RunSpec, outputs: Path | None, force: bool, timeout: int, scorecards: bool, reason: str = "") -> Outcome:
    t0 = time.perf_counter()
    try:
        path = run(spec, outputs=outputs, force=force, timeout=timeout, scorecards=scorecards, jobs=1)
        return Outcome(spec, True, time.perf_counter() - t0, str(path), reason=reason)
    except Exception as exc:  # one run's failure, of any kind, is that run's
        return Outcome(spec, False, time.perf_counter() - t0, "", _message(spec, exc), "failed", reason)


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
            skip_unchanged: bool = True, executor: Executor | None = None, dry_run: bool = False) -> list[Outcome]:
    """Run every spec through ``executor`` (default: the current one, else ``jobs`` local processes), all
    submitted at once; a failed run does not stop the batch, and a failed run that reads a failed one is
    reported as not run, naming the root cause. What runs, and why, is :func:`plan`'s; ``dry_run`` runs
    nothing and reports each period as ``would run`` with its reason, or as it would end."""
    update, close = reporter(len(specs), progress=progress)
    done: dict[tuple[str, str], Outcome] = {}

    def finish(o: Outcome) -> None:
        done[(o.spec.city, str(o.spec.period))] = o
        update(o)

    with current(jobs) if executor is None else nullcontext(executor) as ex:
        futures = {}
        for s in specs:
            outcome = plan(s, outputs, force, skip_unchanged)
            if isinstance(outcome, Outcome):
                finish(outcome)
            elif dry_run:
                finish(Outcome(s, True, 0.0, "", "", "would run", outcome[1]))
            else:
                futures[ex.submit(_run_one, s, outputs, outcome[0], timeout, scorecards, outcome[1])] = s
        for f in ex.as_completed(futures):
            outcome, exc = result(f)
            if exc is not None:  # the task itself was lost (a killed worker, an unpicklable result)
                outcome = Outcome(futures[f], False, 0.0, "", _message(futures[f], exc), "failed")
            finish(outcome)
    close()
    for s in sorted(specs, key=lambda s: (s.city, s.period.year, s.period.half or 3)):  # a cause before what it causes
        key = (s.city, str(s.period))
        if not done[key].ok:
            done[key] = blocked(s, done) or done[key]
    order = {s.label: i for i, s in enumerate(specs)}
    return sorted(done.values(), key=lambda o: order[o.spec.label])


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
    each run's :class:`~evalkit.runs.audit.AuditReport`, a failure of any kind being that run's problem."""
    from .audit import AuditReport

    reports: dict[Path, object] = {}
    with current(jobs) if executor is None else nullcontext(executor) as ex:
        futures = {ex.submit(_audit_one, Path(d), timeout): Path(d) for d in run_dirs}
        for f in ex.as_completed(futures):
            report, exc = result(f)
            reports[futures[f]] = report if exc is None else AuditReport(identical=False, problems=[f"{futures[f]}: {_message_text(exc)}"])
    return {Path(d): reports[Path(d)] for d in run_dirs}
