"""The public bulletin (通报) of a half-year: the facts each section states, as pure functions over the
scoring results, and the sections that display them in formal Chinese (no English, no paths, no code)."""
from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from ..core.escape import md, styled
from ..core.rounding import display_round
from ..framework import grades as grading
from ..framework.options import ANNUAL_TOTALS
from ..scoring.assessment import AnnualAssessment, Assessment, overrides
from . import document
from .tables import in_group_order, rank_change, rank_shown

NUMERALS = "一二三四五六七八九十"
DEFAULT_REQUIREMENTS = (
    "各单位要对照本期考评发现的问题，逐项制定整改措施，明确责任人和完成时限，按期完成整改。",
    "进度滞后的牵头考核单位要加快推进，确保各项任务按时完成。",
    "各单位要如实、按时报送考评材料，对报送数据的真实性、准确性负责。",
)
DEFAULT_ANNUAL_REQUIREMENTS = (
    "各单位要对照本年度考评结果，总结数字政府建设工作成效，分析差距和不足，明确下一年度工作重点。",
    "年度考评中排名靠后和问题整改不到位的单位，要深入查找原因，制定改进措施，切实提升工作水平。",
    "各单位要如实、按时报送考评材料，对报送数据的真实性、准确性负责。",
)


def _shown(values: pd.Series) -> pd.Series:
    return display_round(values.astype("float64"))


def results_table(a: Assessment, group: str) -> pd.DataFrame:
    """One group's results as published: entity, total, rank (并列), grade, then the score and rank change
    against the previous half-year and the same half of the year before (both on the printed values)."""
    fw, b = a.framework, grading.bands(a.framework)
    t = in_group_order(fw, a.result.totals)
    t = t[t["group"] == group]
    total = _shown(t["half_year"])
    out = pd.DataFrame({"考评对象": t["entity"].to_numpy(), "考评分值": total.to_numpy(), "排名": rank_shown(t).to_numpy()})
    if column := grading.in_bulletin(fw):
        out[column] = grading.in_groups(a.result.totals, "half_year", b)[t.index].to_numpy()
    for label, earlier in (("环比", a.previous), ("同比", a.year_before)):
        if earlier is None:
            continue
        before = earlier.result.totals.set_index("entity")
        prev_total = t["entity"].map(_shown(before["half_year"]))
        out[f"分值{label}变化"] = [f"{n - p:+.2f}" if pd.notna(p) else "—" for n, p in zip(total, prev_total)]
        out[f"排名{label}变化"] = [rank_change(before["rank"].get(e), r) for e, r in zip(t["entity"], t["rank"])]
    for m in fw.methods:
        out[m.name] = _shown(t[m.key]).to_numpy()
    return out


def _totals(a: Assessment | AnnualAssessment) -> tuple[pd.DataFrame, str, pd.Series | None]:
    """The totals table, its total column and the previous period's totals by entity (or None)."""
    if isinstance(a, AnnualAssessment):
        before = a.previous.totals.set_index("entity")["annual"] if a.previous else None
        return a.totals, "annual", before
    before = a.previous.result.totals.set_index("entity")["half_year"] if a.previous else None
    return a.result.totals, "half_year", before


def overview_facts(a: Assessment | AnnualAssessment) -> pd.DataFrame:
    """Per group: how many, mean, highest and lowest printed total, the grade counts, the leaders, the last
    placed, the most improved since the previous period and the change of the group's mean (all on the
    printed totals)."""
    fw, b = a.framework, grading.bands(a.framework)
    totals, value, before = _totals(a)
    rows = []
    for group, label in fw.groups.items():
        t = totals[totals["group"] == group]
        if t.empty:
            continue
        shown, given = _shown(t[value]), grading.in_groups(totals, value, b)[t.index]
        row = {"group": group, "label": label, "n": len(t), "mean": float(display_round(shown.mean())),
               "max": float(shown.max()), "min": float(shown.min()),
               "grades": given.value_counts().reindex(list(b.names), fill_value=0).to_dict(),
               "leaders": t.loc[t["rank"] == t["rank"].min(), "entity"].tolist(),
               "last": t.loc[t["rank"] == t["rank"].max(), "entity"].tolist(),
               "last_grade": given[shown.idxmin()],
               "improved": [], "gain": None, "mean_change": None}
        if before is not None:
            prev = t["entity"].map(_shown(before))
            gain = (shown - prev).dropna()
            if len(gain) and gain.max() > 0:
                best = round(float(gain.max()), 2)
                row["improved"] = t.loc[gain[gain.round(2) == best].index, "entity"].tolist()
                row["gain"] = best
            if prev.notna().any():
                row["mean_change"] = round(row["mean"] - float(display_round(prev.dropna().mean())), 2)
        rows.append(row)
    return pd.DataFrame(rows)


def annual_results_table(a: AnnualAssessment, group: str) -> pd.DataFrame:
    """One group's annual results: entity, annual total, rank (并列), grade, the printed half-years and,
    with the year before, the score and rank change against it; a ``*`` marks a 尾差 (:func:`tail_differences`)."""
    b = grading.bands(a.framework)
    t = a.totals[a.totals["group"] == group].sort_values("rank", kind="stable")
    total = _shown(t["annual"])
    marked = set(tail_differences(a.totals)["entity"])
    out = pd.DataFrame({"考评对象": [e + ("*" if e in marked else "") for e in t["entity"]], "年度考评分值": total.to_numpy(),
                        "排名": rank_shown(t).to_numpy()})
    if column := grading.in_bulletin(a.framework):
        out[column] = grading.in_groups(a.totals, "annual", b)[t.index].to_numpy()
    out["上半年"], out["下半年"] = _shown(t["h1"]).to_numpy(), _shown(t["h2"]).to_numpy()
    if a.previous is not None:
        before = a.previous.totals.set_index("entity")
        prev = t["entity"].map(_shown(before["annual"]))
        out["分值较上年变化"] = [f"{n - p:+.2f}" if pd.notna(p) else "—" for n, p in zip(total, prev)]
        out["排名较上年变化"] = [rank_change(before["rank"].get(e), r) for e, r in zip(t["entity"], t["rank"])]
    return out


def tail_differences(totals: pd.DataFrame) -> pd.DataFrame:
    """The 尾差 rule: the annual total is computed at full precision, (H1 + H2) / 2, and printed to 2 decimals;
    where the mean of the two printed half-year totals, printed to 2 decimals, differs from it (by 0.01
    at most), the entity is listed with both values and marked ``*`` in the table.

    >>> t = pd.DataFrame({"entity": ["甲", "乙"], "h1": [84.252, 90.0], "h2": [88.356, 80.0]})
    >>> tail_differences(t.assign(annual=(t["h1"] + t["h2"]) / 2)).to_dict("records")
    [{'entity': '甲', 'printed': 86.3, 'from_halves': 86.31}]
    """
    printed = _shown(totals["annual"])
    from_halves = display_round((_shown(totals["h1"]) + _shown(totals["h2"])) / 2)
    differ = (printed - from_halves).abs() > 1e-9
    return pd.DataFrame({"entity": totals["entity"][differ], "printed": printed[differ],
                         "from_halves": from_halves[differ]}).reset_index(drop=True)


def overview_text(a: Assessment | AnnualAssessment) -> list[str]:
    """一、总体情况 as paragraphs of formal Chinese, one per group; changes against 上期 (a half-year) or 上年 (a year)."""
    out, before = [], "上年" if isinstance(a, AnnualAssessment) else "上期"
    shown, top = grading.in_bulletin(a.framework), grading.bands(a.framework).names[0]
    for f in overview_facts(a).itertuples():
        counts = "，".join(f"{md(name)}{k}个" for name, k in f.grades.items() if k)
        text = (f"{md(f.label)}共{f.n}个参加考评，平均分{f.mean:.2f}分，最高{f.max:.2f}分，最低{f.min:.2f}分，"
                f"相差{f.max - f.min:.2f}分。" + (f"{'推定' if shown != '等次' else ''}等次分布：{counts}。" if shown else "")
                + f"{'、'.join(md(e) for e in f.leaders)}位列第一")
        if f.n > 1 and set(f.last) != set(f.leaders):  # the last placed is 排名靠后 only where its grade is not the best one: wording never contradicts a grade
            last = "、".join(md(e) for e in f.last)
            text += (f"，{last}分值最低（等次仍为{md(top)}）" if shown and f.last_grade == top else f"，{last}排名靠后")
        if f.gain is not None:
            text += f"；与{before}相比，{'、'.join(md(e) for e in f.improved)}分值提升最多（{f.gain:+.2f}分）"
        if f.mean_change is not None:
            word = "提高" if f.mean_change > 0 else ("下降" if f.mean_change < 0 else "持平")
            text += f"；组内平均分较{before}{word}" + (f"{abs(f.mean_change):.2f}分" if f.mean_change else "")
        out.append(text + "。")
    return out


def aspect_rates(a: Assessment) -> pd.DataFrame:
    """Each aspect's score rate (points earned of points available, over the entities assessed on it),
    per group and across the city, in percent."""
    fw = a.framework
    s = a.result.aspects.merge(a.result.totals[["entity", "group"]], on="entity")
    out = pd.DataFrame({"方面": [f"{k}、{n}" for k, n in zip(fw.aspects["id"], fw.aspects["name"])]})
    for group, label in [*fw.groups.items(), (None, "全市")]:
        part = s if group is None else s[s["group"] == group]
        sums = part.groupby("aspect")[["earned", "available"]].sum().reindex(fw.aspects["id"])
        out[f"{label}得分率"] = (100 * sums["earned"] / sums["available"]).round(1).to_numpy()
    return out


def title(a: Assessment | AnnualAssessment, edition: str = "通报") -> None:
    """The title block: issuing body, title, the 示例数据 mark when the inputs are synthetic."""
    from .tables import is_synthetic

    fw = a.framework
    display(Markdown(f"# {md(fw.name)}数字政府建设考评结果{edition}\n\n（{a.period.label}）\n\n"
                     f"{md(fw.name)}数字政府建设工作专班"))
    if is_synthetic(a):
        display(Markdown(f"> **示例数据**：本{edition}使用合成的示例数据，不是真实考评结果。"))
    for o in overrides(a):
        display(Markdown(f"> **测算结果，非正式结果**：{md(o.statement())}{md(o.summary())}"))


def overview(a: Assessment | AnnualAssessment) -> None:
    display(Markdown("\n\n".join(["## 一、总体情况", *overview_text(a)])))


def _result_notes(a: Assessment | AnnualAssessment) -> str:
    """How the results tables read: the grade rule (or that the bands are 推定), ties, the periods compared."""
    b, shown = grading.bands(a.framework), grading.in_bulletin(a.framework)
    rule = {"等次": f"等次按考评分值（保留两位小数）划分：{md(b.sentence())}。",
            "等次（推定）": f"城市考评办法未规定等次，表中等次为推定划分，待城市确认：{md(b.sentence())}。"}.get(shown or "", "")
    notes = [f"{rule}分值相同者排名并列。"]
    totals, value, _ = _totals(a)
    moved = grading.capped(totals, value, b) if shown else pd.DataFrame()
    for (group, by_value, given), part in moved.groupby(["group", "by_value", "given"], sort=False) if len(moved) else ():
        notes.append(f"{md(a.framework.groups[group])}中，{'、'.join(md(e) for e in part['entity'])}考评分值达到{md(by_value)}分数线，"
                     f"因{md(by_value)}等次比例限制评为{md(given)}。")
    if isinstance(a, AnnualAssessment):
        notes.append("年度考评分值为上半年与下半年考评分值的平均值。" + (f"变化对比{a.previous.period.label}。" if a.previous else ""))
    elif a.previous is not None:
        notes.append(f"环比对比{a.previous.period.label}" + (f"，同比对比{a.year_before.period.label}" if a.year_before else "") + "。")
    return "".join(notes)


def _result_tables(a: Assessment | AnnualAssessment) -> None:
    """One table per group (the method scores in a second table that repeats the key column), then the 尾差 note."""
    annual = isinstance(a, AnnualAssessment)
    for k, (group, label) in enumerate(a.framework.groups.items()):
        table = annual_results_table(a, group) if annual else results_table(a, group)
        if len(table):
            display(Markdown(f"### （{NUMERALS[k]}）{md(label)}"))
            methods = [m.name for m in a.framework.methods if m.name in table]
            display(styled(table.drop(columns=methods)).set_table_attributes('class="ranking"'))
            if methods:  # a second table that repeats the key column: with 环比 and 同比, one table would not fit the page
                display(Markdown(f"{md(label)}各考评方式得分："))
                display(styled(table[["考评对象", *methods]]))
    tail = tail_differences(a.totals) if annual else pd.DataFrame()
    if len(tail):
        order = {e: k for k, e in enumerate(in_group_order(a.framework, a.totals)["entity"])}
        tail = tail.sort_values("entity", key=lambda e: e.map(order))  # in the tables' order
        display(Markdown("注：带*的考评对象，年度考评分值按两个半年考评分值的全精度平均计算后保留两位小数，与两个半年公布值的平均"
                         "相差0.01分（尾差）：" + "；".join(f"{md(e)}公布{p:.2f}分，按公布值平均为{h:.2f}分" for e, p, h in tail.itertuples(index=False)) + "。"))


def results(a: Assessment | AnnualAssessment) -> None:
    """二、考评结果: how the tables read, then one table per group (the internal 报告)."""
    display(Markdown(f"## 二、考评结果\n\n{_result_notes(a)}"))
    _result_tables(a)


def results_summary(a: Assessment | AnnualAssessment) -> None:
    """二、考评结果 of the 通报: the tables are its 附件1."""
    n = document.annex_number(a, "考评结果")
    display(Markdown(f"## 二、考评结果\n\n各考评对象的考评分值、排名{'和等次' if grading.in_bulletin(a.framework) else ''}见附件{n}。"
                     f"{_result_notes(a)}"))


def results_annex(a: Assessment | AnnualAssessment) -> None:
    """附件1 of the 通报: the results tables."""
    document.annex_heading(a, "考评结果")
    display(Markdown(_result_notes(a)))
    _result_tables(a)


def aspects(a: Assessment) -> None:
    """三、各方面情况: score rates, the strongest and the weakest aspects."""
    rates = aspect_rates(a)
    city = rates.set_index("方面")["全市得分率"].dropna().sort_values()
    text = ["## 三、各方面情况", ""]
    if len(city) > 1:
        # in a sentence an aspect is named without its numeral: “强化基础设施支撑”, not 四、强化基础设施支撑
        best, worst = (f"“{md(label.split('、', 1)[-1])}”" for label in (city.index[-1], city.index[0]))
        text.append(f"从全市看，{best}方面得分率最高（{city.iloc[-1]:.1f}%），"
                    f"{worst}方面得分率最低（{city.iloc[0]:.1f}%），是需要重点加强的方面。")
    display(Markdown("\n".join(text)))
    display(styled(rates, precision=1))


def requirements(a: Assessment | AnnualAssessment) -> None:
    """五、下一步工作要求: the framework's ``requirements:`` text, or a default."""
    annual = isinstance(a, AnnualAssessment)
    items = (a.framework.publication.get("requirements_annual") or DEFAULT_ANNUAL_REQUIREMENTS if annual
             else a.framework.publication.get("requirements") or DEFAULT_REQUIREMENTS)
    number = "三" if annual else "五"  # the annual bulletin has no aspects or problems sections
    display(Markdown("\n".join([f"## {number}、下一步工作要求", "", *[f"{k}. {md(t)}" for k, t in enumerate(items, 1)]])))


def method_lines(a: Assessment | AnnualAssessment) -> list[str]:
    """The method in plain Chinese and the 尾差 note, as Markdown list items."""
    names, r = a.framework.method_names, (a.h1 if isinstance(a, AnnualAssessment) else a).result
    return [
        f"- 半年考评分值 = {' + '.join(f'{md(names[k])}×{w:.0%}' for k, w in r.weights.items() if w > 0)}。",
        f"- {md(names['monitoring'])}按指标体系逐项评分；同一指标有多个牵头考核单位的，取各单位评分的平均值；"
        "经数字政府建设工作专班核实的得分替代原评分。",
        *([f"- 年度考评分值 =（上半年考评分值 + 下半年考评分值）÷ 2，{ANNUAL_TOTALS[a.annual_total]}。"] if isinstance(a, AnnualAssessment) else []),
        "- 排名按保留两位小数后的考评分值在组内排列，分值相同者排名并列。",
        "- 尾差说明：各项分值按四舍五入保留两位小数显示，由显示值重新计算的合计、平均值与公布值可能相差0.01分，以公布值为准。"]


def annex(a: Assessment | AnnualAssessment) -> None:
    """附件: 考评方法 of the 通报."""
    document.annex_heading(a, "考评方法")
    display(Markdown("\n".join(method_lines(a))))


def method_section(a: Assessment | AnnualAssessment) -> None:
    """考评方法 as a section of the internal 报告 of a year."""
    display(Markdown("\n".join(["## 考评方法", "", *method_lines(a)])))
