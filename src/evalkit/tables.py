"""Display tables in Chinese: what people read, built from the scoring results."""
from __future__ import annotations

import pandas as pd

from .framework import Framework
from .ranking import display_round
from .scoring import PeriodResult


def framework_summary(framework: Framework) -> pd.DataFrame:
    """One row per aspect: points, categories, indicators, and how many indicators' points were allocated."""
    ind = framework.indicators
    rows = []
    for a in framework.aspects.itertuples():
        mine = ind[ind["aspect"] == a.id]
        rows.append({
            "方面": f"{a.id}、{a.name}",
            "分值": display_round(a.points).item(),
            "类别数": int((framework.categories["aspect"] == a.id).sum()),
            "指标数": len(mine),
            "均分指标数": int((mine["points_from"] == "allocated").sum()),
        })
    out = pd.DataFrame(rows)
    total = {"方面": "合计", "分值": display_round(out["分值"].sum()).item(), "类别数": int(out["类别数"].sum()),
             "指标数": int(out["指标数"].sum()), "均分指标数": int(out["均分指标数"].sum())}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def ranking_table(framework: Framework, result: PeriodResult, group: str | None = None) -> pd.DataFrame:
    """The published ranking: method scores, total and rank, rounded for display, ties marked 并列."""
    t = result.totals if group is None else result.totals[result.totals["group"] == group]
    t = t.sort_values(["group", "rank", "entity"])
    out = pd.DataFrame({"考评对象": t["entity"], "组别": t["group"].map(framework.groups)})
    for m in framework.methods:
        out[m.name] = display_round(t[m.key])
    out["半年考评分值"] = display_round(t["half_year"])
    tied = t.duplicated(["group", "rank"], keep=False)
    out["排名"] = t["rank"].astype(str).where(~tied, t["rank"].astype(str) + "(并列)")
    return out.reset_index(drop=True)
