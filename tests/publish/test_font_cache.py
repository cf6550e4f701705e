"""The machine's font cache: a page is the same bytes whether its glyphs and subsets come from the cache, are made
afresh, or the cache is off, damaged, forged in shape or unwritable; a changed font is a new key; only the subsets
used last are kept."""
from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from evalkit.publish import font_cache, fonts

TEXT = "包头市数字政府建设考评结果通报（2022年上半年）：一网通办，９８.５分；霞鹜"
FACES = [("EvalkitCJK", 400), ("EvalkitSong", 700), ("EvalkitKai", 400)]  # Sans CFF, a bold collection member, TrueType


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache of the test's own, and a process that has drawn and cut nothing (restored after the test)."""
    path = tmp_path / "fonts.sqlite3"
    monkeypatch.setenv("EVALKIT_FONT_CACHE", str(path))
    monkeypatch.setattr(fonts, "_DRAWN", {})
    fonts.subset.cache_clear()
    yield path
    fonts.subset.cache_clear()


def _forget() -> None:
    """This process's own glyphs and subsets forgotten: a new run's process."""
    fonts._DRAWN.clear()
    fonts.subset.cache_clear()


def _pages(text: str = TEXT) -> dict:
    return {face: fonts.subset(face[0], text, face[1]) for face in FACES}


@pytest.fixture(scope="module")
def made_afresh() -> dict:
    """The subsets made with no cache at all, as before the cache existed."""
    before = os.environ.get("EVALKIT_FONT_CACHE")
    os.environ["EVALKIT_FONT_CACHE"] = ""
    saved = dict(fonts._DRAWN)
    fonts._DRAWN.clear()
    fonts.subset.cache_clear()
    try:
        return _pages()
    finally:
        fonts._DRAWN.clear()
        fonts._DRAWN.update(saved)
        fonts.subset.cache_clear()
        os.environ["EVALKIT_FONT_CACHE"] = before if before is not None else ""


def _rows(path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_subsets_from_the_cache_and_from_its_glyphs_are_the_bytes_made_afresh(cache, made_afresh):
    assert _pages() == made_afresh  # filling it
    assert _rows(cache, "glyphs") >= 2 * len(set(TEXT)) and _rows(cache, "subsets") == len(FACES)  # two CFF fonts
    _forget()
    assert _pages() == made_afresh  # every subset from the cache
    with sqlite3.connect(cache) as db:
        db.execute("DELETE FROM subsets")
    _forget()
    assert _pages() == made_afresh  # every CFF glyph from the cache, each subset cut again


def test_a_new_process_takes_the_kept_glyphs_and_draws_only_new_characters(cache, monkeypatch):
    fonts.drawn(TEXT + fonts.ALWAYS)  # in every font with CFF outlines, as a run's second process draws them
    _forget()
    drawn, real = [], fonts._quadratic

    def spy(*key):
        if key not in fonts._DRAWN:
            drawn.append(key[2])
        return real(*key)
    monkeypatch.setattr(fonts, "_quadratic", spy)
    assert fonts.undrawn(TEXT + "龘") == "龘"
    assert _pages(TEXT + "龘")
    used = {(face.path, fonts._member(face.path, face.member)) for face in map(fonts.FACES.get, FACES)}
    assert sorted(drawn) == sorted(fonts._cmap(*font)[ord("龘")] for font in used if fonts._is_cff(*font))  # once each


@pytest.mark.parametrize("damage", ["garbage", "folder", "off"])
def test_a_damaged_unwritable_or_absent_cache_is_passed_by(cache, made_afresh, monkeypatch, damage):
    if damage == "garbage":
        cache.write_bytes(b"not a database " * 100)
    elif damage == "folder":
        cache.mkdir()
    else:
        monkeypatch.setenv("EVALKIT_FONT_CACHE", "")
    assert _pages() == made_afresh
    _forget()
    assert _pages() == made_afresh
    assert (cache.read_bytes().startswith(b"not a database") if damage == "garbage" else cache.is_dir() if damage == "folder"
            else not cache.exists())


def test_malformed_rows_are_redrawn_and_a_forged_subset_is_not_served(cache, made_afresh):
    _pages()
    with sqlite3.connect(cache) as db:
        names = [n for (n,) in db.execute("SELECT name FROM glyphs WHERE name != '.notdef' LIMIT 6")]
        for k, name in enumerate(names):  # cut short, one byte too many, contours out of order, points past the last contour
            outline = db.execute("SELECT outline FROM glyphs WHERE name = ?", (name,)).fetchone()[0]
            bad = [outline[:-3], outline + b"\0", outline[:8] + outline[10:12] + outline[8:10] + outline[12:],
                   font_cache._HEAD.pack(1, 3) + b"\0\0" + b"\1\1\1" + b"\0" * 24, b"", "text"][k]
            db.execute("UPDATE glyphs SET outline = ? WHERE name = ?", (bad, name))
        db.execute("UPDATE subsets SET woff = ?", (b"<script>" + b"\0" * 100,))
    _forget()
    assert _pages() == made_afresh


def test_a_changed_font_file_is_a_new_key(tmp_path):
    face = fonts.FACES["EvalkitKai", 400]
    copy = tmp_path / face.path.name
    shutil.copy2(face.path, copy)
    key = font_cache.font_key(copy, 0)
    assert key != font_cache.font_key(face.path, 0)  # another file
    os.utime(copy, ns=(0, 1))
    assert font_cache.font_key(copy, 0) != key  # the same file changed in place
    assert font_cache.CONVERSION in key


def test_only_the_subsets_used_last_are_kept(cache, monkeypatch):
    monkeypatch.setattr(font_cache, "SUBSETS", 3)
    for k in range(5):
        font_cache.keep_subset("f", f"chars {k}", b"wOFF" + bytes([k]))
    assert font_cache.subset("f", "chars 2") == b"wOFF\x02"  # used again: the newest
    font_cache.keep_subset("f", "chars 5", b"wOFF\x05")
    kept = [k for k in range(6) if font_cache.subset("f", f"chars {k}") is not None]
    assert kept == [2, 4, 5] and _rows(cache, "subsets") == 3
