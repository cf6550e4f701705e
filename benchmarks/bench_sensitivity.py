"""The uncertainty analysis: draws per second on Baotou's demo period, and the Sobol analysis of its ranks as a run's
internal edition computes it (4,096 base samples), against one scoring of it (the baseline, measured in the same run).
Run: ``make bench``."""
from __future__ import annotations

from common import best_of

import evalkit
from evalkit.analysis.sensitivity import uncertainty
from evalkit.analysis.sobol import rank_sobol


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
    rank_sobol(fw, result, n=64)  # SALib and scipy.stats imported before the measurement
    n = 4096  # the base samples of the internal edition's (analysis_report.show_sobol)
    t = best_of(lambda: rank_sobol(fw, result, n=n), 3)
    runs = n * (sum(w > 0 for w in result.weights.values()) + 3)  # Saltelli: n x (factors + 2)
    print(f"  rank_sobol, {runs:,} model runs : {t * 1000:8.1f} ms  {runs / t:12,.0f} runs/s  ({t / score:.2f}x one scoring)")


if __name__ == "__main__":
    main()
