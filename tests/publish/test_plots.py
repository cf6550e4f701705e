"""Charts as SVG: the same figure gives the same bytes; inline in a page, their text stays text in the page's font."""
from __future__ import annotations

import re

import pandas as pd

from evalkit.publish import plots


def _figure():
    totals = pd.DataFrame({"entity": ["市发改委", "市<b>局"], "group": ["g", "g"], "half_year": [91.5, 88.25]})

    class Framework:
        groups = {"g": "市直部门"}

    return plots.ranking_bars(Framework(), totals, "g", title="市直部门半年考评分值")


def test_svg_is_deterministic_and_draws_glyphs_as_paths_by_default():
    a, b = plots.svg(_figure()), plots.svg(_figure())
    assert a == b and "<text" not in a and "<dc:date>" not in a.lower()


def test_inline_svg_keeps_text_in_the_pages_font_with_a_name_and_no_prolog():
    out = plots.inline_svg(_figure(), '市直部门"半年"')
    assert out == plots.inline_svg(_figure(), '市直部门"半年"')  # an audit compares the pages byte for byte
    assert out.startswith('<svg class="chart" role="img" aria-label="市直部门&quot;半年&quot;" ')
    assert "<?xml" not in out and "<!DOCTYPE" not in out and "<metadata>" not in out and '<g id="' not in out
    texts = re.findall(r'<text [^>]*font-family: ([^;"]+)[^>]*>([^<]*)</text>', out)
    assert {f for f, _ in texts} == {"EvalkitCJK"}
    assert {"市发改委", "市&lt;b&gt;局", "市直部门半年考评分值", "91.50"} <= {t for _, t in texts}
