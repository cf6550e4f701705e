"""Glyphs drawn in another process while a notebook executes: the same subsets to the byte, and a run that loses
the process (it cannot start, or dies) still draws every glyph itself."""
from __future__ import annotations

import os
import signal

import nbformat
import pytest

from evalkit.publish import fonts, glyphs
from evalkit.publish.exporters import export_page

TEXT = "包头市数字政府建设考评结果通报（2022年上半年）：一网通办，９８.５分"


@pytest.fixture
def fresh_glyphs(monkeypatch):
    """A process that has drawn no glyph yet, on a machine that has kept none, idle (the test suite keeps the cores
    busy): this process's glyphs put aside for the test and given back after it, its subsets forgotten."""
    monkeypatch.setattr(glyphs, "spare_core", lambda: True)
    monkeypatch.setenv("EVALKIT_FONT_CACHE", "")
    monkeypatch.setattr(fonts, "_DRAWN", {})
    monkeypatch.setattr(fonts, "_RECALLED", {})
    fonts._subset.cache_clear()
    yield fonts._DRAWN
    fonts._subset.cache_clear()


def _cell(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell("x", id="c1", outputs=[nbformat.v4.new_output("display_data", data={"text/markdown": text}),
                                                   nbformat.v4.new_output("stream", name="stdout", text=["4", "2"])])


def test_glyphs_drawn_in_another_process_give_the_same_subset_bytes(fresh_glyphs):
    expected = {(f, w): fonts.subset(f, TEXT, w) for f, w in (("EvalkitCJK", 400), ("EvalkitSong", 700))}
    fresh_glyphs.clear()
    fonts._subset.cache_clear()
    with glyphs.DrawAhead() as ahead:
        ahead.cell_executed(cell=_cell(TEXT[:20]), cell_index=1, execute_reply={})
        ahead.cell_executed(cell=_cell(TEXT), cell_index=2, execute_reply={})
        learnt = ahead.collect()
    # every character in each of the four fonts with CFF outlines: Sans and Serif CJK, regular and bold
    assert learnt >= 4 * len(set(TEXT))
    before = dict(fresh_glyphs)
    assert {(f, w): fonts.subset(f, TEXT, w) for f, w in expected} == expected
    assert fresh_glyphs == before  # nothing left to draw here


def test_each_character_is_sent_once(fresh_glyphs):
    ahead = glyphs.DrawAhead()
    sent = []
    ahead._pool.submit = lambda fn, chars: sent.append(chars)  # noqa: SLF001 - what would be sent
    for text in ("甲乙", "乙丙", "甲乙丙", ""):
        ahead.feed(text)
    ahead._close()  # noqa: SLF001
    assert sent == ["乙甲", "丙"]  # after the digits and signs every page holds, sent when it started


def _in_a_daemon(result) -> None:
    glyphs.spare_core = lambda: True  # an idle machine; this process is the test's own
    with glyphs.DrawAhead() as ahead:
        ahead.cell_executed(cell=_cell(TEXT), cell_index=1, execute_reply={})
        learnt = ahead.collect()
        page = ahead.page("public", _notebook())()
    result.put((learnt, page))


def test_a_process_that_cannot_start_leaves_the_work_to_the_run():
    """A run on a Dask worker, a daemonic process, may not start one of its own: the run draws its glyphs and exports
    its pages itself, the same pages."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    result = context.Queue()
    daemon = context.Process(target=_in_a_daemon, args=(result,), daemon=True)
    daemon.start()
    learnt, page = result.get(timeout=120)
    daemon.join(30)
    assert daemon.exitcode == 0 and learnt == 0
    assert page == export_page("public", _notebook())


def test_a_process_killed_while_drawing_loses_nothing(fresh_glyphs):
    expected = fonts.subset("EvalkitSong", TEXT)
    fresh_glyphs.clear()
    fonts._subset.cache_clear()
    with glyphs.DrawAhead() as ahead:
        ahead.feed(TEXT)
        for pid in list(ahead._pool._processes):  # noqa: SLF001 - the fault: the process dies
            os.kill(pid, signal.SIGKILL)
        assert ahead.collect(timeout=30) == 0
    assert fonts.subset("EvalkitSong", TEXT) == expected


def _notebook() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[_cell(f"# {TEXT}\n\n**{TEXT[:9]}**")], metadata={"evalkit": {"title": TEXT[:12]}})


def test_a_page_exported_in_the_other_process_is_the_page_exported_here(fresh_glyphs):
    expected = export_page("public", _notebook())
    with glyphs.DrawAhead() as ahead:
        there = ahead.page("public", _notebook())
        assert there() == expected


def test_a_page_whose_process_died_is_exported_here(fresh_glyphs):
    with glyphs.DrawAhead() as ahead:
        ahead.collect()
        for pid in list(ahead._pool._processes):  # noqa: SLF001 - the fault: the process dies before the export
            os.kill(pid, signal.SIGKILL)
        there = ahead.page("internal", _notebook())
        assert there() == export_page("internal", _notebook())


def test_a_run_feeds_each_executed_cell_to_the_process(tmp_path, fresh_glyphs):
    """The hook a run gives papermill (nbclient's ``on_cell_executed``) sends what each cell shows, as it executes."""
    from evalkit.runs.execute import execute

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell("print('考评' * n)"),
                                         nbformat.v4.new_code_cell("from IPython.display import Markdown\nMarkdown('**通报**')")],
                                  metadata={"kernelspec": {"name": "evalkit", "language": "python", "display_name": "evalkit"}})
    nbformat.write(nb, str(tmp_path / "a.ipynb"))
    with glyphs.DrawAhead() as ahead:
        execute(tmp_path / "a.ipynb", tmp_path / "b.ipynb", {"n": 2}, timeout=60, cwd=tmp_path, on_cell=ahead.cell_executed)
        assert {"考", "评", "通", "报"} <= ahead._sent  # noqa: SLF001 - what was sent to be drawn
        ahead.collect()
    cmap = fonts._cmap(fonts.FACES["EvalkitCJK", 400].path, 0)  # noqa: SLF001
    assert all((fonts.FACES["EvalkitCJK", 400].path, 0, cmap[ord(c)]) in fresh_glyphs for c in "考评通报")


def test_a_busy_machine_starts_no_process(monkeypatch):
    monkeypatch.setattr(glyphs, "spare_core", lambda: False)  # the rule itself: tests/core/test_machine.py
    assert glyphs.DrawAhead()._pool is None  # noqa: SLF001


def test_glyphs_drawn_here_before_start_no_process(fresh_glyphs):
    """A long-lived process's second run (a batch worker's): what it shows was drawn by the first, nothing is sent."""
    fonts.learn(fonts.drawn(fonts.ALWAYS + TEXT))
    with glyphs.DrawAhead() as ahead:
        ahead.cell_executed(cell=_cell(TEXT), cell_index=1, execute_reply={})
        assert ahead._drawing == [] and ahead._pool._processes in (None, {})  # noqa: SLF001
        assert ahead.page("public", _notebook())() == export_page("public", _notebook())


def test_a_page_whose_process_hangs_is_exported_here_in_time(fresh_glyphs):
    with glyphs.DrawAhead() as ahead:
        ahead.collect()
        children = list(ahead._pool._processes)  # noqa: SLF001
        for pid in children:  # the fault: the process stops answering
            os.kill(pid, signal.SIGSTOP)
        try:
            assert ahead.page("public", _notebook(), timeout=2)() == export_page("public", _notebook())
        finally:
            for pid in children:
                os.kill(pid, signal.SIGKILL)
