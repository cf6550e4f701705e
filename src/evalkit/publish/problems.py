"""四、存在的问题 of the bulletin and its 附件3: where points were lost, which milestones lag, how the previous period's
problems were rectified, and each entity's own problem items with the lead unit and the 整改 deadline."""
from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from ..core.escape import md, styled
from ..core.rounding import display_round
from ..scoring.assessment import Assessment
from .tables import full_text


def lost_points(a: Assessment, n: int = 5) -> pd.DataFrame:
    """The ``n`` indicators where the most points were lost across all entities, by name."""
    ind = a.framework.indicators.set_index("id")
    r = a.result.indicators.assign(lost=lambda d: d["points"] - d["score"])
    per = r.groupby("indicator").agg(lost=("lost", "sum"), entities=("entity", "size"),
                                     short=("lost", lambda x: int((x > 1e-9).sum()))).sort_values("lost", ascending=False)
    per = per[per["lost"] > 1e-9].head(n)
    return pd.DataFrame({"指标": per.index.astype(int), "指标内容": [full_text(ind.loc[i, "text"]) for i in per.index],
                         "牵头考核单位": ["、".join(ind.loc[i, "lead_units"]) for i in per.index],
                         "失分合计": display_round(per["lost"]).to_numpy(),
                         "失分单位数": [f"{s}/{e}" for s, e in zip(per["short"], per["entities"])]})


def overdue_by_unit(a: Assessment) -> pd.DataFrame:
    """Per lead unit: indicators behind schedule and with no status reported."""
    m = a.result.milestones
    counts = pd.crosstab(m["lead_unit"], m["problem"]).reindex(columns=["滞后于进度要求", "未填报完成情况"], fill_value=0)
    counts["合计"] = counts.sum(axis=1)
    return counts.sort_values("合计", ascending=False, kind="stable").reset_index().rename(columns={"lead_unit": "牵头考核单位"})


def section(a: Assessment) -> None:
    """四、存在的问题: where most points were lost and which lead units' indicators are behind schedule."""
    lost, late = lost_points(a), overdue_by_unit(a)
    display(Markdown("## 四、存在的问题\n\n（一）失分较多的指标。"))
    display(styled(lost) if len(lost) else Markdown("无。"))
    display(Markdown(f"（二）进度滞后的指标。按方案确定的完成时限，本期共有{int(late['合计'].sum()) if len(late) else 0}项"
                     "“指标×考评对象”进度滞后或未填报完成情况，按牵头考核单位统计如下。"))
    display(styled(late) if len(late) else Markdown("无。"))
    if a.previous is not None:
        rectified(a)


def closure_table(a: Assessment) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The previous period's problem list judged now (:func:`evalkit.analysis.rectification.closures`), and its closure
    rate per lead unit for people: 牵头考核单位, 问题数, 已整改, 未整改, 整改率."""
    from ..analysis.rectification import closure_rates

    judged = _judged(a)
    rates = closure_rates(judged, "lead_unit").sort_values(["rate", "items"], ascending=[True, False], kind="stable")
    return judged, pd.DataFrame({"牵头考核单位": rates["lead_unit"], "问题数": rates["items"], "已整改": rates["closed"],
                                 "未整改": rates["open"], "整改率": [f"{r:.0%}" for r in rates["rate"]]})


def _judged(a: Assessment) -> pd.DataFrame | None:
    """The previous period's problem list judged now (closed or not), or None without a previous period."""
    from ..analysis.rectification import closures, problem_list

    before = a.previous
    if before is None:
        return None
    return closures(a.framework, problem_list(a.framework, before.inputs, before.result), before.period, a.inputs, a.result)


def entity_items(a: Assessment) -> pd.DataFrame:
    """Each entity's problem items, in entity order: the period's 问题清单 with the previous list's open items carried
    over, each with the indicator's number and full text, the problem in words, the lead unit and the 整改 deadline."""
    from ..analysis.rectification import problem_list
    from ..framework.periods import Period
    from ..inputs.rectification import problem_text

    items = problem_list(a.framework, a.inputs, a.result, previous=_judged(a))
    text = a.framework.indicators.set_index("id")["text"].map(full_text)
    return pd.DataFrame({"考评对象": items["entity"].to_numpy(), "指标": items["indicator"].astype(int).to_numpy(),
                         "指标内容": items["indicator"].map(text).to_numpy(),
                         "问题": [problem_text(r) + (f"（{Period.parse(r.carried).label}起未整改）" if r.carried else "")
                                for r in items.itertuples()],
                         "牵头考核单位": items["lead_unit"].to_numpy(), "整改时限": items["deadline"].to_numpy()})


def annex(a: Assessment) -> None:
    """附件3: each entity finds its own problem items, under its own name, with the lead unit and the 整改 deadline."""
    from . import document

    items = entity_items(a)
    document.annex_heading(a, "各考评对象问题清单")
    display(Markdown(f"本期共{len(items)}项问题（含上期未整改转入本期的问题），按考评对象列出，"
                     "请各单位对照整改；问题所涉指标由所列牵头考核单位考核。"))
    for entity in a.framework.entities["entity"]:
        mine = items[items["考评对象"] == entity]
        if len(mine):
            display(Markdown(f"### {md(entity)}（{len(mine)}项）"))
            if mine["整改时限"].nunique() == 1:  # one deadline: said once, the column left to the text
                display(Markdown(f"整改时限：{md(mine['整改时限'].iloc[0])}。"))
                mine = mine.drop(columns="整改时限")
            display(styled(mine.drop(columns="考评对象")))


def rectified(a: Assessment) -> None:
    """（三）上期问题整改情况: how many of the previous period's items were closed, per lead unit."""
    judged, table = closure_table(a)
    if judged.empty:
        display(Markdown(f"（三）上期问题整改情况。{a.previous.period.label}问题清单无待整改事项。"))
        return
    done = int(judged["closed"].sum())
    display(Markdown(f"（三）上期问题整改情况。{a.previous.period.label}问题清单共{len(judged)}项，本期已整改{done}项，"
                     f"整改率{done / len(judged):.0%}；未整改的{len(judged) - done}项转入本期问题清单，继续整改。按牵头考核单位统计如下。"))
    display(styled(table))
