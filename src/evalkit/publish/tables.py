"""Display tables in Chinese: what people read, built from the scoring results."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..core.errors import Problem
from ..core.rounding import display_round
from ..framework.model import Framework
from ..scoring.assessment import AnnualAssessment, Assessment
from ..scoring.scores import PeriodResult


def in_group_order(framework: Framework, totals: pd.DataFrame) -> pd.DataFrame:
    """``totals`` sorted by the framework's group order, then rank (ties keep their order)."""
    order = totals["group"].map({g: i for i, g in enumerate(framework.groups)})
    return totals.iloc[np.lexsort((totals["rank"].to_numpy(), order.to_numpy()))]


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """Input problems for people: where (file, sheet, row, column) and what, in Chinese and English."""
    return pd.DataFrame({
        "文件 file": [p.file for p in problems],
        "工作表 sheet": [p.sheet or "" for p in problems],
        "行 row": [p.row if p.row is not None else "" for p in problems],
        "列 column": [p.column or "" for p in problems],
        "问题": [p.zh for p in problems],
        "problem": [p.message for p in problems],
    })


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


def ranking_table(framework: Framework, result: PeriodResult, group: str | None = None,
                  previous: PeriodResult | None = None) -> pd.DataFrame:
    """The published ranking: method scores, total and rank, rounded for display, ties marked 并列;
    with ``previous``, the change of rank since then (↑ up, ↓ down, 新 not ranked before)."""
    t = in_group_order(framework, result.totals if group is None else result.totals[result.totals["group"] == group])
    out = pd.DataFrame({"考评对象": t["entity"], "组别": t["group"].map(framework.groups)})
    for m in framework.methods:
        out[m.name] = display_round(t[m.key])
    out["半年考评分值"] = display_round(t["half_year"])
    out["排名"] = rank_shown(t)
    if previous is not None:
        before = t["entity"].map(previous.totals.set_index("entity")["rank"])
        out["排名变化"] = [rank_change(b, n) for b, n in zip(before, t["rank"])]
    return out.reset_index(drop=True)


def rank_change(before, now) -> str:
    """``↑2``, ``↓1``, ``—`` (unchanged) or ``新`` (not ranked before).

    >>> rank_change(4, 2), rank_change(1, 3), rank_change(2, 2), rank_change(None, 1)
    ('↑2', '↓2', '—', '新')
    """
    if before is None or pd.isna(before):
        return "新"
    step = int(before) - int(now)
    return "—" if step == 0 else (f"↑{step}" if step > 0 else f"↓{-step}")


def rank_shown(t: pd.DataFrame) -> pd.Series:
    """Each row's rank as printed (``t``: group, rank): ``3（并列）`` where another entity of its group shares it.

    >>> rank_shown(pd.DataFrame({"group": ["甲", "甲", "甲", "乙"], "rank": [1, 1, 3, 1]})).tolist()
    ['1（并列）', '1（并列）', '3', '1']
    """
    tied = t.duplicated(["group", "rank"], keep=False)
    return t["rank"].astype(str).where(~tied, t["rank"].astype(str) + "（并列）")


def rank_range(lo: int, hi: int) -> str:
    """A rank interval as printed: ``3～5``, or ``4`` when both ends are equal.

    >>> rank_range(3, 5), rank_range(4, 4)
    ('3～5', '4')
    """
    return str(lo) if lo == hi else f"{lo}～{hi}"


def aspect_table(framework: Framework, result: PeriodResult) -> pd.DataFrame:
    """Entity x aspect: points earned of points available (e.g. ``23.45 / 25``), '—' where not assessed."""
    a = result.aspects.assign(cell=lambda d: [f"{e:.2f} / {p:g}" for e, p in zip(display_round(d["score"]), d["aspect_points"])])
    table = a.pivot(index="entity", columns="aspect", values="cell").reindex(columns=list(framework.aspects["id"]))
    names = dict(zip(framework.aspects["id"], framework.aspects["name"]))
    table.columns = [f"{k}、{names[k]}" for k in table.columns]
    table = table.reindex(in_group_order(framework, result.totals)["entity"]).fillna("—")
    return table.reset_index().rename(columns={"entity": "考评对象"})


def corrections_table(result: PeriodResult) -> pd.DataFrame:
    """The task force's verified scores beside the lead units' (数字政府专班核实)."""
    c = result.corrections
    return pd.DataFrame({"牵头考核单位": c["lead_unit"], "考评对象": c["entity"], "指标": c["indicator"],
                         "原评分": display_round(c["reported"]), "核实得分": display_round(c["verified"]),
                         "差值": display_round(c["verified"] - c["reported"].fillna(0))})


def milestone_summary(result: PeriodResult) -> pd.DataFrame:
    """Per lead unit: how many due indicators lag and how many have no status."""
    m = result.milestones
    counts = pd.crosstab(m["lead_unit"], m["problem"]).reindex(columns=["滞后于进度要求", "未填报完成情况"], fill_value=0)
    counts["合计"] = counts.sum(axis=1)
    return counts.sort_values("合计", ascending=False).reset_index().rename(columns={"lead_unit": "牵头考核单位"})


def milestone_table(result: PeriodResult) -> pd.DataFrame:
    """Indicators due by the period's end that lag, per lead unit and entity (METHOD.md §5)."""
    m = result.milestones
    return pd.DataFrame({"牵头考核单位": m["lead_unit"], "考评对象": m["entity"], "指标": m["indicator"], "完成时限": m["deadline"],
                         "应达到": m["required"], "填报情况": m["status"].replace("", "—"), "问题": m["problem"]})


def annual_table(framework: Framework, totals: pd.DataFrame, group: str) -> pd.DataFrame:
    """The annual ranking of one group: H1, H2, annual = (H1 + H2) / 2, rank (ties 并列)."""
    t = totals[totals["group"] == group].sort_values("rank", kind="stable")
    return pd.DataFrame({"考评对象": t["entity"], "上半年": display_round(t["h1"]), "下半年": display_round(t["h2"]),
                         "年度考评分值": display_round(t["annual"]), "排名": rank_shown(t)}).reset_index(drop=True)


def is_synthetic(a: Assessment | AnnualAssessment) -> bool:
    """Whether any input workbook says it holds example data (示例数据)."""
    inputs = [a.inputs] if isinstance(a, Assessment) else [a.h1.inputs, a.h2.inputs]
    return any(i.synthetic for i in inputs)


FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）"})
"""Half-width punctuation as the source documents' OCR left it, made full-width for Chinese text."""



def full_text(text: str) -> str:
    """An indicator's whole text as printed: full-width punctuation, no stray spaces.

    >>> full_text("短文本,(甲) 乙")
    '短文本，（甲）乙'
    """
    return "".join(str(text).split()).translate(FULL_WIDTH)


_BESIDE_CHINESE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[,;:()]|[,;:()](?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


def chinese_punctuation(text: str) -> str:
    """Half-width commas, semicolons, colons and parentheses beside a Chinese character made full-width; spaces, numbers
    (``1,000``) and Latin text left as they are.

    >>> chinese_punctuation("按 Saltelli 方案(512 个样本);见 f(x), 1,000 分")
    '按 Saltelli 方案（512 个样本）；见 f(x), 1,000 分'
    """
    return _BESIDE_CHINESE.sub(lambda m: m.group().translate(FULL_WIDTH), text)


def shorten(text: str, width: int = 24) -> str:
    """An indicator's text with full-width punctuation, cut to ``width`` characters with "…".

    >>> shorten("推进政务服务事项全程网办", 8), shorten("短文本,(甲)", 8)
    ('推进政务服务事项…', '短文本，（甲）')
    """
    text = full_text(text)
    return text if len(text) <= width else text[:width].rstrip("，。；、,. ") + "…"



def indicator_names(framework, ids) -> list[str]:
    """Indicators cited by number and shortened name, e.g. ``80 推进政务服务事项全程网办…``."""
    text = framework.indicators.set_index("id")["text"]
    return [f"{i} {shorten(text.get(i, ''), 16)}" for i in ids]
