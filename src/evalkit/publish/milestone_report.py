"""The 报告's milestone section (METHOD.md §5): lags and missing statuses per lead unit, and the stretch goals
(力争目标) apart, never counted as lags."""
from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from ..core.escape import styled
from ..framework.deadlines import STATUSES
from ..framework.model import Framework
from ..framework.periods import Period
from ..scoring.assessment import Assessment
from ..scoring.milestones import (
    LAG,
    MISSING,
    STRETCH_SHORT,
    required_statuses,
    stretch_goals,
)
from .tables import indicator_names

STRETCH_NOTE = ("方案以“力争”表述的目标为力争目标，到期应至少“取得阶段性成效”（以量化目标考评的，按目标值计分）；"
                "未达到进度要求的单列于此，不计为进度滞后，不列入通报的进度滞后统计。")


def lag_summary(milestones: pd.DataFrame) -> pd.DataFrame:
    """Per lead unit: due indicators behind schedule and with no status, and their total; stretch goals left out.

    >>> m = pd.DataFrame({"lead_unit": ["甲", "甲", "乙"], "problem": ["滞后于进度要求", "力争目标未达到进度要求", "未填报完成情况"]})
    >>> lag_summary(m).values.tolist()
    [['乙', 0, 1, 1], ['甲', 1, 0, 1]]
    """
    m = milestones[milestones["problem"].isin([LAG, MISSING])]
    counts = pd.crosstab(m["lead_unit"], m["problem"]).reindex(columns=[LAG, MISSING], fill_value=0)
    counts.columns.name = None
    counts["合计"] = counts.sum(axis=1)
    return counts.sort_values("合计", ascending=False, kind="stable").reset_index().rename(columns={"lead_unit": "牵头考核单位"})


def milestone_rows(milestones: pd.DataFrame, problems: tuple[str, ...]) -> pd.DataFrame:
    """The milestone rows with these ``problems``, with Chinese headers."""
    m = milestones[milestones["problem"].isin(problems)]
    return pd.DataFrame({"牵头考核单位": m["lead_unit"], "考评对象": m["entity"], "指标": m["indicator"], "完成时限": m["deadline"],
                         "应达到": m["required"], "填报情况": m["status"].replace("", "—"), "问题": m["problem"]}).reset_index(drop=True)


def stretch_table(framework: Framework, monitoring: pd.DataFrame, period: str | Period,
                  targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each stretch goal (力争目标): its deadline, what it is judged by (the status reported, or its numeric target
    from ``targets``: entity, indicator, actual), what is due by the period's end (“未到期” when nothing is), and
    how many rows reach it, fall short, or give nothing."""
    period = Period.parse(period)
    required = required_statuses(framework, period)
    ind = framework.indicators.set_index("id")
    rank = pd.Index(STATUSES)
    rows = []
    for i in stretch_goals(framework):
        need, row = required[i], ind.loc[i]
        due = need is not None and need == need
        if row["target"] == row["target"]:  # judged by its numeric target
            actual = pd.Series(dtype="float64") if targets is None else targets.loc[targets["indicator"] == i, "actual"]
            goal = f"{_OPS[row['target_op']]}{row['target']:g}{row['target_unit']}"
            given = actual.dropna()
            reach = int(_meets(given, row["target_op"], row["target"], row["target_step"]).sum())
            basis, counts = f"目标值{goal}", (len(actual), reach, len(given) - reach, len(actual) - len(given))
            need = goal
        else:
            got = rank.get_indexer(monitoring.loc[monitoring["indicator"] == i, "status"])
            reach = int((got >= rank.get_loc(need)).sum()) if due else 0
            basis, counts = "完成情况", (len(got), reach, int((got >= 0).sum()) - reach, int((got < 0).sum()))
        n, reached, short, missing = counts
        rows.append({"指标": int(i), "完成时限": row["deadline"], "考评依据": basis, "应达到": need if due else "未到期",
                     "填报数": n, "已达到": reached if due else "—", "未达到": short if due else "—", "未填报": missing})
    return pd.DataFrame(rows, columns=["指标", "完成时限", "考评依据", "应达到", "填报数", "已达到", "未达到", "未填报"])


_OPS = {">=": "≥", ">": "＞", "<=": "≤"}


def _meets(actual: pd.Series, op: str, value: float, step: float) -> pd.Series:
    """Whether each actual value attains the target (``>``: at least value + step)."""
    return actual <= value if op == "<=" else actual >= value + (step if op == ">" else 0)


def section(a: Assessment) -> None:
    """进度滞后及未填报完成情况的指标, then the 力争目标 apart."""
    m = a.result.milestones
    lags = m[m["problem"].isin([LAG, MISSING])]
    display(Markdown(f"## 进度滞后及未填报完成情况的指标（{len(lags)} 项）"))
    _show(lag_summary(m))
    display(Markdown("### 明细（按牵头考核单位）"))
    _show(_named(a.framework, milestone_rows(m, (LAG, MISSING))))
    stretch = stretch_table(a.framework, a.inputs.monitoring, a.period, a.inputs.targets)
    if len(stretch):
        short = milestone_rows(m, (STRETCH_SHORT,))
        display(Markdown(f"## 力争目标（{len(stretch)} 项，单列）\n\n{STRETCH_NOTE}"))
        _show(_named(a.framework, stretch))
        display(Markdown(f"### 未达到进度要求的力争目标（{len(short)} 项）"))
        _show(_named(a.framework, short))


def _named(framework: Framework, table: pd.DataFrame) -> pd.DataFrame:
    """The 指标 column as number and shortened name."""
    return table.assign(指标=indicator_names(framework, table["指标"])) if len(table) else table


def _show(df: pd.DataFrame) -> None:
    """A table without its index, “（无）” when empty."""
    display(styled(df) if len(df) else Markdown("（无）"))
