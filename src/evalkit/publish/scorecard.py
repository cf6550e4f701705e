"""One entity's scorecard (notebooks/40_entity_scorecard.ipynb): where it stands and where it lost points."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from IPython.display import HTML, Markdown, display

from ..analysis.sensitivity import uncertainty
from ..core.escape import md
from ..core.recorded import record as record_table
from ..core.rounding import display_round
from ..framework.grades import bands, in_groups
from ..framework.model import Framework
from ..framework.periods import Period
from ..scoring.assessment import Assessment
from . import plots
from .card_style import LOSSES_PRINTED
from .explore import drilldown
from .problems import entity_items
from .report import show_figure, show_table
from .tables import is_synthetic, rank_range


def header(a: Assessment, entity: str) -> None:
    fw, t = a.framework, a.result.totals.set_index("entity").loc[entity]
    group = fw.groups[t["group"]]
    size = int((a.result.totals["group"] == t["group"]).sum())
    display(Markdown(f"# {md(fw.name)}数字政府建设考评成绩单：{md(entity)}（{a.period.label}）"))
    if is_synthetic(a):
        display(Markdown("> **示例数据**：本成绩单使用的是合成的示例数据，不是真实考评结果。"))
    total = display_round(t["half_year"]).item()
    level = in_groups(a.result.totals, "half_year", bands(fw))[a.result.totals["entity"] == entity].iloc[0]
    lines = [f"- 半年考评分值 **{total:.2f}**，等次 **{md(level)}**，{md(group)}第 **{t['rank']}** 名（共 {size} 个）。"]
    if a.previous is not None:
        lines.append(f"- {change_sentence(a.previous, entity, total, int(t['rank']))}")
    lines.append("- 各考评方式：" + "、".join(f"{md(fw.method_names[k])} {display_round(t[k]).item():.2f}" for k, w in a.result.weights.items() if w > 0))
    display(Markdown("\n".join(lines)))


def change_sentence(before: Assessment, entity: str, total: float, rank: int) -> str:
    """The headline's change against an earlier period, score and rank both, on the printed values.

    ``与2022年上半年相比：分值下降8.10分，排名上升2位（上期第5名）。``; an entity not assessed then says so."""
    prior = before.result.totals.set_index("entity")
    if entity not in prior.index:
        return f"{before.period.label}未参加考评。"
    step = round(total - display_round(prior.loc[entity, "half_year"]).item(), 2)
    score = f"分值{'上升' if step > 0 else '下降'}{abs(step):.2f}分" if step else "分值持平"
    moved = int(prior.loc[entity, "rank"]) - rank
    place = f"排名{'上升' if moved > 0 else '下降'}{abs(moved)}位" if moved else "排名不变"
    return f"与{before.period.label}相比：{score}，{place}（上期第{int(prior.loc[entity, 'rank'])}名）。"


def profile(a: Assessment, entity: str) -> None:
    display(Markdown("## 各方面得分率"))
    show_figure(plots.aspect_profile(a.framework, a.result, entity))


def lost_by_indicator(a: Assessment, entity: str, n: int | None = 10) -> pd.DataFrame:
    """The ``n`` (None: all) indicators where ``entity`` lost most points, each ONCE: its number and shortened name, its
    points, its score (the mean of its lead units' scores, METHOD.md §3 step 1), the points lost and each lead
    unit with the score it gave (the task force's where it verified one, marked 专班核实)."""
    from .tables import indicator_names

    scored = a.result.indicators[a.result.indicators["entity"] == entity]
    lost = scored.assign(lost=scored["points"] - scored["score"])
    lost = lost[lost["lost"] > 1e-9].sort_values(["lost", "indicator"], ascending=[False, True], kind="stable")
    lost = lost if n is None else lost.head(n)
    units = drilldown(a, entity)
    by_unit = {}
    for i, rows in units.groupby("指标"):
        by_unit[i] = "；".join(f"{u} {v:.2f}" + ("（专班核实）" if pd.notna(c) else "") if pd.notna(v) and pd.notna(o) else str(u)
                               for u, o, c, v in zip(rows["牵头考核单位"], rows["原评分"], rows["专班核实"], rows["采用得分"]))
    count = units.groupby("指标")["牵头考核单位"].count()
    return pd.DataFrame({"指标": indicator_names(a.framework, lost["indicator"]), "分值": lost["points"].to_numpy(),
                         "得分": lost["score"].to_numpy(), "失分": lost["lost"].to_numpy(),
                         "牵头考核单位评分": [by_unit.get(i, "") for i in lost["indicator"]],
                         "units": [int(count.get(i, 1)) for i in lost["indicator"]]})


def losses(a: Assessment, entity: str) -> None:
    """Every indicator where the entity lost points, most first; the printed card keeps the first
    :data:`LOSSES_PRINTED` and says how many more the page view lists (``.card-more`` shows in print only)."""
    table = lost_by_indicator(a, entity, n=None)
    display(Markdown(f"## 失分指标（{len(table)} 项）" if len(table) else "## 失分指标\n\n各项指标均未失分。"))
    if table.empty:
        return
    show_table(table.drop(columns="units"))
    note = []
    if len(table) > LOSSES_PRINTED:
        rest = table.iloc[LOSSES_PRINTED:]
        note.append(f'<p class="card-more">以上为失分最多的{LOSSES_PRINTED}项；另有{len(rest)}项共失{display_round(rest["失分"].sum()).item():.2f}分，'
                    "见网页版成绩单。</p>")
    if (table["units"] > 1).any():
        note.append("<p>注：由两个及以上牵头考核单位评分的指标，指标得分为各单位评分的平均值，失分按指标计一次。</p>")
    if note:
        display(HTML("".join(note)))


def problem_rows(a: Assessment, entity: str) -> pd.DataFrame:
    """The entity's own items of the period's 问题清单 (:func:`evalkit.publish.problems.entity_items`, the bulletin's
    附件3), one row per indicator and lead unit: 指标 (its number), 指标内容 (full text), 问题 (each item in words),
    牵头考核单位 and 整改时限."""
    items = entity_items(a)
    mine = items[items["考评对象"] == entity].drop(columns="考评对象")
    if mine.empty:
        return mine.reset_index(drop=True)
    keys = ["指标", "指标内容", "牵头考核单位", "整改时限"]
    joined = mine.groupby(keys, sort=False)["问题"].agg("；".join).reset_index()
    return joined[["指标", "指标内容", "问题", "牵头考核单位", "整改时限"]]


def problems(a: Assessment, entity: str) -> None:
    """问题清单与整改时限: where the entity lost points beyond the threshold and its overdue milestones, with the lead
    unit and the 整改 deadline; last on the card, so that only this list ever runs on to a second printed page."""
    rows = problem_rows(a, entity)
    if rows.empty:
        display(Markdown("## 问题清单\n\n本期问题清单中没有本单位的事项。"))
        return
    carried = int(rows["问题"].str.contains("起未整改").sum())
    display(Markdown(f"## 问题清单与整改时限（{len(rows)} 项）\n\n本单位列入本期问题清单的指标如下"
                     + (f"（含上期未整改转入的{carried}项）" if carried else "")
                     + "，请在整改时限前整改到位；指标由所列牵头考核单位考核。"))
    show_table(rows)


def interval(a: Assessment, entity: str, *, draws: int = 1000, band: float = 0.2, seed: int = 0) -> None:
    """The entity's rank interval, from the same uncertainty analysis as the period report: one line under the header."""
    row = uncertainty(a.framework, a.result, draws=draws, band=band, seed=seed).set_index("entity").loc[entity]
    lo, hi = row["rank_p05"], row["rank_p95"]
    spread = f"至少 90% 的模拟排名为第 {lo} 名" if lo == hi else f"5%～95% 区间为第 {rank_range(lo, hi)} 名"
    top = f"，保持前三名的概率为 {row['p_top3']:.0%}" if row["p_top3"] > 0 else ""
    display(Markdown(f"- 排名稳健性：权重在 ±{band:.0%} 内变化并采用两种日常监测计算方式的 {draws} 次模拟中，"
                     f"排名中位数为第 {row['median_rank']} 名，{spread}{top}。"))


def change(a: Assessment, entity: str) -> None:
    """Where the change of the entity's total since the previous half-year came from (methods and aspects), in one
    sentence; the printed parts add up to the printed change."""
    from ..analysis.contributions import attribution, part_names, rounded_to_sum

    if a.previous is None:
        return
    t = attribution(a.framework, a.previous.result, a.result).set_index("entity")
    if entity not in t.index:
        return
    row, labels = t.loc[entity], part_names(a.framework)
    total = float(display_round(row["total_after"]).item() - display_round(row["total_before"]).item())
    parts = rounded_to_sum(row[list(labels)].astype(float), total)
    display(Markdown(f"## 分值变化的来源\n\n与{a.previous.period.label}相比，总分变化 {total:+.2f} 分"
                     + (f"，来自：{sources(a.framework, parts)}。" if (parts != 0).any() else "。")))


def sources(fw: Framework, parts: pd.Series) -> str:
    """The printed parts of a change (keys as :func:`evalkit.analysis.contributions.part_names`) in words, those that
    did not change left out, the aspects named once under their method: ``日常监测（一、甲 +0.87；二、乙 -0.75），实地调研 -1.16``."""
    aspect = {f"aspect:{k}": f"{k}、{n}" for k, n in zip(fw.aspects["id"], fw.aspects["name"])}
    inner = "；".join(f"{md(aspect[k])} {v:+.2f}" for k, v in parts.items() if k in aspect and v != 0)
    methods = [f"{md(fw.method_names[k])} {v:+.2f}" for k, v in parts.items() if k not in aspect and v != 0]
    return "，".join(([f"{md(fw.method_names['monitoring'])}（{inner}）"] if inner else []) + methods)


def history_rows(runs: Sequence[Assessment | None], entity: str) -> pd.DataFrame:
    """The entity's 历次变化: one row per period of ``runs`` in which it was assessed (each period once, oldest first),
    with ``period``, the printed 半年考评分值 and its 组内排名."""
    seen = {str(x.period): x for x in runs if x is not None}
    rows = [(p, x.result.totals.set_index("entity").loc[entity]) for p, x in sorted(seen.items(), key=lambda kv: Period.parse(kv[0]))
            if entity in set(x.result.totals["entity"])]
    return pd.DataFrame({"period": [p for p, _ in rows], "半年考评分值": [display_round(r["half_year"]).item() for _, r in rows],
                         "组内排名": [int(r["rank"]) for _, r in rows], "total": [float(r["half_year"]) for _, r in rows]})


def earlier(city: str, history: Sequence[Mapping[str, Any]] | None) -> list[Assessment]:
    """The earlier half-years the notebook's ``history`` names (each one's parameters), assessed: for :func:`trend`."""
    from ..scoring.assessment import (
        assess,  # looked up at the call: a batch memoises it
    )

    return [assess(**{**p, "city": city}) for p in history or []]


def trend(a: Assessment, entity: str, earlier: Sequence[Assessment] = ()) -> None:
    """历次变化: the entity's total and rank in every half-year of the city's history up to this one (``earlier``, the
    notebook's ``history``, with the run's previous half and the same half a year before), and a small line from
    three periods on."""
    rows = history_rows([*earlier, a.year_before, a.previous, a], entity)
    if len(rows) < 2:
        return
    labels = {p: Period.parse(p).label for p in rows["period"]}
    display(Markdown("## 历次变化"))
    show_table(pd.DataFrame({"考评期": rows["period"].map(labels), "分值": rows["半年考评分值"], "排名": rows["组内排名"]}))
    if len(rows) > 2:  # two periods: the table says it all; a line through two points only takes room
        line = pd.DataFrame({"entity": entity, "period": rows["period"], "total": rows["total"]})
        show_figure(plots.trend(line, labels, "半年考评分值", width=3.2, height=1.45, labelled=False))


def record(a: Assessment, entity: str) -> None:
    """Record the entity's row of the period results, for checks and the archive."""
    t = a.result.totals
    record_table(t[t["entity"] == entity])
