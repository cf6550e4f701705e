"""The report's plots (matplotlib), with Chinese rendered by a CJK font that installs with pip.

:data:`CJK_FONT` (Noto Sans CJK SC, shipped by the ``mplfonts`` package) is registered by path in
:func:`use_cjk_font`, which every plot calls; nothing happens at import.
"""
from __future__ import annotations

import html
import io
import re
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..core.rounding import display_round
from ..framework.model import Framework
from ..scoring.scores import PeriodResult
from .tables import in_group_order


def _font_path() -> Path:
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


CJK_FONT = _font_path()
METHOD_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"]
"""Okabe-Ito: distinguishable with any common colour-vision deficiency (no red-green pair)."""


def _axis_note(low: float) -> str:
    """The axis label's note when it does not start at 0.

    >>> _axis_note(0), _axis_note(72.5)
    ('', '（横轴自72.5起，未从0开始）')
    """
    return f"（横轴自{low:g}起，未从0开始）" if low > 0 else ""


@cache
def use_cjk_font() -> str:
    """Register :data:`CJK_FONT` with matplotlib and make it the default; returns its family name.

    It is the only font that answers to its name: Debian's fonts-noto-cjk names its ``.ttc`` "Noto Sans CJK SC" too, and
    matplotlib's lookup would take the system's font first, so that the plots would depend on what the machine has
    installed and not be drawn with the font a run's manifest records (an offline replay found this)."""
    name = font_manager.FontProperties(fname=str(CJK_FONT)).get_name()
    manager = font_manager.fontManager
    manager.ttflist = [f for f in manager.ttflist if f.name != name]
    manager.addfont(str(CJK_FONT))  # which also clears the font lookup's cache
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return name


def figure(width: float, height: float, dpi: int = 110) -> tuple[Figure, Axes]:
    """A figure outside pyplot (no global state, never shown by itself), with the CJK font."""
    use_cjk_font()
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, to embed in a report."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def totals_distribution(framework: Framework, totals: pd.DataFrame, value: str = "half_year", title: str = "考评分值分布") -> Figure:
    """Each group's totals as a box with every entity as a point."""
    groups = [g for g in framework.groups if (totals["group"] == g).any()]
    fig, ax = figure(8, 1.2 + 1.1 * len(groups))
    data = [totals.loc[totals["group"] == g, value].to_numpy() for g in groups]
    ax.boxplot(data, orientation="horizontal", widths=0.5, showfliers=False, medianprops={"color": "#c55a11"})
    rng = np.random.default_rng(0)
    for i, d in enumerate(data, start=1):
        ax.scatter(d, i + rng.uniform(-0.15, 0.15, len(d)), s=18, color="#1f4e79", alpha=0.8, zorder=3)
    ax.set_yticks(range(1, len(groups) + 1), [framework.groups[g] for g in groups])
    ax.set_xlabel("分值")
    ax.set_title(title)
    return fig


def ranking_bars(framework: Framework, totals: pd.DataFrame, group: str, value: str = "half_year", title: str = "") -> Figure:
    """One group's totals as horizontal bars, first place on top, values to 2 decimals."""
    t = totals[totals["group"] == group].sort_values([value, "entity"], ascending=[True, False])
    fig, ax = figure(8, 0.8 + 0.32 * len(t))
    shown = display_round(t[value])
    ax.barh(t["entity"], shown, color="#0072B2")
    low = max(0.0, float(np.floor(shown.min() / 5) * 5) - 5)
    ax.set_xlim(low, 100 + (100 - low) * 0.08)  # room for the label of a 100
    for y, v in enumerate(shown):
        ax.text(v + 0.2, y, f"{v:.2f}", va="center", fontsize=8)
    ax.set_xlabel("分值" + _axis_note(low))
    ax.set_title(title or f"{framework.groups[group]}排名")
    return fig


def aspect_heatmap(framework: Framework, result: PeriodResult) -> Figure:
    """Entities x aspects: the share of the aspect's points earned; blank where not assessed."""
    a = result.aspects.assign(share=lambda d: d["score"] / d["aspect_points"])
    table = a.pivot(index="entity", columns="aspect", values="share").reindex(columns=list(framework.aspects["id"]))
    table = table.reindex(in_group_order(framework, result.totals)["entity"])
    fig, ax = figure(9, 1.5 + 0.3 * len(table))
    masked = np.ma.masked_invalid(table.to_numpy(dtype=float))
    cmap = matplotlib.colormaps["cividis"].with_extremes(bad="#eeeeee")  # colour-blind safe, dark to light
    image = ax.imshow(masked, aspect="auto", cmap=cmap, vmin=0.6, vmax=1.0)
    names = dict(zip(framework.aspects["id"], framework.aspects["name"]))
    ax.set_xticks(range(len(table.columns)), [f"{k}、{names[k]}" for k in table.columns], rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(table)), table.index, fontsize=8)
    for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
        if not np.isnan(v):
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=6.5, color="white" if v < 0.8 else "black")
    fig.colorbar(image, ax=ax, label="得分率", shrink=0.6)
    ax.set_title("各方面得分率")
    return fig


def methods_side_by_side(framework: Framework, result: PeriodResult, group: str) -> Figure:
    """One group's entities with their score in each method side by side (a dot per method)."""
    t = result.totals[result.totals["group"] == group].sort_values("rank", ascending=False)
    fig, ax = figure(8, 1.0 + 0.32 * len(t))
    y = np.arange(len(t))
    for k, (m, colour) in enumerate(zip(framework.methods, METHOD_COLOURS)):
        if result.weights.get(m.key, 0) > 0 or m.key == "monitoring":
            ax.scatter(t[m.key], y + (k - 1.5) * 0.12, s=22, color=colour, label=m.name, zorder=3)
    ax.set_yticks(y, t["entity"], fontsize=8)
    ax.grid(axis="x", color="#dddddd")
    ax.set_xlabel("分值")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=8, ncols=len(framework.methods))
    ax.set_title(f"{framework.groups[group]}：各考评方式得分")
    return fig


def h1_vs_h2(framework: Framework, annual: pd.DataFrame) -> Figure:
    """Each entity's H2 total against its H1 total; above the diagonal improved."""
    fig, ax = figure(7, 6)
    low = float(min(annual["h1"].min(), annual["h2"].min())) - 2
    ax.plot([low, 100], [low, 100], color="#999999", linestyle="--", linewidth=1)
    for (g, label), colour in zip(framework.groups.items(), METHOD_COLOURS):
        part = annual[annual["group"] == g]
        ax.scatter(part["h1"], part["h2"], s=26, color=colour, label=label, zorder=3)
        notable = (part["h2"] - part["h1"]).abs().sort_values(ascending=False).index[:3]  # label only the largest changes
        for _, r in part.loc[notable].iterrows():
            ax.annotate(r["entity"], (r["h1"], r["h2"]), fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xlim(low, 100)
    ax.set_ylim(low, 100)
    ax.set_xlabel("上半年考评分值" + _axis_note(low).replace("横轴", "两轴"))
    ax.set_ylabel("下半年考评分值")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=8, ncols=len(framework.groups))
    ax.set_title("上半年与下半年对比（对角线以上为提升，标出变化最大的对象）")
    return fig


def rank_intervals(framework: Framework, table: pd.DataFrame, group: str) -> Figure:
    """One group's rank intervals from the uncertainty analysis: 5-95 % bar, median dot, published rank cross."""
    t = table[table["group"] == group].sort_values("rank", ascending=False)
    fig, ax = figure(8, 0.9 + 0.3 * len(t))
    y = np.arange(len(t))
    ax.hlines(y, t["rank_p05"] - 0.15, t["rank_p95"] + 0.15, color="#9dc3e6", linewidth=6, label="5%～95% 排名区间")
    ax.scatter(t["median_rank"], y, color="#1f4e79", s=20, zorder=3, label="排名中位数")
    ax.scatter(t["rank"], y, color="#c55a11", marker="x", s=28, zorder=4, label="公布排名")
    ax.set_yticks(y, t["entity"], fontsize=8)
    ax.set_xlim(0.5, len(t) + 0.5)
    ax.invert_xaxis()
    ax.set_xlabel("排名（越靠右越好）")
    ax.grid(axis="x", color="#eeeeee")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8)
    ax.set_title(f"{framework.groups[group]}：排名稳健性")
    return fig


def aspect_profile(framework: Framework, result: PeriodResult, entity: str, width: float = 4.4) -> Figure:
    """An entity's share of points earned per aspect against its group's median; ``width`` in inches."""
    a = result.aspects.assign(share=lambda d: d["score"] / d["aspect_points"])
    group = result.totals.set_index("entity").loc[entity, "group"]
    members = result.totals.loc[result.totals["group"] == group, "entity"]
    median = a[a["entity"].isin(members)].groupby("aspect")["share"].median()
    mine = a[a["entity"] == entity].set_index("aspect")["share"]
    ids = [k for k in framework.aspects["id"] if k in mine.index]
    names = dict(zip(framework.aspects["id"], framework.aspects["name"]))
    fig, ax = figure(width, 0.75 + 0.21 * len(ids))  # narrow and short: legible at phone width, the scorecard on one A4 page
    y = np.arange(len(ids))
    ax.barh(y + 0.18, [mine[k] * 100 for k in ids], height=0.36, color="#0072B2", label=entity)
    ax.barh(y - 0.18, [median[k] * 100 for k in ids], height=0.36, color="#bfbfbf", label=f"{framework.groups[group]}中位数")
    ax.set_yticks(y, [f"{k}、{names[k]}" for k in ids], fontsize=8)
    ax.invert_yaxis()
    low = max(0, float(np.floor(min(mine.min(), median[ids].min()) * 10)) * 10 - 10)
    ax.set_xlim(low, 100)
    ax.set_xlabel("得分率（%）" + _axis_note(low))
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=8, ncols=2)
    ax.set_title("各方面得分率与组内中位数", fontsize=10)  # whose: the legend and the card's title say
    return fig


TREND_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
"""Okabe-Ito, without its yellow (too pale for a label on white): told apart with any common colour-vision deficiency."""
TREND_STYLES = ["-", "--", ":", "-."]


def trend(totals: pd.DataFrame, labels: dict[str, str], title: str, width: float = 8.6, height: float | None = None,
          labelled: bool = True) -> Figure:
    """One line per entity: its published total in each period (``totals``: entity, period, total), each
    line labelled at its end (unless not ``labelled``: a scorecard's one line needs no name); colours and dashes
    cycle so that no two neighbours look alike. ``width`` and ``height`` in inches (a scorecard's single line is
    small, to stay beside its table on the printed page)."""
    periods = list(dict.fromkeys(totals.sort_values("period")["period"]))
    wide = totals.pivot_table(index="entity", columns="period", values="total", aggfunc="first").reindex(columns=periods)
    wide = wide.sort_values(periods[-1], ascending=False)
    fig, ax = figure(width, height or 0.32 * len(wide) + 2.6)
    x = np.arange(len(periods))
    for i, (entity, row) in enumerate(wide.iterrows()):
        ax.plot(x, row.to_numpy(), color=TREND_COLOURS[i % len(TREND_COLOURS)], linestyle=TREND_STYLES[(i // len(TREND_COLOURS)) % len(TREND_STYLES)], marker="o", markersize=3, linewidth=1.4)
    if labelled:
        ends = _spread(wide.iloc[:, -1].to_numpy(), (ax.get_ylim()[1] - ax.get_ylim()[0]) / (1.6 * len(wide) + 4))
        for i, (entity, y) in enumerate(zip(wide.index, ends)):
            ax.annotate(entity, (x[-1], wide.iloc[i, -1]), xytext=(x[-1] + 0.08, y), textcoords="data", fontsize=8, va="center",
                        color=TREND_COLOURS[i % len(TREND_COLOURS)], annotation_clip=False)
    small = {} if labelled else {"fontsize": 7}
    ax.set_xticks(x, [labels.get(p, p) if labelled else labels.get(p, p).replace("年", "年\n", 1) for p in periods], **small)
    ax.set_xlim(-0.2, len(periods) - (0.2 if labelled else 0.8))
    ax.set_ylabel("考评分值（纵轴不从 0 开始）" if labelled else "分值（纵轴不从 0 开始）", **small)
    ax.tick_params(axis="y", labelsize=small.get("fontsize", 10))
    ax.set_title(title, **({} if labelled else {"fontsize": 9}))
    ax.grid(axis="y", linewidth=0.4, alpha=0.5)
    return fig


def _spread(y: np.ndarray, gap: float) -> np.ndarray:
    """Label positions near ``y`` (sorted descending) at least ``gap`` apart, so end labels never overlap.

    >>> _spread(np.array([90.0, 89.0, 80.0]), 2.0).tolist()
    [90.5, 88.5, 80.0]
    """
    out = y.astype("float64").copy()
    for _ in range(len(out)):
        moved = False
        for i in range(1, len(out)):
            if out[i - 1] - out[i] < gap - 1e-12:
                mid = (out[i - 1] + out[i]) / 2
                out[i - 1], out[i] = mid + gap / 2, mid - gap / 2
                moved = True
        if not moved:
            break
    return out


def svg(fig: Figure, family: str | None = None) -> str:
    """The figure as SVG, with no date or random ids, so that the same figure gives the same bytes. Without
    ``family`` its glyphs are drawn as paths (no font needed to show it); with it, its text stays text, set in that
    CSS font family, which the page that shows it must embed with the chart's characters (the plots' own font
    :data:`CJK_FONT`, that the text was measured in: ``EvalkitCJK`` of :mod:`evalkit.publish.fonts`)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none" if family else "path", "svg.hashsalt": "evalkit"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    out = buf.getvalue()
    return re.sub(r"font-family: [^;\"]+", f"font-family: {family}", out) if family else out


def inline_svg(fig: Figure, label: str, family: str = "EvalkitCJK") -> str:
    """The figure as an ``<svg class="chart">`` element to write into an HTML page, its text set in ``family``
    (:func:`svg`) and ``label`` its accessible name: no XML prolog or metadata, no ids but those its parts refer to."""
    out = svg(fig, family)
    out = re.sub(r"(?s)\A.*?(?=<svg\b)|<metadata>.*?</metadata>\s*", "", out)
    out = re.sub(r'<g id="[^"]*"', "<g", out)
    return out.replace("<svg ", f'<svg class="chart" role="img" aria-label="{html.escape(label, quote=True)}" ', 1)
