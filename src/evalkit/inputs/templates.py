"""Workbooks for the people who submit scores: one per lead unit, the task force's and the methods'."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..core.errors import OutputExistsError
from ..core.files import save_workbook
from ..core.paths import confined
from ..framework.deadlines import STATUSES
from ..framework.model import Framework
from ..framework.periods import Period
from .schema import ENTITY, INDICATOR, KINDS, LEAD_UNIT, NOTE, STATUS
from .workbook import POINTS_FORMAT, Column, input_workbook


def _score_rule(points_column: str, what: str) -> Callable[[str, int], DataValidation]:
    """0 to the row's points; the points rounded half up to 2 decimals are accepted as full marks."""
    def rule(letter: str, last: int) -> DataValidation:
        return DataValidation(type="decimal", operator="between", formula1="0",
                              formula2=f"MAX(${points_column}2,ROUND(${points_column}2,2))", allow_blank=True,
                              showErrorMessage=True, errorTitle=f"{what}超出范围", error="请填写 0 至该行“分值”之间的数字",
                              showInputMessage=True, promptTitle=what, prompt="填写 0 至该行“分值”之间的数字,满分可按两位小数填写")
    return rule


def _range_rule(low: float, high: float | None, what: str) -> Callable[[str, int], DataValidation]:
    def rule(letter: str, last: int) -> DataValidation:
        if high is None:
            return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=str(low), allow_blank=True,
                                  showErrorMessage=True, errorTitle=f"{what}有误", error=f"请填写不小于 {low:g} 的数字")
        return DataValidation(type="decimal", operator="between", formula1=str(low), formula2=str(high), allow_blank=True,
                              showErrorMessage=True, errorTitle=f"{what}超出范围", error=f"请填写 {low:g} 至 {high:g} 之间的数字")
    return rule


def _status_rule(letter: str, last: int) -> DataValidation:
    return DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True,
                          showErrorMessage=True, errorTitle="完成情况有误", error="请从下拉列表中选择完成情况")


def write_templates(framework: Framework, period: str | Period, out_dir: str | Path, *, synthetic: bool = False) -> list[Path]:
    """Write ``monitoring/<period>_<lead unit>_日常监测评分表.xlsx`` per lead unit, ``verification.xlsx``,
    ``methods.xlsx`` and (if the framework has numeric targets) ``targets.xlsx`` into ``out_dir``,
    laid out as a period folder so returned files can be put back as they are.

    Refuses, before writing anything, if any of these files exists: it may hold returned scores.
    """
    period = Period.parse(period)
    out = Path(out_dir)
    plan = template_plan(framework, period, out)
    existing = [p for p in plan if p.exists()]
    if existing:
        raise OutputExistsError(f"{existing[0]} exists (and {len(existing) - 1} more); templates never overwrite a file, which may hold returned scores: choose another output folder")
    for path, (kind, unit, columns, rows) in plan.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        save_workbook(_workbook(framework, period, kind, unit, columns, rows, synthetic), path)
    return list(plan)


def template_plan(fw: Framework, period: Period, out: Path) -> dict[Path, tuple[str, str | None, list[Column], pd.DataFrame]]:
    """Every template of the period under ``out``: its path -> (kind, lead unit or None, columns, the rows it lists)."""
    ind = fw.indicators.set_index("id")
    aspect_names = dict(zip(fw.aspects["id"], fw.aspects["name"]))
    groups = fw.entities.set_index("entity")["group"].map(fw.groups)
    order = {e: i for i, e in enumerate(fw.entities["entity"])}
    need = fw.assignments()
    rows = need.assign(
        group=need["entity"].map(groups),
        aspect=need["indicator"].map(ind["aspect"]).map(lambda a: f"{a}、{aspect_names[a]}"),
        text=need["indicator"].map(ind["text"]),
        points=need["indicator"].map(ind["points"]),
        deadline=need["indicator"].map(ind["deadline"]),
        target=need["indicator"].map(ind["target"]),
        order=need["entity"].map(order),
    ).sort_values(["order", "indicator"])
    scored = rows[rows["input"] == "score"]
    common = [Column(LEAD_UNIT.header, 16, "lead_unit"), Column(ENTITY.header, 20, "entity"), Column("组别", 10, "group"),
              Column(INDICATOR.header, 6, "indicator"), Column("所属方面", 24, "aspect"), Column("指标内容", 60, "text"),
              Column("分值", 8, "points", number_format=POINTS_FORMAT), Column("完成时限", 26, "deadline")]
    pts = get_column_letter(1 + [c.header for c in common].index("分值"))
    plan: dict[Path, tuple[str, str | None, list[Column], pd.DataFrame]] = {}
    mon, ver, met, tar = (KINDS[k] for k in ("monitoring", "verification", "methods", "targets"))
    for unit, part in scored.groupby("lead_unit", sort=False):
        plan[confined(out, mon.filename(str(period), unit))] = ("monitoring", unit, common + [
            Column(mon.value.header, 10, rule=_score_rule(pts, mon.value.header)), Column(STATUS.header, 16, rule=_status_rule),
            Column(NOTE.header, 30)], part)
    plan[confined(out, ver.filename(str(period)))] = ("verification", None, common + [
        Column(ver.value.header, 10, rule=_score_rule(pts, ver.value.header)), Column(NOTE.header, 30)], scored)
    entities = fw.entities.assign(group=fw.entities["group"].map(fw.groups))
    plan[confined(out, met.filename(str(period)))] = ("methods", None, [Column(ENTITY.header, 20, "entity"), Column("组别", 10, "group")] + [
        Column(m.name, 12, rule=_range_rule(0, 100, m.name)) for m in fw.methods if m.key != "monitoring"] + [Column(NOTE.header, 30)], entities)
    targets = rows[rows["input"] == "target"].drop_duplicates(["entity", "indicator"])
    if len(targets):
        plan[confined(out, tar.filename(str(period)))] = ("targets", None, [
            Column(ENTITY.header, 20, "entity"), Column("组别", 10, "group"), Column(INDICATOR.header, 6, "indicator"),
            Column("指标内容", 60, "text"), Column("目标值", 10, "target"),
            Column(tar.value.header, 12, rule=_range_rule(0, None, tar.value.header)), Column(NOTE.header, 30)], targets)
    return plan


def sheet_name(kind: str) -> str:
    """The name of a template's input sheet, as lead units know it."""
    return "评分表" if kind in ("monitoring", "verification") else "填报表"


def _workbook(fw: Framework, period: Period, kind: str, unit: str | None, columns: list[Column], rows: pd.DataFrame,
              synthetic: bool) -> Workbook:
    return input_workbook(fw, period, KINDS[kind].zh, unit, columns, rows, what=asked_for(kind, unit, len(rows)),
                          sheet=sheet_name(kind), synthetic=synthetic)


def asked_for(kind: str, unit: str | None, n: int) -> list[str]:
    """What a template of ``kind`` asks for, in the words of its 填报说明."""
    return {
        "monitoring": [f"本表列出{unit}作为牵头考核单位负责评分的全部 {n} 项（考评对象 × 指标）。",
                       "请在黄色的“得分”列填写 0 至该行“分值”之间的数字；满分可按两位小数填写（如分值 0.6667 填 0.67）。",
                       f"请在“完成情况”列从下拉列表选择：{'、'.join(STATUSES)}；需要说明的情况写在“备注”列。",
                       "同一指标有多个牵头考核单位的，取各单位评分的平均值；牵头单位自身的得分由数字政府专班核实。"],
        "verification": [f"本表列出全部 {n} 项评分任务，供数字政府专班核实。",
                         "需要更正的，在“核实得分”列填写核实后的得分（0 至该行“分值”），该得分将替代牵头考核单位的评分；",
                         "不需要更正的行请留空。原评分与核实得分都会记入审计记录。"],
        "methods": ["请为每个考评对象填写各考评方式的得分，均为 0 至 100 之间的数字（不要填写小数形式的比例）。"],
        "targets": ["请填写量化目标指标的实际值（数字）；得分按“分值 × min（实际值 / 目标值，1）”计算。"],
    }[kind]


