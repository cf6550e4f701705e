"""The site's trend chart of a group: one small panel per entity (small multiples), so that 27 lines never share a colour.

Each panel draws its entity's line over the rest of the group in light grey, on one vertical scale for the whole
group, titled with the entity's name and its latest total: no line has to be told apart by colour or dash."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .plots import use_cjk_font

HIGHLIGHT = "#0072B2"
"""The panel's own line (Okabe-Ito blue)."""
CONTEXT = "#c8c8c8"
"""The rest of the group, behind it."""


def short_label(period: str) -> str:
    """A half-year on a narrow axis.

    >>> short_label("2023H1"), short_label("2022H2")
    ('2023上', '2022下')
    """
    return f"{period[:4]}{'上' if period.endswith('H1') else '下'}"


def ticks(count: int, most: int = 4) -> list[int]:
    """Which of ``count`` periods get an axis label: at most about ``most``, evenly spaced, the latest always.

    >>> ticks(3), ticks(9)
    ([0, 1, 2], [0, 3, 6, 8])
    """
    step = math.ceil(count / most) if count > most else 1
    shown = list(range(0, count, step))
    if shown[-1] != count - 1:
        shown = (shown[:-1] if count - 1 - shown[-1] < step / 2 else shown) + [count - 1]  # no two labels crowd at the end
    return shown


def layout(count: int, columns: int = 2) -> tuple[int, int]:
    """Rows and columns of the panels: ``columns`` across (two stay legible at phone width), as many rows as needed.

    >>> layout(27), layout(1)
    ((14, 2), (1, 1))
    """
    cols = max(1, min(columns, count))
    return math.ceil(count / cols), cols


def panels(totals: pd.DataFrame, title: str, *, columns: int = 2, width: float = 4.6, row_height: float = 1.2) -> Figure:
    """One panel per entity of ``totals`` (entity, period, total), in order of the latest period's total (highest
    first), each its own line over the group's in grey, one vertical scale for all; ``width`` and ``row_height`` in inches."""
    use_cjk_font()
    periods = sorted(set(totals["period"]))
    wide = totals.pivot_table(index="entity", columns="period", values="total", aggfunc="first").reindex(columns=periods)
    wide = wide.sort_values(periods[-1], ascending=False, na_position="last")
    rows, cols = layout(len(wide), columns)
    fig = Figure(figsize=(width, row_height * rows + 0.5), dpi=110, layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)).ravel()
    x = np.arange(len(periods))
    low, high = np.nanmin(wide.to_numpy()), np.nanmax(wide.to_numpy())
    pad = max((high - low) * 0.08, 0.5)
    for ax, (entity, row) in zip(axes, wide.iterrows()):
        for other, values in wide.iterrows():
            if other != entity:
                ax.plot(x, values.to_numpy(), color=CONTEXT, linewidth=0.7, zorder=1)
        ax.plot(x, row.to_numpy(), color=HIGHLIGHT, linewidth=1.8, marker="o", markersize=3, zorder=2)
        latest = row.iloc[-1]
        ax.set_title(f"{entity}　{latest:.2f}" if pd.notna(latest) else entity, fontsize=9, loc="left")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", linewidth=0.4, alpha=0.5)
        ax.tick_params(labelsize=7.5, labelbottom=True)  # every panel says its periods: no scrolling to the last row
    for ax in axes[len(wide):]:
        ax.set_visible(False)
    axes[0].set_ylim(low - pad, high + pad)
    shown = ticks(len(periods))
    axes[0].set_xticks(x[shown], [short_label(periods[i]) for i in shown])
    axes[0].set_xlim(-0.3, len(periods) - 0.7)
    fig.suptitle(title, fontsize=10)
    fig.supylabel("考评分值（纵轴不从 0 开始）", fontsize=8)
    return fig
