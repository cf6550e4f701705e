"""Plots of the analysts' tools: where a change came from (the what-if chart is :mod:`evalkit.publish.explore_plot`)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .plots import figure


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
