"""The published report: HTML and PDF in Chinese, the plots' font, and scores.xlsx."""
from __future__ import annotations

import re
import subprocess
import warnings
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import evalkit
from evalkit.publish import plots
from evalkit.scoring.assessment import assess, assess_annual
from evalkit.publish.printing import CHROMIUM_FLAGS, chromium
from evalkit.publish.workbook import write_scores

pytestmark = pytest.mark.slow
DISTRICTS = ["昆都仑区", "青山区", "东河区", "九原区", "石拐区", "白云鄂博矿区", "土默特右旗", "固阳县", "达尔罕茂明安联合旗", "稀土高新区"]


@pytest.fixture(scope="module")
def h2(demo_archive):
    """Baotou's 2022H2 demo period, run as `evalkit run` does (with 2022H1 as the previous period)."""
    return demo_archive / "baotou" / "2022H2"


@pytest.fixture(scope="module")
def year(demo_archive):
    return demo_archive / "baotou" / "2022"


class Tables(HTMLParser):
    """The report's tables as lists of rows of cell texts, and every tag's attributes."""

    def __init__(self):
        super().__init__()
        self.tables, self.tags, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def parse(path: Path) -> Tables:
    p = Tables()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_html_has_the_tables_and_no_code(h2):
    page = parse(h2 / "report-internal.html")
    text = (h2 / "report-internal.html").read_text(encoding="utf-8")
    assert "<title>包头市数字政府建设考评结果报告（2022年下半年）</title>" in text and "示例数据" in text
    rankings = [t for t in page.tables if t and t[0][:2] == ["考评对象", "日常监测"] and len(t[0]) > 5]  # not the 通报's method tables
    assert [len(t) - 1 for t in rankings] == [10, 27]  # districts, departments
    assert rankings[0][0][-2:] == ["排名", "排名变化"]
    assert {r[0] for r in rankings[0][1:]} == set(DISTRICTS)
    results = pd.read_csv(h2 / "results.csv").set_index("entity")
    for row in rankings[0][1:]:
        assert row[5] == f"{evalkit.core.rounding.display_round(results.loc[row[0], 'half_year']).item():.2f}"
    aspects = next(t for t in page.tables if t and t[0][0] == "考评对象" and t[0][1].startswith("一、"))
    assert len(aspects) - 1 == 37
    # no code cells, prompts, or the cell that records the results
    classes = [a.get("class", "").split() for _, a in page.tags]
    assert all("jp-mod-noInput" in c for c in classes if "jp-CodeCell" in c)  # markdown cells (the title block) are text
    assert not any({"jp-InputPrompt", "jp-OutputPrompt"} & set(c) for c in classes)
    assert "report.record" not in text and "evalkit results" not in text and "In&nbsp;[" not in text


@pytest.mark.parametrize("name", ["report.html", "report-internal.html"])
def test_html_fetches_nothing_and_embeds_images_and_font(h2, name):
    page = parse(h2 / name)
    for tag, attrs in page.tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not re.match(r"(https?:)?//", value), (tag, value)
    charts = [a for t, a in page.tags if t == "svg" and a.get("class") == "chart"]  # inline, their text set in the page's font
    assert (len(charts) >= 6 or name == "report.html") and not any(t == "img" for t, _ in page.tags)
    assert all(a.get("role") == "img" and a.get("aria-label") for a in charts)
    families = set(re.findall(r'<text [^>]*font-family: ([^;"]+)', (h2 / name).read_text(encoding="utf-8")))
    assert families == ({"EvalkitCJK"} if charts else set())
    assert '<html lang="zh-CN">' in (h2 / name).read_text(encoding="utf-8")
    faces = re.findall(r'@font-face \{ font-family: "(\w+)"; font-weight: (\d+); src: url\(data:font/woff;base64,', (h2 / name).read_text(encoding="utf-8"))
    body = "EvalkitSong" if name == "report.html" else "EvalkitCJK"  # the 通报 is a 公文, in a Song face with 黑体, 楷体 and 小标宋 headings
    assert faces == [(body, "400"), (body, "700")] + ([("EvalkitTitle", "700"), ("EvalkitHei", "700"), ("EvalkitKai", "400")]
                                                      if name == "report.html" else [])


def browser(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, *args], capture_output=True, text=True, timeout=timeout)


def test_chromium_shows_chinese_at_phone_width(h2, tmp_path):
    """Headless Chromium renders the report at a phone's width with the embedded CJK font."""
    probe = tmp_path / "probe.html"
    probe.write_text((h2 / "report.html").read_text(encoding="utf-8").replace("</body>", (
        '<p id="probe">?</p><script>document.fonts.ready.then(() => { const h = document.querySelector("h1");'
        'document.getElementById("probe").textContent = "font=" + document.fonts.check("bold 24px EvalkitTitle", h.textContent)'
        ' + " family=" + getComputedStyle(h).fontFamily.split(",")[0] + " width=" + document.documentElement.scrollWidth'
        ' + " viewport=" + window.innerWidth; });</script></body>')),
        encoding="utf-8")
    dom = browser(f"--user-data-dir={tmp_path / 'p1'}", "--window-size=390,900", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    found = re.search(r'id="probe">font=(\w+) family=([^ ]+) width=(\d+) viewport=(\d+)', dom.stdout)
    assert found, dom.stderr[-500:]
    assert found.group(1) == "true" and "EvalkitTitle" in found.group(2)
    # headless Chromium's narrowest window is about 500 px; nothing is wider than it (wide tables scroll inside)
    assert int(found.group(3)) <= int(found.group(4)) <= 520
    shot = tmp_path / "phone.png"
    browser(f"--user-data-dir={tmp_path / 'p2'}", "--window-size=390,1400", "--virtual-time-budget=10000", f"--screenshot={shot}", (h2 / "report.html").as_uri())
    import numpy as np
    from PIL import Image
    pixels = np.asarray(Image.open(shot).convert("L"))
    assert pixels.shape[0] == 1400 and pixels.min() < 80  # dark text was drawn
    assert (pixels[:70] < 128).sum() > 300  # the Chinese title is ink, not blank


def test_pdf_is_a4_with_the_district_names_as_text(h2):
    info = subprocess.run(["pdfinfo", str(h2 / "report.pdf")], capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 3
    assert "(A4)" in info
    text = subprocess.run(["pdftotext", str(h2 / "report.pdf"), "-"], capture_output=True, text=True).stdout
    assert "包头市数字政府建设工作专班文件" in text and "关于2022年下半年数字政府建设\n考评结果的通报" in text and "包数政专班发〔2023〕2号" in text
    for name in DISTRICTS:
        assert name in text, name


def test_scores_workbook_equals_results_to_the_cent(h2):
    """Score sheets hold the printed value (at most 2 decimals, equal to the bulletin's), in rank order with
    group, 并列, grade and the score and rank change as the bulletin prints them; 明细 keeps full precision;
    every sheet shows 示例数据 in its first row and prints on A4 with it in the header."""
    results = pd.read_csv(h2 / "results.csv")
    wb = openpyxl.load_workbook(h2 / "scores.xlsx")
    assert wb.sheetnames == ["旗县区", "市直部门", "各方面得分", "说明"]  # the public workbook: printed values only
    internal = openpyxl.load_workbook(h2 / "scores-internal.xlsx")
    assert internal.sheetnames == ["旗县区", "市直部门", "各方面得分", "明细", "说明"]
    printed = {}
    for table in parse(h2 / "report.html").tables:
        if table and table[0][:6] == ["考评对象", "考评分值", "排名", "等次（推定）", "分值环比变化", "排名环比变化"]:
            printed |= {row[0]: (float(row[1]), row[3], row[4], row[5]) for row in table[1:]}
    assert len(printed) == 37
    for sheet, group in (("旗县区", "district"), ("市直部门", "department")):
        ws = wb[sheet]
        header = [c.value for c in ws[2]]
        assert header == ["考评对象", "组别", "日常监测", "实地调研", "民意调查", "第三方评估", "半年考评分值", "排名", "并列",
                          "等次（推定）", "分值变化", "排名变化"]
        want = results[results["group"] == group].set_index("entity")
        rows = list(ws.iter_rows(min_row=3))
        assert len(rows) == len(want)
        assert [r[7].value for r in rows] == sorted(r[7].value for r in rows)  # rank order
        for row in rows:
            entity = row[0].value
            for cell, col in zip(row[2:7], ["monitoring", "field", "survey", "third_party", "half_year"]):
                assert isinstance(cell.value, (int, float)) and cell.number_format == "0.00"
                assert cell.value == round(cell.value, 2) == evalkit.core.rounding.display_round(want.loc[entity, col]).item()
            assert (row[6].value, row[9].value, f"{row[10].value:+.2f}", row[11].value) == printed[entity]
            assert row[10].value == round(row[10].value, 2) and row[10].number_format == "+0.00;-0.00;0.00"
            assert row[7].value == want.loc[entity, "rank"] and isinstance(row[7].value, int)
            assert (row[8].value == "并列") == ((want["rank"] == want.loc[entity, "rank"]).sum() > 1)
    detail = pd.DataFrame(list(internal["明细"].iter_rows(min_row=3, values_only=True)), columns=[c.value for c in internal["明细"][2]])
    assert detail.set_index("考评对象")["半年考评分值"].to_dict() == pytest.approx(results.set_index("entity")["half_year"].to_dict(), abs=1e-12)
    for ws in wb.worksheets:
        assert "示例数据" in ws.oddHeader.center.text and "示例数据" in ws["A1"].value and ws.print_title_rows == "$1:$2"
        assert ws.page_setup.fitToWidth == 1 and ws["A1"].font.name == "Noto Sans CJK SC"
    aspect_cells = [c.value for col in wb["各方面得分"].iter_cols(min_col=3, min_row=3) for c in col]
    assert "不适用" in aspect_cells and all(v == round(v, 2) for v in aspect_cells if isinstance(v, float))
    notes = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=3, values_only=True)}
    import json
    import re

    from evalkit.core.codes import code
    manifest = json.loads((h2 / "manifest.json").read_text(encoding="utf-8"))
    assert notes["考评期间"] == "2022年下半年" and notes["示例数据"].startswith("是") and notes["核验码"] == code(manifest["run"]["id"])
    assert not [v for v in notes.values() if re.search(r"[A-Za-z()]", str(v))], notes  # Chinese only, full-width parentheses
    inside = {r[0]: r[1] for r in internal["说明"].iter_rows(min_row=3, values_only=True)}
    assert inside["结果哈希（results.csv 的 SHA-256）"] == manifest["results"]["sha256"]
    assert wb.properties.created.isoformat() == manifest["run"]["started"][:19]
    assert set(manifest["outputs"]) == {"scores.xlsx", "scores-internal.xlsx", "report.html", "report.pdf", "report-internal.html",
                                        "report-internal.pdf"}


def test_annual_report(year):
    page = parse(year / "report-internal.html")
    tables = [t for t in page.tables if t and t[0][:4] == ["考评对象", "上半年", "下半年", "年度考评分值"]]
    assert [len(t) - 1 for t in tables] == [10, 27]
    assert "上半年与下半年对比" in (year / "report-internal.html").read_text(encoding="utf-8")
    public = parse(year / "report.html")
    tables = [t for t in public.tables if t and t[0][:6] == ["考评对象", "年度考评分值", "排名", "等次（推定）", "上半年", "下半年"]]
    assert [len(t) - 1 for t in tables] == [10, 27]
    assert "上半年与下半年对比" not in (year / "report.html").read_text(encoding="utf-8")
    wb = openpyxl.load_workbook(year / "scores.xlsx")
    assert [c.value for c in wb["旗县区"][2]] == ["考评对象", "组别", "上半年", "下半年", "年度考评分值", "排名", "并列", "等次（推定）"]
    marked = [r[0].value for r in wb["旗县区"].iter_rows(min_row=3) if r[0].value.endswith("*")]
    notes = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=3, values_only=True)}
    assert not marked or "尾差" in notes  # a 尾差 is marked as in the bulletin


@pytest.mark.parametrize("name", ["report.pdf", "report-internal.pdf"])
def test_annual_pdf_pages(year, name):
    """The annual bulletin's pages, as the half-years' (tests/test_bulletin.py): page numbers, 示例数据, no orphaned heading."""
    from .test_bulletin import check_pdf

    check_pdf(year / name, name == "report.pdf")


def test_annual_public_edition_text(year, baotou):
    from .test_bulletin import check_public_text

    check_public_text(year / "report.html", baotou)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", ["report.html", "report-internal.html"])
def test_annual_total_rank_and_grade_on_screen(year, name, width):
    from .test_bulletin import check_on_screen

    check_on_screen(year / name, width)


def test_formula_like_names_stay_text(tmp_path, baotou):
    results = pd.DataFrame({"entity": ["=HYPERLINK(\"http://x\",\"点我\")", "+1", "-2", "@SUM(A1)", "昆都仑区"],
                            "group": "district", "monitoring": 90.0, "field": 80.0, "survey": 70.0, "third_party": 60.0,
                            "half_year": 84.0, "rank": [1, 1, 1, 1, 1]})
    notes = pd.DataFrame({"项目": ["备注"], "内容": ["=1+1"]})
    write_scores(tmp_path / "s.xlsx", baotou, results, None, notes)
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["旗县区"]
    names = [r[0] for r in ws.iter_rows(min_row=3)]
    assert [c.value for c in names] == list(results["entity"])
    assert all(c.data_type == "s" for c in names)
    note = openpyxl.load_workbook(tmp_path / "s.xlsx")["说明"]["B3"]
    assert note.value == "=1+1" and note.data_type == "s"


def test_plots_render_chinese_without_missing_glyphs(baotou):
    """Every plot, drawn with warnings as errors: a missing glyph (a box instead of a character) fails."""
    a = assess("baotou", "2022H1")
    y = assess_annual("baotou", 2022)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = [plots.totals_distribution(a.framework, a.result.totals), plots.aspect_heatmap(a.framework, a.result),
                   plots.h1_vs_h2(y.framework, y.totals)]
        for g in a.framework.groups:
            figures += [plots.ranking_bars(a.framework, a.result.totals, g), plots.methods_side_by_side(a.framework, a.result, g)]
        for fig in figures:
            assert plots.png(fig).startswith(b"\x89PNG")
    assert plots.use_cjk_font() == "Noto Sans CJK SC"
    import matplotlib
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_missing_glyph_would_be_caught():
    """The check above is real: without the CJK font, drawing Chinese warns about missing glyphs."""
    from matplotlib.figure import Figure
    fig = Figure()
    fig.text(0.5, 0.5, "包头", family="DejaVu Sans")
    with pytest.warns(UserWarning, match="missing from font"):
        plots.png(fig)


def test_nbconvert_exporters_are_registered(h2, tmp_path):
    from nbconvert.exporters import get_exporter
    assert get_exporter("evalkit_html").__name__ == "ReportHTMLExporter"
    assert get_exporter("evalkit_pdf").__name__ == "ReportPDFExporter"
    import sys
    jupyter = Path(sys.executable).parent / "jupyter"
    done = subprocess.run([str(jupyter), "nbconvert", "--to", "evalkit_pdf", "--output-dir", str(tmp_path),
                           str(h2 / "10_period_assessment.ipynb")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "10_period_assessment.pdf").read_bytes().startswith(b"%PDF")


@pytest.fixture(scope="module")
def what_if_run(tmp_path_factory):
    from .whatif import what_if

    return what_if(tmp_path_factory.mktemp("whatif"))


def test_a_what_if_report_states_the_override_and_lists_its_consequences(what_if_run, monkeypatch):
    """报告: the statement at the top (title), in 考评方法, and the consequences listed apart from the data problems;
    the notes sheet of scores.xlsx says it too."""
    from IPython.display import Markdown

    from evalkit.core.escape import md
    from evalkit.publish import bulletin, report

    items = []
    for module in (report, bulletin):
        monkeypatch.setattr(module, "display", items.append)
    o = what_if_run.override
    bulletin.title(what_if_run, "报告")
    report.title(what_if_run)
    report.method(what_if_run)
    report.warnings(what_if_run)
    text = "\n".join(i.data for i in items if isinstance(i, Markdown))
    assert text.count(f"**测算结果，非正式结果**：{md(o.statement())}") == 2
    assert md(f"（文件“调整适用范围.csv”，校验值 {o.check}，SHA-256 前 12 位 {o.code}）") in text
    assert "- 数据校验：严格模式" in text and "## 数据问题及按 0 分计的缺失项（0 项）" in text
    assert "### 因调整考评对象适用范围产生的事项（3 项）" in text and "不属于牵头考核单位报送差错" in text
    table = [i.data for i in items if hasattr(i, "data") and hasattr(i.data, "columns")][-1]
    assert table[["处理", "牵头考核单位", "考评对象", "指标"]].values.tolist() == [
        ["按 0 分计", "市政府办公室", "昆都仑区", 3], ["按 0 分计", "市公安局", "昆都仑区", 3], ["未计入", "市审批服务局", "昆都仑区", 1]]
    notes = dict(report.options(what_if_run).values.tolist())
    assert notes["结果性质"] == "测算结果，非正式结果" and notes["考评对象适用范围"] == o.statement(public=True)
    official = dict(report.options(assess("baotou", "2022H1")).values.tolist())
    assert "结果性质" not in official and "考评对象适用范围" not in official
