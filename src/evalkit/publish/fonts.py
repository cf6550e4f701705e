"""The reports' typefaces, embedded in each page as subsets with TrueType outlines.

A 公文 (GB/T 9704-2012) is set in four faces; free fonts stand in for the commercial ones:

=========  =====================  ==============================================================
family     stands in for          font (source)
=========  =====================  ==============================================================
EvalkitTitle  方正小标宋 (titles)  Noto Serif CJK SC Bold (Debian ``fonts-noto-cjk``)
EvalkitSong   仿宋 (body)          Noto Serif CJK SC (the ``mplfonts`` wheel): no free 仿宋 covers simplified
                                   Chinese (cwTeX 仿宋 lacks 209 of the characters of one demo 通报), so the body
                                   is in a Song face, as GB/T 9704 allows for the text of tables and 附件
EvalkitHei    黑体 (一级标题)      Noto Sans CJK SC Bold (Debian ``fonts-noto-cjk``)
EvalkitKai    楷体 (二级标题)      LXGW WenKai (霞鹜文楷, Debian ``fonts-lxgw-wenkai``)
EvalkitCJK    (internal edition,   Noto Sans CJK SC (the ``mplfonts`` wheel), as the plots
              scorecards, site)
=========  =====================  ==============================================================

Chromium prints a font with PostScript (CFF) outlines, as every Noto CJK font has, as Type 3 glyph procedures: no font
a reader's tool can name or extract text from reliably. Each subset is therefore converted to TrueType outlines
(fontTools' cu2qu, as its ``otf2ttf`` recipe does), which Chromium embeds as a real CID TrueType font.
``EVALKIT_FONTS`` names a folder searched first (an offline replay's bundled fonts).
"""
from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..core.errors import EvalkitError
from . import font_cache

DEBIAN = Path("/usr/share/fonts")


def _wheel(name: str) -> Path:
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / name


@dataclass(frozen=True)
class Face:
    """One embedded typeface: its CSS family and weight, its file (a collection's member by full name) and the Debian
    package that installs it (none: the ``mplfonts`` wheel)."""

    family: str
    weight: int
    file: str
    member: str = ""
    package: str = ""

    @property
    def path(self) -> Path:
        """The font file: in ``EVALKIT_FONTS`` when set and present there, else where it installs."""
        bundled = os.environ.get("EVALKIT_FONTS")
        if bundled and (Path(bundled) / Path(self.file).name).is_file():
            return Path(bundled) / Path(self.file).name
        path = _wheel(self.file) if not self.package else DEBIAN / self.file
        if not path.is_file():
            raise EvalkitError(f"the font {self.family} ({path}) is not installed: install the Debian package {self.package} "
                               f"(`make system-deps` does) (缺少字体)")
        return path


_SERIF_BOLD = ("opentype/noto/NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC Bold", "fonts-noto-cjk")
_SANS_BOLD = ("opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC Bold", "fonts-noto-cjk")
FACES = {(face.family, face.weight): face for face in (
    Face("EvalkitCJK", 400, "NotoSansCJKsc-Regular.otf"),
    Face("EvalkitCJK", 700, *_SANS_BOLD),
    Face("EvalkitSong", 400, "NotoSerifCJKsc-Regular.otf"),
    Face("EvalkitSong", 700, *_SERIF_BOLD),
    Face("EvalkitTitle", 700, *_SERIF_BOLD),
    Face("EvalkitHei", 700, *_SANS_BOLD),
    Face("EvalkitKai", 400, "truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf", "", "fonts-lxgw-wenkai"),
)}
"""Every face a page may embed, by CSS family and weight (bold text in a face without a bold one is never synthesised:
Chromium prints a synthesised bold as Type 3; the pages set ``font-synthesis: none``)."""
ALWAYS = "0123456789.,:;%()—–-+*/ "
"""Characters every subset holds besides the page's own (numbers a style sheet or a template may add)."""


@cache
def _member(path: Path, name: str) -> int:
    """The index of the font named ``name`` in a collection (0 for a single font)."""
    from fontTools.ttLib import TTCollection

    if not name:
        return 0
    for k, font in enumerate(TTCollection(str(path), lazy=True).fonts):
        if font["name"].getDebugName(4) == name:
            return k
    raise EvalkitError(f"{path} holds no font named {name}")


@cache
def _glyphs(path: Path, number: int):
    """The glyph set of a face's font, read lazily and never changed: each glyph's outline is drawn from it once."""
    from fontTools.ttLib import TTFont

    return TTFont(str(path), fontNumber=number, lazy=True).getGlyphSet()


_DRAWN: dict[tuple[Path, int, str], object] = {}
"""Each CFF glyph drawn as a TrueType glyph in this process, or learnt from a process that drew it with no cache."""
_RECALLED: dict[tuple[Path, int, str], object] = {}
"""Glyphs read from the machine's :mod:`font cache <evalkit.publish.font_cache>` (or learnt from a process that may
have read them): used only while the cache is on, so an audit (:func:`~evalkit.publish.font_cache.off`) never does."""


def _known(key: tuple[Path, int, str]):
    """The glyph this process may use for ``key`` now: drawn here, else recalled while the cache is on; or None."""
    glyph = _DRAWN.get(key)
    return glyph if glyph is not None or font_cache.location() is None else _RECALLED.get(key)


def _quadratic(path: Path, number: int, name: str):
    """Glyph ``name`` of a font with CFF outlines as a TrueType glyph (quadratic curves, fontTools' ``otf2ttf``
    recipe), drawn once per process: the editions, families and runs that show a character share it (the subsetter
    and the compiler only drop its instructions, which it has none of, and set its bounds, which are its own)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    key = (path, number, name)
    glyph = _known(key)
    if glyph is None:
        glyphs = _glyphs(path, number)
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyph = _DRAWN[key] = pen.glyph()
    return glyph


def _recall(path: Path, number: int, names: set[str]) -> list[str]:
    """Take the glyphs of ``names`` this process lacks from the machine's font cache, if on; the names still missing."""
    missing = sorted(n for n in names if _known((path, number, n)) is None)
    if missing and font_cache.location() is not None:
        for name, glyph in font_cache.load(font_cache.font_key(path, number), missing).items():
            _RECALLED[path, number, name] = glyph
    return [n for n in missing if _known((path, number, n)) is None]


def _prepare(path: Path, number: int, names: set[str]) -> None:
    """Every glyph of ``names`` ready in this process: recalled from the font cache, else drawn and then kept there."""
    new = _recall(path, number, names)
    if new:
        font_cache.save(font_cache.font_key(path, number), {n: _quadratic(path, number, n) for n in new})


def drawn(chars: str) -> dict[tuple[Path, int, str], object]:
    """The glyphs of ``chars`` (and ``.notdef``, which every subset holds) in every font with CFF outlines that a face
    uses, drawn as :func:`_quadratic` draws them (in another process while a notebook executes,
    :mod:`evalkit.publish.glyphs`)."""
    glyphs = {}
    for path, number in _cff_fonts():
        names = _names(path, number, chars)
        _prepare(path, number, names)
        glyphs |= {(path, number, name): _known((path, number, name)) for name in names}
    return glyphs


def undrawn(chars: str) -> str:
    """The characters of ``chars`` with a glyph neither drawn in this process nor kept in the machine's font cache,
    in some font with CFF outlines (those kept are taken from the cache)."""
    fonts, missing = _cff_fonts(), set()
    for path, number in fonts:
        missing |= {(path, number, name) for name in _recall(path, number, _names(path, number, chars))}
    return "".join(c for c in chars if any((path, number, name) in missing
                                           for path, number in fonts for name in _names(path, number, c)))


def _cff_fonts() -> list[tuple[Path, int]]:
    """Each font with CFF outlines that a face uses (a file, and a member of a collection), once."""
    fonts = {(face.path, _member(face.path, face.member)) for face in FACES.values()}
    return sorted(font for font in fonts if _is_cff(*font))


@cache
def _is_cff(path: Path, number: int) -> bool:
    from fontTools.ttLib import TTFont

    return "CFF " in TTFont(str(path), fontNumber=number, lazy=True)


def _names(path: Path, number: int, chars: str) -> set[str]:
    cmap = _cmap(path, number)
    return {".notdef"} | {cmap[ord(c)] for c in chars if ord(c) in cmap}


def learn(glyphs: dict[tuple[Path, int, str], object]) -> None:
    """Take glyphs given by :func:`drawn` in another process (as drawn ones only if the cache is off here, and so was
    there: it may have read them from the cache): a subset then draws only what they lack."""
    for key, glyph in glyphs.items():
        (_RECALLED if font_cache.location() is not None else _DRAWN).setdefault(key, glyph)


@cache
def _cmap(path: Path, number: int) -> dict[int, str]:
    from fontTools.ttLib import TTFont

    return TTFont(str(path), fontNumber=number, lazy=True).getBestCmap()


def _truetype(font, path: Path, number: int, keep: set[str]) -> None:
    """Replace ``font``'s CFF outlines by quadratic TrueType ones: the glyphs of ``keep`` drawn, every other one left
    empty (the subsetter drops them)."""
    from fontTools.ttLib import newTable
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    order = font.getGlyphOrder()
    font["loca"], font["glyf"] = newTable("loca"), newTable("glyf")
    glyf = font["glyf"]
    glyf.glyphOrder = order
    empty = Glyph()  # one for the tens of thousands of glyphs not shown
    glyf.glyphs = {name: _quadratic(path, number, name) if name in keep else empty for name in order}
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.maxZones, maxp.numGlyphs = 1, len(order)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcBBoxes = True  # the new glyphs' bounds (computed from the outlines: the same text, the same bytes)


def subset(family: str, text: str, weight: int = 400) -> bytes:
    """``family`` as WOFF with TrueType outlines, cut down to the characters of ``text`` and :data:`ALWAYS`; the
    same text gives the same bytes. A face with CFF outlines is converted before it is cut down, its glyphs
    drawn only for the characters shown (:func:`_quadratic`, shared by every subset of the same font); the glyphs and
    the subset are kept in the machine's :mod:`font cache <evalkit.publish.font_cache>` while it is on."""
    return _subset(family, text, weight, font_cache.location() is not None)


@cache
def _subset(family: str, text: str, weight: int, cached: bool) -> bytes:
    from fontTools import subset as subsetting
    from fontTools.ttLib import TTFont

    face = FACES[family, weight]
    number = _member(face.path, face.member)
    chars = "".join(sorted(set(text + ALWAYS)))
    key = font_cache.font_key(face.path, number)
    kept = font_cache.subset(key, chars) if cached else None
    if kept is not None:
        return kept
    font = TTFont(str(face.path), fontNumber=number, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    options = subsetting.Options()
    options.drop_tables += ["GSUB", "GPOS", "BASE"]  # horizontal Chinese needs no layout features; keeping them doubles the time
    options.layout_features = []
    options.hinting = False  # screens and PDFs of CJK text render the outlines unhinted
    if "CFF " in font:
        keep = _names(face.path, number, chars)
        _prepare(face.path, number, keep)
        _truetype(font, face.path, number, keep)
        options.glyph_names = True  # the converted font's glyph names, as fontTools' otf2ttf keeps them
    subsetter = subsetting.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    font.flavor = "woff"
    buf = io.BytesIO()
    font.save(buf)
    if cached:
        font_cache.keep_subset(key, chars, buf.getvalue())
    return buf.getvalue()


def font_face(family: str, text: str, weight: int = 400) -> str:
    """A CSS ``@font-face`` rule embedding ``family`` at ``weight``, cut down to the characters of ``text``."""
    data = base64.b64encode(subset(family, "".join(sorted(set(text))), weight)).decode("ascii")
    return (f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')


def files() -> list[Path]:
    """The font files the reports embed (recorded in each run's manifest, carried by a bundle)."""
    return sorted({face.path for face in FACES.values()})
