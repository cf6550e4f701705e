"""Nothing clipped, ever (issue 24): both editions of a period, printed on A4 and shown on a desktop and a phone,
lose no text at an edge (tests/publish/layout.py says how each is checked). ``make test`` checks the widest period of
each city and a year (:data:`WIDEST`); ``make layout`` (and ``make test-scale``) every period of every city."""
from __future__ import annotations

from contextlib import closing

import nbformat
import pandas as pd
import pytest

from evalkit.core.escape import styled
from evalkit.inputs.params import all_params, load_params
from evalkit.publish import wide
from evalkit.publish.exporters import ReportHTMLExporter, running_header
from evalkit.publish.printing import Printer, launch

from ..conftest import shared_runs
from .layout import problems

pytestmark = pytest.mark.slow
EDITIONS = ["report", "report-internal"]
WIDEST = [("widest_runs", "baotou", "2023H2")] + [
    ("plan_runs", c, p) for c, p in (("xining", "2024H2"), ("jinan", "2021H2"), ("yuncheng", "2022H2"), ("ulanhot", "2022H2"), ("xining", "2024"))]
"""The widest period of each city (a second half-year: 环比, and for Baotou 同比) and a year, from session fixtures."""


@pytest.fixture(scope="module")
def browser():
    with closing(launch()) as b:  # this thread's Playwright: the runs' printers may hold it
        yield b


@pytest.fixture(scope="session")
def widest_runs(tmp_path_factory):
    """Baotou's widest period: 2023H2, with 环比 and 同比 columns."""
    return shared_runs(tmp_path_factory, "widest-runs", [load_params("baotou", "2023H2")])


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("source, city, period", WIDEST)
def test_nothing_clipped(request, browser, source, city, period, edition):
    folder = request.getfixturevalue(source) / city / period
    assert problems(browser, folder / f"{edition}.html", folder / f"{edition}.pdf") == []


@pytest.fixture(scope="module")
def every_run(tmp_path_factory):
    return shared_runs(tmp_path_factory, "every-run", all_params())


@pytest.mark.scale
@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("city, period", [(s.city, str(s.period)) for s in all_params()])
def test_nothing_clipped_in_any_period(every_run, browser, city, period, edition):
    folder = every_run / city / period
    assert problems(browser, folder / f"{edition}.html", folder / f"{edition}.pdf") == []


def _page(tmp_path, name: str, outputs: list) -> tuple:
    """A one-cell notebook showing ``outputs`` (HTML) exported as a report and printed as the runs print it."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": html}) for html in outputs])])
    page, _ = ReportHTMLExporter(edition="internal").from_notebook_node(nb)
    html, pdf = tmp_path / f"{name}.html", tmp_path / f"{name}.pdf"
    html.write_text(page, encoding="utf-8")
    with Printer() as printer:
        printer.pdf(html, pdf, running_header("测试", synthetic=False, internal=True))
    return html, pdf


def test_a_table_too_wide_is_found_and_in_parts_fits(tmp_path, browser, monkeypatch):
    """The checks are not blind: a table of 40 entity columns runs off the A4 page (the PDF lacks its right-hand
    columns, the print layout puts them past the page) and a long unbroken word runs off a phone's screen; the
    same table shown in parts (:func:`evalkit.publish.wide.show_parts`) fits."""
    names = [f"第{k}考评对象" for k in range(1, 41)]
    df = pd.DataFrame({"指标": range(1, 6), **{n: ["✓", "", "✓", "", "✓"] for n in names}})
    html, pdf = _page(tmp_path, "wide", [styled(df).to_html(), "<p>" + "长" * 3 + "x" * 120 + "</p>"])
    found = problems(browser, html, pdf)
    assert any(p.startswith("PDF lacks") for p in found) and any(p.startswith("print: ") for p in found)
    assert any(p.startswith("390 px: ") and "xxxx" in p for p in found)
    assert not any(p.startswith("1280 px: ") and "考评对象" in p for p in found)  # on screen the table scrolls

    shown = []
    monkeypatch.setattr(wide, "display", shown.append)
    wide.show_parts(df, ["指标"], vertical=True)
    wide.show_parts(df.rename(columns=lambda c: c * 2 if c != "指标" else c), ["指标"])
    parts = [s.to_html() for s in shown if hasattr(s, "to_html")]
    assert len(parts) > 2  # upright names: one part; names across the page: several
    html, pdf = _page(tmp_path, "parts", parts)
    assert problems(browser, html, pdf) == []
