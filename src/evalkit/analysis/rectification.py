"""The rectification (整改) loop (METHOD.md §8): each period's problem list (问题清单), and in the next
period which items were closed and the closure rate per entity and per lead unit.

An item is a (entity, lead unit, indicator) where the entity lost more than ``threshold`` of the
indicator's points in that lead unit's score (失分), or a milestone below its required status (进度滞后,
未填报完成情况, or 力争目标 for a stretch goal, which is never a lag; METHOD.md §5). It is closed in the next period when the score is back within the
threshold, or the status has reached the status the item required. Items still open carry over into
the next period's list.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..framework.deadlines import STATUSES
from ..framework.model import Framework
from ..framework.periods import Period
from ..inputs.period import PeriodInputs
from ..inputs.schema import KEY
from ..scoring.milestones import LAG, MISSING, STRETCH_SHORT
from ..scoring.scores import PeriodResult

MILESTONE_KINDS = {LAG: "进度滞后", MISSING: "未填报完成情况", STRETCH_SHORT: "力争目标"}
"""A milestone row's ``problem`` -> its problem kind in the list (力争目标 apart from 进度滞后)."""
KINDS = ("失分", *MILESTONE_KINDS.values())
"""The kinds of problem a list holds."""

ITEM_COLUMNS = ["entity", "lead_unit", "indicator", "kind", "points", "score", "required", "status", "deadline", "carried"]
"""A problem list: ``kind`` one of :data:`KINDS`; ``score`` the lead unit's (verified) score of
``points``; ``required`` / ``status`` for milestones; ``deadline`` the rectification deadline (整改时限);
``carried`` the period an open item was first listed in, empty for a new item."""


@dataclass(frozen=True)
class Settings:
    """A city's rectification rule: ``rectification`` in its framework.yaml (defaults marked derived)."""

    threshold: float = 0.2  # share of an indicator's points lost beyond which it is listed
    months: int = 3  # the rectification deadline, in months after the period's end
    derived: bool = True  # the city's document gives no such rule: to be confirmed (推定)


def settings(framework: Framework) -> Settings:
    """The framework's ``rectification: {threshold, months}``; Settings() where it gives none."""
    spec = framework.publication.get("rectification")
    return Settings(**{**spec, "derived": bool(spec.get("derived", False))}) if spec else Settings()


def deadline(period: Period, months: int) -> str:
    """The last day ``months`` after the period's end, as a Chinese date.

    >>> deadline(Period.parse("2022H1"), 3), deadline(Period.parse("2022H2"), 3)
    ('2022年9月30日', '2023年3月31日')
    """
    month = period.end_month + months
    year, month = period.year + (month - 1) // 12, (month - 1) % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return f"{year}年{month}月{last}日"


def unit_scores(framework: Framework, inputs: PeriodInputs) -> pd.DataFrame:
    """Each lead unit's score of each (entity, indicator) after the task force's verification, with the
    indicator's points and the status given: ``lead_unit, entity, indicator, score, points, status``."""
    mon = inputs.monitoring[KEY + ["score", "status"]]
    ver = inputs.verification.set_index(KEY)["verified"]
    keys = pd.MultiIndex.from_frame(mon[KEY])
    score = pd.Series(ver.reindex(keys).to_numpy(dtype="float64"), index=mon.index).fillna(mon["score"].astype("float64"))
    return mon.assign(score=score, points=mon["indicator"].map(framework.indicators.set_index("id")["points"]))[
        KEY + ["score", "points", "status"]]


def problem_list(framework: Framework, inputs: PeriodInputs, result: PeriodResult, *,
                 previous: pd.DataFrame | None = None, rule: Settings | None = None) -> pd.DataFrame:
    """The period's problem list (:data:`ITEM_COLUMNS`), sorted by entity order, lead unit and indicator.

    ``previous`` is the previous period's :func:`closures`: its open items carry over (``carried``).
    """
    rule = rule or settings(framework)
    due = deadline(result.period, rule.months)
    s = unit_scores(framework, inputs)
    lost = s[s["score"] < s["points"] * (1 - rule.threshold) - 1e-9]
    ind = framework.indicators.set_index("id")
    targets = result.indicators[result.indicators["indicator"].map(ind["target"]).notna()]
    targets = targets[targets["score"] < targets["points"] * (1 - rule.threshold) - 1e-9]
    targets = targets.assign(lead_unit=targets["indicator"].map(ind["lead_units"])).explode("lead_unit")
    m = result.milestones
    items = pd.concat([
        lost.assign(kind="失分", required="", status=lost["status"]),
        targets.assign(kind="失分", required="", status=""),
        m.assign(kind=m["problem"].map(MILESTONE_KINDS),
                 points=m["indicator"].map(ind["points"]), score=np.nan),
    ], ignore_index=True).assign(deadline=due, carried="")[ITEM_COLUMNS]
    if previous is not None and len(previous):
        still = previous[~previous["closed"]]
        since = dict(zip(_keys(still), still["carried"].where(still["carried"] != "", still["period"])))
        items["carried"] = [since.get(k, "") for k in _keys(items)]
        listed = set(_keys(items))
        carry = still[np.array([k not in listed for k in _keys(still)], dtype=bool)]
        items = pd.concat([items, carry.assign(carried=[since[k] for k in _keys(carry)], deadline=due)[ITEM_COLUMNS]], ignore_index=True)
    order = {e: i for i, e in enumerate(framework.entities["entity"])}
    items = items.assign(_o=items["entity"].map(order)).sort_values(["_o", "lead_unit", "indicator", "kind"], kind="stable")
    return items.drop(columns="_o").reset_index(drop=True)


def _keys(items: pd.DataFrame) -> list[tuple]:
    """An item's identity across periods: entity, lead unit, indicator, and whether it is about points."""
    return list(zip(items["entity"], items["lead_unit"], items["indicator"], items["kind"] == "失分"))


def closures(framework: Framework, items: pd.DataFrame, period: Period | str, inputs: PeriodInputs,
             result: PeriodResult, *, rule: Settings | None = None) -> pd.DataFrame:
    """The previous period's ``items`` judged in the next period: ``now_score``, ``now_status`` and
    ``closed`` (score back within the threshold, or status at the required one), with ``period``,
    the period the items were listed in."""
    rule = rule or settings(framework)
    s = unit_scores(framework, inputs).set_index(KEY)
    keys = pd.MultiIndex.from_frame(items[KEY])
    now_score = s["score"].reindex(keys).to_numpy(dtype="float64")
    ent = result.indicators.set_index(["entity", "indicator"])["score"]
    from_targets = ent.reindex(pd.MultiIndex.from_frame(items[["entity", "indicator"]])).to_numpy(dtype="float64")
    now_score = np.where(np.isnan(now_score), from_targets, now_score)
    now_status = s["status"].reindex(keys).fillna("").to_numpy()
    rank = pd.Index(STATUSES)
    scored = items["kind"] == "失分"
    closed = np.where(scored, now_score >= items["points"].to_numpy() * (1 - rule.threshold) - 1e-9,
                      rank.get_indexer(now_status) >= np.maximum(rank.get_indexer(items["required"]), 1))
    return items.assign(period=str(Period.parse(period) if isinstance(period, str) else period),
                        now_score=now_score, now_status=now_status, closed=closed.astype(bool))


def closure_rates(judged: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per ``entity`` or ``lead_unit``: items, closed, open and the closure rate (0 to 1).

    >>> closure_rates(pd.DataFrame({"entity": ["甲", "甲", "乙"], "closed": [True, False, True]}), "entity")
      entity  items  closed  open  rate
    0      甲      2       1     1   0.5
    1      乙      1       1     0   1.0
    """
    g = judged.groupby(by, sort=False)["closed"]
    out = pd.DataFrame({"items": g.size(), "closed": g.sum().astype("int64")})
    out["open"] = out["items"] - out["closed"]
    out["rate"] = out["closed"] / out["items"]
    return out.reset_index()


def period_tables(framework: Framework, inputs: PeriodInputs, result: PeriodResult,
                  previous: tuple[PeriodInputs, PeriodResult] | None = None) -> dict[str, pd.DataFrame]:
    """What a period's notebook records for the history store (:mod:`evalkit.store.history`): each lead unit's
    scores, the task force's corrections, the milestone lags, the problem list and, given the previous
    period, the closures of its items."""
    judged = None
    if previous is not None:
        judged = closures(framework, problem_list(framework, *previous), previous[1].period, inputs, result)
    tables = {"unit_scores": unit_scores(framework, inputs), "corrections": result.corrections, "milestones": result.milestones,
              "problems": problem_list(framework, inputs, result, previous=judged)}
    return tables | ({"closures": judged} if judged is not None else {})


