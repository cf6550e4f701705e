"""The 通报 as a 公文 (issue 24): its metadata from the framework and the run's parameters, blanks where nothing is
given (never the day of the run), and the printed PDF: GB/T 9704's page, real fonts, tags, bookmarks and title."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from types import SimpleNamespace

import pytest

from evalkit.framework.loading import load_framework
from evalkit.framework.periods import Period
from evalkit.publish import document


def half(city: str, period: str = "2022H1") -> SimpleNamespace:
    return SimpleNamespace(framework=load_framework(city), period=Period.parse(period))


def test_a_draft_leaves_the_number_and_the_dates_blank():
    """Without ``issue:`` the 文号 and the dates are left for the office: the run's date never stands in."""
    i = document.issue(half("baotou"))
    assert i.number == "包数政专班发〔2022〕　号" and i.date == i.printed == "　　年　月　日"
    today = dt.date.today()
    assert f"{today.year}年{today.month}月{today.day}日" not in "".join(vars(i).values())


def test_the_issue_parameters_fill_the_document():
    i = document.issue(half("baotou"), {"number": 12, "date": "2023-01-05", "recipients": "各单位"})
    assert (i.number, i.date, i.printed, i.recipients) == ("包数政专班发〔2023〕12号", "2023年1月5日", "2023年1月5日", "各单位")
    assert i.copies == "市委，市政府，市纪委监委" and i.issuer == "包头市数字政府建设工作专班"
    assert document.issue(half("baotou"), {"date": "2023-01-05", "printed": "2023-01-09"}).printed == "2023年1月9日"


def test_the_opening_cites_the_method_by_name_and_number():
    """Yuncheng's plan has a 文号 (seed 003's 印发通知); Baotou's method has none in its source."""
    assert document.issue(half("yuncheng")).opening == (
        "根据《运城市数字政府建设规划（2021—2023年）》（运政办发〔2021〕53号），运城市数字政府建设领导小组办公室组织开展了"
        "2022年上半年数字政府建设考评。现将考评结果通报如下。")
    assert document.issue(half("baotou")).opening.startswith("根据《包头市数字政府建设考评办法》，包头市数字政府建设工作专班")


@pytest.mark.parametrize("city", ["baotou", "jinan", "ulanhot", "xining", "yuncheng"])
def test_every_city_issues_a_document_that_fits_its_lines(city):
    """Each framework's ``document:``: the 发文机关标志 fits one line of the 156 mm text block, the title two."""
    fw = load_framework(city)
    doc = fw.publication["document"]
    assert doc["mark"].startswith(fw.name) and doc["code"] and doc["recipients"]
    em = float(re.search(r"min\(([\d.]+)em", document.mark_size(doc["mark"])).group(1))
    assert em * 1.04 * len(doc["mark"]) <= document.MARK_WIDTH + 0.01
    upper, lower = document.title_lines(half(city))
    assert len(upper) >= len(lower) and len(upper) <= 22  # 2号 characters on a line of the text block


def test_chinese_dates_have_no_leading_zeros():
    assert document.chinese_date("2024-01-02") == "2024年1月2日"


def pdf_outline(path) -> list[str]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    with open(path, "rb") as fh:
        root = PdfFileReader(fh).root
        titles: list[str] = []

        def walk(item, depth: int) -> None:
            while item is not None:
                item = item.get_object()
                titles.append("  " * depth + str(item["/Title"]))
                if "/First" in item:
                    walk(item["/First"], depth + 1)
                item = item.get("/Next")
        walk(root["/Outlines"].get_object()["/First"], 0)
    return titles


@pytest.mark.parametrize("name", ["report.pdf", "report-internal.pdf"])
def test_pdfs_embed_real_fonts_and_are_tagged_with_bookmarks(demo_archive, name):
    """No Type 3 font (Chromium prints CFF outlines and synthesised bold so), tagged, the headings as bookmarks,
    the edition's title as the document's title."""
    pdf = demo_archive / "baotou" / "2022H2" / name
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(" CID TrueType " in line for line in fonts), fonts
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Tagged:\s+yes", info)
    edition = "通报" if name == "report.pdf" else "报告"
    assert re.search(rf"Title:\s+包头市数字政府建设考评结果{edition}（2022年下半年）", info)
    outline = pdf_outline(pdf)
    if name == "report.pdf":
        assert outline[:7] == ["关于2022年下半年数字政府建设考评结果的通报", "  一、总体情况", "  二、考评结果", "  三、各方面情况",
                               "  四、存在的问题", "  五、下一步工作要求", "  附件1　考评结果"]
        assert "  附件2　考评方法" in outline and "  附件3　各考评对象问题清单" in outline
    else:
        assert "  排名稳健性" in outline


def test_the_bulletin_reads_as_issued(demo_archive):
    """The demo's 2022H2 parameters give 文号 2 and 成文日期 2023-01-20: 版头, 主送, 落款, 版记 and ``— 1 —`` on the page
    GB/T 9704 sets (text from 28 mm), the run's own date nowhere."""
    pdf = demo_archive / "baotou" / "2022H2" / "report.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s", "", text)
    for part in ("包头市数字政府建设工作专班文件", "包数政专班发〔2023〕2号", "各旗县区人民政府、稀土高新区管委会，参与数字政府建设工作的各部门、单位：",
                 "根据《包头市数字政府建设考评办法》", "附件：1．考评结果2．考评方法3．各考评对象问题清单",
                 "（此件公开发布）", "抄送：市委，市政府，市纪委监委。",
                 "2023年1月20日印发", "—1—"):
        assert part in flat, part
    assert re.search("包头市数字政府建设工作专班(印章位置)?2023年1月20日", flat)  # 落款 and 成文日期 (the seal's place between)
    started = dt.date.today()
    assert f"{started.year}年{started.month}月{started.day}日" not in flat
    boxes = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    lefts = [float(x) for x in re.findall(r'<word xMin="([\d.]+)"', boxes)]
    assert min(lefts) == pytest.approx(28 / 25.4 * 72, abs=2)  # 订口 28 mm


@pytest.fixture(scope="module")
def what_if_run(tmp_path_factory):
    from .whatif import what_if

    return what_if(tmp_path_factory.mktemp("whatif"))


def shown_html(monkeypatch, call) -> str:
    items = []
    monkeypatch.setattr(document, "display", items.append)
    call()
    return "\n".join(i.data for i in items)


def test_a_what_if_bulletin_says_so_at_the_top_and_is_not_public(what_if_run, monkeypatch):
    """The 通报 of an override run states it under the title, with the file's check value and no code, and its 附注
    says it is not published."""
    o = what_if_run.override
    head = shown_html(monkeypatch, lambda: document.head(what_if_run))
    statement = f"测算稿：本结果按调整后的考评对象适用范围（调整文件校验值 {o.check}）测算，非正式结果，不得作为考评结果公开发布。"
    assert f'<p class="gw-synthetic">{statement}</p>' in head
    assert head.index(statement) < head.index('class="gw-body"')  # before the opening paragraph
    assert not re.search(r"[A-Za-z]{2,}", statement) and ".csv" not in head and o.code not in head
    closing = shown_html(monkeypatch, lambda: document.closing(what_if_run))
    assert document.NOT_PUBLIC in closing and "（此件公开发布）" not in closing


def test_an_official_bulletin_carries_no_what_if_mark(monkeypatch):
    from evalkit.scoring.assessment import assess

    a = assess("baotou", "2022H1")
    assert "测算" not in shown_html(monkeypatch, lambda: document.head(a))
    assert "（此件公开发布）" in shown_html(monkeypatch, lambda: document.closing(a))
