"""The sections a period's or a year's notebook shows, in Chinese; each function displays one section."""
from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from . import display as tables
from .assessment import AnnualAssessment, Assessment
from .scoring import AGGREGATIONS


def _table(df: pd.DataFrame) -> None:
    if df.empty:
        display(Markdown("(无)"))
        return
    display(df.style.hide(axis="index").format(precision=2, na_rep="—"))


def title(a: Assessment | AnnualAssessment) -> None:
    fw = a.framework
    display(Markdown(f"# {fw.name}数字政府建设考评结果({a.period.label})"))
    inputs = [a.inputs] if isinstance(a, Assessment) else [a.h1.inputs, a.h2.inputs]
    if any(i.synthetic for i in inputs):
        display(Markdown("> **示例数据**:本报告使用的是合成的示例数据(synthetic data),不是真实考评结果。"))


def method(a: Assessment) -> None:
    fw, r = a.framework, a.result
    names = fw.method_names
    weights = "、".join(f"{names[k]} {w:.0%}" for k, w in r.weights.items() if w > 0)
    lines = [f"## 考评方法", "",
             f"- 半年考评分值 = {' + '.join(f'{names[k]} × {w:.4g}' for k, w in r.weights.items() if w > 0)}(权重:{weights})。",
             f"- 日常监测:{AGGREGATIONS[r.options['aggregation']]}(aggregation = {r.options['aggregation']})。",
             f"- 数据校验:{'严格模式,缺失评分视为错误' if r.options['strict'] else '宽松模式,缺失评分按 0 分计并列于下文'}。",
             "- 排名按保留两位小数后的分值在组内排列,分值相同者并列。"]
    if r.options["redistributed"]:
        dropped = "、".join(names[k] for k in r.options["redistributed"])
        lines.append(f"- **{dropped}本期没有数据,其权重已按比例分配给其他考评方式。**")
    display(Markdown("\n".join(lines)))


def rankings(a: Assessment) -> None:
    fw = a.framework
    for group, label in fw.groups.items():
        table = tables.ranking_table(fw, a.result, group)
        if len(table):
            display(Markdown(f"## {label}排名"))
            _table(table.drop(columns="组别"))


def aspects(a: Assessment) -> None:
    display(Markdown("## 各方面得分(得分 / 分值)"))
    _table(tables.aspect_table(a.framework, a.result))


def corrections(a: Assessment) -> None:
    display(Markdown(f"## 数字政府专班核实情况({len(a.result.corrections)} 项)"))
    _table(tables.corrections_table(a.result))


def milestones(a: Assessment) -> None:
    display(Markdown(f"## 进度滞后及未填报完成情况的指标({len(a.result.milestones)} 项)"))
    _table(tables.milestone_table(a.result))


def warnings(a: Assessment) -> None:
    display(Markdown(f"## 数据问题及按 0 分计的缺失项({len(a.result.warnings)} 项)"))
    _table(tables.problems_table(a.result.warnings))


def annual_rankings(a: AnnualAssessment) -> None:
    display(Markdown("年度考评分值 = (上半年考评分值 + 下半年考评分值) / 2"))
    for group, label in a.framework.groups.items():
        table = tables.annual_table(a.framework, a.totals, group)
        if len(table):
            display(Markdown(f"## {label}年度排名"))
            _table(table)


def notes(a: Assessment | AnnualAssessment) -> None:
    city = a.framework.city
    display(Markdown("\n".join([
        "## 说明", "",
        f"- 本结果由 evalkit 根据 `params/{city}/{a.period}.yaml` 的参数计算;运行记录(参数、输入文件哈希、软件版本)保存在 `manifest.json`。",
        f"- 重新计算:`evalkit run {city} {a.period}`;复核存档:`evalkit audit outputs/{city}/{a.period}`。",
    ])))
