"""The published site, opened in a real headless Chromium: no request leaves it, every link resolves."""
from __future__ import annotations

from contextlib import closing

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from evalkit.publish.printing import launch
from evalkit.publish.site import build_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(demo_archive, tmp_path_factory):
    return build_site(demo_archive, tmp_path_factory.mktemp("site") / "site")


def test_site_has_every_published_period(site):
    root = site.parent
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "baotou/2022/bulletin.html", "baotou/2022/bulletin.pdf", "baotou/2022/index.html", "baotou/2022/scores.xlsx",
        "baotou/2022H1/bulletin.html", "baotou/2022H1/bulletin.pdf", "baotou/2022H1/index.html", "baotou/2022H1/scores.xlsx",
        "baotou/2022H2/bulletin.html", "baotou/2022H2/bulletin.pdf", "baotou/2022H2/index.html", "baotou/2022H2/scores.xlsx",
        "baotou/index.html", "index.html", "verify.html"]


def test_site_in_chromium_makes_no_outside_request_and_every_link_resolves(site):
    root = site.parent
    seen, failed, outside, todo = set(), [], [], [site.as_uri()]
    with closing(launch()) as browser:  # this thread's Playwright: the runs' printer may hold it
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file://", "data:")) else None)
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            page.goto(url)
            assert re.search(r"[\u4e00-\u9fff]", page.title()), url
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                target = Path(unquote(urlparse(href).path))
                assert href.startswith("file://") and target.is_file() and target.is_relative_to(root), href
                if target.suffix == ".html":
                    todo.append(href)
    assert not failed and not outside
    assert {Path(urlparse(u).path).relative_to(root).as_posix() for u in seen} == {
        "index.html", "baotou/index.html", "baotou/2022H1/bulletin.html", "baotou/2022H2/bulletin.html",
        "baotou/2022/bulletin.html", "verify.html", *(f"baotou/{p}/index.html" for p in ("2022H1", "2022H2", "2022"))}


def test_index_and_trend_pages_are_chinese_only(site):
    for page in (site, site.parent / "baotou" / "index.html", *site.parent.glob("baotou/*/index.html")):
        text = re.sub(r"(?s)<(style|script|svg)[^>]*>.*?</\1>|<[^>]+>", " ", page.read_text(encoding="utf-8"))
        assert not re.findall(r"[A-Za-z]{2,}", text), page


def test_the_verify_page_resolves_a_printed_code_in_chromium(site, demo_archive):
    """The 核验码 printed under a bulletin's title, typed as a reader would (spaces, full-width digits), resolves on
    the site to its period's published bulletin; an unknown code says so; the kept-aside 2022H1 run was never
    published, so its code is unknown to the site."""
    import json

    from evalkit.core.codes import code

    ids = {p: json.loads((demo_archive / "baotou" / p / "manifest.json").read_text(encoding="utf-8"))["run"]["id"]
           for p in ("2022H2",)}
    aside = next(p for p in (demo_archive / "baotou").iterdir() if p.name.startswith("2022H1."))
    never = json.loads((aside / "manifest.json").read_text(encoding="utf-8"))["run"]["id"]
    typed = code(ids["2022H2"]).replace("-", " ")
    typed = typed[:-4] + "".join(chr(ord(c) + 0xFEE0) for c in typed[-4:])  # the last four typed full-width
    answers = {}
    with closing(launch()) as browser:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto((site.parent / "verify.html").as_uri())
        for name, text in (("published", typed), ("unknown", "1234-5678-9012"), ("never", code(never))):
            page.fill("#code", text)
            page.click("button")
            answers[name] = (page.inner_text("#answer"), page.eval_on_selector_all("#answer a", "as => as.map(a => a.href)"))
    assert "包头市2022年下半年考评结果通报" in answers["published"][0] and "为本站现行公开的通报" in answers["published"][0]
    assert answers["published"][1][0].endswith("baotou/2022H2/bulletin.html")
    assert answers["unknown"][0].startswith("未找到") and answers["unknown"][1] == []
    assert answers["never"][0].startswith("未找到")


def test_the_trend_table_keeps_the_newest_half_year_in_view_on_a_phone(site):
    """Issue 24: the newest period is the first column after the entity, in view at 390 px without scrolling."""
    with closing(launch()) as browser:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.goto((site.parent / "baotou" / "index.html").as_uri())
        heads = page.eval_on_selector_all("table:first-of-type thead th", "ths => ths.map(t => [t.textContent, t.getBoundingClientRect().right])")
        width = page.evaluate("document.documentElement.clientWidth")
    assert [h for h, _ in heads][:3] == ["考评对象", "2022年下半年", "2022年上半年"]
    assert heads[1][1] <= width <= 390


def test_each_entity_of_a_group_has_its_own_panel_in_the_trend_chart():
    """Issue 24: 27 lines in one chart repeated colours; now each entity's line is drawn in its own panel, over the
    rest of its group in grey, on one scale, in order of the latest total."""
    import numpy as np
    import pandas as pd

    from evalkit.publish.trend_panels import CONTEXT, HIGHLIGHT, panels

    rng = np.random.default_rng(0)
    entities = [f"部门{i:02d}" for i in range(27)]
    totals = pd.DataFrame([{"entity": e, "period": p, "total": float(rng.uniform(60, 100))}
                           for e in entities for p in ("2022H1", "2022H2", "2023H1")])
    fig = panels(totals, "历次半年考评分值")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    latest = totals[totals["period"] == "2023H1"].sort_values("total", ascending=False)
    assert len(shown) == 27 and len(fig.axes) == 28  # 14 rows of 2, the last cell empty
    assert [ax.get_title(loc="left").split("　")[0] for ax in shown] == latest["entity"].tolist()
    for ax in shown:
        entity = ax.get_title(loc="left").split("　")[0]
        own = [line for line in ax.get_lines() if line.get_color() == HIGHLIGHT]
        assert len(own) == 1 and len(ax.get_lines()) == 27
        assert own[0].get_ydata().tolist() == totals[totals["entity"] == entity].sort_values("period")["total"].tolist()
        assert all(line.get_color() == CONTEXT for line in ax.get_lines() if line is not own[0])
        assert ax.get_ylim() == shown[0].get_ylim()
