"""The what-if chart: no value label touches a published-score dot, a bar, another label, the legend or the title;
measured on matplotlib's renderer, for the 27 departments as for the 10 districts."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

from evalkit.analysis.sensitivity import compare
from evalkit.publish.explore_plot import what_if_chart
from evalkit.scoring.assessment import assess
from evalkit.scoring.scores import score_period


@pytest.fixture(scope="module")
def changed():
    a = assess("baotou", "2022H2", strict=False)
    other = score_period(a.framework, a.inputs, weights={"monitoring": 0.05, "field": 0.05, "survey": 0.05, "third_party": 0.85})
    return compare(a.result, other)


def boxes(fig):
    """Display-space boxes: the value labels, the dots (their marker size), the bars, the tick labels, legend and title."""
    canvas = FigureCanvasAgg(fig)  # the canvas that plots.png's savefig draws on
    canvas.draw()
    r = canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t.get_window_extent(r) for t in ax.texts]
    radius = np.sqrt(ax.collections[0].get_sizes()[0]) / 2 * fig.dpi / 72
    dots = [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius)
            for x, y in ax.transData.transform(ax.collections[0].get_offsets())]
    bars = [p.get_window_extent(r) for p in ax.patches]
    ticks = [t.get_window_extent(r) for t in ax.get_yticklabels()]
    others = [fig.legends[0].get_window_extent(r), fig._suptitle.get_window_extent(r)]
    return labels, dots, bars, ticks, others


@pytest.mark.parametrize("group, n", [("department", 27), ("district", 10)])
def test_no_label_overlaps_anything(changed, group, n):
    view = changed[changed["group"] == group]
    assert len(view) == n
    fig = what_if_chart(view, view["entity"].iloc[0], "调整权重后的分值与排名")
    labels, dots, bars, ticks, others = boxes(fig)
    assert len(labels) == len(dots) == n
    assert (view["total"].round(2) != view["new_total"].round(2)).sum() >= n // 2  # dots and bars apart: the hard case
    for label in labels:
        assert not any(label.overlaps(d) for d in dots + bars + ticks + others)
    for b1, b2 in itertools.combinations(labels + ticks + others, 2):
        assert not b1.overlaps(b2)
    page = fig.bbox
    assert all(page.x0 <= b.x0 and b.x1 <= page.x1 and page.y0 <= b.y0 and b.y1 <= page.y1 for b in labels + ticks + others)


def test_labels_say_the_new_total_and_rank(changed):
    view = changed[changed["group"] == "district"]
    fig = what_if_chart(view, "石拐区", "t")
    ax = fig.axes[0]
    shown = {tick.get_text(): label.get_text() for tick, label in zip(ax.get_yticklabels(), ax.texts)}
    row = view.set_index("entity").loc["石拐区"]
    assert shown["石拐区"] == f"{round(row['new_total'], 2):.2f}（第{row['new_rank']}名）"
