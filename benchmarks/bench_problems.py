"""Bounded work on huge input (issue 23): Baotou's demo period with one lead unit's workbook holding 100,000
duplicate rows. The first problems are listed, the rest summarised; time and memory stay bounded.

Measured in the same run: the baseline, python-calamine alone reading that workbook's cells (the least any
reader must do); ``read_period`` on the period; ``evalkit validate`` as a scheduler runs it (wall time, lines
on stderr, peak memory of the process). Printed: each time and the ratio to the baseline.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_problems.py``.
"""
from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import xlsxwriter
from common import best_of

import evalkit
from evalkit.core import paths

EDU = "monitoring/2022H1_市教育局_日常监测评分表.xlsx"
ROWS = 100_000


def write_duplicates(folder: Path) -> Path:
    """市教育局's workbook with its 3 rows repeated to ``ROWS`` rows (xlsxwriter, constant memory)."""
    ws = openpyxl.load_workbook(folder / EDU).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb = xlsxwriter.Workbook(str(folder / EDU), {"constant_memory": True})
    sheet = wb.add_worksheet(ws.title)
    sheet.write_row(0, 0, rows[0])
    for i in range(ROWS):
        sheet.write_row(i + 1, 0, rows[1 + i % (len(rows) - 1)])
    wb.close()
    return folder / EDU


def main() -> None:
    fw = evalkit.load_framework("baotou")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "2022H1"
        shutil.copytree(paths.period_dir("baotou", "2022H1"), folder)
        clean = best_of(lambda: evalkit.read_period(fw, "2022H1", folder), 3)
        big = write_duplicates(folder)

        def calamine() -> None:
            from python_calamine import CalamineWorkbook

            CalamineWorkbook.from_path(str(big)).get_sheet_by_index(0).to_python()

        baseline = best_of(calamine, 3)
        inputs = evalkit.read_period(fw, "2022H1", folder, strict=False)
        read = best_of(lambda: evalkit.read_period(fw, "2022H1", folder, strict=False), 2)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "evalkit.cli", "validate", "baotou", "2022H1", "--data-dir", str(folder)],
                              capture_output=True, text=True, cwd=paths.ROOT)
        validate = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = [p for p in inputs.problems if p.row is None and "not listed one by one" in p.message]
    print(f"{ROWS:,} duplicate rows in one workbook of Baotou 2022H1")
    print(f"  baseline: python-calamine reads the workbook's cells   {baseline:6.2f} s")
    print(f"  read_period, the clean demo period                     {clean:6.2f} s")
    print(f"  read_period, lenient                                   {read:6.2f} s   {read / baseline:5.1f}x the baseline")
    print(f"  evalkit validate (exit {done.returncode})                           {validate:6.2f} s   {validate / baseline:5.1f}x the baseline, "
          f"{len(done.stderr.splitlines()):,} lines on stderr, peak {peak:,.0f} MiB")
    print(f"  problems listed {len(inputs.problems) - len(summary):,}, summary lines {len(summary)}: {summary[0].message if summary else '-'}")


if __name__ == "__main__":
    main()
