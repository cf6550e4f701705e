"""The public bulletin (通报): its facts on hand-worked cases, grades on the printed value, and the
published edition as its readers see it (no English, no paths, no code words; total, rank and grade on
a phone's screen)."""
from __future__ import annotations

from contextlib import closing

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.publish import bulletin, problems
from evalkit.publish.tables import full_text
from evalkit.analysis.sensitivity import grade_probabilities
from evalkit.framework import grades
from evalkit.scoring.assessment import Assessment
from evalkit.publish.printing import launch
from evalkit.core.rounding import display_round

from ..conftest import full_marks

BANDS = grades.Bands(("优秀", "良好", "合格", "不合格"), (90.0, 80.0, 60.0, 0.0), True)


def _assessment(fw, inputs, previous=None) -> Assessment:
    return Assessment(fw, inputs, evalkit.score_period(fw, inputs), {}, previous=previous)


@pytest.fixture
def pair(small):
    """This half-year at full marks (total 100 each); the previous one with the other methods at 50
    (total 0.6 × 100 + 0.4 × 50 = 80, exactly at 良好's minimum)."""
    before = _assessment(small, full_marks(small, methods=50.0))
    return _assessment(small, full_marks(small), previous=before)


def test_results_table_by_hand(pair):
    t = bulletin.results_table(pair, "district")
    assert list(t.columns[:6]) == ["考评对象", "考评分值", "排名", "等次（推定）", "分值环比变化", "排名环比变化"]  # SMALL's bands are derived
    assert t["考评分值"].tolist() == [100.0, 100.0]
    assert t["排名"].tolist() == ["1（并列）", "1（并列）"]
    assert t["等次（推定）"].tolist() == ["优秀", "优秀"]
    assert t["分值环比变化"].tolist() == ["+20.00", "+20.00"] and t["排名环比变化"].tolist() == ["—", "—"]
    before = bulletin.results_table(pair.previous, "department")
    assert before["等次（推定）"].tolist() == ["良好", "良好"] and "分值环比变化" not in before


def test_overview_by_hand(pair):
    f = bulletin.overview_facts(pair).set_index("group")
    assert f.loc["district", "n"] == 2 and f.loc["district", "mean"] == 100.0
    assert f.loc["district", "grades"] == {"优秀": 2, "良好": 0, "合格": 0, "不合格": 0}
    assert f.loc["department", "gain"] == 20.0 and f.loc["department", "mean_change"] == 20.0
    assert sorted(f.loc["department", "improved"]) == ["局乙", "局甲"]
    text = bulletin.overview_text(pair)
    assert text[0].startswith("区县共2个参加考评，平均分100.00分，最高100.00分，最低100.00分，相差0.00分。推定等次分布：优秀2个。"
                              "东区、西区位列第一；")  # all tied: no one is called last
    assert "组内平均分较上期提高20.00分。" in text[0]


def test_aspect_rates_and_lost_points_by_hand(small):
    inputs = full_marks(small)
    mon = inputs.monitoring
    first = mon.index[(mon["entity"] == "东区") & (mon["indicator"] == 1)][0]
    mon.loc[first, "score"] -= 2  # indicator 1 has 10 points: 东区 loses 2 of them
    a = _assessment(small, inputs)
    lost = problems.lost_points(a)
    assert lost.iloc[0].tolist() == [1, "t1", "局甲", 2.0, "1/4"] and len(lost) == 1
    rates = bulletin.aspect_rates(a).set_index("方面")
    assert rates.loc["二、乙"].tolist() == [100.0, 100.0, 100.0]
    assert rates.loc["一、甲", "部门得分率"] == 100.0 and rates.loc["一、甲", "区县得分率"] < 100.0


@settings(deadline=None)
@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_grade_is_that_of_the_printed_value(value):
    printed = float(display_round(value))
    assert grades.grade(pd.Series([value]), BANDS)[0] == grades.grade(pd.Series([printed]), BANDS)[0]
    rank = BANDS.names.index(grades.grade(pd.Series([value]), BANDS)[0])
    assert printed >= BANDS.minimums[rank] and (rank == 0 or printed < BANDS.minimums[rank - 1])


def test_bands_are_framework_data(baotou, small):
    assert grades.bands(baotou) == BANDS  # Baotou's method gives none: its bands are marked derived
    assert grades.bands(small).derived  # no framework.yaml: the default bands, derived


@pytest.mark.parametrize("city,year", [("baotou", 2022), ("baotou", 2023), ("jinan", 2021), ("ulanhot", 2022),
                                       ("xining", 2024), ("yuncheng", 2022)])
@pytest.mark.parametrize("rule", ["precise", "printed"])
def test_tail_rule_on_every_shipped_year(city, year, rule):
    """What is printed adds up: each printed annual total is within 0.01 of the mean of the printed halves,
    and exactly those that differ carry the 尾差 note (the mark and the listed values); with the ``printed``
    rule it is that mean, and nothing is noted."""
    a = evalkit.scoring.assessment.assess_annual(city, year, annual_total=rule)
    t = a.totals
    printed, halves = display_round(t["annual"]), display_round((display_round(t["h1"]) + display_round(t["h2"])) / 2)
    assert ((printed - halves).abs() <= (0.01 if rule == "precise" else 0) + 1e-9).all()
    noted = bulletin.tail_differences(t)
    assert rule == "precise" or noted.empty
    assert set(noted["entity"]) == set(t.loc[(printed - halves).abs() > 1e-9, "entity"])
    for group in a.framework.groups:
        table = bulletin.annual_results_table(a, group)
        starred = {e[:-1] for e in table["考评对象"] if e.endswith("*")}
        assert starred == set(noted["entity"]) & set(t.loc[t["group"] == group, "entity"])
        assert (table["年度考评分值"] == display_round(t[t["group"] == group].sort_values("rank", kind="stable")["annual"]).to_numpy()).all()


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script", "title")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


BANNED = ["evalkit", "METHOD", "params/", ".yaml", "derived", "identical", "seed", "synthetic", "manifest", "随机种子"]


@pytest.mark.slow
@pytest.mark.parametrize("period", ["2022H1", "2022H2"])
def test_public_edition_holds_no_english_paths_or_code(demo_archive, baotou, period):
    check_public_text(demo_archive / "baotou" / period / "report.html", baotou)


def check_public_text(page: Path, framework) -> None:
    """No banned word, no ASCII word outside entity, indicator and unit names, no half-width punctuation
    beside Chinese, the bulletin's sections and none of the internal ones."""
    p = _Visible()
    p.feed(page.read_text(encoding="utf-8"))
    text = " ".join(p.parts)
    for word in BANNED:
        assert word not in text, (page, word)
    allowed = " ".join([*framework.entities["entity"], *framework.indicators["text"], *framework.indicators["lead_units"].sum()])
    words = set(re.findall(r"[A-Za-z]{2,}", text)) - set(re.findall(r"[A-Za-z]{2,}", allowed))
    assert not words, (page, words)
    # no half-width parenthesis, colon or comma next to a Chinese character
    assert not re.search(r"[\u4e00-\u9fff][(),:;]|[(),:;][\u4e00-\u9fff]", text), re.search(r".{8}[\u4e00-\u9fff][(),:;].{8}|.{8}[(),:;][\u4e00-\u9fff].{8}", text)
    for heading in ("一、总体情况", "二、考评结果", "下一步工作要求", "附件"):
        assert heading in text
    assert "推定事项" not in text and "排名稳健性" not in text


def in_browser(page: Path, width: int, script: str):
    """``script``'s value in the Debian Chromium showing ``page`` at ``width`` px, launched from this thread's
    Playwright (the one the session fixtures' runs print with: a second one cannot start in a thread)."""
    with closing(launch()) as browser:
        view = browser.new_page(viewport={"width": width, "height": 900})
        view.goto(page.as_uri(), wait_until="load")
        return view.evaluate(script)


ON_SCREEN = """() => {
    const tables = [];
    for (const t of document.querySelectorAll('table.ranking')) {
        const head = [...t.querySelectorAll('thead th')].map(th => th.textContent.trim());
        const keep = ['考评对象', head.find(h => h.endsWith('考评分值')), '排名', head.find(h => h.startsWith('等次'))].map(h => head.indexOf(h));
        const rights = [];
        for (const row of t.querySelectorAll('tbody tr')) {
            const cells = row.querySelectorAll('td');
            rights.push(keep.map(k => k < 0 ? Infinity : cells[k].getBoundingClientRect().right));
        }
        tables.push(rights);
    }
    const charts = [...document.querySelectorAll('img, svg')].map(i => i.getBoundingClientRect().right);
    return {tables: tables, charts: charts, width: window.innerWidth, page: document.documentElement.scrollWidth};
}"""


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", ["report.html", "report-internal.html"])
def test_total_rank_and_grade_on_screen(demo_archive, name, width):
    """In a real browser, every ranking table's entity, total, rank and grade cells lie inside the viewport
    (the other columns may scroll), no chart reaches past it, and the page itself does not scroll sideways:
    both editions of a half-year with its change columns (the annual bulletin: tests/test_reports.py)."""
    check_on_screen(demo_archive / "baotou" / "2022H2" / name, width)


def check_on_screen(page: Path, width: int) -> None:
    found = in_browser(page, width, ON_SCREEN)
    assert len(found["tables"]) == 2 and sum(len(t) for t in found["tables"]) == 37  # 10 districts, 27 departments
    assert max(max(row) for t in found["tables"] for row in t) <= found["width"]
    assert all(right <= found["width"] for right in found["charts"]) and found["page"] <= found["width"]


def test_grade_probabilities(pair, small):
    """Full marks stay 优秀 whatever the weights; with the other methods at 50 the total moves with the
    monitoring weight around 80, so both 良好 and 合格 occur; without variation the published grade is certain."""
    sure = grade_probabilities(small, pair.result, draws=200)
    assert (sure["优秀"] == 1).all()
    p = grade_probabilities(small, pair.previous.result, draws=400)
    assert p[list(BANDS.names)].sum(axis=1).round(9).eq(1).all()
    assert (p["良好"] > 0).all() and (p["合格"] > 0).all() and (p["grade"] == "良好").all()
    fixed = grade_probabilities(small, pair.previous.result, draws=50, band=0.0)
    assert [fixed.loc[k, g] for k, g in zip(fixed.index, fixed["grade"])] == [1.0] * len(fixed)


HEADING = re.compile(r"^\s*([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|附件)")


def check_pdf(pdf: Path, public: bool) -> None:
    """Every page: the running header with 示例数据 first, 第 X 页 共 Y 页 last (the public edition, a 公文: ``— X —``), and no heading of any level (the
    HTML's h1-h4, or a line like 一、… （一）… 附件…) as its last line of text in the lower part of the page (a
    chart's labels are text too: a piece of one, such as the 七、 of a slanted axis label, is no heading); no half-width parenthesis,
    colon, comma or semicolon beside Chinese."""
    import subprocess
    from html import unescape

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    for k, page in enumerate(pages, start=1):
        lines = [line for line in page.splitlines() if line.strip()]
        assert re.sub(r"\s", "", lines[-1]) == (f"—{k}—" if public else f"第{k}页共{len(pages)}页"), lines[-1]
        assert "示例数据" in lines[0]
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    headings = {re.sub(r"\s|¶", "", unescape(re.sub(r"<[^>]+>", "", h))) for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, re.S)}
    assert headings
    labels = [unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", html)]  # the charts' (inline SVG)
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for k, (height, words) in enumerate(re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', boxes, re.S), start=1):
        rows: dict[int, list[str]] = {}
        for y, word in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>', words):
            rows.setdefault(round(float(y)), []).append(unescape(word))
        body = sorted(rows.items())[1:-1]  # without the running header and the page number
        if not body:
            continue
        y, last = body[-1]
        line = "".join(last)
        if y > 0.7 * float(height) and (line in headings or not any(line in t for t in labels)):
            assert line not in headings and not (HEADING.match(line) and len(last) == 1), f"{pdf.name} page {k} ends with the heading {line!r}"
    # both editions: formal Chinese punctuation (exporters.punctuated), the source documents' half-width commas too
    joined = "".join(pages)
    assert not re.search(r"[\u4e00-\u9fff][(),:;]|[(),:;][\u4e00-\u9fff]", joined), \
        re.search(r".{8}[\u4e00-\u9fff][(),:;].{8}|.{8}[(),:;][\u4e00-\u9fff].{8}", joined)


@pytest.mark.slow
@pytest.mark.parametrize("period", ["2022H1", "2022H2"])
@pytest.mark.parametrize("name", ["report.pdf", "report-internal.pdf"])
def test_pdf_pages_have_numbers_and_the_mark_and_no_orphaned_heading(demo_archive, name, period):
    check_pdf(demo_archive / "baotou" / period / name, name == "report.pdf")


def test_scorecard_shows_an_indicator_of_two_lead_units_once(small):
    """Indicator 2 is scored by 局甲 and 局乙: 局乙 takes 2 points off 东区, so the indicator's score is the
    mean, its points less 1, and it is listed once with both units' scores (the shortened name cut with …)."""
    from evalkit.publish import scorecard

    inputs = full_marks(small)
    mon = inputs.monitoring
    row = mon.index[(mon["entity"] == "东区") & (mon["indicator"] == 2) & (mon["lead_unit"] == "局乙")][0]
    points = float(mon.loc[row, "score"])
    mon.loc[row, "score"] = points - 2
    lost = scorecard.lost_by_indicator(_assessment(small, inputs), "东区")
    assert len(lost) == 1 and lost.loc[0, "指标"] == "2 t2" and lost.loc[0, "units"] == 2
    assert lost.loc[0, ["分值", "得分", "失分"]].tolist() == pytest.approx([points, points - 1, 1.0])
    assert lost.loc[0, "牵头考核单位评分"] == f"局乙 {points - 2:.2f}；局甲 {points:.2f}"
    assert scorecard.lost_by_indicator(_assessment(small, full_marks(small)), "东区").empty


def test_each_entity_finds_its_own_problem_items(demo_archive):
    """附件3 of the 通报 (issue 24): every problem item under its entity's own heading, with the indicator's number and
    full text, the lead unit and the 整改 deadline; 四(一) names indicators by number and full text, never cut."""
    from evalkit.scoring.assessment import assess

    a = assess("baotou", "2022H2")
    items = problems.entity_items(a)
    assert len(items) and list(items.columns) == ["考评对象", "指标", "指标内容", "问题", "牵头考核单位", "整改时限"]
    text = a.framework.indicators.set_index("id")["text"].map(full_text)
    assert (items["指标内容"] == items["指标"].map(text)).all() and not items["整改时限"].eq("").any()
    assert set(items["考评对象"]) <= set(a.framework.entities["entity"])
    lost = problems.lost_points(a)
    assert not lost["指标内容"].str.endswith("…").any() and (lost["指标内容"] == lost["指标"].map(text)).all()
    page = (demo_archive / "baotou" / "2022H2" / "report.html").read_text(encoding="utf-8")
    assert '<span class="gw-attach">附件3　</span><span class="gw-annex-title">各考评对象问题清单</span>' in page
    for entity in items["考评对象"].unique():
        assert f"{entity}（{(items['考评对象'] == entity).sum()}项）" in page
