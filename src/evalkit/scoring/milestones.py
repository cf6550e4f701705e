"""Milestone lags (METHOD.md §5): indicators due by the period's end that are behind schedule."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..framework.deadlines import STATUSES, Deadline
from ..framework.model import Framework
from ..framework.periods import Period

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
    period = Period.parse(period)
    required = framework.memo(f"required {period}", lambda: required_statuses(framework, period))
    order = pd.Index(STATUSES)
    need = order.get_indexer(required)  # -1: nothing due
    ids = framework.indicators["id"]
    pos = pd.Index(ids).get_indexer(monitoring["indicator"])
    due = need[pos]
    rows = np.flatnonzero(due >= 0)  # only rows with something due are looked at
    given = order.get_indexer(monitoring["status"].iloc[rows])  # -1: none given
    behind = given < due[rows]
    lag, given = rows[behind], given[behind]
    units = framework.memo("sorted units", lambda: pd.Index(sorted(set(framework.names.values()))))  # by lead unit, entity (unknown first), indicator
    by = np.lexsort((monitoring["indicator"].to_numpy()[lag], units.get_indexer(monitoring["entity"].array.take(lag)),
                     units.get_indexer(monitoring["lead_unit"].array.take(lag))))
    at = lag[by]
    problem = pd.Series(given[by] < 0).map({True: "未填报完成情况", False: "滞后于进度要求"})
    return pd.DataFrame({"lead_unit": monitoring["lead_unit"].array.take(at), "entity": monitoring["entity"].array.take(at),
                         "indicator": monitoring["indicator"].array.take(at),
                         "deadline": framework.indicators["deadline"].to_numpy()[pos[at]], "required": required.to_numpy()[pos[at]],
                         "status": monitoring["status"].array.take(at), "problem": problem.array})
