"""``make dashboard``: the explore notebook served by Voilà on 127.0.0.1, driven in Chromium as a leader would drive it
(no code shown; the period picker and a typed weight update the ranking; the export downloads a workbook)."""
from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import closing

import openpyxl
import pytest

from evalkit.core import paths
from evalkit.core.rounding import display_round
from evalkit.publish.printing import launch
from evalkit.scoring.assessment import assess
from evalkit.scoring.scores import score_period

pytestmark = pytest.mark.slow
LOAD = 120_000  # ms: a kernel starts and the notebook runs before the page shows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``make dashboard`` on a free port (the installed .venv taken as it is), in a session of its own so that its
    kernels stop with it; the address it serves."""
    port = _free_port()
    proc = subprocess.Popen(["make", "-s", "-o", ".venv/.installed-stamp", "dashboard", f"DASHBOARD_PORT={port}"], cwd=paths.ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=60).close()  # the first request runs the notebook: warms the kernel spec too
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def page(server):
    with closing(launch()) as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        p = context.new_page()
        p.goto(server, timeout=LOAD)
        p.wait_for_selector(".evalkit-ranking table", timeout=LOAD)
        yield p
        context.close()


def ranking(page) -> list[list[str]]:
    return page.eval_on_selector_all(".evalkit-ranking table tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")


def wait_for_ranking(page, first: list[str]) -> list[list[str]]:
    page.wait_for_function("([a, b]) => { const c = document.querySelector('.evalkit-ranking table tbody tr');"
                           " return c && c.cells[0].innerText.trim() === a && c.cells[3].innerText.trim() === b; }",
                           arg=[first[0], first[3]], timeout=30_000)
    return ranking(page)


def test_only_on_this_machine_and_no_code(server, page):
    assert server.startswith("http://127.0.0.1:")
    text = page.inner_text("body")
    assert "explore_app" not in text and "import" not in text and "Traceback" not in text
    assert "选择城市、考评期和考评对象" in text and "与上期相比" in text
    widths = page.eval_on_selector_all(".widget-slider", "s => s.map(e => e.getBoundingClientRect().width)")
    assert len(widths) == 4 and min(widths) >= 300


def test_the_period_picker_and_a_typed_weight_update_the_ranking(page):
    a = assess("baotou", "2023H1", strict=False)
    t = a.result.totals
    district = t[t["group"] == "district"].sort_values("rank")
    page.locator(".evalkit-period select").select_option(label="2023年上半年")
    first = district.iloc[0]
    rows = wait_for_ranking(page, [first["entity"], "", "", f"{display_round(first['half_year']).item():.2f}"])
    assert [r[0] for r in rows] == district["entity"].tolist()
    assert [r[1] for r in rows] == [f"{v:.2f}" for v in display_round(district["half_year"])]

    box = page.locator(".evalkit-weight-field input")
    box.fill("0")
    box.press("Enter")
    other = score_period(a.framework, a.inputs, weights={"monitoring": 60 / 80, "field": 0, "survey": 10 / 80, "third_party": 10 / 80})
    d = other.totals[other.totals["group"] == "district"].sort_values(["rank", "entity"])
    top = d.iloc[0]
    rows = wait_for_ranking(page, [top["entity"], "", "", f"{display_round(top['half_year']).item():.2f}"])
    assert {r[0]: r[3] for r in rows} == {e: f"{v:.2f}" for e, v in zip(d["entity"], display_round(d["half_year"]))}
    assert "实地调研 0%" in page.inner_text("body")


def test_export_downloads_a_workbook(page):
    shown = ranking(page)
    page.get_by_role("button", name="导出 Excel").click()
    link = page.locator(".evalkit-download a[download]")
    link.wait_for(timeout=30_000)
    saved = page.inner_text(".evalkit-download").split("已保存为 ")[1].split("。")[0]
    try:
        with page.expect_download() as d:
            link.click()
        wb = openpyxl.load_workbook(io.BytesIO(open(d.value.path(), "rb").read()))
        assert d.value.suggested_filename == os.path.basename(saved) and saved.startswith("outputs/explore/baotou-2023H1-")
        rows = [r for r in wb["排名（调整权重后）"].values][1:]
        districts = {r[0]: f"{r[4]:.2f}" for r in rows if r[1] == "旗县区"}
        assert districts == {r[0]: r[3] for r in shown}
        assert openpyxl.load_workbook(paths.ROOT / saved)["排名（调整权重后）"].max_row == len(rows) + 1
    finally:
        (paths.ROOT / saved).unlink(missing_ok=True)
