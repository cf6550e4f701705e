"""Submission quality per lead unit (internal edition): how completely and how credibly each lead unit
scored, and a short list of what the task force should spot-check next."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..framework.model import Framework
from ..inputs.period import PeriodInputs
from ..inputs.schema import KEY
from .rectification import unit_scores

QUALITY_COLUMNS = ["lead_unit", "assigned", "given", "completeness", "status_given", "verified", "changed", "changed_share",
                   "mean_change", "full_marks_share", "all_full_indicators", "jumps"]
"""Per lead unit: rows ``assigned`` and ``given``; ``completeness`` = given / assigned; ``status_given`` the
share of rows with a 完成情况; ``verified`` rows the task force checked, ``changed`` those it changed and
``changed_share`` = changed / given, ``mean_change`` the mean absolute change as a share of the points;
``full_marks_share`` the share of rows at full marks; ``all_full_indicators`` indicators on which the unit
gave every one of at least ``min_entities`` entities full marks; ``jumps`` rows whose score moved by more
than ``jump`` of the points since the previous period."""


def _jumps(framework: Framework, inputs: PeriodInputs, previous: PeriodInputs | None, jump: float) -> pd.DataFrame:
    now = unit_scores(framework, inputs)
    if previous is None:
        return now.iloc[0:0].assign(before=np.nan)
    before = unit_scores(framework, previous).set_index(KEY)["score"]
    now = now.assign(before=before.reindex(pd.MultiIndex.from_frame(now[KEY])).to_numpy(dtype="float64"))
    return now[(now["score"] - now["before"]).abs() > jump * now["points"] + 1e-9]


def submission_quality(framework: Framework, inputs: PeriodInputs, previous: PeriodInputs | None = None, *,
                       jump: float = 0.5, min_entities: int = 3) -> pd.DataFrame:
    """One row per lead unit (:data:`QUALITY_COLUMNS`), in the order of the framework's units."""
    need = framework.assignments()
    need = need[need["input"] == "score"]
    s = unit_scores(framework, inputs)
    ver = inputs.verification.merge(inputs.monitoring[KEY + ["score"]], on=KEY, how="left")
    ver = ver.assign(points=ver["indicator"].map(framework.indicators.set_index("id")["points"]),
                     delta=(ver["verified"] - ver["score"]).abs())
    full = s["score"] >= s["points"] - 1e-9
    per_ind = s.assign(full=full).groupby(["lead_unit", "indicator"]).agg(n=("full", "size"), all_full=("full", "all"))
    all_full = per_ind[(per_ind["n"] >= min_entities) & per_ind["all_full"]].groupby("lead_unit").size()
    jumps = _jumps(framework, inputs, previous, jump).groupby("lead_unit").size()
    units = pd.Index(need["lead_unit"].unique())
    g = s.groupby("lead_unit")
    changed = ver[ver["delta"] > 1e-9].groupby("lead_unit")
    out = pd.DataFrame({
        "lead_unit": units,
        "assigned": need.groupby("lead_unit").size().reindex(units).to_numpy(),
        "given": g.size().reindex(units, fill_value=0).to_numpy(),
        "status_given": (s["status"] != "").groupby(s["lead_unit"]).mean().reindex(units, fill_value=0.0).to_numpy(),
        "verified": ver.groupby("lead_unit").size().reindex(units, fill_value=0).to_numpy(),
        "changed": changed.size().reindex(units, fill_value=0).to_numpy(),
        "mean_change": (changed["delta"].sum() / changed["points"].sum()).reindex(units, fill_value=0.0).to_numpy() if len(ver) else 0.0,
        "full_marks_share": full.groupby(s["lead_unit"]).mean().reindex(units, fill_value=0.0).to_numpy(),
        "all_full_indicators": all_full.reindex(units, fill_value=0).to_numpy(),
        "jumps": jumps.reindex(units, fill_value=0).to_numpy(),
    })
    out["completeness"] = out["given"] / out["assigned"]
    out["changed_share"] = (out["changed"] / out["given"]).where(out["given"] > 0, 0.0)
    return out[QUALITY_COLUMNS]


def spot_checks(framework: Framework, inputs: PeriodInputs, previous: PeriodInputs | None = None, *, n: int = 10,
                jump: float = 0.5, min_entities: int = 3) -> pd.DataFrame:
    """What to spot-check next, most telling first: ``lead_unit, indicator, entity, reason``.

    Indicators a lead unit gave every entity full marks on (largest first), the largest jumps since the
    previous period, then the units whose scores the task force changed most often.
    """
    s = unit_scores(framework, inputs)
    full = s.assign(full=s["score"] >= s["points"] - 1e-9).groupby(["lead_unit", "indicator"]).agg(
        n=("full", "size"), all_full=("full", "all"))
    full = full[(full["n"] >= min_entities) & full["all_full"]].sort_values("n", ascending=False).reset_index()
    rows = [{"lead_unit": r.lead_unit, "indicator": r.indicator, "entity": "", "reason": f"对全部 {r.n} 个考评对象均给满分"}
            for r in full.itertuples()]
    j = _jumps(framework, inputs, previous, jump)
    j = j.assign(size=(j["score"] - j["before"]).abs() / j["points"]).sort_values("size", ascending=False)
    rows += [{"lead_unit": r.lead_unit, "indicator": r.indicator, "entity": r.entity,
              "reason": f"得分由上期 {r.before:.2f} 变为 {r.score:.2f}（分值 {r.points:.4g}）"} for r in j.itertuples()]
    q = submission_quality(framework, inputs, previous, jump=jump, min_entities=min_entities)
    q = q[q["changed"] > 0].sort_values("changed_share", ascending=False)
    rows += [{"lead_unit": r.lead_unit, "indicator": None, "entity": "", "reason": f"本期 {r.changed} 项评分被专班核实更正（占 {r.changed_share:.0%}）"}
             for r in q.itertuples()]
    out = pd.DataFrame(rows, columns=["lead_unit", "indicator", "entity", "reason"])
    return out.head(n).astype({"indicator": "Int64"}).reset_index(drop=True)
