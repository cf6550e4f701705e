"""Milestone lags (METHOD.md §5): indicators due by the period's end that are behind schedule."""
from __future__ import annotations

import pandas as pd

from .deadlines import STATUSES, Deadline
from .framework import Framework
from .periods import Period

LAG_COLUMNS = ["lead_unit", "entity", "indicator", "deadline", "required", "status", "problem"]


def required_statuses(framework: Framework, period: str | Period) -> pd.Series:
    """Status each indicator must have reached by the end of ``period`` (None if nothing is due)."""
    end = Period.parse(period).end_month
    ind = framework.indicators
    return pd.Series(
        [Deadline(t, None if pd.isna(m) else int(m), k, c).required_status(end)
         for t, m, k, c in zip(ind["deadline"], ind["due_month"], ind["deadline_kind"], ind["continues"])],
        index=ind["id"],
    )


def milestone_lags(framework: Framework, monitoring: pd.DataFrame, period: str | Period) -> pd.DataFrame:
    """Per lead unit and entity: due indicators below their required status, or with none given.

    ``monitoring`` has ``lead_unit, entity, indicator, status`` (status "" when not given).
    """
    required = required_statuses(framework, period)
    rank = {s: i for i, s in enumerate(STATUSES)}
    df = monitoring[["lead_unit", "entity", "indicator", "status"]].copy()
    df["required"] = df["indicator"].map(required)
    df = df[df["required"].notna()]
    given = df["status"].fillna("")
    behind = given.map(rank).fillna(-1) < df["required"].map(rank)
    df = df[behind | (given == "")].copy()
    df["problem"] = (given[df.index] == "").map({True: "未填报完成情况", False: "滞后于进度要求"})
    df["deadline"] = df["indicator"].map(framework.indicators.set_index("id")["deadline"])
    return df[LAG_COLUMNS].sort_values(["lead_unit", "entity", "indicator"]).reset_index(drop=True)
