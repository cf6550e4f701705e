"""Fonts converted once per machine, not once per process: a SQLite file of glyphs and subsets that every run reads.

Converting a CFF glyph to quadratic curves and cutting a face down to a page's characters
(:func:`evalkit.publish.fonts.subset`) is pure Python: three to four seconds of every run's export, for the three
thousand glyphs and seven subsets of a period's two editions. Both depend only on the font file, the characters and
the code, so each is kept here once made:

- a glyph, as the converter drew it, for any page that shows its character;
- a subset (the WOFF bytes), for a page with the same characters: the same run again, its audit, a correction; the
  :data:`SUBSETS` used last are kept.

Each is keyed by the font (its path, member, size and modification time), fontTools' version and the code's settings
(:data:`CONVERSION`): a font, fontTools or setting that changes is a new key, never a stale entry. The file is
``$EVALKIT_FONT_CACHE``, else ``evalkit/fonts.sqlite3`` under ``$XDG_CACHE_HOME`` or ``~/.cache`` (an offline replay
has a home of its own, so an empty cache); ``EVALKIT_FONT_CACHE=""`` turns it off.

It is a cache and only that, trusted as the user's own files are: a cache that cannot be opened, read or written
(read-only, locked, damaged) is passed by and the fonts are made as before; a glyph row that is not a well-formed
outline is ignored. A page is the same bytes with or without it (tests/publish/test_font_cache.py).
"""
from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import struct
from array import array
from pathlib import Path

log = logging.getLogger("evalkit")

CONVERSION = "cu2qu max_err=1.0 reverse_direction=True; TTGlyphPen otRound; subset woff no-hinting no-layout; v1"
"""How :mod:`evalkit.publish.fonts` draws a glyph and cuts a subset: part of every key, so a change starts afresh."""
SUBSETS = 200
"""The subsets kept (those used last): about two runs' worth of pages per ten."""
_HEAD = struct.Struct("<II")  # contours, points
_SCHEMA = ("CREATE TABLE IF NOT EXISTS glyphs (font TEXT, name TEXT, outline BLOB, PRIMARY KEY (font, name))",
           "CREATE TABLE IF NOT EXISTS subsets (font TEXT, chars TEXT, woff BLOB, used INTEGER, PRIMARY KEY (font, chars))")


def location() -> Path | None:
    """The cache's file, or None when ``EVALKIT_FONT_CACHE`` is set empty."""
    chosen = os.environ.get("EVALKIT_FONT_CACHE")
    if chosen is not None:
        return Path(chosen) if chosen else None
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "evalkit" / "fonts.sqlite3"


def font_key(path: Path, number: int) -> str:
    """The key of a font's entries: the file, its member, its size and time, fontTools and :data:`CONVERSION`."""
    import fontTools

    st = path.stat()
    return f"{path.resolve()}#{number}:{st.st_size}:{st.st_mtime_ns}; fontTools {fontTools.version}; {CONVERSION}"


def load(font: str, names: list[str]) -> dict[str, object]:
    """The glyphs of ``names`` kept for ``font`` (fontTools ``Glyph`` objects, as the converter gives them)."""
    found: dict[str, object] = {}
    try:
        with _connect() as db:
            for start in range(0, len(names), 500):  # SQLite's limit on a statement's parameters
                part = names[start:start + 500]
                rows = db.execute(f"SELECT name, outline FROM glyphs WHERE font = ? AND name IN ({','.join('?' * len(part))})",
                                  [font, *part])
                for name, outline in rows:
                    glyph = _unpack(outline)
                    if glyph is not None:
                        found[name] = glyph
    except (sqlite3.Error, OSError) as exc:
        log.debug("the font cache is passed by: %s", exc)
    return found


def save(font: str, glyphs: dict[str, object]) -> None:
    """Keep ``glyphs`` (drawn by the converter) for ``font``; a glyph with components is not kept."""
    rows = [(font, name, _pack(g)) for name, g in glyphs.items() if g.numberOfContours >= 0]
    if rows:
        _write("INSERT OR IGNORE INTO glyphs VALUES (?, ?, ?)", rows)


def subset(font: str, chars: str) -> bytes | None:
    """The subset of ``font`` to ``chars`` kept from an earlier page, or None."""
    try:
        with _connect() as db:
            key = (font, _digest(chars))
            row = db.execute("SELECT woff FROM subsets WHERE font = ? AND chars = ?", key).fetchone()
            if row is not None:
                db.execute("UPDATE subsets SET used = (SELECT max(used) + 1 FROM subsets) WHERE font = ? AND chars = ?", key)
        return row[0] if row is not None and isinstance(row[0], bytes) and row[0][:4] == b"wOFF" else None
    except (sqlite3.Error, OSError) as exc:
        log.debug("the font cache is passed by: %s", exc)
        return None


def keep_subset(font: str, chars: str, woff: bytes) -> None:
    """Keep a subset just made, and only the :data:`SUBSETS` used last."""
    _write("INSERT OR REPLACE INTO subsets VALUES (?, ?, ?, (SELECT coalesce(max(used), 0) + 1 FROM subsets))",
           [(font, _digest(chars), woff)],
           f"DELETE FROM subsets WHERE used <= (SELECT max(used) FROM subsets) - {SUBSETS}")


def _digest(chars: str) -> str:
    return hashlib.sha256(chars.encode("utf-8")).hexdigest()


def _write(statement: str, rows: list[tuple], *after: str) -> None:
    try:
        with _connect() as db:
            db.executemany(statement, rows)
            for sql in after:
                db.execute(sql)
    except (sqlite3.Error, OSError) as exc:
        log.debug("the font cache is not written: %s", exc)


class _Closing(sqlite3.Connection):
    """A connection that commits (or rolls back) and closes at the end of its ``with``."""

    def __exit__(self, *exc: object) -> bool:
        try:
            return super().__exit__(*exc)
        finally:
            self.close()


def _connect() -> sqlite3.Connection:
    path = location()
    if path is None:
        raise sqlite3.OperationalError("EVALKIT_FONT_CACHE is empty: no font cache")
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=10, factory=_Closing)
    for statement in _SCHEMA:
        db.execute(statement)
    return db


def _pack(glyph) -> bytes:
    points = len(glyph.coordinates)
    return (_HEAD.pack(glyph.numberOfContours, points) + array("H", glyph.endPtsOfContours).tobytes()
            + bytes(glyph.flags) + array("i", [int(v) for xy in glyph.coordinates for v in xy]).tobytes())


def _unpack(outline: bytes):
    """The glyph :func:`_pack` packed, built as fontTools' ``TTGlyphPen.glyph()`` builds it; None if malformed."""
    from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphCoordinates
    from fontTools.ttLib.tables.ttProgram import Program

    if not isinstance(outline, bytes) or len(outline) < _HEAD.size:
        return None
    contours, points = _HEAD.unpack_from(outline)
    ends_at, flags_at = _HEAD.size, _HEAD.size + 2 * contours
    coords_at = flags_at + points
    if len(outline) != coords_at + 8 * points:
        return None
    ends = array("H", outline[ends_at:flags_at]).tolist()
    if any(b <= a for a, b in zip(ends, ends[1:])) or (ends[-1] if ends else -1) != points - 1:
        return None
    xy = array("i", outline[coords_at:])
    glyph = Glyph()
    glyph.coordinates = GlyphCoordinates(list(zip(xy[0::2], xy[1::2])))
    glyph.endPtsOfContours = ends
    glyph.flags = array("B", outline[flags_at:coords_at])
    glyph.numberOfContours = contours
    glyph.program = Program()
    glyph.program.fromBytecode(b"")
    return glyph
