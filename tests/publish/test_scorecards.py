"""Scorecards at county scale: a generated 300-entity period, one HTML and one PDF per entity with its numbers."""
from __future__ import annotations

import re
import subprocess

import pytest

from evalkit.core import files
from evalkit.core import paths
from evalkit.demo import city as synthetic
from evalkit.scoring.assessment import assess
from evalkit.inputs.params import load_params
from evalkit.runs.outputs import batches, render_scorecards
from evalkit.core.rounding import display_round


def test_batches_cover_every_item_once():
    items = [f"e{i}" for i in range(301)]
    for workers in (1, 2, 8):
        parts = batches(items, workers)
        assert [x for p in parts for x in p] == items and all(1 <= len(p) <= 200 for p in parts)


@pytest.fixture(scope="module")
def county_city(tmp_path_factory):
    root = synthetic.write_city(tmp_path_factory.mktemp("synthetic"), "baotou", counties=273)  # + Baotou's 27 departments = 300
    return root


@pytest.mark.scale
def test_300_entity_scorecards_hold_their_numbers(county_city, tmp_path, monkeypatch):
    monkeypatch.setenv("EVALKIT_DATA", str(county_city / "data"))
    monkeypatch.setattr(paths, "DATA", county_city / "data")
    spec = load_params(synthetic.CITY, "2022H1", county_city / "params")
    totals = assess(synthetic.CITY, "2022H1").result.totals
    assert len(totals) == 300
    (tmp_path / "results.csv").write_bytes(files.results_csv(totals))
    hashes = render_scorecards(spec, list(totals["entity"]), tmp_path, jobs=2, progress=False)
    folder = tmp_path / "scorecards"
    shared = {"index.html", "EvalkitCJK.woff", "EvalkitCJK-Bold.woff", "scorecard.css"}  # the pages' font (and its bold) and style sheet: one each for the folder
    assert set(hashes) == {f"scorecards/{n}" for n in shared | {f"{e}{x}" for e in totals["entity"] for x in (".html", ".pdf")}}
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".html") == sorted(
        [f"{e}.html" for e in totals["entity"]] + ["index.html"])
    assert len(list(folder.glob("*.pdf"))) == 300
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr><td>") == 300 and "示例县0001" in index
    for row in totals.itertuples(index=False):
        total = f"{display_round(row.half_year):.2f}"
        page = (folder / f"{row.entity}.html").read_text(encoding="utf-8")
        assert f"{row.entity}" in page and "示例数据" in page
        assert re.search(rf"半年考评分值 <strong>{re.escape(total)}</strong>.*?第 <strong>{row.rank}</strong> 名", page), row.entity
        text = subprocess.run(["pdftotext", "-layout", str(folder / f"{row.entity}.pdf"), "-"], capture_output=True, text=True).stdout
        assert total in text and row.entity in text
        assert hashes[f"scorecards/{row.entity}.pdf"] == files.sha256(folder / f"{row.entity}.pdf")


@pytest.mark.slow
def test_a_folder_shares_one_style_sheet_and_one_font_holding_every_character_shown(tmp_path):
    from fontTools.ttLib import TTFont

    from evalkit.publish import scorecards
    from evalkit.publish.exporters import visible_text

    entities = ["昆都仑区", "市教育局"]
    hashes = scorecards.render(load_params("baotou", "2022H1"), entities, tmp_path, timeout=120)
    assert set(hashes) == {f"scorecards/{n}" for n in [scorecards.FONT, "EvalkitCJK-Bold.woff", scorecards.STYLE]
                           + [f"{e}{x}" for e in entities for x in (".html", ".pdf")]}
    glyphs = TTFont(str(tmp_path / scorecards.FONT)).getBestCmap()
    printable = {c for c in glyphs if c > 32}  # fonts differ only in which control characters they map
    assert printable <= TTFont(str(tmp_path / "EvalkitCJK-Bold.woff")).getBestCmap().keys()  # bold text never synthesised
    totals = assess("baotou", "2022H1").result.totals.set_index("entity")
    for entity in entities:
        page = (tmp_path / f"{entity}.html").read_text(encoding="utf-8")
        head = page.split("</head>")[0]
        assert f'<link rel="stylesheet" href="{scorecards.STYLE}"/>' in head and "<style" not in head
        assert not [c for c in set(visible_text(page)) if not c.isspace() and ord(c) not in glyphs]
        total = f"{display_round(totals.loc[entity, 'half_year']):.2f}"
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / f"{entity}.pdf"), "-"], capture_output=True, text=True).stdout
        assert entity in text and total in text and "失分指标" in text and "问题清单" in text
        pages = subprocess.run(["pdfinfo", str(tmp_path / f"{entity}.pdf")], capture_output=True, text=True).stdout
        assert "Pages:           1" in pages, f"{entity}: a half-year's first scorecard fits one A4 page"
        fonts = subprocess.run(["pdffonts", str(tmp_path / f"{entity}.pdf")], capture_output=True, text=True).stdout.splitlines()[2:]
        assert fonts and all(" CID TrueType " in f for f in fonts), fonts  # no Type 3
    assert "EvalkitCJK.woff" in (tmp_path / scorecards.STYLE).read_text(encoding="utf-8")


def test_a_page_whose_styles_differ_from_the_folders_is_an_error():
    from evalkit.publish import scorecards
    from evalkit.core.errors import RunError

    page = '<html><head><title>x</title>\n<style type="text/css">a{}</style>\n<style type="text/css">b{}</style>\n</head><body>好</body></html>'
    assert scorecards._linked(page, "a{}\nb{}") == (f'<html><head><title>x</title>\n<link rel="stylesheet" href="{scorecards.STYLE}"/>\n'
                                                      "</head><body>好</body></html>")
    with pytest.raises(RunError, match="differ from the folder"):
        scorecards._linked(page, "a{}")


def test_every_printed_page_of_a_card_says_whose_it_is(tmp_path):
    """Issue 24: page 2 of a printed card had no title, entity, 示例数据 or page number; now every page has them. The
    longest card of the shipped periods (市审批服务局, 2022H2: 15 problem rows) runs on to a second page with nothing but
    its problem list: every other section, and the loss table cut to its first rows, is on page 1."""
    from evalkit.publish import scorecards
    from evalkit.publish.card_style import LOSSES_PRINTED

    scorecards.render(load_params("baotou", "2022H2"), ["市审批服务局"], tmp_path, timeout=120)
    pdf = tmp_path / "市审批服务局.pdf"
    count = int(subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.split("Pages:")[1].split()[0])
    pages = []
    for number in range(1, count + 1):
        text = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
                              capture_output=True, text=True).stdout
        assert "市审批服务局" in text and "考评成绩单" in text and "示例数据" in text, number
        assert f"第 {number} 页 共 {count} 页" in text or f"第{number}页共{count}页" in text, number  # pdftotext may drop the spaces
        pages.append(re.sub(r"\s+", "", text))
    assert count == 2
    sections = ["各方面得分率", "历次变化", "失分指标", "分值变化的来源", "问题清单与整改时限"]
    assert all(s in pages[0] for s in sections) and not any(s in pages[1] for s in sections[:-1])
    assert f"以上为失分最多的{LOSSES_PRINTED}项；另有" in pages[0]
    assert "整改时限" in pages[1] and "2023年3月31日" in pages[1]  # the list's header row repeated, its rows go on
