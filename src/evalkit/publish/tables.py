"""Display tables in Chinese: what people read, built from the scoring results."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..core.errors import Problem
from ..core.rounding import display_round
from ..framework.model import Framework
from ..scoring.assessment import AnnualAssessment, Assessment
from ..scoring.scores import PeriodResult


def in_group_order(framework: Framework, totals: pd.DataFrame) -> pd.DataFrame:
    """``totals`` sorted by the framework's group order, then rank (ties keep their order)."""
    order = totals["group"].map({g: i for i, g in enumerate(framework.groups)})
    return totals.iloc[np.lexsort((totals["rank"].to_numpy(), order.to_numpy()))]


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """Input problems for people: where (file, sheet, row, column) and what, in Chinese and English."""
    return pd.DataFrame({
        "文件 file": [p.file for p in problems],
        "工作表 sheet": [p.sheet or "" for p in problems],
        "行 row": [p.row if p.row is not None else "" for p in problems],
        "列 column": [p.column or "" for p in problems],
        "问题": [p.zh for p in problems],
        "problem": [p.message for p in problems],
    })


def framework_summary(framework: Framework) -> pd.DataFrame:
    """One row per aspect: points, categories, indicators, and how many indicators' points were allocated."""
    ind = framework.indicators
    rows = []
    for a in framework.aspects.itertuples():
        mine = ind[ind["aspect"] == a.id]
        rows.append({
            "方面": f"{a.id}、{a.name}",
            "分值": display_round(a.points).item(),
            "类别数": int((framework.categories["aspect"] == a.id).sum()),
            "指标数": len(mine),
            "均分指标数": int((mine["points_from"] == "allocated").sum()),
        })
    out = pd.DataFrame(rows)
    total = {"方面": "合计", "分值": display_round(out["分值"].sum()).item(), "类别数": int(out["类别数"].sum()),
             "指标数": int(out["指标数"].sum()), "均分指标数": int(out["均分指标数"].sum())}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def ranking_table(framework: Framework, result: PeriodResult, group: str | None = None,
                  previous: PeriodResult | None = None) -> pd.DataFrame:
    """The published ranking: method scores, total and rank, rounded for display, ties marked 并列;
    with ``previous``, the change of rank since then (↑ up, ↓ down, 新 not ranked before)."""
    t = in_group_order(framework, result.totals if group is None else result.totals[result.totals["group"] == group])
    out = pd.DataFrame({"考评对象": t["entity"], "组别": t["group"].map(framework.groups)})
    for m in framework.methods:
        out[m.name] = display_round(t[m.key])
    out["半年考评分值"] = display_round(t["half_year"])
    out["排名"] = rank_shown(t)
    if previous is not None:
        before = t["entity"].map(previous.totals.set_index("entity")["rank"])
        out["排名变化"] = [rank_change(b, n) for b, n in zip(before, t["rank"])]
    return out.reset_index(drop=True)


def rank_change(before, now) -> str:
    """``↑2``, ``↓1``, ``—`` (unchanged) or ``新`` (not ranked before).

    >>> rank_change(4, 2), rank_change(1, 3), rank_change(2, 2), rank_change(None, 1)
    ('↑2', '↓2', '—', '新')
    """
    if before is None or pd.isna(before):
        return "新"
    step = int(before) - int(now)
    return "—" if step == 0 else (f"↑{step}" if step > 0 else f"↓{-step}")


def rank_shown(t: pd.DataFrame) -> pd.Series:
    """Each row's rank as printed (``t``: group, rank): ``3（并列）`` where another entity of its group shares it.

    >>> rank_shown(pd.DataFrame({"group": ["甲", "甲", "甲", "乙"], "rank": [1, 1, 3, 1]})).tolist()
    ['1（并列）', '1（并列）', '3', '1']
    """
    tied = t.duplicated(["group", "rank"], keep=False)
    return t["rank"].astype(str).where(~tied, t["rank"].astype(str) + "（并列）")


def rank_range(lo: int, hi: int) -> str:
    """A rank interval as printed: ``3～5``, or ``4`` when both ends are equal.

    >>> rank_range(3, 5), rank_range(4, 4)
    ('3～5', '4')
    """
    return str(lo) if lo == hi else f"{lo}～{hi}"


def aspect_table(framework: Framework, result: PeriodResult) -> pd.DataFrame:
    """Entity x aspect: points earned of points available (e.g. ``23.45 / 25``), '—' where not assessed."""
    a = result.aspects.assign(cell=lambda d: [f"{e:.2f} / {p:g}" for e, p in zip(display_round(d["score"]), d["aspect_points"])])
    table = a.pivot(index="entity", columns="aspect", values="cell").reindex(columns=list(framework.aspects["id"]))
    names = dict(zip(framework.aspects["id"], framework.aspects["name"]))
    table.columns = [f"{k}、{names[k]}" for k in table.columns]
    table = table.reindex(in_group_order(framework, result.totals)["entity"]).fillna("—")
    return table.reset_index().rename(columns={"entity": "考评对象"})


def corrections_table(result: PeriodResult) -> pd.DataFrame:
    """The task force's verified scores beside the lead units' (数字政府专班核实)."""
    c = result.corrections
    return pd.DataFrame({"牵头考核单位": c["lead_unit"], "考评对象": c["entity"], "指标": c["indicator"],
                         "原评分": display_round(c["reported"]), "核实得分": display_round(c["verified"]),
                         "差值": display_round(c["verified"] - c["reported"].fillna(0))})


def annual_table(framework: Framework, totals: pd.DataFrame, group: str) -> pd.DataFrame:
    """The annual ranking of one group: H1, H2, annual = (H1 + H2) / 2, rank (ties 并列)."""
    t = totals[totals["group"] == group].sort_values("rank", kind="stable")
    return pd.DataFrame({"考评对象": t["entity"], "上半年": display_round(t["h1"]), "下半年": display_round(t["h2"]),
                         "年度考评分值": display_round(t["annual"]), "排名": rank_shown(t)}).reset_index(drop=True)


def is_synthetic(a: Assessment | AnnualAssessment) -> bool:
    """Whether any input workbook says it holds example data (示例数据)."""
    inputs = [a.inputs] if isinstance(a, Assessment) else [a.h1.inputs, a.h2.inputs]
    return any(i.synthetic for i in inputs)


FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）"})
"""Half-width punctuation as the source documents' OCR left it, made full-width for Chinese text."""



def full_text(text: str) -> str:
    """An indicator's whole text as printed: full-width punctuation, no stray spaces.

    >>> full_text("短文本,(甲) 乙")
    '短文本，（甲）乙'
    """
    return "".join(str(text).split()).translate(FULL_WIDTH)


_BESIDE_CHINESE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[,;:()]|[,;:()](?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


def chinese_punctuation(text: str) -> str:
    """Half-width commas, semicolons, colons and parentheses beside a Chinese character made full-width; spaces, numbers
    (``1,000``) and Latin text left as they are.

    >>> chinese_punctuation("按 Saltelli 方案(512 个样本);见 f(x), 1,000 分")
    '按 Saltelli 方案（512 个样本）；见 f(x), 1,000 分'
    """
    return _BESIDE_CHINESE.sub(lambda m: m.group().translate(FULL_WIDTH), text)


def shorten(text: str, width: int = 24) -> str:
    """An indicator's text with full-width punctuation, cut to ``width`` characters with "…".

    >>> shorten("推进政务服务事项全程网办", 8), shorten("短文本,(甲)", 8)
    ('推进政务服务事项…', '短文本，（甲）')
    """
    text = full_text(text)
    return text if len(text) <= width else text[:width].rstrip("，。；、,. ") + "…"



def indicator_names(framework, ids) -> list[str]:
    """Indicators cited by number and shortened name, e.g. ``80 推进政务服务事项全程网办…``."""
    text = framework.indicators.set_index("id")["text"]
    return [f"{i} {shorten(text.get(i, ''), 16)}" for i in ids]


PRINT_EM = 64.0
"""The width a table may take on an A4 page, in em of the printed tables' font: the page's 703 px at 10.5 px are
67 em, less a margin for the estimate of :func:`text_width`."""
PADDING_EM = 1.0
"""A cell's left and right padding in a table in parts (the template's ``fit`` class: 5 px each at 10.5 px), in em."""
NARROW = {**dict.fromkeys("0123456789+", 0.56), **dict.fromkeys(".,:; ", 0.3), "%": 0.95}


def text_width(text: object) -> float:
    """A text's width in em as the report's CJK font draws it, slightly over: digits 0.56, stops and spaces 0.3,
    other ASCII 0.62, any other character 1.

    >>> text_width("市政府办"), text_width("94.51"), text_width("23.45 / 25")
    (4.0, 2.54, 4.88)
    """
    return round(sum(NARROW.get(c, 0.62) if c.isascii() else 1.0 for c in str(text)), 2)


def cell_text(value: object) -> str:
    """A cell as the report prints it: numbers with 2 decimals, a missing value as "—".

    >>> cell_text(2.0), cell_text(float("nan")), cell_text(7), cell_text("✓")
    ('2.00', '—', '7', '✓')
    """
    if isinstance(value, (float, np.floating)):
        return "—" if np.isnan(value) else f"{value:.2f}"
    return "—" if value is None else str(value)


HEADER_BREAKS = re.compile(r"(?<=[、，；：）”·/ ])|(?=[（“])")
"""Where a header may break: after a pause mark, a closing bracket or quote, a space; before an opening bracket or
quote."""


def wrap_header(text: object, width: float) -> str:
    r"""A header broken into lines (``\n``) of at most ``width`` em where :data:`HEADER_BREAKS` allows; a piece longer
    than a line starts a line of its own and fills it.

    >>> wrap_header("一、政务服务“一网通办”", 6), wrap_header("七、加强统筹管理和工作保障", 6), wrap_header("日常监测权重", 4.9)
    ('一、政务服务\n“一网通办”', '七、\n加强统筹管理\n和工作保障', '日常监测\n权重')
    """
    lines = [""]
    for piece in (p for p in HEADER_BREAKS.split(str(text)) if p):
        if lines[-1] and text_width(lines[-1] + piece) > width + 1e-9:
            lines.append("")
        for c in piece:
            if lines[-1] and text_width(lines[-1] + c) > width + 1e-9:
                lines.append("")
            lines[-1] += c
    return "\n".join(line.strip() for line in lines)


def headers(df: pd.DataFrame, lines: int = 3) -> dict[str, str]:
    r"""Each column's header broken (:func:`wrap_header`) on at most ``lines`` lines, none narrower than the column's
    widest cell or 4 characters, and none leaving a character alone on its last line.

    >>> headers(pd.DataFrame({"一、政务服务“一网通办”": ["24.33 / 25"], "公布排名": [3], "较上期跳变": [0]}))
    {'一、政务服务“一网通办”': '一、政务服务\n“一网通办”', '公布排名': '公布排名', '较上期跳变': '较上期跳变'}
    """
    out = {}
    for c in df.columns:
        width = max([4.0, text_width(c) / lines, *(text_width(cell_text(v)) for v in df[c])])
        while ((wrapped := wrap_header(c, width)).count("\n") >= lines or "\n" in wrapped and len(wrapped.split("\n")[-1]) < 2) \
                and width < text_width(c):  # no more lines than asked, no character alone on the last
            width += 1.0
        out[c] = wrapped
    return out


def column_widths(df: pd.DataFrame, header_lines: int = 1) -> pd.Series:
    """Each column's width in em, padding included, when no cell wraps and its header is broken as :func:`headers`
    breaks it on ``header_lines`` lines (1: not broken).

    >>> column_widths(pd.DataFrame({"考评对象": ["市政府办"], "一、政务服务“一网通办”": ["24.33 / 25"]}), header_lines=3).tolist()
    [5.0, 7.0]
    """
    heads = headers(df, header_lines) if header_lines > 1 else {c: str(c) for c in df.columns}
    return pd.Series({c: max([*(text_width(line) for line in heads[c].split("\n")), *(text_width(cell_text(v)) for v in df[c])])
                      + PADDING_EM for c in df.columns}, dtype=float)


def column_chunks(df: pd.DataFrame, keys: list[str], *, widths: pd.Series | None = None,
                  budget: float = PRINT_EM) -> list[pd.DataFrame]:
    """``df`` as few tables as fit ``budget`` em (``widths``: each column's, by default :func:`column_widths`), each
    starting with the ``keys`` columns and holding the others in their order: an even share of them where that fits,
    else each part filled in turn. A column too wide for any table gets one of its own.

    >>> df = pd.DataFrame({"k": ["a"], "x": [1.0], "y": [2.0], "z": [3.0]})
    >>> [list(p.columns) for p in column_chunks(df, ["k"], widths=pd.Series({"k": 2, "x": 3, "y": 3, "z": 3}), budget=9)]
    [['k', 'x', 'y'], ['k', 'z']]
    >>> [list(p.columns) for p in column_chunks(df, ["k"], widths=pd.Series({"k": 2, "x": 3, "y": 3, "z": 3}), budget=20)]
    [['k', 'x', 'y', 'z']]
    """
    widths = column_widths(df) if widths is None else widths
    rest = [c for c in df.columns if c not in keys]
    room = budget - (float(widths[keys].sum()) if keys else 0.0)
    greedy: list[list[str]] = [[]]
    for c in rest:  # as few parts as fit, filling each in turn
        if greedy[-1] and float(widths[[*greedy[-1], c]].sum()) > room:
            greedy.append([])
        greedy[-1].append(c)
    even = [list(p) for p in np.array_split(np.array(rest, dtype=object), len(greedy))] if rest else [[]]
    parts = even if all(float(widths[p].sum()) <= room for p in even) else greedy
    return [df[[*keys, *p]] for p in parts]
