"""A run's pages drawn in a second process: their glyphs while the notebook executes, then one of the two editions.

Converting the CFF glyphs of the characters a report shows to TrueType (:func:`evalkit.publish.fonts.subset`) is
pure Python, about a third of a run's export. The characters are known cell by cell as the notebook executes, while
this process only waits for the kernel: :class:`DrawAhead` sends each cell's new characters to a process of its own,
which draws them in every CFF font the faces use, and gives the glyphs to :mod:`~evalkit.publish.fonts` when
execution ends. That process then exports one edition's page (:meth:`DrawAhead.page`) while this one exports the other.
The pages are the same bytes: the same code draws them from the same files, and whatever the other process did not
do (a character only the template adds, a process that could not start or died) is done here as before.
"""
from __future__ import annotations

import functools
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from typing import Any

import nbformat

from ..core.machine import spare_core
from . import fonts
from .exporters import export_page

log = logging.getLogger("evalkit")


class DrawAhead:
    """One process drawing glyphs ahead; :meth:`cell_executed` is nbclient's ``on_cell_executed`` hook.

    The process helps only with a core to spare (:func:`spare_core`) and glyphs to draw: none is started on a busy
    machine (a batch, a test suite) or while every character shown so far was drawn here before (a long-lived
    process's second run) or is kept in the machine's :mod:`font cache <evalkit.publish.font_cache>` (most runs).
    It is spawned, a fresh interpreter, as the batch's local processes are: a fork of a process with threads (the
    print spooler's, an executor's) can wait forever on a lock or a pipe another thread held (a test run hung so). A
    script that runs evalkit therefore keeps its work under ``if __name__ == "__main__":``. Whatever the process does
    not return in time is done here."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = (ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
                                                  if spare_core() else None)
        self._sent: set[str] = set()
        self._drawing: list[Future] = []
        self.feed(fonts.ALWAYS)  # the process starts, and reads the fonts, while the kernel starts

    def feed(self, text: str) -> None:
        """Draw the characters of ``text`` not sent before and not drawn here (starting the process if need be)."""
        if self._pool is None:
            return
        new = fonts.undrawn("".join(sorted(set(text) - self._sent)))
        self._sent |= set(text)
        if not new:
            return
        try:
            self._drawing.append(self._pool.submit(fonts.drawn, new))
        except Exception as exc:  # noqa: BLE001 - no process (a daemonic Dask worker may not start one): drawn here later
            log.debug("glyphs are drawn after execution: %s", exc)
            self._close()

    def cell_executed(self, cell: Any, **_: Any) -> None:
        """Feed the text of a cell's outputs (markdown, HTML, charts' SVG text, plain text)."""
        self.feed("".join(v for out in cell.get("outputs", []) for v in _texts(out)))

    def collect(self, timeout: float = 30) -> int:
        """Wait for the glyphs drawn ahead and give them to :mod:`~evalkit.publish.fonts`; how many. Whatever failed
        or took longer is left for the export to draw."""
        done, _ = wait(self._drawing, timeout=timeout)
        count = 0
        for future in done:
            try:
                glyphs = future.result()
            except Exception as exc:  # noqa: BLE001 - drawn by the export instead
                log.debug("glyphs drawn ahead were lost: %s", exc)
                continue
            fonts.learn(glyphs)
            count += len(glyphs)
        return count

    def page(self, edition: str, notebook: nbformat.NotebookNode, timeout: float = 60) -> Callable[[], str]:
        """Start exporting ``edition``'s page of ``notebook`` in the other process, if one was started; the function
        returned gives the page, exported here if the process did not within ``timeout`` seconds."""
        here = functools.partial(export_page, edition, notebook)
        try:
            future = self._pool.submit(export_page, edition, notebook) if self._pool and self._drawing else None
        except Exception as exc:  # noqa: BLE001 - the process is gone: exported here
            log.debug("the %s page is exported here: %s", edition, exc)
            future = None

        def result() -> str:
            try:
                return future.result(timeout=timeout) if future else here()
            except Exception as exc:  # noqa: BLE001 - whatever failed there is done, or fails with its own error, here
                log.debug("the %s page is exported here: %s", edition, exc)
                return here()
        return result

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> DrawAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()


def _texts(output: Any) -> list[str]:
    data = output.get("data") or {}
    values = list(data.values()) + [output.get("text", "")]
    return [v if isinstance(v, str) else "".join(v) for v in values if isinstance(v, str | list)]
