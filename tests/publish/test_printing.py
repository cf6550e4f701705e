"""PDF printing with one long-lived Chromium: many pages per browser, bounded time, a clear error."""
from __future__ import annotations

import socket
import subprocess

import pytest

from evalkit.core.errors import EvalkitError
from evalkit.publish.printing import Printer

pytestmark = pytest.mark.slow


def test_one_browser_prints_many_pages(tmp_path):
    with Printer() as printer:
        for k in range(3):
            (tmp_path / f"{k}.html").write_text(f"<html lang='zh-CN'><body><h1>第{k}页</h1><script>while(true){{}}</script></body></html>", encoding="utf-8")
            printer.pdf(tmp_path / f"{k}.html", tmp_path / f"{k}.pdf")
            text = subprocess.run(["pdftotext", str(tmp_path / f"{k}.pdf"), "-"], capture_output=True, text=True).stdout
            assert f"第{k}页" in text  # the script never ran: JavaScript is off
        assert printer._browser is not None


def test_a_page_that_never_loads_is_a_clear_error_in_bounded_time(tmp_path):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        page = tmp_path / "hangs.html"
        page.write_text(f"<html><body><img src='http://127.0.0.1:{port}/never.png'></body></html>", encoding="utf-8")
        with Printer(timeout=3) as printer:
            with pytest.raises(EvalkitError, match=r"Chromium could not print hangs.html to PDF within 3 s"):
                printer.pdf(page, tmp_path / "hangs.pdf")
            assert not (tmp_path / "hangs.pdf").exists() and not list(tmp_path.glob(".*partial"))
            (tmp_path / "ok.html").write_text("<html><body>好</body></html>", encoding="utf-8")
            printer.pdf(tmp_path / "ok.html", tmp_path / "ok.pdf")  # the browser was restarted for the next file
    assert (tmp_path / "ok.pdf").stat().st_size > 0


def test_a_pool_started_while_this_process_prints_does_not_hang(tmp_path):
    """The local engine's workers print with their own browser even when the submitting process holds one
    (a forked worker inherited the parent's browser threads mid-state and waited forever)."""
    from evalkit.runs import executor
    from evalkit.publish.printing import html_to_pdf

    (tmp_path / "a.html").write_text("<html><body>甲</body></html>", encoding="utf-8")
    html_to_pdf(tmp_path / "a.html", tmp_path / "a.pdf")  # this process now holds a running browser
    with executor.start("local", jobs=2) as ex:
        futures = [ex.submit(html_to_pdf, tmp_path / "a.html", tmp_path / f"{k}.pdf") for k in range(2)]
        for f in ex.as_completed(futures):
            f.result(timeout=120)
    assert all((tmp_path / f"{k}.pdf").stat().st_size > 0 for k in range(2))


def test_a_spooler_prints_beside_the_caller_and_hands_back_each_error(tmp_path):
    from evalkit.publish.printing import Spooler

    spool = Spooler(printers=2, timeout=30)
    try:
        for k in range(4):
            (tmp_path / f"{k}.html").write_text(f"<html lang='zh-CN'><body><h1>第{k}页</h1></body></html>", encoding="utf-8")
        jobs = [spool.submit(tmp_path / f"{k}.html", tmp_path / f"{k}.pdf") for k in range(4)]
        missing = spool.submit(tmp_path / "none.html", tmp_path / "none.pdf")
        for k, job in enumerate(jobs):
            assert job.result(timeout=60) is None
            assert f"第{k}页" in subprocess.run(["pdftotext", str(tmp_path / f"{k}.pdf"), "-"], capture_output=True, text=True).stdout
        with pytest.raises(EvalkitError, match="could not print none.html"):
            missing.result(timeout=60)
        assert not (tmp_path / "none.pdf").exists()
    finally:
        spool.close()
    assert not any(t.is_alive() for t in spool._threads)  # each browser closed in its own thread


def test_a_browser_that_cannot_start_fails_the_print_never_hangs_it(tmp_path, monkeypatch):
    """Issue 22 (found by the offline replay): Playwright's driver failing with an error other than evalkit's killed the
    print thread, and whoever waited on the print waited forever; now the print's future holds the error."""
    from evalkit.publish import printing

    def broken(timeout=printing.PAGE_TIMEOUT):
        raise RuntimeError("the driver could not start")

    monkeypatch.setattr(printing, "launch", broken)
    spool = printing.Spooler(printers=1, timeout=5)
    page = tmp_path / "a.html"
    page.write_text("<p>甲</p>", encoding="utf-8")
    try:
        with pytest.raises(RuntimeError, match="driver"):
            spool.submit(page, tmp_path / "a.pdf").result(timeout=30)
    finally:
        spool.close()


def test_a_busy_machine_gets_one_browser_an_idle_one_two(monkeypatch):
    """A second browser costs about 1.5 s of CPU: worth it only with a core to spare."""
    from evalkit.publish import printing

    made = []

    class Counted:
        def __init__(self, printers):
            made.append(printers)

        def close(self):
            pass

    monkeypatch.setattr(printing, "Spooler", Counted)
    for spare, printers in ((False, 1), (True, 2)):
        monkeypatch.setattr(printing, "_spooler", None)
        monkeypatch.setattr(printing, "spare_core", lambda: spare)
        printing.spooler()
        assert made[-1] == printers
