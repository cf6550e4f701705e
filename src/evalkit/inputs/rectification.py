"""The 整改清单 workbooks: one per lead unit, its problem items with the deadline and columns for its answers."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..framework.model import Framework
from ..framework.periods import Period

PROGRESS = ("未启动", "整改中", "已完成")
"""What a lead unit reports of each item in its 整改清单."""



def problem_text(r) -> str:
    """An item of a problem list (:data:`evalkit.analysis.rectification.ITEM_COLUMNS`) in words: what was found."""
    if r.kind == "失分":
        return f"失分：得分 {r.score:.2f}，分值 {r.points:.4g}"
    return f"{r.kind}：应达到“{r.required}”，填报为“{r.status or '未填报'}”"



def write_workbooks(framework: Framework, items: pd.DataFrame, period: Period | str, out_dir: Path | str, *,
                    synthetic: bool = False) -> list[Path]:
    """One 整改清单 workbook per lead unit (``<period>_<unit>_整改清单.xlsx`` in ``out_dir``), with the conventions
    of the score templates: its items, each with the problem and the rectification deadline, and tinted columns
    for the lead unit's 整改措施, 责任人, 计划完成时间 and 整改进展 (a dropdown). Existing files are never overwritten."""
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..core.errors import OutputExistsError
    from ..core.files import save_workbook
    from ..core.paths import confined, file_name
    from .workbook import Column, input_workbook

    period = Period.parse(period) if isinstance(period, str) else period
    out = Path(out_dir)
    text = framework.indicators.set_index("id")["text"]
    rows = items.assign(text=items["indicator"].map(text).map(lambda t: t if len(t) <= 60 else t[:59] + "…"),
                        problem=[problem_text(r) for r in items.itertuples()],
                        carried=items["carried"].map(lambda p: f"{Period.parse(p).label}起" if p else ""))
    progress = lambda letter, last: DataValidation(type="list", formula1='"' + ",".join(PROGRESS) + '"', allow_blank=True,  # noqa: E731
                                                   showErrorMessage=True, errorTitle="整改进展有误", error="请从下拉列表中选择")
    columns = [Column("考评对象", 18, "entity"), Column("指标", 6, "indicator"), Column("指标内容", 50, "text"),
               Column("问题", 34, "problem"), Column("上期遗留", 12, "carried"), Column("整改时限", 16, "deadline"),
               Column("整改措施", 40), Column("责任人", 12), Column("计划完成时间", 14), Column("整改进展", 12, rule=progress)]
    plan = {confined(out, f"{period}_{file_name(unit)}_整改清单.xlsx"): part for unit, part in rows.groupby("lead_unit", sort=True)}
    existing = [p for p in plan if p.exists()]
    if existing:
        raise OutputExistsError(f"{existing[0]} exists (and {len(existing) - 1} more); a 整改清单 may hold a lead unit's answers: choose another output folder")
    out.mkdir(parents=True, exist_ok=True)
    for path, part in plan.items():
        unit = part["lead_unit"].iloc[0]
        what = [f"本表列出{unit}牵头考核的指标中，{period.label}考评发现的 {len(part)} 项问题（问题清单）。",
                "“失分”指该单位评分低于分值的一定比例；“进度滞后”“未填报完成情况”指未达到完成时限要求的进度；"
                "“力争目标”指方案中力争完成的目标未达到应有进度，单列，不计为进度滞后。",
                "请逐项填写整改措施、责任人和计划完成时间，并在“整改进展”列从下拉列表选择：" + "、".join(PROGRESS) + "。",
                f"请在整改时限（{part['deadline'].iloc[0]}）前完成整改；下一考评期将核对各项问题是否已整改。"]
        save_workbook(input_workbook(framework, period, "整改清单", unit, columns, part, what=what, sheet="整改清单", synthetic=synthetic), path)
    return list(plan)
