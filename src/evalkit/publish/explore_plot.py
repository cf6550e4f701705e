"""The explore app's what-if chart: one group's totals under the chosen weights (bars) against the published
ones (dots), each value label in a column of its own right of the plot, where neither a dot nor a bar can reach it."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.rounding import display_round
from .plots import figure


def what_if_chart(changed: pd.DataFrame, entity: str, title: str) -> Figure:
    """Bars for the totals under the chosen weights (``entity`` highlighted), dots for the published totals and, right
    of the axes, each entity's new total and rank; the legend sits above the plot. ``changed`` is one group's rows of
    :func:`evalkit.analysis.sensitivity.compare` (``entity, total, new_total, new_rank``)."""
    t = changed.sort_values(["new_total", "entity"], ascending=[True, False]).reset_index(drop=True)
    fig, ax = figure(7.5, 1.2 + 0.3 * len(t), dpi=100)
    new, published = display_round(t["new_total"]), display_round(t["total"])
    mine = (t["entity"] == entity).to_numpy()
    ax.barh(t["entity"], new, color=np.where(mine, "#c55a11", "#2e75b6"), label="调整权重后的分值")
    ax.scatter(published, t["entity"], color="#202020", s=16, zorder=3, label="公布的分值", edgecolors="white", linewidths=0.6)
    for y, (v, r, me) in enumerate(zip(new, t["new_rank"], mine)):
        ax.annotate(f"{v:.2f}（第{r}名）", xy=(1, y), xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points",
                    va="center", ha="left", fontsize=8, color="#c55a11" if me else "#202020", annotation_clip=False)
    low = float(min(new.min(), published.min()))
    ax.set_xlim(max(0.0, np.floor(low / 10) * 10 - 10), max(100.0, float(max(new.max(), published.max()))) + 2)
    ax.set_ylim(-0.6, len(t) - 0.4)
    ax.set_xlabel("分值")
    ax.tick_params(axis="y", labelsize=8)
    fig.legend(loc="outside upper right", ncols=2, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11, x=0.02, ha="left")
    return fig
