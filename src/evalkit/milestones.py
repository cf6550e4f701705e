"""Milestone lags (METHOD.md §5): indicators due by the period's end that are behind schedule."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .deadlines import STATUSES, Deadline
from .framework import Framework
from .periods import Period

LAG_COLUMNS = ["lead_unit", "entity", "indicator", "deadline", "required", "status", "problem"]


def required_statuses(framework: Framework, period: str | Period) -> pd.Series:
    """Status each indicator must have reached by the end of ``period`` (None if nothing is due)."""
    period = Period.parse(period)
    ind = framework.indicators
    return pd.Series(
        [Deadline(t, None if pd.isna(m) else int(m), k, c, None if pd.isna(y) else int(y)).required_status(period.end_month, period.year)
         for t, m, k, c, y in zip(ind["deadline"], ind["due_month"], ind["deadline_kind"], ind["continues"], ind["due_year"])],
        index=ind["id"],
    )


def milestone_lags(framework: Framework, monitoring: pd.DataFrame, period: str | Period) -> pd.DataFrame:
    """Per lead unit and entity: due indicators below their required status, or with none given.

    ``monitoring`` has ``lead_unit, entity, indicator, status`` (status "" when not given).
    """
    required = required_statuses(framework, period)
    order = pd.Index(STATUSES)
    need = order.get_indexer(required)  # -1: nothing due
    ids = framework.indicators["id"]
    pos = pd.Index(ids).get_indexer(monitoring["indicator"])
    due = need[pos]
    given = order.get_indexer(monitoring["status"])  # -1: none given
    lag = (due >= 0) & (given < due)
    df = monitoring.loc[lag, ["lead_unit", "entity", "indicator", "status"]].copy()
    df["required"] = required.to_numpy()[pos[lag]]
    df["deadline"] = framework.indicators["deadline"].to_numpy()[pos[lag]]
    df["problem"] = pd.Series(given[lag] < 0, index=df.index).map({True: "未填报完成情况", False: "滞后于进度要求"})
    units = pd.Index(sorted(set(framework.names.values())))
    order = np.lexsort((df["indicator"].to_numpy(), units.get_indexer(df["entity"]), units.get_indexer(df["lead_unit"])))
    return df[LAG_COLUMNS].iloc[order].reset_index(drop=True)
