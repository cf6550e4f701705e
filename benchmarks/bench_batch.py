"""Runs and scorecards at county scale, against their floors, in one run.

Prints: the floor of a period run (kernel start and imports by papermill on a 3-cell notebook,
nbconvert HTML, one Chromium start and print); one Baotou half-year ``evalkit run`` in a new process and its ratio
to the floor, on a machine's first run (an empty font cache) and after another period's run (its converted glyphs
kept, this period's subsets new: every run after a machine's first); the generated 2,800-county period's ``score_period`` against a bare
``groupby().mean()``; scorecards per second (HTML and PDF) with the local engine and with Dask
on 1 and on 2 workers; the peak memory of a worker.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_batch.py [--cards N]``.
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from common import best_of

CARD_COUNTIES = 273  # with Baotou's 27 departments: a 300-entity period for the scorecards


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def floor(tmp: Path) -> dict[str, float]:
    from evalkit.publish.exporters import ReportHTMLExporter
    from evalkit.publish.printing import Printer
    from evalkit.runs.execute import execute

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell("import evalkit, pandas, matplotlib.pyplot"),
                                         nbformat.v4.new_markdown_cell("# 示例")],
                               metadata={"kernelspec": {"name": "evalkit", "language": "python", "display_name": "Python (evalkit)"},
                                         "language_info": {"name": "python"}})
    nbformat.write(nb, str(tmp / "floor.ipynb"))
    out = {"kernel + papermill (3 cells)": _timed(lambda: execute(tmp / "floor.ipynb", tmp / "floor.out.ipynb", {"x": 2}, timeout=120, cwd=tmp))}
    executed = nbformat.read(str(tmp / "floor.out.ipynb"), as_version=4)
    out["nbconvert HTML"] = _timed(lambda: (tmp / "floor.html").write_text(ReportHTMLExporter().from_notebook_node(executed)[0], encoding="utf-8"))

    def one_print():
        with Printer() as p:
            p.pdf(tmp / "floor.html", tmp / "floor.pdf")
    out["Chromium start + one print"] = _timed(one_print)
    return out


def period_run(tmp: Path, period: str, cache: Path) -> float:
    """A Baotou ``evalkit run`` of ``period`` in a new process (evalkit's imports included) with the font cache
    ``cache``, timed inside that process as the floor is timed inside this one."""
    import subprocess
    import sys

    code = ("import time; t = time.perf_counter(); from evalkit.inputs.params import load_params; from evalkit.runs.runner import run; "
            f"run(load_params('baotou', '{period}'), outputs=__import__('pathlib').Path(r'{tmp / 'outputs'}'), force=True); "
            "print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "EVALKIT_FONT_CACHE": str(cache)},
                          capture_output=True, text=True, check=True)
    return float(done.stdout.split()[-1])


def scoring(root: Path) -> tuple[float, float, int]:
    import evalkit

    fw = evalkit.load_framework("synthetic")
    inputs = evalkit.read_period(fw, "2022H1")
    base = full = float("inf")
    for _ in range(25):  # tens of ms each: many tries, taken in turns so that both see the same load; the best of each
        base = min(base, best_of(lambda: inputs.monitoring.groupby(["entity", "indicator"])["score"].mean(), 1))
        full = min(full, best_of(lambda: evalkit.score_period(fw, inputs), 1))
    return full, base, len(fw.entities)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def cards(root: Path, engine: str, workers: int, n: int, scheduler: str | None = None,
          ready: Callable[[Any], None] | None = None) -> tuple[float, float]:
    """Scorecards per second over ``n`` entities, with workers started and ready as a long-lived cluster's
    are (imports, the shell, the font, the browser), and the largest worker's peak resident memory (MB).
    ``scheduler`` is an existing Dask cluster's address; ``ready(executor)`` is called once the workers are ready."""

    from evalkit.inputs.params import load_params
    from evalkit.publish.scorecards import warm
    from evalkit.runs import archive
    from evalkit.runs.executor import start
    from evalkit.runs.outputs import render_scorecards
    from evalkit.scoring.assessment import assess

    spec = load_params("cards", "2022H1", root / "params")
    totals = assess("cards", "2022H1").result.totals
    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
        staging = Path(tmp)
        (staging / "results.csv").write_bytes(archive.results_csv(totals))
        with start(engine, jobs=workers, scheduler=scheduler) as ex:
            if engine == "dask":  # in each worker's task thread, where its batches run
                ex.client.gather([ex.client.submit(warm, workers=[w], pure=False) for w in ex.client.scheduler_info(n_workers=-1)["workers"]])
            else:
                for f in [ex.submit(time.sleep, 1) for _ in range(workers)]:  # every process of the pool started
                    f.result()
                for f in [ex.submit(warm) for _ in range(workers)]:
                    f.result()
            if ready is not None:
                ready(ex)
            seconds = _timed(lambda: render_scorecards(spec, list(totals["entity"][:n]), staging, jobs=workers, progress=False))
            if engine == "dask":
                peak = max(ex.client.run(_peak_mb).values())
            else:
                usage = [ex.submit(resource.getrusage, resource.RUSAGE_SELF) for _ in range(2 * workers)]
                peak = max(f.result().ru_maxrss for f in usage) / 1024
    return n / seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=120, help="scorecards per measurement (default 120)")
    args = parser.parse_args()
    from evalkit.core import paths
    from evalkit.demo import city as synthetic

    with tempfile.TemporaryDirectory(prefix="evalkit-bench-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        synthetic.write_city(tmp / "national", "baotou", counties=2800)
        made = time.perf_counter() - t0
        synthetic.write_city(tmp / "cards", "baotou", counties=CARD_COUNTIES, city="cards")
        os.environ["EVALKIT_DATA"] = str(tmp / "national" / "data")
        paths.DATA = tmp / "national" / "data"
        parts = floor(tmp)
        total_floor = sum(parts.values())
        print(f"Floor of a period run ({_load()})")
        for name, s in parts.items():
            print(f"  {name:<30} {s:6.2f} s")
        print(f"  {'floor':<30} {total_floor:6.2f} s")
        os.environ.pop("EVALKIT_DATA")
        paths.DATA = paths.ROOT / "data"
        first = period_run(tmp, "2022H1", tmp / "empty.sqlite3")
        period_run(tmp, "2022H2", tmp / "fonts.sqlite3")  # a machine that has run a period before: its glyphs are kept
        one = period_run(tmp, "2022H1", tmp / "fonts.sqlite3")
        print("\nBaotou 2022H1 evalkit run (notebook, both editions, workbook, manifest), in a new process:")
        print(f"  the first run on a machine (empty font cache) {first:6.2f} s = {first / total_floor:.1f}x the floor ({_load()})")
        print(f"  after another period (its glyphs kept)        {one:6.2f} s = {one / total_floor:.1f}x the floor "
              f"(target within 2x; {_load()})")
        os.environ["EVALKIT_DATA"] = str(tmp / "national" / "data")
        paths.DATA = tmp / "national" / "data"
        full, base, n = scoring(tmp)
        print(f"\nGenerated national period (示例数据, {n:,} entities, written in {made:.1f} s)")
        print(f"  groupby().mean() floor {base:7.3f} s; score_period {full:7.3f} s = {full / base:.2f}x (target within 2.5x; {_load()})")
        os.environ["EVALKIT_DATA"] = str(tmp / "cards" / "data")
        paths.DATA = tmp / "cards" / "data"
        print(f"\nScorecards, HTML and PDF, {args.cards} of a 300-entity period")
        rates = {}
        for engine, workers in (("local", 2), ("dask", 1), ("dask", 2)):
            os.environ["EVALKIT_FONT_CACHE"] = str(tmp / f"cards-{engine}-{workers}.sqlite3")  # each its own, empty
            rate, peak = cards(tmp / "cards", engine, workers, args.cards)
            rates[(engine, workers)] = rate
            print(f"  {engine:<5} {workers} worker(s): {rate:5.2f} scorecards/s, peak memory per worker {peak:6.0f} MB ({_load()})")
        print(f"  Dask 2 workers / 1 worker: {rates[('dask', 2)] / rates[('dask', 1)]:.2f}x (target 1.7x); target 3 scorecards/s")
        print(f"\nSummary: run {one / total_floor:.1f}x floor (target 2x); score_period {full / base:.2f}x groupby (target 2.5x); "
              f"scorecards {rates[('local', 2)]:.2f}/s local 2 workers, {rates[('dask', 2)]:.2f}/s Dask 2 workers (target 3/s); "
              f"Dask 2/1 workers {rates[('dask', 2)] / rates[('dask', 1)]:.2f}x (target 1.7x); {_load()}")


if __name__ == "__main__":
    main()
