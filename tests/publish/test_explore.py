"""The explore views: the coherence tab names aspects and indicators in words, and every table's text is left-aligned."""
from __future__ import annotations

import pytest
from pandas.io.formats.style import Styler

from evalkit.publish import explore
from evalkit.scoring.assessment import assess


@pytest.fixture(scope="module")
def a():
    return assess("baotou", "2022H2", strict=False, previous={"period": "2022H1", "strict": False})


@pytest.fixture()
def shown(monkeypatch):
    """What a view displays: its tables (Stylers) and its Markdown text."""
    import IPython.display

    out: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: out.extend(objs))
    return out


def test_coherence_names_aspects_and_indicators(a, shown):
    explore.show_coherence(a, "district")
    tables = [o.data for o in shown if isinstance(o, Styler)]
    alpha, weakest = tables[1], tables[2]
    assert alpha["方面"].tolist()[0] == "（一）政务服务“一网通办”"  # never a bare 一 beside the — of a missing α
    assert all(v.startswith("（") for v in weakest["方面"])
    text = dict(zip(a.framework.indicators["id"].astype(str), a.framework.indicators["text"]))
    for label in weakest["指标"]:
        number, start = label.split(" ", 1)
        assert text[number].startswith(start.rstrip("…")) and len(start) >= 5


def test_change_since_the_previous_half_year_adds_up(a, shown):
    explore.show_change(a, "石拐区")
    heading = shown[0].data
    assert heading.startswith("### 石拐区：2022年上半年") and "→ 2022年下半年" in heading
    parts = next(o.data for o in shown if isinstance(o, Styler))
    t = a.result.totals.set_index("entity")
    p = a.previous.result.totals.set_index("entity")
    change = round(t.loc["石拐区", "half_year"], 2) - round(p.loc["石拐区", "half_year"], 2)
    assert parts["贡献（分）"].sum() == pytest.approx(change, abs=1e-9)


def test_tables_keep_text_left_aligned_on_one_line(a, shown):
    explore.show_entity(a, "石拐区", header=False)
    page = "".join(o.to_html() for o in shown if isinstance(o, Styler))
    assert "text-align: right" not in page
    assert page.count("white-space: nowrap") > 0 and "min-width: 12em" in page
