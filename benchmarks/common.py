"""What the benchmarks share: a best-of-N timer and a synthetic framework of any size."""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import evalkit

METHODS = [{"key": "monitoring", "name": "日常监测", "weight": 0.6}, {"key": "field", "name": "实地调研", "weight": 0.2},
           {"key": "survey", "name": "民意调查", "weight": 0.1}, {"key": "third_party", "name": "第三方评估", "weight": 0.1}]


def synthetic_framework(n_entities: int, n_indicators: int = 90, seed: int = 20221) -> evalkit.Framework:
    """``n_entities`` (two thirds districts), indicators with 1 or 2 lead units (about 1.5 on average)."""
    rng = np.random.default_rng(seed)
    n_dept = max(n_entities // 3, 2)
    entities = pd.DataFrame({
        "entity": [f"区{i:05d}" for i in range(n_entities - n_dept)] + [f"局{i:05d}" for i in range(n_dept)],
        "group": ["district"] * (n_entities - n_dept) + ["department"] * n_dept,
        "aliases": [()] * n_entities,
    })
    leads_pool = entities.loc[entities["group"] == "department", "entity"].tolist()[:40]
    per = n_indicators // 6
    aspects = []
    for a in range(6):
        inds = [{"id": a * per + k + 1, "text": f"指标{a * per + k + 1}", "deadline": "6月底完成", "applies": ["all"],
                 "lead_units": list(rng.choice(leads_pool, size=1 + int(rng.random() < 0.5), replace=False))} for k in range(per)]
        aspects.append({"id": str(a + 1), "name": f"方面{a + 1}", "points": [25, 25, 20, 10, 10, 10][a],
                        "categories": [{"id": "1", "name": "类别", "indicators": inds}]})
    spec = {"city": "synthetic", "name": "合成市", "title": "合成市考评", "groups": {"district": "区县", "department": "部门"},
            "methods": METHODS, "aspects": aspects}
    return evalkit.build_framework(spec, entities)


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """The shortest of ``repeat`` timings of ``fn()``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
