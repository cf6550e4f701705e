"""The uncertainty analysis: draws per second on Baotou's demo period, against one scoring of it
(the baseline, measured in the same run). Run: ``make bench``."""
from __future__ import annotations

from common import best_of

import evalkit
from evalkit.analysis.sensitivity import uncertainty


def main() -> None:
    fw = evalkit.load_framework("baotou")
    inputs = evalkit.read_period(fw, "2022H1")
    result = evalkit.score_period(fw, inputs)
    score = best_of(lambda: evalkit.score_period(fw, inputs))
    print(f"Baotou 2022H1 demo: {len(result.totals)} entities (best of 5)")
    print(f"  one score_period (baseline): {score * 1000:8.1f} ms")
    for draws in (1000, 10000):
        t = best_of(lambda: uncertainty(fw, result, draws=draws))
        print(f"  uncertainty, {draws:>6} draws : {t * 1000:8.1f} ms  {draws / t:12,.0f} draws/s  ({t / score:.2f}x one scoring)")


if __name__ == "__main__":
    main()
