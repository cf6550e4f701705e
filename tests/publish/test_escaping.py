"""Issue 11 item 4: text from inputs never becomes live HTML or Markdown in a report or a scorecard.

A small framework whose entity and lead-unit names, aliases, remarks, statuses and lenient-mode problems
carry the payloads of ``tests/payloads.py`` is scored; every section of the period report, the internal
sections and the scorecard are displayed into a notebook, exported by the report's HTML exporter and
parsed: no element or attribute a payload would create exists, no external address is referenced, each
payload's text is shown as typed, and Chromium prints the page in normal time."""
from __future__ import annotations

import copy
import time
from html.parser import HTMLParser

import nbformat
import numpy as np
import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter

import evalkit
from evalkit.publish import analysis_report, coverage, milestone_report, report, scorecard, wide
from evalkit.scoring.assessment import Assessment
from evalkit.core.errors import Problem
from evalkit.publish.exporters import ReportHTMLExporter
from evalkit.publish.printing import html_to_pdf

from ..conftest import SMALL
from ..payloads import PAYLOADS

DISTRICTS = PAYLOADS[:6]
DEPARTMENTS = PAYLOADS[6:]


def _framework() -> evalkit.Framework:
    spec = copy.deepcopy(SMALL)
    leads = {"局甲": DEPARTMENTS[0], "局乙": DEPARTMENTS[1]}
    for aspect in spec["aspects"]:
        for category in aspect["categories"]:
            for ind in category["indicators"]:
                ind["lead_units"] = [leads[u] for u in ind["lead_units"]]
                ind["text"] = f"指标{ind['id']}<b>加粗</b>"
    entities = pd.DataFrame({"entity": DISTRICTS + DEPARTMENTS, "group": ["district"] * 6 + ["department"] * 6,
                             "aliases": [(f"别名<i>{k}</i>",) for k in range(12)]})
    return evalkit.build_framework(spec, entities)


def _inputs(fw: evalkit.Framework, period: str, seed: int) -> evalkit.PeriodInputs:
    rng = np.random.default_rng(seed)
    need = fw.assignments()
    points = need["indicator"].map(fw.indicators.set_index("id")["points"])
    mon = need[need["input"] == "score"][["lead_unit", "entity", "indicator"]].assign(
        score=lambda d: np.round(rng.uniform(0.5, 1.0, len(d)) * points[d.index], 2),
        status=lambda d: [PAYLOADS[k % len(PAYLOADS)] for k in range(len(d))],
        note=lambda d: [PAYLOADS[(k + 3) % len(PAYLOADS)] for k in range(len(d))])
    meth = pd.DataFrame({"entity": fw.entities["entity"]})
    for key in ("field", "survey", "third_party"):
        meth[key] = np.round(rng.uniform(70, 100, len(meth)), 2)
    first = mon.iloc[0]
    verification = pd.DataFrame({"lead_unit": [first["lead_unit"]], "entity": [first["entity"]],
                                 "indicator": [first["indicator"]], "verified": [first["score"] / 2]})
    inputs = evalkit.PeriodInputs.from_tables(period, mon.drop(index=mon.index[-1]), meth, verification=verification, strict=False)
    inputs.problems.extend(Problem(file=p, message=p, row=2, column=p, sheet=p, zh=p) for p in PAYLOADS)
    return inputs


@pytest.fixture(scope="module")
def hostile() -> Assessment:
    fw = _framework()
    before_inputs = _inputs(fw, "2021H2", 1)
    before = Assessment(fw, before_inputs, evalkit.score_period(fw, before_inputs), {})
    inputs = _inputs(fw, "2022H1", 2)
    return Assessment(fw, inputs, evalkit.score_period(fw, inputs), {}, previous=before)


def _notebook(monkeypatch, sections) -> nbformat.NotebookNode:
    """Run the section functions, collecting what they display as a code cell's outputs."""
    shown: list = []
    for module in (report, scorecard, analysis_report, wide):
        monkeypatch.setattr(module, "display", shown.append)
    for section in sections:
        section()
    formatter = DisplayFormatter()
    outputs = [nbformat.v4.new_output("display_data", data=formatter.format(obj)[0]) for obj in shown]
    cell = nbformat.v4.new_code_cell("", outputs=outputs)
    return nbformat.v4.new_notebook(cells=[cell], metadata={"evalkit": {"title": PAYLOADS[0]}})


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.emphasised: list[str] = []  # text inside <strong>, <em> and <code>, which the report's own Markdown makes
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "img", "br", "hr", "link", "input"):
            self._open.append(tag)

    def handle_endtag(self, tag):
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data):
        if not {"style", "script"} & set(self._open):
            self.text.append(data)
        if {"strong", "em", "code"} & set(self._open):
            self.emphasised.append(data)


def _assert_inert(page: str) -> None:
    parsed = _Elements()
    parsed.feed(page)
    tags = [t for t, a in parsed.tags if not (t == "svg" and a.get("class") == "chart")]  # the charts, inline
    for tag in ("script", "svg", "iframe", "b", "i"):
        assert tag not in tags, f"a payload became a live <{tag}>"
    assert not {"粗体", "斜体", "代码"} & set(parsed.emphasised), "Markdown emphasis in a name was rendered"
    assert tags.count("style") == len([t for t in parsed.tags if t[0] == "style" and t[1].get("type") == "text/css"])
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            value = attrs.get(name) or ""
            assert value.startswith(("#", "data:")) or value == "", f"<{tag} {name}={value!r}> references an address"
        # heading anchors (an id and a link to it) carry the heading's text, percent-encoded: not an address
        assert "evil.example" not in " ".join(str(v) for k, v in attrs.items() if k != "id" and not str(v).startswith("#"))
    assert not any(t == "img" and a.get("src") == "x" for t, a in parsed.tags)
    assert "<table" not in " ".join(parsed.text)
    visible = " ".join(" ".join(parsed.text).split())
    for payload in PAYLOADS:
        assert " ".join(payload.split()) in visible, f"{payload!r} is not shown as typed"


def test_period_report_and_scorecard_hold_no_live_payload(hostile, monkeypatch, tmp_path):
    a, entity = hostile, DISTRICTS[0]
    sections = [lambda f=f: f(a) for f in (report.title, report.method, report.derived, report.rankings, report.aspects,
                                          report.targets, report.corrections, milestone_report.section, coverage.excused, report.warnings,
                                          analysis_report.show_applicability, analysis_report.show_coherence,
                                          analysis_report.show_attribution)]
    sections += [lambda: report.robustness(a, draws=50), lambda: analysis_report.show_sobol(a, n=32)]
    sections += [lambda f=f: f(a, entity) for f in (scorecard.header, scorecard.losses, scorecard.problems, scorecard.change, scorecard.trend)]
    sections += [lambda: scorecard.interval(a, DEPARTMENTS[1], draws=50)]
    page, _ = ReportHTMLExporter().from_notebook_node(_notebook(monkeypatch, sections))
    _assert_inert(page)

    source, target = tmp_path / "report.html", tmp_path / "report.pdf"
    source.write_text(page, encoding="utf-8")
    start = time.monotonic()
    html_to_pdf(source, target, timeout=90)
    assert time.monotonic() - start < 60 and target.stat().st_size > 0


def test_markdown_text_is_escaped_before_rendering(monkeypatch):
    """A name inside a Markdown sentence (a heading, a robustness sentence) is literal text."""
    from IPython.display import Markdown

    from evalkit.core.escape import md

    shown = [Markdown(f"## {md(p)}排名") for p in PAYLOADS]
    cell = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data", data=DisplayFormatter().format(m)[0])
                                                  for m in shown])
    page, _ = ReportHTMLExporter().from_notebook_node(nbformat.v4.new_notebook(cells=[cell]))
    _assert_inert(page)
