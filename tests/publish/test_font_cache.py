"""The machine's font cache: a page is the same bytes whether its glyphs and subsets come from the cache, are made
afresh, or the cache is off, damaged, another user's, holds malformed rows or is unwritable; a font replaced in place
is a new key; only the subsets used last are kept; and a forged but well-formed row, which a run would use, is never
used while the cache is off, as in an audit."""
from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from evalkit.publish import font_cache, fonts

TEXT = "包头市数字政府建设考评结果通报（2022年上半年）：一网通办，９８.５分；霞鹜"
FACES = [("EvalkitCJK", 400), ("EvalkitSong", 700), ("EvalkitKai", 400)]  # Sans CFF, a bold collection member, TrueType


def _forget() -> None:
    """This process's glyphs and subsets forgotten: a new run's process."""
    fonts._DRAWN.clear()
    fonts._RECALLED.clear()
    fonts._subset.cache_clear()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache of the test's own, and a process that has drawn and cut nothing (its own glyphs given back after)."""
    path = tmp_path / "fonts.sqlite3"
    monkeypatch.setenv(font_cache.VARIABLE, str(path))
    monkeypatch.setattr(fonts, "_DRAWN", {})
    monkeypatch.setattr(fonts, "_RECALLED", {})
    fonts._subset.cache_clear()
    yield path
    fonts._subset.cache_clear()


def _pages(text: str = TEXT) -> dict:
    return {face: fonts.subset(face[0], text, face[1]) for face in FACES}


def _afresh(monkeypatch, text: str = TEXT) -> dict:
    """The subsets made with no cache at all, as before the cache existed; this process's state forgotten after."""
    with monkeypatch.context() as m:
        m.setenv(font_cache.VARIABLE, "")
        _forget()
        pages = _pages(text)
    _forget()
    return pages


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The names of the glyphs this process draws from now on."""
    names, real = [], fonts._quadratic

    def spy(*key):
        if fonts._known(key) is None:
            names.append(key[2])
        return real(*key)
    monkeypatch.setattr(fonts, "_quadratic", spy)
    return names


def _rows(path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_subsets_from_the_cache_and_from_its_glyphs_are_the_bytes_made_afresh(cache, monkeypatch, drawn):
    afresh = _afresh(monkeypatch)
    assert _pages() == afresh and drawn  # filling it
    assert _rows(cache, "glyphs") >= 2 * len(set(TEXT)) and _rows(cache, "subsets") == len(FACES)  # two CFF fonts
    _forget()
    drawn.clear()
    assert _pages() == afresh and drawn == []  # every subset from the cache
    with sqlite3.connect(cache) as db:
        db.execute("DELETE FROM subsets")
    _forget()
    assert _pages() == afresh and drawn == []  # every CFF glyph from the cache, each subset cut again


def test_a_new_process_takes_the_kept_glyphs_and_draws_only_new_characters(cache, monkeypatch, drawn):
    afresh = _afresh(monkeypatch, TEXT + "龘")
    fonts.drawn(TEXT + fonts.ALWAYS)  # in every font with CFF outlines, as a run's second process draws them
    _forget()
    drawn.clear()
    assert fonts.undrawn(TEXT + "龘") == "龘"
    assert _pages(TEXT + "龘") == afresh
    used = {(face.path, fonts._member(face.path, face.member)) for face in map(fonts.FACES.get, FACES)}
    assert sorted(drawn) == sorted(fonts._cmap(*font)[ord("龘")] for font in used if fonts._is_cff(*font))  # once each


@pytest.mark.parametrize("damage", ["garbage", "folder", "off", "others may write it"])
def test_a_damaged_unwritable_absent_or_shared_cache_is_passed_by(cache, monkeypatch, damage):
    afresh = _afresh(monkeypatch)
    if damage == "garbage":
        cache.write_bytes(b"not a database " * 100)
    elif damage == "folder":
        cache.mkdir()
    elif damage == "off":
        monkeypatch.setenv(font_cache.VARIABLE, "")
    else:
        cache.touch()
        cache.chmod(0o666)
    before = cache.read_bytes() if cache.is_file() else None
    assert _pages() == afresh
    _forget()
    assert _pages() == afresh
    assert (cache.read_bytes() if cache.is_file() else None) == before  # neither read nor written
    assert cache.is_dir() == (damage == "folder") and cache.exists() == (damage != "off")


def test_malformed_rows_are_drawn_again_and_replaced_and_a_subset_that_is_not_woff_is_not_served(cache, monkeypatch):
    afresh = _afresh(monkeypatch)
    _pages()
    head = font_cache._HEAD
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT font, name, outline FROM glyphs WHERE name != '.notdef' AND length(outline) > 40 LIMIT 8").fetchall()
        for k, (font, name, outline) in enumerate(rows):
            contours, points = head.unpack_from(outline)
            flags = head.size + 2 * contours
            bad = [outline[:-3],  # cut short
                   outline + b"\0",  # one byte too many
                   head.pack(2, 3) + b"\2\0\1\0" + b"\1\1\1" + b"\0" * 24,  # contours out of order
                   head.pack(1, 3) + b"\1\0" + b"\1\1\1" + b"\0" * 24,  # points past the last contour
                   outline[:flags] + b"\xff" + outline[flags + 1:],  # a flag that is not on or off the curve
                   outline[:flags + points] + (70000).to_bytes(4, "little", signed=True) + outline[flags + points + 4:],  # too far
                   b"", "text"][k]
            db.execute("UPDATE glyphs SET outline = ? WHERE font = ? AND name = ?", (bad, font, name))
        db.execute("UPDATE subsets SET woff = ?", (b"<script>" + b"\0" * 100,))
    _forget()
    assert _pages() == afresh
    for font, name, outline in rows:  # each drawn again and kept in its place
        assert font_cache._pack(font_cache.load(font, [name])[name]) == outline


def test_a_forged_well_formed_glyph_changes_a_page_while_the_cache_is_on_and_never_while_it_is_off(cache, monkeypatch):
    """The trust the cache asks for, and where it is not given: a row drawing 8 as 3 (as whoever can write the cache
    could plant) is used by a run; with the cache off, as an audit runs, the page is made afresh, even in a process
    that holds the forged glyphs and subsets already."""
    afresh = _afresh(monkeypatch)
    fonts.drawn(TEXT + fonts.ALWAYS)
    with sqlite3.connect(cache) as db:
        for path, number in fonts._cff_fonts():
            cmap, font = fonts._cmap(path, number), font_cache.font_key(path, number)
            three = db.execute("SELECT outline FROM glyphs WHERE font = ? AND name = ?", (font, cmap[ord("3")])).fetchone()[0]
            db.execute("UPDATE glyphs SET outline = ? WHERE font = ? AND name = ?", (three, font, cmap[ord("8")]))
    _forget()
    forged = _pages()
    assert forged[FACES[0]] != afresh[FACES[0]] and forged[FACES[2]] == afresh[FACES[2]]  # the TrueType face has no glyph rows
    with font_cache.off():
        assert _pages() == afresh
        fonts.learn(fonts.drawn("8"))  # what a second process drew with no cache is trusted as drawn here
        assert all(key in fonts._DRAWN for key in fonts.drawn("8"))
    assert os.environ[font_cache.VARIABLE] == str(cache)  # on again after the block
    assert _pages() == forged


def test_a_font_changed_or_replaced_in_place_is_a_new_key(tmp_path):
    face = fonts.FACES["EvalkitKai", 400]
    copy = tmp_path / face.path.name
    shutil.copy2(face.path, copy)
    key = font_cache.font_key(copy, 0)
    assert key != font_cache.font_key(face.path, 0)  # another file
    os.utime(copy, ns=(0, 1))
    assert font_cache.font_key(copy, 0) != key  # the same file changed in place
    key, times = font_cache.font_key(copy, 0), copy.stat()
    replacement = tmp_path / "replacement"
    shutil.copy2(copy, replacement)
    os.utime(replacement, ns=(times.st_atime_ns, times.st_mtime_ns))
    replacement.replace(copy)  # another file in its place, with its size and modification time (tar, cp -p, rsync -t)
    assert copy.stat().st_size == times.st_size and copy.stat().st_mtime_ns == times.st_mtime_ns
    assert font_cache.font_key(copy, 0) != key
    assert "fontTools" in key and "zlib" in key and "code " in key


def test_rows_of_other_code_are_removed_when_the_cache_is_written(cache, monkeypatch):
    _pages()
    old = font_cache.font_key(fonts.FACES["EvalkitCJK", 400].path, 0).replace("fontTools ", "fontTools 0.")
    with sqlite3.connect(cache) as db:
        db.execute("INSERT INTO glyphs VALUES (?, 'cid00001', x'00')", (old,))
        db.execute("INSERT INTO subsets VALUES (?, 'abc', x'00', 0)", (old,))
    _forget()
    _pages(TEXT + "龘")  # a new page: glyphs and subsets written
    assert all(_rows(cache, table) and not _count(cache, table, old) for table in ("glyphs", "subsets"))


def _count(path, table: str, font: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT count(*) FROM {table} WHERE font = ?", (font,)).fetchone()[0]


def test_only_the_subsets_used_last_are_kept(cache, monkeypatch):
    monkeypatch.setattr(font_cache, "SUBSETS", 3)
    f = f"a font; {font_cache._code()}"  # written by this code (another code's rows are removed on every write)
    for k in range(5):
        font_cache.keep_subset(f, f"chars {k}", b"wOFF" + bytes([k]))
    assert font_cache.subset(f, "chars 2") == b"wOFF\x02"  # used again: the newest
    font_cache.keep_subset(f, "chars 5", b"wOFF\x05")
    kept = [k for k in range(6) if font_cache.subset(f, f"chars {k}") is not None]
    assert kept == [2, 4, 5] and _rows(cache, "subsets") == 3
