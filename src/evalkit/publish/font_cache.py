"""Fonts converted once per machine, not once per process: a SQLite file of glyphs and subsets that every run reads.

Converting a CFF glyph to quadratic curves and cutting a face down to a page's characters
(:func:`evalkit.publish.fonts.subset`) is pure Python: three to four seconds of every run's export, for the three
thousand glyphs and seven subsets of a period's two editions. Both depend only on the font file, the characters and
the code, so each is kept here once made:

- a glyph, as the converter drew it, for any page that shows its character;
- a subset (the WOFF bytes), for a page with the same characters: the same run again, its audit, a correction; the
  :data:`SUBSETS` used last are kept.

Each is keyed by the font file (its path, member, size, inode, modification and change times: a file replaced or
rewritten in place is a new key, even with its old size and modification time copied back), the versions of fontTools
and zlib, and the code that converts and cuts (the source of :mod:`~evalkit.publish.fonts` and of this module,
hashed): nothing that changes the bytes is left out of the key, and rows another code, fontTools or zlib made are
removed whenever the cache is written (two installs of different code may share the file, not its rows). The file is
``$EVALKIT_FONT_CACHE``, else ``evalkit/fonts.sqlite3`` under ``$XDG_CACHE_HOME`` or ``~/.cache``;
``EVALKIT_FONT_CACHE=""`` turns it off.

It is a cache and only that. A cache that cannot be opened, read or written (read-only, locked, damaged), or that
another user could write (a file or folder not this user's, or writable by its group or others), is passed by and the
fonts are made as before; a glyph row that is not a well-formed outline is ignored and drawn again. A row that is
well formed is trusted as the user's own files are: whoever can write the cache can change how a character looks on a
page. So the record's check never reads it: an audit makes every font afresh (:func:`off`), and an offline replay
runs in a home of its own, so a cache planted before a run shows as a difference in the audit's pages. A page is the
same bytes with or without it (tests/publish/test_font_cache.py).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import sqlite3
import stat
import struct
import zlib
from array import array
from pathlib import Path

from ..core.paths import variable

log = logging.getLogger("evalkit")

SUBSETS = 200
"""The subsets kept: the 200 used last (a run's two editions use seven)."""
VARIABLE = "EVALKIT_FONT_CACHE"
_HEAD = struct.Struct("<II")  # contours, points
_SCHEMA = ("CREATE TABLE IF NOT EXISTS glyphs (font TEXT, name TEXT, outline BLOB, PRIMARY KEY (font, name))",
           "CREATE TABLE IF NOT EXISTS subsets (font TEXT, chars TEXT, woff BLOB, used INTEGER, PRIMARY KEY (font, chars))")


def location() -> Path | None:
    """The cache's file, or None when ``EVALKIT_FONT_CACHE`` is set empty."""
    chosen = os.environ.get(VARIABLE)
    if chosen is not None:
        return Path(chosen) if chosen else None
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "evalkit" / "fonts.sqlite3"


def off() -> contextlib.AbstractContextManager[None]:
    """No cache inside the block, for this process and the processes it starts (an audit's re-execution)."""
    return variable(VARIABLE, "")


def font_key(path: Path, number: int) -> str:
    """The key of a font's entries: the file (path, member, size, inode, modification and change times) and the code."""
    st = path.stat()
    return f"{path.resolve()}#{number}:{st.st_size}:{st.st_ino}:{st.st_mtime_ns}:{st.st_ctime_ns}; {_code()}"


@functools.cache
def _code() -> str:
    """fontTools' and zlib's versions and a hash of the code that converts and cuts (any edit starts afresh)."""
    import fontTools

    here = Path(__file__)
    source = hashlib.sha256(here.with_name("fonts.py").read_bytes() + here.read_bytes()).hexdigest()[:16]
    return f"fontTools {fontTools.version}; zlib {zlib.ZLIB_RUNTIME_VERSION}; code {source}"


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
        _write("INSERT OR REPLACE INTO glyphs VALUES (?, ?, ?)", rows, _older("glyphs"))  # a malformed row is replaced


def subset(font: str, chars: str) -> bytes | None:
    """The subset of ``font`` to ``chars`` kept from an earlier page, or None."""
    key = (font, _digest(chars))
    try:
        with _connect() as db:
            row = db.execute("SELECT woff FROM subsets WHERE font = ? AND chars = ?", key).fetchone()
    except (sqlite3.Error, OSError) as exc:
        log.debug("the font cache is passed by: %s", exc)
        return None
    if row is None or not isinstance(row[0], bytes) or row[0][:4] != b"wOFF":
        return None
    _write("UPDATE subsets SET used = (SELECT max(used) + 1 FROM subsets) WHERE font = ? AND chars = ?", [key])
    return row[0]


def keep_subset(font: str, chars: str, woff: bytes) -> None:
    """Keep a subset just made, and only the :data:`SUBSETS` used last."""
    _write("INSERT OR REPLACE INTO subsets VALUES (?, ?, ?, (SELECT coalesce(max(used), 0) + 1 FROM subsets))",
           [(font, _digest(chars), woff)], _older("subsets"),
           ("DELETE FROM subsets WHERE rowid NOT IN (SELECT rowid FROM subsets ORDER BY used DESC LIMIT ?)", (SUBSETS,)))


def _older(table: str) -> tuple[str, tuple]:
    """The statement that removes ``table``'s rows made by other code, fontTools or zlib: never used again."""
    return f"DELETE FROM {table} WHERE substr(font, -?) != ?", (len(_code()), _code())


def _digest(chars: str) -> str:
    return hashlib.sha256(chars.encode("utf-8")).hexdigest()


def _write(statement: str, rows: list[tuple], *after: tuple[str, tuple]) -> None:
    try:
        with _connect() as db:
            db.executemany(statement, rows)
            for sql, parameters in after:
                db.execute(sql, parameters)
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
        raise sqlite3.OperationalError(f"{VARIABLE} is empty: no font cache")
    path.parent.mkdir(parents=True, exist_ok=True)
    for part in (path.parent, path):
        _own(part)
    db = sqlite3.connect(path, timeout=10, factory=_Closing)
    try:
        db.execute("PRAGMA journal_mode=WAL")  # readers and a writer at once (a batch's workers, a test suite)
        for statement in _SCHEMA:
            db.execute(statement)
    except sqlite3.Error:
        db.close()
        raise
    return db


def _own(path: Path) -> None:
    """Refuse a cache another user could write: a file or folder not this user's, or writable by its group or others."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise OSError(f"{path} is writable by another user: the font cache is not used")


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
    if any(f > 1 for f in outline[flags_at:coords_at]) or any(not -32768 <= v <= 32767 for v in xy):
        return None  # a flag other than on/off the curve, or a point a glyph cannot hold
    glyph = Glyph()
    glyph.coordinates = GlyphCoordinates(list(zip(xy[0::2], xy[1::2])))
    glyph.endPtsOfContours = ends
    glyph.flags = array("B", outline[flags_at:coords_at])
    glyph.numberOfContours = contours
    glyph.program = Program()
    glyph.program.fromBytecode(b"")
    return glyph
