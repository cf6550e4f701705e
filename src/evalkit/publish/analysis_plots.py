"""Plots of the analysts' tools: the re-scored ranking beside the published one, and where a change came from."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.rounding import display_round
from .plots import figure


def what_if_bars(changed: pd.DataFrame, entity: str, title: str) -> Figure:
    """One group's totals under the chosen weights (bars, the chosen entity highlighted) and as published
    (dots); ``changed`` is a group's rows of :func:`evalkit.analysis.sensitivity.what_if`."""
    t = changed.sort_values(["new_total", "entity"], ascending=[True, False])
    fig, ax = figure(7.5, 0.9 + 0.3 * len(t), dpi=100)
    new = display_round(t["new_total"])
    colors = np.where(t["entity"] == entity, "#c55a11", "#2e75b6")
    ax.barh(t["entity"], new, color=colors, label="调整权重后")
    ax.scatter(display_round(t["total"]), t["entity"], color="#404040", s=14, zorder=3, label="公布的分值")
    for y, (v, r) in enumerate(zip(new, t["new_rank"])):
        ax.text(v + 0.2, y, f"{v:.2f}（第{r}名）", va="center", fontsize=7.5)
    ax.set_xlim(max(0.0, float(min(new.min(), t["total"].min())) - 10), 105)
    ax.set_xlabel("分值")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    return fig


def attribution_bars(parts: pd.Series, labels: dict[str, str], title: str) -> Figure:
    """The change of one entity's total split into its parts: a bar per part (up green, down red)."""
    fig, ax = figure(7.5, 0.9 + 0.3 * len(parts), dpi=100)
    y = [labels[p] for p in parts.index][::-1]
    v = parts.to_numpy()[::-1]
    ax.barh(y, v, color=np.where(v >= 0, "#548235", "#c00000"))
    ax.axvline(0, color="#404040", linewidth=0.8)
    for k, x in enumerate(v):
        ax.text(x, k, f" {x:+.2f} ", va="center", ha="left" if x >= 0 else "right", fontsize=7.5)
    ax.set_xlabel("对总分变化的贡献（分）")
    ax.set_title(title)
    return fig
