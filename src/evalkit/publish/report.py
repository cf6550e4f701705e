"""The sections a period's or a year's notebook shows, in Chinese; each function displays one section."""
from __future__ import annotations

import pandas as pd
from IPython.display import HTML, Markdown, display

from ..analysis.rectification import period_tables
from ..analysis.sensitivity import robustness_sentences, uncertainty
from ..core.escape import md, styled
from ..core.recorded import record as record_table
from ..framework.options import AGGREGATIONS
from ..scoring.assessment import AnnualAssessment, Assessment, overrides
from . import plots, tables
from .tables import chinese_punctuation, is_synthetic
from .wide import show_parts


def show_table(df: pd.DataFrame) -> None:
    """Show a table without its index, numbers to 2 decimals, "（无）" when empty."""
    if df.empty:
        display(Markdown("（无）"))
        return
    display(styled(df))


def show_figure(fig) -> None:
    """Show a plot as an inline SVG (vector in HTML and PDF, deterministic bytes) whose text stays text, set in
    the page's embedded ``EvalkitCJK`` (whose subset then holds the chart's characters), its title as its name."""
    display(HTML(plots.inline_svg(fig, fig.axes[0].get_title() if fig.axes else "")))


def _title(a: Assessment | AnnualAssessment) -> str:
    return f"{a.framework.name}数字政府建设考评结果（{a.period.label}）"


def title(a: Assessment | AnnualAssessment) -> None:
    display(Markdown(f"# {md(_title(a))}"))
    if is_synthetic(a):
        display(Markdown("> **示例数据**：本报告使用的是合成的示例数据，不是真实考评结果。"))
    for o in overrides(a):
        display(Markdown(f"> **测算结果，非正式结果**：{md(o.statement())}"))


def method(a: Assessment) -> None:
    names, r = a.framework.method_names, a.result
    lines = ["## 考评方法", "",
             f"- 半年考评分值 = {' + '.join(f'{md(names[k])} × {w:.0%}' for k, w in r.weights.items() if w > 0)}。",
             f"- {md(names['monitoring'])}：{AGGREGATIONS[r.options['aggregation']]}；同一指标有多个牵头考核单位的取平均值，"
             "数字政府专班核实的得分替代原评分。",
             f"- 数据校验：{'严格模式，缺失评分视为错误' if r.options['strict'] else '宽松模式，缺失评分按 0 分计并列于下文'}。",
             "- 排名按保留两位小数后的分值在组内排列，分值相同者并列。"]
    if a.override is not None:
        lines.append(f"- **考评对象适用范围：{md(a.override.statement())}**{md(a.override.summary())}")
    if r.options["redistributed"]:
        dropped = "、".join(md(names[k]) for k in r.options["redistributed"])
        lines.append(f"- **{dropped}本期没有数据，其权重已按比例分配给其他考评方式。**")
    display(Markdown("\n".join(lines)))


def derived(a: Assessment | AnnualAssessment) -> None:
    """What the source document does not give: derived, to be confirmed by the city (METHOD.md §6)."""
    items = a.framework.derived_items()
    issued = (a.framework.publication.get("document") or {}).get("derived") or []
    items = pd.concat([items, pd.DataFrame({"对象": "通报（公文）", "项目": "发文要素", "取值（推定，待城市确认）": issued})],
                      ignore_index=True) if issued else items
    if len(items):
        display(Markdown(f"## 待城市确认的推定事项（{len(items)} 项）\n\n"
                         "本指标体系由城市的建设方案转化而来；方案未给出的分值、权重、完成时限和牵头单位为推定值，待城市确认。"))
        show_table(items.map(lambda v: chinese_punctuation(v) if isinstance(v, str) else v))


def targets(a: Assessment) -> None:
    """Numeric targets: each entity's reported value against the target and the points earned (METHOD.md §6)."""
    ind = a.framework.indicators.set_index("id")
    wanted = ind[ind["target"].notna()]
    if wanted.empty:
        return
    scores = a.result.indicators.set_index(["entity", "indicator"])["score"]
    actual = a.inputs.targets.set_index(["entity", "indicator"])["actual"]
    need = a.framework.assignments()
    pairs = need[need["input"] == "target"][["entity", "indicator"]].drop_duplicates()
    ops = {">=": "不低于", ">": "超过", "<=": "不高于"}
    table = pd.DataFrame({
        "指标": pairs["indicator"].to_numpy(), "考评对象": pairs["entity"].to_numpy(),
        "目标": [f"{ops[ind.loc[i, 'target_op']]} {ind.loc[i, 'target']:g}{ind.loc[i, 'target_unit']}" for i in pairs["indicator"]],
        "实际值": [actual.get((e, i)) for e, i in zip(pairs["entity"], pairs["indicator"])],
        "得分": [scores.get((e, i)) for e, i in zip(pairs["entity"], pairs["indicator"])],
        "分值": [ind.loc[i, "points"] for i in pairs["indicator"]],
    })
    display(Markdown(f"## 量化目标完成情况（{len(table)} 项）\n\n得分 = 分值 × 实际值与目标值之比（超过 1 按 1 计）；“超过”目标按目标值加一个计量单位计算。"))
    show_table(table)


def rankings(a: Assessment) -> None:
    fw = a.framework
    before = a.previous.result if a.previous else None
    for group, label in fw.groups.items():
        table = tables.ranking_table(fw, a.result, group, before)
        if len(table):
            display(Markdown(f"## {md(label)}排名" + (f"（排名变化对比{a.previous.period.label}）" if before else "")))
            show_table(table.drop(columns="组别"))
            show_figure(plots.ranking_bars(fw, a.result.totals, group, title=f"{label}半年考评分值"))


def robustness(a: Assessment, *, draws: int = 1000, band: float = 0.2, seed: int = 0) -> None:
    """排名稳健性: rank intervals when the weights vary and 第三条(三) is read either way."""
    table = uncertainty(a.framework, a.result, draws=draws, band=band, seed=seed)
    display(Markdown("\n".join([
        "## 排名稳健性", "",
        f"按复合指标编制的通行做法，对权重和计算方式的不确定性做了 {draws} 次蒙特卡洛模拟（随机种子 {seed}）："
        f"每次将各考评方式的权重在 ±{band:.0%} 范围内随机调整后重新归一，并随机采用两种日常监测计算方式之一"
        "（各方面得分相加，或各方面得分率平均）。下表给出每个考评对象排名的中位数、5%～95% 区间和保持前三名的概率。", "",
        *[f"- {md(sentence)}" for sentence in robustness_sentences(a.framework, table).values()]])))
    for group, label in a.framework.groups.items():
        part = table[table["group"] == group].sort_values("rank")
        if len(part):
            show_figure(plots.rank_intervals(a.framework, table, group))
            show_table(pd.DataFrame({"考评对象": part["entity"], "公布排名": part["rank"], "排名中位数": part["median_rank"],
                                 "5%～95% 区间": [tables.rank_range(lo, hi) for lo, hi in zip(part["rank_p05"], part["rank_p95"])],
                                 "保持前三概率": [f"{p:.0%}" for p in part["p_top3"]]}))


def grade_robustness(a: Assessment, *, draws: int = 1000, band: float = 0.2, seed: int = 0) -> None:
    """等次稳健性: the bands (推定 when derived) and each entity's probability of each grade in the same
    Monte-Carlo draws as the rank intervals."""
    from ..analysis.sensitivity import grade_probabilities
    from ..framework.grades import bands

    b = bands(a.framework)
    p = grade_probabilities(a.framework, a.result, draws=draws, band=band, seed=seed)
    display(Markdown("\n".join([
        "## 等次稳健性", "",
        f"等次划分：{md(b.sentence())}" + ("；城市方案未规定等次，此划分为推定值，待城市确认。" if b.derived else "。"),
        f"下表给出在排名稳健性相同的 {draws} 次模拟中，每个考评对象获得各等次的概率。"])))
    in_order = tables.in_group_order(a.framework, a.result.totals)["entity"]
    p = p.set_index("entity").loc[in_order].reset_index()
    show_table(pd.DataFrame({"考评对象": p["entity"], "组别": p["group"].map(a.framework.groups), "公布等次": p["grade"],
                             **{name: [f"{v:.0%}" for v in p[name]] for name in b.names}}))


def distributions(a: Assessment) -> None:
    display(Markdown("## 分值分布与各考评方式得分"))
    show_figure(plots.totals_distribution(a.framework, a.result.totals, title="半年考评分值分布"))
    for group in a.framework.groups:
        if (a.result.totals["group"] == group).any():
            show_figure(plots.methods_side_by_side(a.framework, a.result, group))


def aspects(a: Assessment) -> None:
    display(Markdown("## 各方面得分（得分 / 分值）"))
    show_parts(tables.aspect_table(a.framework, a.result), ["考评对象"])
    show_figure(plots.aspect_heatmap(a.framework, a.result))


def corrections(a: Assessment) -> None:
    display(Markdown(f"## 数字政府专班核实情况（{len(a.result.corrections)} 项）"))
    from .tables import indicator_names

    table = tables.corrections_table(a.result)
    show_table(table.assign(指标=indicator_names(a.framework, table["指标"])))


def warnings(a: Assessment) -> None:
    display(Markdown(f"## 数据问题及按 0 分计的缺失项（{len(a.result.warnings)} 项）"))
    show_table(tables.problems_table(a.result.warnings))
    if a.override is not None:
        table = a.override.consequences()
        display(Markdown(f"### 因调整考评对象适用范围产生的事项（{len(table)} 项）\n\n{md(a.override.summary())}"))
        show_table(table)


def annual_rankings(a: AnnualAssessment) -> None:
    display(Markdown("年度考评分值 =（上半年考评分值 + 下半年考评分值）÷ 2"))
    for group, label in a.framework.groups.items():
        table = tables.annual_table(a.framework, a.totals, group)
        if len(table):
            display(Markdown(f"## {md(label)}年度排名"))
            show_table(table)
            show_figure(plots.ranking_bars(a.framework, a.totals, group, value="annual", title=f"{label}年度考评分值"))
    display(Markdown("## 上半年与下半年对比"))
    show_figure(plots.h1_vs_h2(a.framework, a.totals))
    show_figure(plots.totals_distribution(a.framework, a.totals, value="annual", title="年度考评分值分布"))


QUALITY_HEADERS = {"lead_unit": "牵头考核单位", "assigned": "应评", "given": "已评", "completeness": "完整率", "status_given": "填报完成情况",
                   "verified": "专班核实", "changed": "被更正", "changed_share": "更正比例", "mean_change": "平均更正幅度",
                   "full_marks_share": "满分比例", "all_full_indicators": "全部满分的指标", "jumps": "较上期跳变"}


def quality(a: Assessment) -> None:
    """报送质量: each lead unit's submission (:func:`evalkit.analysis.quality.submission_quality`) and what to spot-check next."""
    from ..analysis.quality import spot_checks, submission_quality
    from .tables import indicator_names

    before = a.previous.inputs if a.previous else None
    q = submission_quality(a.framework, a.inputs, before)
    shares = ["completeness", "status_given", "changed_share", "mean_change", "full_marks_share"]
    table = q.assign(**{c: [f"{v:.0%}" for v in q[c]] for c in shares}).rename(columns=QUALITY_HEADERS)
    display(Markdown("## 报送质量（按牵头考核单位）\n\n完整率为已评项数占应评项数的比例；更正比例为被数字政府专班核实更正的评分占已评项数的比例，"
                     "平均更正幅度为更正差值占分值的比例；全部满分的指标指该单位对至少 3 个考评对象均给满分的指标；"
                     "较上期跳变指得分变化超过分值一半的评分" + ("。" if before is not None else "（本期无上期数据）。")))
    show_parts(table, ["牵头考核单位"])
    checks = spot_checks(a.framework, a.inputs, before)
    display(Markdown(f"### 下期建议抽查（{len(checks)} 项）"))
    show_table(pd.DataFrame({"牵头考核单位": checks["lead_unit"],
                             "指标": ["—" if pd.isna(i) else indicator_names(a.framework, [int(i)])[0] for i in checks["indicator"]],
                             "考评对象": checks["entity"].replace("", "—"), "原因": checks["reason"]}))


def notes(a: Assessment | AnnualAssessment) -> None:
    city = a.framework.city
    display(Markdown("\n".join([
        "## 说明", "",
        "- 本结果由 evalkit 计算，所用权重和计算方式见上文“考评方法”。",
        f"- 作为正式运行存档时（`evalkit run {city} {a.period}`），参数取自 `params/{city}/{a.period}.yaml`，运行记录（参数、输入文件哈希、"
        "软件版本）保存在运行目录的 `manifest.json`，完整结果（全精度）见 `results.csv` 与 `scores-internal.xlsx`；存档目录和复核方法见下文“运行记录”。",
    ])))


def options(a: Assessment | AnnualAssessment) -> pd.DataFrame:
    """The run's options as 项目 / 内容 rows, for the notes sheet of scores.xlsx."""
    rows = {"标题": _title(a), "城市": a.framework.name, "考评期间": a.period.label,
            "示例数据": "是（合成数据，不是真实考评结果）" if is_synthetic(a) else "否"}
    if isinstance(a, Assessment):
        names, r = a.framework.method_names, a.result
        rows |= {"权重": "、".join(f"{names[k]}{100 * w:.4g}%" for k, w in r.weights.items()),
                 "日常监测计算方式": AGGREGATIONS[r.options["aggregation"]],
                 "数据校验": "严格" if r.options["strict"] else "宽松（缺失评分按 0 分计）",
                 "权重重新分配": "、".join(names[k] for k in r.options["redistributed"]) or "无"}
    changed = overrides(a)
    if changed:  # a what-if: the workbook's notes say so (an official run's notes stay as they were)
        rows |= {"结果性质": "测算结果，非正式结果", "考评对象适用范围": "；".join(o.statement(public=True) for o in changed)}
    else:
        rows["计算方式"] = "年度考评分值 =（上半年考评分值 + 下半年考评分值）÷ 2"
    return pd.DataFrame({"项目": list(rows), "内容": list(rows.values())})


def record(a: Assessment | AnnualAssessment) -> None:
    """Record the results, the aspect scores, the tables of the history store, the previous period's totals
    and ranks (for the change columns of scores.xlsx) and the options in the notebook, for the run's archive."""
    if isinstance(a, Assessment):
        record_table(a.result.totals)
        record_table(a.result.aspects, "aspects")
        record_table(pd.DataFrame({"method": list(a.result.weights), "weight": list(a.result.weights.values())}), "weights")
        before = (a.previous.inputs, a.previous.result) if a.previous else None
        for name, table in period_tables(a.framework, a.inputs, a.result, before).items():
            record_table(table, name)
        if a.previous is not None:
            record_table(a.previous.result.totals[["entity", "half_year", "rank"]], "previous")
    else:
        record_table(a.totals)
        if a.previous is not None:
            record_table(a.previous.totals[["entity", "annual", "rank"]], "previous")
    record_table(options(a), "options")
