"""Analysts' exploration: drill down from an entity to each score, see where its points were lost,
and move the weights and options in a JupyterLab widget app (notebooks/30_explore.ipynb)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .assessment import Assessment
from .inputs import KEY
from .ranking import display_round
from .scoring import AGGREGATIONS
from .sensitivity import what_if


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


def show_entity(a: Assessment, entity: str) -> None:
    """The static drill-down of one entity (also what a headless run shows)."""
    from IPython.display import Markdown, display

    t = a.result.totals.set_index("entity").loc[entity]
    display(Markdown(f"### {entity}:{display_round(t['half_year']).item():.2f} 分,{a.framework.groups[t['group']]}第 {t['rank']} 名"))
    by_aspect, by_unit = points_lost(a, entity)
    display(Markdown("**各方面失分**"))
    display(by_aspect.style.hide(axis="index").format(precision=2))
    display(Markdown("**按牵头考核单位的失分**"))
    display(by_unit.style.hide(axis="index").format(precision=2))
    display(Markdown("**全部评分明细**"))
    display(drilldown(a, entity).style.hide(axis="index").format(precision=2, na_rep="—"))


def app(a: Assessment, entity: str | None = None) -> Any:
    """A widget app: choose an entity, move the weights and the aggregation, see ranks and losses update."""
    import ipywidgets as w
    from IPython.display import display

    fw = a.framework
    entities = list(a.result.totals["entity"])
    pick = w.Dropdown(options=entities, value=entity or default_entity(a), description="考评对象")
    sliders = {k: w.FloatSlider(value=v, min=0, max=1, step=0.05, description=fw.method_names[k]) for k, v in a.result.weights.items()}
    agg = w.ToggleButtons(options=[(v.split("(")[0], k) for k, v in AGGREGATIONS.items()], value=a.result.options["aggregation"])
    out = w.Output()

    def refresh(*_: Any) -> None:
        raw = {k: s.value for k, s in sliders.items()}
        total = sum(raw.values()) or 1.0
        weights = {k: v / total for k, v in raw.items()}
        with out:
            out.clear_output(wait=True)
            changed = what_if(fw, a.inputs, a.result, weights=weights, aggregation=agg.value)
            group = a.result.totals.set_index("entity").loc[pick.value, "group"]
            view = changed[changed["group"] == group].sort_values("new_rank")
            print("权重(归一后):" + "、".join(f"{fw.method_names[k]} {v:.0%}" for k, v in weights.items()))
            display(view.rename(columns={"entity": "考评对象", "total": "原分值", "rank": "原排名", "new_total": "新分值",
                                         "new_rank": "新排名", "change": "排名变化"}).drop(columns="group")
                    .style.hide(axis="index").format(precision=2))
            show_entity(a, pick.value)

    for control in (pick, agg, *sliders.values()):
        control.observe(refresh, names="value")
    refresh()
    ui = w.VBox([w.HBox([pick, agg]), w.HBox(list(sliders.values())), out])
    display(ui)
    return ui
