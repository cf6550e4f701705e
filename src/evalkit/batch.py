"""Batches of runs in parallel processes with a progress bar; a failed run does not stop the batch."""
from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .errors import EvalkitError
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


def _run_one(spec: RunSpec, outputs: Path | None, force: bool, timeout: int, scorecards: bool) -> Outcome:
    t0 = time.perf_counter()
    try:
        path = run(spec, outputs=outputs, force=force, timeout=timeout, scorecards=scorecards, jobs=1)
        return Outcome(spec, True, time.perf_counter() - t0, str(path))
    except EvalkitError as exc:
        return Outcome(spec, False, time.perf_counter() - t0, "", str(exc))


def run_all(specs: list[RunSpec], *, outputs: Path | None = None, force: bool = False, timeout: int = 600,
            jobs: int | None = None, progress: bool = True, scorecards: bool = False) -> list[Outcome]:
    """Run every spec on ``jobs`` processes (default: one per core), half-years before years; a failed
    run does not stop the batch, and a year whose half failed is not run."""
    from tqdm import tqdm

    jobs = jobs or os.cpu_count() or 1
    outcomes: list[Outcome] = []
    bar = tqdm(total=len(specs), desc="evalkit run", unit="run", disable=not progress)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for wave in ([s for s in specs if not s.period.is_annual], [s for s in specs if s.period.is_annual]):
            failed = {(o.spec.city, o.spec.period.year) for o in outcomes if not o.ok}
            todo = []
            for s in wave:
                if s.period.is_annual and (s.city, s.period.year) in failed:
                    outcomes.append(Outcome(s, False, 0.0, "", f"{s.label}: not run, a half-year of {s.period.year} failed"))
                    bar.update()
                else:
                    todo.append(s)
            futures = [pool.submit(_run_one, s, outputs, force, timeout, scorecards) for s in todo]
            for f in as_completed(futures):
                outcomes.append(f.result())
                bar.update()
    bar.close()
    order = {s.label: i for i, s in enumerate(specs)}
    return sorted(outcomes, key=lambda o: order[o.spec.label])
