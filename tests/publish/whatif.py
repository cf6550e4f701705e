"""A what-if run for the publish tests: Baotou 2022H1 under an override that adds 昆都仑区 to indicator 3 (no score
submitted) and removes it from indicator 1 (a score submitted)."""
from __future__ import annotations

from pathlib import Path

from evalkit.framework.applicability import pairs
from evalkit.framework.loading import load_framework
from evalkit.scoring.assessment import Assessment, assess


def what_if(folder: Path) -> Assessment:
    """Write the override CSV in ``folder`` and assess the period under it, strictly."""
    p = pairs(load_framework("baotou"))
    p = p[~((p["entity"] == "昆都仑区") & (p["indicator"] == 1))]
    path = folder / "调整适用范围.csv"
    path.write_text("考评对象,指标\n" + "".join(f"{e},{i}\n" for e, i in p.itertuples(index=False)) + "昆都仑区,3\n", encoding="utf-8")
    return assess("baotou", "2022H1", applicability=path)
