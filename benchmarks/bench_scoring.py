"""Scoring at national scale: 3,000 entities x 90 indicators, about 1.5 lead units per indicator.

Prints rows per second of ``score_period`` and, in the same run, of a bare
``groupby().mean()`` over the same rows (the floor), and their ratio.
Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_scoring.py``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from common import best_of, synthetic_framework

import evalkit

N_ENTITIES, N_INDICATORS, SEED = 3000, 90, 20221


def synthetic(rng: np.random.Generator) -> tuple[evalkit.Framework, evalkit.PeriodInputs]:
    fw = synthetic_framework(N_ENTITIES, N_INDICATORS, SEED)
    need = fw.assignments()
    pts = need["indicator"].map(fw.indicators.set_index("id")["points"]).to_numpy()
    mon = need[["lead_unit", "entity", "indicator"]].assign(score=pts * rng.uniform(0.6, 1.0, len(need)),
                                                           status=rng.choice(["推进中", "已完成"], len(need)))
    ver = mon.sample(frac=0.01, random_state=1)[["lead_unit", "entity", "indicator", "score"]].rename(columns={"score": "verified"})
    meth = pd.DataFrame({"entity": fw.entities["entity"], **{k: rng.uniform(60, 100, len(fw.entities)) for k in ("field", "survey", "third_party")}})
    return fw, evalkit.PeriodInputs.from_tables("2022H1", mon, meth, verification=ver)


def main() -> None:
    fw, inputs = synthetic(np.random.default_rng(SEED))
    rows = len(inputs.monitoring)
    floor = best_of(lambda: inputs.monitoring.groupby(["entity", "indicator"])["score"].mean())
    full = best_of(lambda: evalkit.score_period(fw, inputs))
    print(f"{rows:,} score rows, {N_ENTITIES:,} entities, {N_INDICATORS} indicators (best of 5)")
    print(f"  groupby().mean() floor : {floor:7.3f} s  {rows / floor:12,.0f} rows/s")
    print(f"  score_period           : {full:7.3f} s  {rows / full:12,.0f} rows/s")
    print(f"  ratio score_period / floor: {full / floor:.1f}x (aim: within 5x)")


if __name__ == "__main__":
    main()
