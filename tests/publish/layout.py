"""Layout checks for the published pages (tests/publish/test_layout.py): in the PDF every word inside the page's
printable box and every visible character printed; in Chromium no text or image past its box, except inside the
tables meant to scroll sideways, and no page wider than the window."""
from __future__ import annotations

import re
import subprocess
from collections import Counter
from html import unescape
from pathlib import Path

from evalkit.publish.exporters import MARGINS


def _mm(edition: str, side: str) -> float:
    return float(MARGINS[edition][side].removesuffix("mm"))


def margins_pt(edition: str) -> tuple[float, float]:
    """The left and right margin of an edition's printed pages (``report`` 12 mm each, the 公文 ``official`` 28 and 26
    mm: evalkit.publish.exporters.MARGINS), in PDF points."""
    return _mm(edition, "left") / 25.4 * 72, _mm(edition, "right") / 25.4 * 72


def print_width(edition: str) -> int:
    """The width Chromium lays a printed page out at: A4 less both margins, in CSS px (703 for a report, 590 for a 公文)."""
    return round((210 - _mm(edition, "left") - _mm(edition, "right")) / 25.4 * 96)
TOLERANCE_PT = 1.0
"""Sub-pixel overhang of a full line of text at the margin, as Chromium lays it out and poppler measures it."""

WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


def pdf_pages(pdf: Path) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """Each page's width, height and words (x0, y0, x1, y1, text), in points, as poppler reads them."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(float(w), float(h), [(float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in WORD.findall(body)])
            for w, h, body in PAGE.findall(boxes)]


Pages = list[tuple[float, float, list[tuple[float, float, float, float, str]]]]


def words_outside(pages: Pages, margins: tuple[float, float] = margins_pt("report")) -> list[str]:
    """Every word of a PDF's ``pages`` (:func:`pdf_pages`) that reaches into the left or right margin or past the page's top or bottom:
    ``page N: word (x0–x1)``."""
    out, (left, right) = [], margins
    for k, (width, height, words) in enumerate(pages, start=1):
        for x0, y0, x1, y1, text in words:
            if x0 < left - TOLERANCE_PT or x1 > width - right + TOLERANCE_PT or y0 < 0 or y1 > height:
                out.append(f"page {k}: {text} ({x0:.1f}–{x1:.1f} of {width:.1f})")
    return out


def unprinted(pages: Pages, expected: str) -> Counter:
    """The characters of ``expected`` (what the page shows, from the browser) that a PDF's ``pages`` print fewer times:
    text cut off at the page's edge is not in the PDF at all."""
    printed = Counter("".join(t for _, _, words in pages for *_, t in words))
    return Counter({c: n - printed[c] for c, n in Counter(re.sub(r"\s", "", expected)).items() if n > printed[c]})


CHECK = """(scrollers) => {
  // Every text line and image lies inside each ancestor that clips it, unless that ancestor is a table meant to
  // scroll sideways (on screen): what lies past a scroller's edge is reached by scrolling, not lost.
  const clips = (e) => { const s = getComputedStyle(e); return s.overflowX !== 'visible' || s.overflowY !== 'visible'; };
  const scroller = (e) => scrollers && e.tagName === 'TABLE' && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const width = document.documentElement.clientWidth, out = [];
  const check = (rect, node, what) => {
    if (rect.width === 0 || rect.height === 0) return;
    for (let p = node.parentElement; p && p !== document.body; p = p.parentElement) {
      if (scroller(p)) return check(p.getBoundingClientRect(), p, what);  // reached by scrolling: the scroller must be in place
      if (!clips(p)) continue;
      const box = p.getBoundingClientRect(), left = box.left + p.clientLeft, top = box.top + p.clientTop;
      if (rect.left < left - 0.5 || rect.right > left + p.clientWidth + 0.5 || rect.top < top - 0.5 || rect.bottom > top + p.clientHeight + 0.5) {
        out.push([what, p.tagName + '.' + String(p.className).split(' ')[0], Math.round(rect.left), Math.round(rect.right), Math.round(left + p.clientWidth)]);
        return;
      }
    }
    if (rect.left < -0.5 || rect.right > width + 0.5) out.push([what, 'page', Math.round(rect.left), Math.round(rect.right), width]);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    // a chart's labels (inline SVG) are placed by matplotlib inside its figure, checked whole below: their line boxes
    // (the font's ascent and descent) may pass the figure's edge where their ink does not
    if (n.parentElement.closest('svg')) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    for (const r of range.getClientRects()) check(r, n, n.textContent.trim().slice(0, 30));
  }
  for (const img of document.querySelectorAll('img, svg')) check(img.getBoundingClientRect(), img, img.tagName + ' ' + (img.alt || ''));
  return {clipped: out, page: document.documentElement.scrollWidth, width: width, text: document.body.innerText};
}"""


def layouts(browser, page: Path, views: list[tuple[str, int]]) -> list[dict]:
    """``page`` loaded once in ``browser`` and laid out for each (CSS media, width in CSS px) of ``views``: ``clipped``
    (text or images past a box that clips them, or past the page; on screen not past a table meant to scroll),
    ``page`` (the document's width), ``width`` (the window's) and ``text`` (what a reader sees)."""
    view = browser.new_page(viewport={"width": views[0][1], "height": 900})
    try:
        view.emulate_media(media=views[0][0])
        view.goto(page.resolve().as_uri(), wait_until="load")
        out = []
        for media, width in views:
            view.emulate_media(media=media)
            view.set_viewport_size({"width": width, "height": 900})
            out.append(view.evaluate(CHECK, media == "screen"))
        return out
    finally:
        view.close()


def problems(browser, html: Path, pdf: Path) -> list[str]:
    """Everything clipped in one edition: words of the PDF past the printable box, characters the printed page shows
    that the PDF lacks, and text or images past their box in the print layout and on screens 1280 and 390 px wide
    (but inside the tables meant to scroll), or a page wider than its screen. The 通报 (``report.html``) is a 公文
    with GB/T 9704's margins."""
    edition = "official" if html.name == "report.html" else "report"
    pages = pdf_pages(pdf)
    found = [f"PDF: {w}" for w in words_outside(pages, margins_pt(edition))]
    views = [("print", print_width(edition)), ("screen", 1280), ("screen", 390)]
    printed, *screens = layouts(browser, html, views)
    found += [f"print: {c}" for c in printed["clipped"]]
    missing = unprinted(pages, printed["text"])
    if missing:
        found.append(f"PDF lacks {sum(missing.values())} characters: {''.join(sorted(missing))[:60]}")
    for (_, width), screen in zip(views[1:], screens):
        found += [f"{width} px: {c}" for c in screen["clipped"]]
        if screen["page"] > screen["width"]:
            found.append(f"{width} px: the page is {screen['page']} px wide")
    return found
