"""Analysts' exploration: drill down from an entity to each score, see where its points were lost, its change since
the previous half-year, the group's coherence and the entity's trend; the widget app that shows them is
:mod:`evalkit.publish.explore_app`."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core.escape import md
from ..core.rounding import display_round
from ..inputs.schema import KEY
from ..scoring.assessment import Assessment
from ..scoring.scores import PeriodResult
from .explore_view import aspect_label, indicator_label, table


def default_entity(a: Assessment) -> str:
    """The first-ranked entity of the framework's first group."""
    t = a.result.totals
    first = next(iter(a.framework.groups))
    return t[t["group"] == first].sort_values("rank")["entity"].iloc[0]


def drilldown(a: Assessment, entity: str) -> pd.DataFrame:
    """Every score behind an entity's monitoring total: aspect, indicator, lead unit, the score it
    gave, any task-force correction, the score used, the points and the status."""
    ind = a.framework.indicators.set_index("id")
    mon = a.inputs.monitoring[a.inputs.monitoring["entity"] == entity][KEY + ["score", "status"]]
    ver = a.inputs.verification[a.inputs.verification["entity"] == entity][KEY + ["verified"]]
    rows = mon.merge(ver, on=KEY, how="outer")
    rows["used"] = rows["verified"].fillna(rows["score"])
    tgt = a.inputs.targets[a.inputs.targets["entity"] == entity]
    s = a.result.indicators.set_index(["entity", "indicator"])["score"]
    targets = pd.DataFrame({"lead_unit": [" / ".join(ind.loc[i, "lead_units"]) for i in tgt["indicator"]], "entity": entity,
                            "indicator": tgt["indicator"].to_numpy(), "score": np.nan, "status": "",
                            "verified": np.nan, "used": [s.get((entity, i), np.nan) for i in tgt["indicator"]]})
    rows = pd.concat([rows, targets], ignore_index=True) if len(targets) else rows
    aspect_name = dict(zip(a.framework.aspects["id"], a.framework.aspects["name"]))
    out = pd.DataFrame({
        "方面": [f"{ind.loc[i, 'aspect']}、{aspect_name[ind.loc[i, 'aspect']]}" for i in rows["indicator"]],
        "指标": rows["indicator"].to_numpy(), "指标内容": [str(ind.loc[i, "text"])[:40] for i in rows["indicator"]],
        "牵头考核单位": rows["lead_unit"].to_numpy(), "分值": [ind.loc[i, "points"] for i in rows["indicator"]],
        "原评分": rows["score"].to_numpy(), "专班核实": rows["verified"].to_numpy(), "采用得分": rows["used"].to_numpy(),
        "完成情况": rows["status"].fillna("").replace("", "—").to_numpy(),
    })
    return out.sort_values(["指标", "牵头考核单位"]).reset_index(drop=True)


def losses(a: Assessment, entity: str) -> pd.DataFrame:
    """Points lost per (indicator, lead unit): the indicator's points less the score used, shared
    equally among the indicator's lead units (its score is their mean)."""
    d = drilldown(a, entity)
    n = d.groupby("指标")["牵头考核单位"].transform("count")
    return d.assign(失分=(d["分值"] - d["采用得分"].fillna(0)) / n)


def points_lost(a: Assessment, entity: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where the points were lost: per aspect (available, earned, lost) and per lead unit (lost)."""
    lost = losses(a, entity)
    asp = a.result.aspects[a.result.aspects["entity"] == entity]
    names = dict(zip(a.framework.aspects["id"], a.framework.aspects["name"]))
    by_aspect = pd.DataFrame({"方面": [f"{k}、{names[k]}" for k in asp["aspect"]], "可得分值": asp["available"].to_numpy(),
                              "得分": asp["earned"].to_numpy(), "失分": (asp["available"] - asp["earned"]).to_numpy(),
                              "得分率": [f"{v:.1%}" for v in asp["earned"] / asp["available"]]})
    by_unit = lost.groupby("牵头考核单位", as_index=False)["失分"].sum().sort_values("失分", ascending=False)
    return by_aspect.reset_index(drop=True), by_unit[by_unit["失分"] > 1e-12].reset_index(drop=True)


def largest_losses(a: Assessment, entity: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` largest losses of points, each with the lead unit that scored it."""
    lost = losses(a, entity)
    lost = lost[lost["失分"] > 1e-12].sort_values(["失分", "指标"], ascending=[False, True]).head(n)
    return lost[["指标", "指标内容", "牵头考核单位", "分值", "采用得分", "失分", "完成情况"]].reset_index(drop=True)


def header_text(a: Assessment, entity: str, result: PeriodResult | None = None) -> str:
    """One line: the entity's total and rank under ``result`` (default: the published one), with the
    published ones beside them when they differ."""
    t = (result or a.result).totals.set_index("entity").loc[entity]
    line = f"{entity}：{display_round(t['half_year']).item():.2f} 分，{a.framework.groups[t['group']]}第 {t['rank']} 名"
    if result is not None and result is not a.result:
        p = a.result.totals.set_index("entity").loc[entity]
        line += f"（公布：{display_round(p['half_year']).item():.2f} 分，第 {p['rank']} 名）"
    return line


def show_entity(a: Assessment, entity: str, result: PeriodResult | None = None, *, header: bool = True) -> None:
    """The static drill-down of one entity (also what a headless run shows); the header follows ``result``."""
    from IPython.display import Markdown, display

    if header:
        display(Markdown(f"### {md(header_text(a, entity, result))}"))
    by_aspect, by_unit = points_lost(a, entity)
    display(Markdown("**各方面失分**"))
    display(table(by_aspect))
    display(Markdown("**按牵头考核单位的失分**"))
    display(table(by_unit))
    display(Markdown("**全部评分明细**"))
    display(table(drilldown(a, entity)))


def show_change(a: Assessment, entity: str) -> None:
    """Where the entity's change of total since the previous half-year came from, by method and aspect."""
    from IPython.display import Image, Markdown, display

    from ..analysis.contributions import attribution, part_names, rounded_to_sum
    from . import analysis_plots, plots

    if a.previous is None:
        display(Markdown("（没有上期考评结果，无法比较。）"))
        return
    changes = attribution(a.framework, a.previous.result, a.result).set_index("entity")
    if entity not in changes.index:
        display(Markdown(f"（{md(entity)}上期未参加考评。）"))
        return
    row = changes.loc[entity]
    labels = part_names(a.framework)
    parts = row[list(labels)].astype(float)
    shown = rounded_to_sum(parts, float(display_round(row["total_after"]).item() - display_round(row["total_before"]).item()))
    display(Markdown(f"### {entity}：{a.previous.period.label} {display_round(row['total_before']).item():.2f} 分（第 {row['rank_before']} 名）"
                     f" → {a.period.label} {display_round(row['total_after']).item():.2f} 分（第 {row['rank_after']} 名）"))
    display(Image(data=plots.png(analysis_plots.attribution_bars(parts, labels, "总分变化的来源")), format="png"))
    display(table(pd.DataFrame({"来源": [labels[p] for p in parts.index], "贡献（分）": shown.to_numpy()})))


def show_trend(a: Assessment, entity: str, outputs: Path | None = None) -> None:
    """The entity's published total and rank in every half-year of the history store (:mod:`evalkit.store.history`),
    as a table and a line; a note where there is no history yet."""
    from IPython.display import Image, Markdown, display

    from ..framework.periods import Period
    from ..store.history import database, history
    from . import plots

    if not database(outputs).is_file():
        display(Markdown("（尚无历次考评记录：存档的运行写入历史数据库后，此处显示历次分值和排名。）"))
        return
    h = history(a.framework.city, outputs)
    t = h.totals
    h.con.close()
    t = t[(t["entity"] == entity) & (t["period"].str.len() == 6)]
    if t.empty:
        display(Markdown(f"（历史数据库中没有{md(entity)}的已公布结果。）"))
        return
    labels = {p: Period.parse(p).label for p in t["period"]}
    display(table(pd.DataFrame({"考评期": t["period"].map(labels), "半年考评分值": t["total"].round(2), "组内排名": t["rank"]})))
    display(Image(data=plots.png(plots.trend(t, labels, f"{entity}历次半年考评分值")), format="png"))


def show_coherence(a: Assessment, group: str, result: PeriodResult | None = None) -> None:
    """The group's statistical coherence: which parts decide the ranking, alpha per aspect, correlations."""
    from IPython.display import Markdown, display

    from ..analysis.coherence import aspect_alpha, correlations, deciding_parts

    r, fw = result or a.result, a.framework
    display(Markdown(f"**{md(fw.groups[group])}：各部分对总分差异的贡献**（占总分方差的比例；接近 0 的部分对排名不起作用）"))
    d = deciding_parts(fw, r, group)
    display(table(d.rename(columns={"name": "部分", "mean": "平均贡献（分）", "std": "标准差（分）", "variance_share": "方差占比"})
                  .drop(columns="part"), formatter={"平均贡献（分）": "{:.2f}", "标准差（分）": "{:.2f}", "方差占比": "{:.1%}"}))
    al = aspect_alpha(fw, r, group)
    display(Markdown("**各方面内部一致性（Cronbach's α，按组内全体适用且有差异的指标计算）**"))
    display(table(pd.DataFrame({"方面": [aspect_label(fw, k) for k in al["aspect"]], "指标数": al["indicators"],
                                "参与计算的指标": al["items"], "考评对象数": al["entities"], "α": al["alpha"]})))
    c = correlations(fw, r, group)
    c = c[c["level"] == "指标"].sort_values("r_total")
    display(Markdown("**与总分相关最弱的指标**（相关系数为负或接近 0 的指标与总分方向不一致）"))
    display(table(pd.DataFrame({"指标": [indicator_label(fw, i) for i in c["id"]], "方面": [aspect_label(fw, k) for k in c["aspect"]],
                                "考评对象数": c["n"], "与所属方面相关": c["r_aspect"], "与总分相关": c["r_total"]}).head(10)))
