"""Printing HTML to A4 PDF with one long-lived headless Chromium per process (Playwright driving the system browser).

Starting Chromium costs about a second; a run prints its two report editions and a scorecard batch
prints hundreds of pages, so each process (each worker thread) keeps one browser with one page and
loads each file into that page. Pages are loaded with JavaScript off (the reports hold no script) and each print is
bounded in time: a page that does not load in time is a clear :class:`~evalkit.core.errors.EvalkitError`,
and the browser is restarted for the next file.
"""
from __future__ import annotations

import atexit
import os
import queue
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path

from ..core.errors import EvalkitError
from ..core.machine import spare_core

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--disable-dev-shm-usage"]
CHROMIUM_FLAGS = ["--headless", *CHROMIUM_ARGS]
"""The same browser settings for a one-off ``chromium`` command (screenshots)."""
PAGE_TIMEOUT = 60
"""Seconds one page may take to load and print."""


def chromium() -> str:
    """The system Chromium (``EVALKIT_CHROMIUM`` overrides); an error says how to install it."""
    for candidate in (os.environ.get("EVALKIT_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    raise EvalkitError("printing the report to PDF needs Chromium: install the Debian package `chromium` "
                       "(`make system-deps` does), or set EVALKIT_CHROMIUM to a Chrome or Chromium binary")


class Printer:
    """One headless Chromium; :meth:`pdf` prints a file on A4 (the page's CSS ``@page`` size wins)."""

    def __init__(self, timeout: float = PAGE_TIMEOUT):
        self.timeout = timeout
        self._browser = None
        self._page = None

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self):
        if self._page is None:
            self._browser = launch(self.timeout)
            self._page = self._browser.new_context(java_script_enabled=False).new_page()
        return self._page

    def start(self) -> None:
        """Start the browser now rather than at the first print."""
        self._start()

    def pdf(self, html_path: Path, pdf_path: Path, header_footer: dict[str, str] | None = None) -> None:
        """Print ``html_path`` to ``pdf_path`` (written whole or not at all) within the time limit; ``header_footer``
        (:func:`evalkit.publish.exporters.running_header`) prints a running header and page numbers on every page."""
        from playwright.sync_api import Error

        html_path, pdf_path = Path(html_path), Path(pdf_path)
        partial = pdf_path.with_name(f".{pdf_path.name}.partial")
        try:
            page = self._start()
            page.set_default_timeout(self.timeout * 1000)
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            # tagged: headings, paragraphs and tables as structure; outline: the headings as bookmarks
            if header_footer:
                page.pdf(path=str(partial), format="A4", print_background=True, display_header_footer=True,
                         header_template=header_footer["header"], footer_template=header_footer["footer"],
                         margin=header_footer["margin"], tagged=True, outline=True)
            else:
                page.pdf(path=str(partial), format="A4", prefer_css_page_size=True, print_background=False, tagged=True, outline=True)
        except Error as exc:
            partial.unlink(missing_ok=True)
            self.close()  # a browser that failed once is not trusted with the next file
            reason = exc.message.splitlines()[0] if exc.message else type(exc).__name__
            raise EvalkitError(f"Chromium could not print {html_path.name} to PDF within {self.timeout:g} s: {reason}") from None
        if not partial.is_file() or partial.stat().st_size == 0:
            partial.unlink(missing_ok=True)
            raise EvalkitError(f"Chromium printed an empty PDF for {html_path.name}")
        partial.replace(pdf_path)

    def close(self) -> None:
        if self._browser is not None:
            try:
                self._browser.close()
            except Exception:  # the browser may already be gone; closing must not mask the real error
                pass
        self._page = self._browser = None


_local = threading.local()


def playwright():
    """This thread's Playwright, started on first use and stopped when the process exits. Its sync API allows
    one per thread, so every browser of the thread (printers, checks in tests) is launched from this one."""
    pw = getattr(_local, "playwright", None)
    if pw is None:
        from playwright.sync_api import sync_playwright

        pw = _local.playwright = sync_playwright().start()
        atexit.register(_quietly, pw.stop)
    return pw


def _quietly(stop) -> None:
    """Stop something at exit that may already be gone (or belong to a thread that has ended)."""
    try:
        stop()
    except Exception:  # nothing left to release at exit
        pass


def launch(timeout: float = PAGE_TIMEOUT):
    """A new headless system Chromium (a Playwright ``Browser``) with evalkit's settings; the caller closes it."""
    from playwright.sync_api import Error

    try:
        return playwright().chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, timeout=timeout * 1000)
    except Error as exc:
        raise EvalkitError(f"Chromium ({chromium()}) could not start for printing PDFs: {exc.message.splitlines()[0]}") from None


class Spooler:
    """Printers on threads of their own: :meth:`submit` queues a print and returns at once, so a run's Python
    work (exporting the next edition) goes on while Chromium prints, and the browsers start when the spooler
    does, while the notebook is still executing. Each thread keeps one :class:`Printer` until :meth:`close`."""

    def __init__(self, printers: int = 2, timeout: float = PAGE_TIMEOUT):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, args=(timeout,), name=f"evalkit-print-{i}", daemon=True)
                         for i in range(printers)]
        for thread in self._threads:
            thread.start()

    def _work(self, timeout: float) -> None:
        with Printer(timeout) as printer:
            try:
                printer.start()
            except Exception:  # noqa: BLE001 - any failure: the first print tries again and its future holds the error,
                pass  # so a print thread never dies leaving its queue unanswered (an audit waited forever)
            while (job := self._jobs.get()) is not None:
                future, args = job
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(printer.pdf(*args))
                    except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the print
                        future.set_exception(exc)

    def submit(self, html_path: Path, pdf_path: Path, header_footer: dict[str, str] | None = None) -> Future:
        """Queue :meth:`Printer.pdf`; the future holds its error, if any."""
        future: Future = Future()
        self._jobs.put((future, (html_path, pdf_path, header_footer)))
        return future

    def close(self) -> None:
        """Finish the queued prints, then close every browser in the thread that started it."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()


_spooler: Spooler | None = None


def spooler() -> Spooler:
    """This process's spooler, started on first use (its browsers start at once) and closed when the process exits:
    two printers when the machine has a core to spare, else one (a second browser costs about 1.5 s of CPU, which a
    busy machine, a batch or a test suite, would take from the other work for no gain)."""
    global _spooler
    if _spooler is None:
        _spooler = Spooler(2 if spare_core() else 1)
        atexit.register(_spooler.close)
    return _spooler


def _forget_in_child() -> None:
    """A forked process (a local pool's worker) starts its own browsers: the parent's connections and threads are not its own."""
    global _local, _spooler
    _local = threading.local()
    _spooler = None


os.register_at_fork(after_in_child=_forget_in_child)


def shared() -> Printer:
    """This thread's long-lived printer, started on first use and closed when the process exits."""
    printer = getattr(_local, "printer", None)
    if printer is None:
        printer = _local.printer = Printer()
        atexit.register(printer.close)
    return printer


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: float | None = None, header_footer: dict[str, str] | None = None) -> None:
    """Print an HTML file to an A4 PDF with this thread's long-lived Chromium, each page within ``timeout`` s;
    ``header_footer`` as for :meth:`Printer.pdf`."""
    printer = shared()
    if timeout is not None:
        printer.timeout = timeout
    printer.pdf(html_path, pdf_path, header_footer)
