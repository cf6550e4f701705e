"""Variance-based sensitivity of the ranks (Sobol indices, with SALib), beside the Monte-Carlo intervals
of :func:`evalkit.analysis.sensitivity.uncertainty`.

The uncertain inputs are the same: each method weight in use multiplied by a factor uniform in
[1 - band, 1 + band] (then renormalised), and the reading of 第三条（三） (a factor uniform in [0, 1)
choosing one of the aggregations). For each entity, the first-order index S1 of a factor is the share
of the variance of its rank that the factor explains alone; the total index ST adds its interactions.
An entity whose rank never moves has no variance to share: its indices are NaN and ``stable`` is True.
Beside the indices each entity carries the best and worst rank met in the model runs and the share of runs
in which its rank differs from the published one: an index says where a movement comes from, not how large
it is. :mod:`evalkit.analysis.sobol_summary` reads these for the report.

SALib (and the scipy.stats it loads, most of a second) is imported by the functions that compute, not with the module.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..framework.model import Framework
from ..framework.options import AGGREGATIONS
from ..scoring.scores import PeriodResult
from .sensitivity import draw_ranks, monitoring_readings

AGGREGATION_FACTOR = "aggregation"


def sobol_indices(model: Callable[[np.ndarray], np.ndarray], problem: dict, *, n: int = 1024, seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices of each output column of ``model`` (samples x factors ->
    samples x outputs) over SALib's ``problem``, from Saltelli's scheme with ``n`` base samples
    (a power of 2). Returns one row per (output, factor): ``output, factor, S1, S1_conf, ST, ST_conf``
    (``*_conf``: half-width of SALib's 95 % bootstrap interval); an output that does not vary gets NaN."""
    from SALib.sample import sobol as sobol_sample

    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed + 1)
    return analyze_outputs(problem, np.asarray(model(x), dtype="float64").reshape(len(x), -1), seed=seed)


def analyze_outputs(problem: dict, y: np.ndarray, *, seed: int = 0) -> pd.DataFrame:
    """SALib's analysis of each column of ``y`` (the model run on ``sobol_sample.sample(problem, n,
    calc_second_order=False)``), as :func:`sobol_indices` returns it. The estimators divide by the variance
    over the base matrices A and B (rows ``0::D+2`` and ``D+1::D+2``): a column constant there, even if it
    moves in the mixed rows, has nothing to estimate from and gets NaN, never SALib's zeros."""
    step = problem["num_vars"] + 2
    rows = []
    for j in range(y.shape[1]):
        col = np.ascontiguousarray(y[:, j])
        if np.ptp(np.r_[col[0::step], col[step - 1::step]]) == 0:
            rows += [(j, f, np.nan, np.nan, np.nan, np.nan) for f in problem["names"]]
            continue
        # SALib reads seed 0 as none (``if seed:``) and would bootstrap from NumPy's global state: the intervals,
        # and the △ marks printed from them, would change from run to run; the seed it is given is never 0
        s = salib_analyze(problem, col, seed=seed + 1)
        rows += [(j, f, *s[k]) for k, f in enumerate(problem["names"])]
    return pd.DataFrame(rows, columns=["output", "factor", "S1", "S1_conf", "ST", "ST_conf"])


RESAMPLES, CONFIDENCE = 100, 0.95
"""SALib's defaults for the bootstrap intervals, which :func:`salib_analyze` keeps."""


def salib_analyze(problem: dict, col: np.ndarray, *, seed: int) -> list[tuple[float, float, float, float]]:
    """``SALib.analyze.sobol.analyze(problem, col, calc_second_order=False, seed=seed)``: (S1, S1_conf, ST, ST_conf) of
    each factor, the same numbers to the last bit, in a third of the time. SALib draws one bootstrap
    resampling of the base matrices and then, for each factor, indexes them anew and takes their variance
    again for both indices; here they are indexed, and their variance taken, once for all factors."""
    from SALib.analyze.sobol import first_order, separate_output_values, total_order
    from scipy.stats import norm

    d = problem["num_vars"]
    n = col.size // (d + 2)
    y = (col - col.mean()) / col.std()
    a, b, ab, _ = separate_output_values(y, d, n, False)
    r = np.random.default_rng(seed).integers(n, size=(n, RESAMPLES))
    z = norm.ppf(0.5 + CONFIDENCE / 2)
    ar, br = a[r], b[r]
    both = np.r_[ar, br]
    spread = np.ptp(both)
    var = np.var(both, axis=0)
    tiny = np.finfo(float).eps
    out = []
    for j in range(d):
        abr = ab[r, j]
        s1 = st = np.zeros_like(var)
        if spread > tiny:
            s1 = np.divide(np.mean(br * (abr - ar), axis=0), var, out=np.zeros_like(var), where=var > tiny)
            st = np.divide(0.5 * np.mean((ar - abr) ** 2, axis=0), var, out=np.zeros_like(var), where=var > tiny)
        conf = (float(z * s1.std(ddof=1)), float(z * st.std(ddof=1))) if spread != 0.0 else (0.0, 0.0)
        out.append((float(first_order(a, ab[:, j], b)), conf[0], float(total_order(a, ab[:, j], b)), conf[1]))
    return out


def rank_sobol(framework: Framework, result: PeriodResult, *, n: int = 4096, band: float = 0.2,
               aggregations: Sequence[str] = tuple(AGGREGATIONS), seed: int = 0) -> pd.DataFrame:
    """Sobol indices of every entity's rank (within its group) with respect to each method weight in use
    and the aggregation reading: ``entity, group, rank, factor, S1, S1_conf, ST, ST_conf, rank_min, rank_max,
    moved, stable``. ``factor`` is a method key or ``aggregation``; ``rank_min``-``rank_max`` are the best and
    worst rank in all model runs, ``moved`` the share of runs with a rank other than the published one, and
    ``stable`` says the rank never moves (then the indices are NaN)."""
    if not 0 < band < 1:
        raise ValueError(f"band={band}: expected a number in (0, 1)")
    t = result.totals
    keys = [k for k, w in result.weights.items() if w > 0]
    base = np.array([result.weights[k] for k in keys])
    readings = monitoring_readings(result)
    scores = {}
    for agg in aggregations:
        s = t[keys].to_numpy(dtype=float).copy()
        if "monitoring" in keys:
            s[:, keys.index("monitoring")] = readings[agg].to_numpy()
        scores[agg] = np.nan_to_num(s)
    groups = t["group"].to_numpy()

    def model(x: np.ndarray) -> np.ndarray:
        w = base * x[:, :len(keys)]
        w /= w.sum(axis=1, keepdims=True)
        which = np.minimum((x[:, -1] * len(aggregations)).astype(int), len(aggregations) - 1)
        totals = np.empty((len(x), len(t)))
        for j, agg in enumerate(aggregations):
            rows = which == j
            totals[rows] = w[rows] @ scores[agg].T
        return draw_ranks(totals, groups)

    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(keys) + 1, "names": keys + [AGGREGATION_FACTOR],
               "bounds": [[1 - band, 1 + band]] * len(keys) + [[0.0, 1.0]]}
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed + 1)
    ranks = model(x)
    out = analyze_outputs(problem, ranks.astype("float64"), seed=seed)
    j = out["output"].to_numpy()
    out.insert(0, "entity", t["entity"].to_numpy()[j])
    out.insert(1, "group", groups[j])
    out.insert(2, "rank", t["rank"].to_numpy()[j])
    out["rank_min"], out["rank_max"] = ranks.min(axis=0)[j], ranks.max(axis=0)[j]
    out["moved"] = (ranks != t["rank"].to_numpy()).mean(axis=0)[j]
    out["stable"] = out["rank_min"] == out["rank_max"]
    return out.drop(columns="output")


def factor_names(framework: Framework) -> dict[str, str]:
    """Chinese label of each factor of :func:`rank_sobol`: a method's weight, or the reading of 第三条（三）
    (how 日常监测 aggregates its aspects, :data:`evalkit.framework.options.AGGREGATIONS`)."""
    return {**{k: f"{n}权重" for k, n in framework.method_names.items()}, AGGREGATION_FACTOR: "第三条（三）的理解"}
