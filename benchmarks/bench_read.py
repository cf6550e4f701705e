"""Reading submitted workbooks: python-calamine against openpyxl, on Baotou's demo period and on a
synthetic period 100 times its size (the demo generator's values, written by its fast writer), in the same run.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_read.py``.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from common import best_of, synthetic_framework

import evalkit
from evalkit.demo.fast import write_fast_period


def compare(label: str, fw: evalkit.Framework, folder: Path, repeat: int) -> None:
    rows = len(fw.assignments())
    calamine = best_of(lambda: evalkit.read_period(fw, "2022H1", folder, engine="calamine"), repeat)
    openpyxl = best_of(lambda: evalkit.read_period(fw, "2022H1", folder, engine="openpyxl"), repeat)
    print(f"{label:<28} {rows:>8,} rows  calamine {calamine:7.2f} s  openpyxl {openpyxl:7.2f} s  openpyxl/calamine {openpyxl / calamine:5.1f}x")


def main() -> None:
    baotou = evalkit.load_framework("baotou")
    compare("Baotou 2022H1 (demo)", baotou, evalkit.core.paths.period_dir("baotou", "2022H1"), repeat=5)
    probe = synthetic_framework(n_entities=300)
    per_entity = len(probe.assignments()) / 300
    big = synthetic_framework(n_entities=round(100 * len(baotou.assignments()) / per_entity))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_fast_period(big, "2022H1", tmp)
        print(f"  (wrote the 100x period with evalkit.demo.fast in {time.perf_counter() - t0:.1f} s)")
        compare(f"synthetic, {len(big.assignments()) / len(baotou.assignments()):.0f}x the demo", big, Path(tmp), repeat=2)


if __name__ == "__main__":
    main()
