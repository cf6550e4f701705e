"""The 报告's section on the plan's goals left out of the assessment (issue 26): each excused item of the city's coverage
table (``data/<city>/coverage.yaml``) with its reason, for the city to confirm."""
from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from ..core.escape import styled
from ..framework.coverage import Coverage, for_framework
from ..framework.model import Framework
from ..scoring.assessment import AnnualAssessment, Assessment
from .tables import chinese_punctuation

TITLE = "规划目标未纳入考评的事项（待确认）"


def table_of(framework: Framework) -> Coverage | None:
    """The coverage table beside the framework's file, or None (a city assessed by its own method has none)."""
    return for_framework(framework.sources[0]) if framework.sources else None


def excused_table(coverage: Coverage) -> pd.DataFrame:
    """序号, 规划原文, 未纳入考评的理由: the excused items in the plan's order, punctuation made full-width.

    >>> from evalkit.framework.coverage import Entry
    >>> t = excused_table(Coverage("t", (), (Entry("建成平台", (1,)), Entry("到2035年,建成现代化政府", reason="远景目标。"))))
    >>> t.to_dict("records")
    [{'序号': 1, '规划原文': '到2035年，建成现代化政府', '未纳入考评的理由': '远景目标。'}]
    """
    items = coverage.excused()
    return pd.DataFrame({"序号": range(1, len(items) + 1), "规划原文": items["quote"].map(chinese_punctuation).to_list(),
                         "未纳入考评的理由": items["reason"].map(chinese_punctuation).to_list()})


def summary(coverage: Coverage) -> str:
    """One paragraph: how many of the plan's dated, numbered or named goals the indicators assess and how many are left out.

    >>> from evalkit.framework.coverage import Entry
    >>> print(summary(Coverage("t", (), (Entry("甲", (1, 2)), Entry("乙", reason="理由。"), Entry("丙", heading=True, reason="标题。")))))
    建设方案的目标和实施步骤中，含时限、数量或具体交付物的条款共 2 条，其中 1 条由 2 项指标考评，1 条未纳入考评。下表列出未纳入考评的条款及理由，请城市确认；确认应予考评的，增列为指标。
    """
    items = [e for e in coverage.entries if not e.heading]
    assessed = [e for e in items if e.indicators]
    used = {i for e in assessed for i in e.indicators}
    return (f"建设方案的目标和实施步骤中，含时限、数量或具体交付物的条款共 {len(items)} 条，其中 {len(assessed)} 条由 "
            f"{len(used)} 项指标考评，{len(items) - len(assessed)} 条未纳入考评。下表列出未纳入考评的条款及理由，请城市确认；"
            "确认应予考评的，增列为指标。")


def excused(a: Assessment | AnnualAssessment) -> None:
    """Show the section: the plan's goals not assessed, with their reasons (nothing for a city without a coverage table)."""
    coverage = table_of(a.framework)
    if coverage is None:
        return
    display(Markdown(f"## {TITLE}\n\n{summary(coverage)}"))
    table = excused_table(coverage)
    if table.empty:
        display(Markdown("（无）"))
        return
    text = ["规划原文", "未纳入考评的理由"]
    display(styled(table).set_properties(subset=text, **{"text-align": "left"})
            .set_table_styles({c: [{"selector": "th", "props": "text-align: left;"}] for c in text}, overwrite=False))
