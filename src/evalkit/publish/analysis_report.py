"""Sections of the internal edition (报告) for the task force and the 市委、市政府、市纪委监委: who is assessed
on what, the framework's statistical coherence, the variance-based sensitivity of the ranks and where each
entity's change since the previous half-year came from. Each function displays one section of an
:class:`~evalkit.scoring.assessment.Assessment`, in Chinese."""
from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display
from pandas.io.formats.style import Styler

from ..analysis.coherence import aspect_alpha, deciding_parts
from ..analysis.contributions import attribution, part_names, rounded_to_sum
from ..analysis.sobol import factor_names, rank_sobol
from ..core.escape import md, styled
from ..core.rounding import display_round
from ..framework.applicability import applicability_table
from ..scoring.assessment import Assessment
from .tables import chinese_punctuation
from .wide import show_parts


def _styled(df: pd.DataFrame, **fmt) -> Styler:
    text = [c for c in df.columns if df[c].dtype == object]
    return styled(df, **fmt).set_properties(subset=text, **{"text-align": "left"})


def _table(df: pd.DataFrame, **fmt) -> None:
    display(Markdown("（无）") if df.empty else _styled(df, **fmt))


def show_applicability(a: Assessment) -> None:
    """考评对象适用范围: per indicator its rule, reason and review decision, then indicator x entity."""
    fw = a.framework
    t = applicability_table(fw)
    for column in ("理由", "复核意见"):  # the framework's own words, from sources with half-width punctuation
        t[column] = t[column].map(chinese_punctuation)
    reviewed = t[t["复核意见"] != ""]
    lines = ["## 考评对象适用范围", "",
             f"下表列出每项指标考评哪些考评对象及其理由（共 {len(t)} 项指标、{len(fw.entities)} 个考评对象、"
             f"{int(t['考评对象数'].sum())} 个“指标 × 考评对象”组合）。适用范围是对指标条文的解读，"
             "已制成考评对象适用范围表（`evalkit applicability`）送各牵头考核单位确认；确认后的表格取代下列解读。"]
    lines += [f"- {md(n)}" for n in fw.notes]
    display(Markdown("\n".join(lines)))
    if len(reviewed):
        display(Markdown(f"**经复核的适用范围（{len(reviewed)} 项）**"))
        _table(reviewed[["指标", "牵头考核单位", "适用范围", "考评对象数", "复核意见"]])
    display(Markdown("**各指标的适用范围**"))
    _table(t[["指标", "牵头考核单位", "适用范围", "考评对象数", "理由"]])
    display(Markdown("**指标 × 考评对象（✓ 为考评）**"))
    for group, label in fw.groups.items():  # one matrix per group, its entities' names upright: a column per entity fits the page
        names = fw.entities.loc[fw.entities["group"] == group, "entity"].tolist()
        matrix = t[["指标", *names]].replace({"适用": "✓"})
        matrix = matrix[(matrix[names] == "✓").any(axis=1)]
        if names:
            display(Markdown(f"{md(label)}（考评本组的 {len(matrix)} 项指标）："))
            show_parts(matrix, ["指标"], vertical=True)


def show_coherence(a: Assessment) -> None:
    """统计一致性: which parts decide the ranking in each group, and Cronbach's alpha per aspect."""
    fw, r = a.framework, a.result
    names = dict(zip(fw.aspects["id"], fw.aspects["name"]))
    display(Markdown("\n".join([
        "## 指标体系的统计一致性", "",
        "按复合指标审核的通行做法，检查各部分在实际评分中是否起作用：总分是日常监测各方面与其他考评方式贡献之和，"
        "某部分的“方差占比”是它与总分的协方差占总分方差的比例（各部分合计 100%）；占比接近 0 的部分虽有分值，"
        "对排名几乎不起作用。Cronbach's α 衡量同一方面内指标得分的一致程度，按组内全体适用且有差异的指标计算。"])))
    for group, label in fw.groups.items():
        if not (r.totals["group"] == group).any():
            continue
        d = deciding_parts(fw, r, group)
        display(Markdown(f"**{md(label)}**"))
        _table(pd.DataFrame({"部分": d["name"], "平均贡献（分）": d["mean"], "标准差（分）": d["std"],
                             "方差占比": [f"{v:.1%}" if v == v else "—" for v in d["variance_share"]]}))
        al = aspect_alpha(fw, r, group)
        _table(pd.DataFrame({"方面": [f"{k}、{names[k]}" for k in al["aspect"]], "指标数": al["indicators"],
                             "参与计算的指标": al["items"], "Cronbach's α": al["alpha"]}))


def show_sobol(a: Assessment, *, n: int = 512, band: float = 0.2, seed: int = 0) -> None:
    """排名的方差分解: first-order and total Sobol indices of each entity's rank (beside the Monte-Carlo intervals)."""
    fw = a.framework
    s = rank_sobol(fw, a.result, n=n, band=band, seed=seed)
    labels = factor_names(fw)
    display(Markdown("\n".join([
        "## 排名的方差分解（Sobol 指数）", "",
        f"在与排名稳健性相同的设定下（各考评方式权重在 ±{band:.0%} 内变化，两种日常监测计算方式），用 SALib 按 Saltelli 方案"
        f"（{n} 个基础样本，随机种子 {seed}）计算每个考评对象排名的一阶指数 S1（该因素单独解释的排名方差比例）和总效应指数 ST"
        "（含与其他因素的交互）。排名在所有模拟中不变的考评对象没有方差可分解，不列入下表。"
        "指数为抽样估计，误差约 ±0.05，接近 0 的负值应理解为 0。"])))
    moving = s[~s["stable"]]
    if moving.empty:
        display(Markdown("（所有考评对象的排名在模拟中均不变。）"))
        return
    for group, label in fw.groups.items():  # one table per group; a cell holds S1 / ST, so a factor takes one column
        part = moving[moving["group"] == group]
        if part.empty:
            continue
        who = part[["entity", "rank"]].drop_duplicates()
        s1, st = (part.set_index(["entity", "factor"])[k] for k in ("S1", "ST"))
        out = pd.DataFrame({"考评对象": who["entity"].to_numpy(), "公布排名": who["rank"].to_numpy()})
        for f in dict.fromkeys(part["factor"]):
            out[labels[f]] = [sobol_cell(s1.get((e, f), float("nan")), st.get((e, f), float("nan"))) for e in who["entity"]]
        display(Markdown(f"**{md(label)}**（每格为 S1 / ST）"))
        show_parts(out.sort_values("公布排名", kind="stable"), ["考评对象", "公布排名"], style=_styled)


def sobol_cell(s1: float, st: float) -> str:
    """A factor's first-order and total indices in one cell.

    >>> sobol_cell(0.123, 0.456), sobol_cell(float("nan"), 0.2)
    ('0.12 / 0.46', '— / 0.20')
    """
    return " / ".join("—" if v != v else f"{v:.2f}" for v in (s1, st))


def show_attribution(a: Assessment) -> None:
    """分值变化的来源: each entity's change of total since the previous half-year, split exactly into
    methods and aspects (printed parts add up to the printed change)."""
    if a.previous is None:
        return
    fw = a.framework
    t = attribution(fw, a.previous.result, a.result)
    labels = part_names(fw)
    display(Markdown("\n".join([
        f"## 与{a.previous.period.label}相比的分值变化来源", "",
        "总分是日常监测各方面与其他考评方式贡献之和，故总分的变化可精确分解为各部分贡献的变化；"
        "下表各部分按两位小数显示，其和等于显示的总分变化。"])))
    for group, label in fw.groups.items():  # one table per group, in parts that repeat who, the ranks and the change
        rows = []
        for _, row in t[t["group"] == group].sort_values("rank_after", kind="stable").iterrows():
            change = float(display_round(row["total_after"]).item() - display_round(row["total_before"]).item())
            parts = rounded_to_sum(row[list(labels)].astype(float), change)
            rows.append({"考评对象": row["entity"], "上期排名": row["rank_before"], "本期排名": row["rank_after"],
                         "总分变化": change, **{labels[p]: v for p, v in parts.items()}})
        if rows:
            display(Markdown(f"**{md(label)}**"))
            show_parts(pd.DataFrame(rows), ["考评对象", "上期排名", "本期排名", "总分变化"], style=_styled)
