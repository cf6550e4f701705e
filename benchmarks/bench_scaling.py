"""Scaling on pinned cores: one Dask worker against two, each worker and its browser on a core of its own.

A real ``dask scheduler`` on 127.0.0.1 and ``dask worker --nthreads 1`` processes started under ``taskset -c N``
(``pinned.py``): a worker's kernel, Playwright driver and Chromium inherit its core, so one worker is one core and
two workers are two, which a 2-core machine can show. Measured in the same run, one pinned worker then two:

- the scorecard batch (HTML and PDF) of ``--cards`` entities of a generated 300-entity period, through
  ``render_scorecards`` on the cluster (as ``evalkit run --scorecards --scheduler`` submits them);
- ``evalkit run --all --scheduler ADDR`` (every params file, or ``--city``'s) into a fresh outputs folder.

Prints each time with the load average, the ratio two workers / one, each batch's serial part and per-task cost
(from the two times: ``t1 = s + N c``, ``t2 = s + N c / 2``), and from them a Markdown table of the expected time
for a province (100 counties) and the country (2,800) on 1, 8 and 64 workers.
Run: ``.venv/bin/python benchmarks/bench_scaling.py [--cards N] [--city CITY]``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_batch import CARD_COUNTIES, cards
from pinned import affinity_tree, describe, foreign_cpu, load, pinned_cluster

EVALKIT = str(Path(sys.executable).with_name("evalkit"))
SIZES = {"province (100 counties)": 100, "country (2,800 counties)": 2800}
WORKERS = (1, 8, 64)


def _show_affinity(ex) -> None:
    for line in describe(ex.client.run(affinity_tree)):
        print(line)


def scorecard_batch(n: int) -> dict[int, float]:
    """Seconds for ``n`` scorecards on 1 and on 2 pinned workers."""
    from evalkit.core import paths
    from evalkit.demo import city as synthetic

    seconds = {}
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
        root = Path(tmp) / "cards"
        synthetic.write_city(root, "baotou", counties=CARD_COUNTIES, city="cards")
        env = {"EVALKIT_DATA": str(root / "data")}
        os.environ.update(env)
        paths.DATA = root / "data"
        print(f"Scorecard batch, HTML and PDF, {n} of a 300-entity period, Dask workers pinned one per core")
        for workers in (1, 2):
            before, other = load(), foreign_cpu()
            fresh = {**env, "EVALKIT_FONT_CACHE": str(Path(tmp) / f"fonts-{workers}.sqlite3")}  # each measurement's own, empty
            with pinned_cluster(list(range(workers)), fresh) as address:
                rate, peak = cards(root, "dask", workers, n, scheduler=address, ready=_show_affinity)
            seconds[workers] = n / rate
            print(f"  {workers} pinned worker(s): {seconds[workers]:6.1f} s, {rate:5.2f} scorecards/s, "
                  f"peak memory per worker {peak:4.0f} MB (before: {before}; after: {load()}; "
                  f"other processes meanwhile: at least {max(0.0, foreign_cpu() - other):.0f} CPU s)")
        os.environ.pop("EVALKIT_DATA")
        paths.DATA = paths.ROOT / "data"
    return seconds


def _warm(address: str) -> None:
    from distributed import Client

    with Client(address) as client:  # a long-lived worker has imported the runner before the batch
        client.run(lambda: __import__("evalkit.runs.batch"))


def run_all(city: str | None) -> tuple[dict[int, float], int, dict[str, float]]:
    """Seconds for ``evalkit run --all`` on 1 and on 2 pinned workers, the number of runs, and the mean seconds of
    a half-year run and of an annual run on one pinned worker (as each run measured itself)."""
    seconds, means = {}, {}
    count = 0
    print(f"\nevalkit run --all{' --city ' + city if city else ''} --scheduler ADDR, a fresh outputs folder and font cache each time")
    for workers in (1, 2):
        before, other = load(), foreign_cpu()
        with (tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp,
              pinned_cluster(list(range(workers)), {"EVALKIT_FONT_CACHE": str(Path(tmp) / "fonts.sqlite3")}) as address):
            _warm(address)
            cmd = [EVALKIT, "run", "--all", "--scheduler", address, "--outputs", str(Path(tmp) / "outputs"), "--json",
                   *(["--city", city] if city else [])]
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            seconds[workers] = time.perf_counter() - t0
        if done.returncode != 0:
            sys.exit(f"run --all failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        runs = json.loads(done.stdout)["runs"]
        count = len(runs)
        own = {kind: [r["seconds"] for r in runs if ("H" not in r["period"]) == annual]
               for kind, annual in (("half-year", False), ("annual", True))}
        mean = {kind: sum(v) / len(v) if v else float("nan") for kind, v in own.items()}
        means = means or mean
        print(f"  {workers} pinned worker(s): {count} runs in {seconds[workers]:6.1f} s; as each run timed itself: a half-year "
              f"run {mean['half-year']:.1f} s, an annual run {mean['annual']:.1f} s, together {sum(map(sum, own.values())):.1f} s "
              f"(before: {before}; after: {load()}; other processes meanwhile: at least {max(0.0, foreign_cpu() - other):.0f} CPU s)")
    return seconds, count, means


def fit(seconds: dict[int, float], n: int) -> tuple[float, float]:
    """(serial seconds, seconds per task) from one and two workers' times over ``n`` tasks."""
    serial = min(max(0.0, 2 * seconds[2] - seconds[1]), seconds[1])
    return serial, (seconds[1] - serial) / n


def _duration(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.0f} min" if s < 7200 else f"{s / 3600:.1f} h"


def expected_cards(n: int, workers: int, serial: float, per: float) -> float:
    """``n`` scorecards on ``workers``: the serial part and the busiest worker's batches (cut as the library cuts them)."""
    from evalkit.runs.outputs import batches

    parts = batches([str(i) for i in range(n)], workers)
    return serial + per * len(parts[0]) * math.ceil(len(parts) / workers)


def table(cards_fit: tuple[float, float], runs_fit: tuple[float, float]) -> list[str]:
    """The Markdown table of expected times."""
    lines = ["| expected time | tasks | " + " | ".join(f"{w} worker{'s' * (w > 1)}" for w in WORKERS) + " |",
             "|---|---:|" + "---:|" * len(WORKERS)]
    for label, n in SIZES.items():
        c = [expected_cards(n, w, *cards_fit) for w in WORKERS]
        r = [runs_fit[0] + runs_fit[1] * math.ceil(n / w) for w in WORKERS]
        lines.append(f"| {label}: a scorecard each | {n:,} | " + " | ".join(map(_duration, c)) + " |")
        lines.append(f"| {label}: a period run each | {n:,} | " + " | ".join(map(_duration, r)) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=120, help="scorecards per measurement (default 120)")
    parser.add_argument("--city", help="run --all for this city only (default: every params file)")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("two cores are needed to pin two workers")
    print(f"Start ({load()}; {os.cpu_count()} cores)\n")
    card_s = scorecard_batch(args.cards)
    run_s, count, _ = run_all(args.city)
    cards_fit, runs_fit = fit(card_s, args.cards), fit(run_s, count)
    print(f"\nTwo pinned workers / one pinned worker (target 1.8x): scorecard batch {card_s[1] / card_s[2]:.2f}x, "
          f"run --all {run_s[1] / run_s[2]:.2f}x")
    print(f"Per-task cost on one core: a scorecard {cards_fit[1]:.2f} s (serial part of the batch {cards_fit[0]:.1f} s); "
          f"a period run {runs_fit[1]:.1f} s (serial part {runs_fit[0]:.1f} s)")
    print("\nExpected time from these costs (scorecards in the library's batches; one core per worker):\n")
    print("\n".join(table(cards_fit, runs_fit)))
    print(f"\nEnd ({load()})")


if __name__ == "__main__":
    main()
