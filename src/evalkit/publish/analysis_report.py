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
from ..analysis.sobol import AGGREGATION_FACTOR, factor_names, rank_sobol
from ..analysis.sobol_summary import (
    IMPRECISE,
    UNRESOLVED,
    Summary,
    moving_table,
    omitted,
    summarize,
)
from ..core.escape import md, styled
from ..core.rounding import display_round
from ..framework.applicability import applicability_table
from ..scoring.assessment import Assessment
from .tables import chinese_punctuation
from .wide import show_parts


def _styled(df: pd.DataFrame, **fmt) -> Styler:
    text = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]  # text (object or str dtype) reads from the left
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


def show_sobol(a: Assessment, *, n: int = 4096, band: float = 0.2, seed: int = 0) -> None:
    """排名的方差分解: per entity whose rank moves, its rank range beside each factor's share (Sobol total
    index ST), the entities left out named, and a conclusion whose numbers are :func:`summarize`'s."""
    fw = a.framework
    s = rank_sobol(fw, a.result, n=n, band=band, seed=seed)
    labels, t = factor_names(fw), moving_table(s)
    display(Markdown("\n".join([
        "## 排名的方差分解（Sobol 指数）", "",
        f"在与排名稳健性相同的设定下（各考评方式权重在±{band:.0%}内变化，日常监测按第三条（三）的两种理解汇总），"
        f"用 SALib 按 Saltelli 方案（{n}个基础样本，随机种子{seed}）重新计算排名{n * (s['factor'].nunique() + 2)}次，"
        "把每个考评对象排名的变动分解到各因素。", "",
        "下表“排名范围”是全部模拟中出现过的最好和最差名次，“变动占比”是排名与公布排名不同的模拟所占比例。"
        "各因素一栏为该因素的份额（总效应指数 ST）：排名变动中与该因素有关的部分所占比例，包括该因素单独的作用"
        "和与其他因素的共同作用；0表示与该因素无关，1表示全部与其有关。共同作用在有关的每个因素中各计一次，"
        "故同一考评对象各因素的份额之和可以大于1。“主要来源”是份额最大的因素。", "",
        "**份额说明排名变动来自哪里，不说明变动有多大**。排名只在第1—2名之间变动的考评对象，某因素的份额即使接近1，"
        "也只表示该因素可使其排名变动1个名次，故份额须与排名范围、变动占比对照阅读。", "",
        omitted_sentence(omitted(s), fw.groups)])))
    display(Markdown("**结论**：" + sobol_conclusion(summarize(s), labels, fw.groups)))
    if t.empty:
        return
    factors = list(dict.fromkeys(s["factor"]))
    for group, label in fw.groups.items():  # one table per group
        part = t[t["group"] == group].sort_values(["rank", "entity"], kind="stable")
        if part.empty:
            continue
        out = pd.DataFrame({"考评对象": part["entity"], "公布排名": part["rank"],
                            "排名范围": [rank_range(lo, hi) for lo, hi in zip(part["rank_min"], part["rank_max"])],
                            "变动占比": [moved_cell(v) for v in part["moved"]]})
        for f in factors:
            out[labels[f]] = [share_cell(v, f in c) for v, c in zip(part[f], part["capped"])]
        out["主要来源"] = [driver_cell(d, labels, i) for d, i in zip(part["driver"], part["imprecise"])]
        display(Markdown(f"**{md(label)}**"))
        show_parts(out.reset_index(drop=True), ["考评对象", "公布排名", "排名范围"], style=_sobol_styled)
    notes = [f"注：份额是抽样估计（SALib 的 Saltelli 方案，总效应用 Jansen 估计量，基础样本{n}个），带有抽样误差："
             "真实份额在0与1之间，估计值却可能略低于0或略高于1，分别按0和1列示。"]
    if t["capped"].map(len).any():
        notes.append("“＊”表示估计值超过1、按1列示：排名变动的模拟较少时，估计量分子与分母来自不同的样本，误差可使比值超过1。")
    if t["imprecise"].any():
        notes.append(f"“△”表示该考评对象的排名只在较少的模拟中变动，份额的95%自助法置信区间半宽超过{IMPRECISE}，"
                     "主要来源仅供参考。")
    if (t["driver"] == UNRESOLVED).any():
        notes.append("“无法分解”表示排名只在极少数模拟中变动，不足以估计份额，仅列排名范围。")
    display(Markdown("\n\n".join(notes)))


def _sobol_styled(df: pd.DataFrame) -> Styler:
    """A part of the Sobol table: the factor named in 主要来源 reads from the left, the numbers from the right."""
    s = _styled(df)
    if "主要来源" in df.columns:
        s = (s.set_properties(subset=["主要来源"], **{"text-align": "left"})
             .set_table_styles({"主要来源": [{"selector": "th", "props": "text-align: left;"}]}, overwrite=False))
    return s


def rank_range(lo: int, hi: int) -> str:
    """A rank range as the report writes it.

    >>> rank_range(1, 2), rank_range(3, 3)
    ('第1—2名', '第3名')
    """
    return f"第{lo}名" if lo == hi else f"第{lo}—{hi}名"


def moved_cell(v: float) -> str:
    """The share of runs in which a rank differs from the published one; a rare movement never reads as 0.0%.

    >>> moved_cell(0.584), moved_cell(0.0004), moved_cell(0.0)
    ('58.4%', '不足0.1%', '0.0%')
    """
    return "不足0.1%" if 0 < v < 0.0005 else f"{v:.1%}"


def share_cell(v: float, capped: bool = False) -> str:
    """A share (already clipped into [0, 1]) in a cell; an estimate that exceeded 1 is marked ＊.

    >>> share_cell(0.587), share_cell(1.0, capped=True), share_cell(float("nan"))
    ('0.59', '1.00＊', '—')
    """
    return "—" if v != v else f"{v:.2f}" + ("＊" if capped else "")


def driver_cell(driver: str, labels: dict[str, str], imprecise: bool = False) -> str:
    """The 主要来源 of an entity: its factor's label, marked △ when the estimate is imprecise."""
    return "无法分解" if driver == UNRESOLVED else labels[driver] + ("△" if imprecise else "")


def omitted_sentence(om: pd.DataFrame, groups: dict[str, str]) -> str:
    """Which entities the table leaves out because their rank never moves, named with their group and rank.

    >>> omitted_sentence(pd.DataFrame({"entity": ["甲"], "group": ["g"], "rank": [1]}), {"g": "旗县区"})
    '排名在全部模拟中不变的考评对象没有变动可分解，不列入下表：共1个，即甲（旗县区第1名），其排名不受权重和第三条（三）理解的影响。'
    """
    if om.empty:
        return "所有考评对象的排名都会在模拟中变动，全部列入下表。"
    place = {g: k for k, g in enumerate(groups)}  # the framework's order of groups, then rank
    order = sorted(zip(om["group"], om["rank"], om["entity"]), key=lambda x: (place.get(x[0], len(place)), x[1]))
    named = "、".join(f"{md(e)}（{md(groups.get(g, g))}第{r}名）" for g, r, e in order)
    return (f"排名在全部模拟中不变的考评对象没有变动可分解，不列入下表：共{len(om)}个，即{named}，"
            "其排名不受权重和第三条（三）理解的影响。")


def sobol_conclusion(s: Summary, labels: dict[str, str], groups: dict[str, str]) -> str:
    """The section's conclusion, every number from ``s``: how many moving entities each factor drives most,
    the weights taken together, the widest rank range and how many ranks only move by one place."""
    if s.moving == 0:
        return f"全部{s.entities}个考评对象的排名在模拟中均不变，权重和第三条（三）的理解都不影响本期排名。"
    labels = {f: md(v) for f, v in labels.items()}
    named = [(f, k) for f, k in s.drivers.items() if f != UNRESOLVED]
    lead = [f"{k}个{'的排名变动' if i == 0 else ''}主要来自{labels[f]}" for i, (f, k) in enumerate(named)]
    if UNRESOLVED in s.drivers.index:
        lead.append(f"另有{s.drivers[UNRESOLVED]}个的排名变动次数过少，无法分解")
    out = [f"在排名会变动的{s.moving}个考评对象中，" + "，".join(lead) + "。"]
    if named:
        most = [labels[f] for f, k in named if k == named[0][1]]
        out.append(f"{'和'.join(most)}是最多考评对象排名变动的主要来源。")
    weights = [(f, k) for f, k in named if f != AGGREGATION_FACTOR]
    if weights and any(f == AGGREGATION_FACTOR for f, _ in named):
        out.append(f"权重方面，合计{sum(k for _, k in weights)}个考评对象的排名变动主要来自某一考评方式的权重，"
                   f"其中{labels[weights[0][0]]}最多（{weights[0][1]}个）。")
    if s.widest == 2:
        out.append(f"这{s.moving}个考评对象的排名都只在相邻两个名次之间变动：某因素的份额再大，也只意味着一个名次之差。")
    else:
        e, g, lo, hi = s.widest_entities[0]
        who = f"{md(e)}（{md(groups.get(g, g))}，{rank_range(lo, hi)}）"
        if len(s.widest_entities) > 1:
            who += f"等{len(s.widest_entities)}个考评对象"
        out.append(f"排名变动幅度最大的是{who}，跨{s.widest}个名次"
                   + (f"；{s.adjacent}个考评对象的排名只在相邻两个名次之间变动，对这些考评对象，某因素的份额再大，"
                      "也只意味着一个名次之差。" if s.adjacent else "。"))
    if s.imprecise:
        out.append(f"{s.imprecise}个考评对象的排名只在较少的模拟中变动，份额估计误差较大（表中以“△”标注）。")
    return "".join(out)


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
