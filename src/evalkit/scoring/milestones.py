"""Milestone lags (METHOD.md §5): indicators due by the period's end that are behind schedule.

A stretch goal (力争目标) below its required status is its own problem, :data:`STRETCH_SHORT`, never a lag.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..framework.deadlines import STATUSES, STRETCH, Deadline
from ..framework.model import Framework
from ..framework.periods import Period

LAG_COLUMNS = ["lead_unit", "entity", "indicator", "deadline", "required", "status", "problem"]

LAG, MISSING, STRETCH_SHORT = "滞后于进度要求", "未填报完成情况", "力争目标未达到进度要求"
"""The ``problem`` of a milestone row: behind a deadline, no status given, a stretch goal (力争) behind its own."""
PROBLEMS = (LAG, MISSING, STRETCH_SHORT)


def deadlines(framework: Framework) -> list[Deadline]:
    """Each indicator's deadline as the framework holds it, in indicator order."""
    ind = framework.indicators
    none = [None] * len(ind)
    return [Deadline(t, None if pd.isna(m) else int(m), None if pd.isna(k) else k, bool(c), None if pd.isna(y) else int(y),
                     None if r is None or pd.isna(r) else r)
            for t, m, k, c, y, r in zip(ind["deadline"], ind["due_month"], ind["deadline_kind"], ind["continues"],
                                        ind["due_year"], ind.get("deadline_requires", none))]


def required_statuses(framework: Framework, period: str | Period) -> pd.Series:
    """Status each indicator must have reached by the end of ``period`` (None if nothing is due)."""
    period = Period.parse(period)
    return pd.Series([d.required_status(period.end_month, period.year) for d in deadlines(framework)],
                     index=framework.indicators["id"])


def stretch_goals(framework: Framework) -> pd.Index:
    """The indicators whose deadline is a stretch goal (力争目标)."""
    ind = framework.indicators
    return pd.Index(ind["id"][ind["deadline_kind"].eq(STRETCH).fillna(False).astype(bool)])


def milestone_lags(framework: Framework, monitoring: pd.DataFrame, period: str | Period) -> pd.DataFrame:
    """Per lead unit and entity: due indicators below their required status, or with none given.

    ``monitoring`` has ``lead_unit, entity, indicator, status`` (status "" when not given). ``problem`` is
    :data:`LAG`, :data:`MISSING`, or :data:`STRETCH_SHORT` for a stretch goal given a status below its required one.
    """
    period = Period.parse(period)
    required = framework.memo(f"required {period}", lambda: required_statuses(framework, period))
    stretch = framework.memo("stretch goals", lambda: stretch_goals(framework))
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
    is_stretch = stretch.get_indexer(monitoring["indicator"].array.take(at)) >= 0
    problem = np.where(given[by] < 0, MISSING, np.where(is_stretch, STRETCH_SHORT, LAG))
    return pd.DataFrame({"lead_unit": monitoring["lead_unit"].array.take(at), "entity": monitoring["entity"].array.take(at),
                         "indicator": monitoring["indicator"].array.take(at),
                         "deadline": framework.indicators["deadline"].to_numpy()[pos[at]], "required": required.to_numpy()[pos[at]],
                         "status": monitoring["status"].array.take(at), "problem": pd.Series(problem, dtype=str).array})
