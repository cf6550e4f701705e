"""nbconvert exporters for the published report (entry points ``evalkit_html`` and ``evalkit_pdf``).

``jupyter nbconvert --to evalkit_html NOTEBOOK`` gives a self-contained Chinese report: no code, no
prompts, images embedded, no script or font fetched from the network (the CJK font is embedded as a
subset holding just the characters used). ``--to evalkit_pdf`` prints that HTML on A4 with the
system's Chromium (nbconvert's own ``webpdf`` cannot point at a system browser).
"""
from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path
from typing import Any

from nbconvert.exporters import Exporter, HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets import Unicode

from ..core.errors import EvalkitError
from . import fonts
from .printing import html_to_pdf

TEMPLATES = Path(__file__).parent / "nbconvert"
REMOVE_TAG = "remove_cell"
"""Cells with this tag (the one that records results) are left out of the report."""
EDITIONS = {"public": "internal", "internal": "public"}
"""Each edition leaves out the cells tagged with the other's name: the public 通报 drops ``internal`` cells
(method details, robustness, corrections, 推定事项, options, re-run instructions), the internal 报告 drops
``public`` ones (the public title block); untagged cells are in both."""


PUBLIC_FACES = {"EvalkitTitle": ("h1", "gw-mark", "gw-annex-title"), "EvalkitHei": ("h2",), "EvalkitKai": ("h3",)}
"""The 通报's heading faces and the elements (tags, classes) set in each; every other character is in EvalkitSong."""


def _element(which: str) -> str:
    """A pattern for the elements of a tag (``h1``) or a class (``gw-mark``), their content as group ``text``."""
    if "-" not in which:
        return rf"(?s)<{which}\b[^>]*>(?P<text>.*?)</{which}>"
    return rf'(?s)<(?P<tag>\w+)\b[^>]*class="(?:[^"]* )?{which}(?: [^"]*)?"[^>]*>(?P<text>.*?)</(?P=tag)>'


def _text_of(page: str, where: tuple[str, ...]) -> str:
    return visible_text(" ".join(m.group("text") for w in where for m in re.finditer(_element(w), page)))


def face_rules(page: str, edition: str) -> str:
    """The ``@font-face`` rules of an edition's page: the body face (the 报告's sans, the 通报's Song) and its bold, both
    with every character of the page, and the 通报's heading faces, each cut down to the characters of the elements set
    in it (a character missing from a heading face falls back to the body face): no character is left to a system font,
    which Chromium may print as Type 3."""
    body, text = "EvalkitSong" if edition == "public" else "EvalkitCJK", visible_text(page)
    rules = [fonts.font_face(body, text), fonts.font_face(body, text, 700)]
    for family, where in PUBLIC_FACES.items() if edition == "public" else ():
        rules.append(fonts.font_face(family, _text_of(page, where), *[w for f, w in fonts.FACES if f == family]))
    return "\n".join(rules)


def bold_file(font_file: str) -> str:
    """The bold face's file beside a folder's shared regular one: ``EvalkitCJK.woff`` → ``EvalkitCJK-Bold.woff``."""
    stem, dot, ext = font_file.rpartition(".")
    return f"{stem}-Bold{dot}{ext}"


def shared_faces(font_file: str) -> str:
    """``@font-face`` rules for a folder's shared font files (a URL relative to the page), regular and bold."""
    return "\n".join(f'@font-face {{ font-family: "EvalkitCJK"; font-weight: {w}; src: url({html.escape(f)}) format("woff"); }}'
                     for w, f in ((400, font_file), (700, bold_file(font_file))))


FOCUSABLE = re.compile(r'(<div class="[^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b[^"]*"[^>]*?)(\s*/?>)')
NO_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
WIDE_REFERENCE = re.compile(r"&#(?:(\d+)|[xX]([0-9a-fA-F]+));")


def accessible(page: str) -> str:
    """What nbconvert's HTML exporter does with BeautifulSoup, done by three patterns instead (a parse of the whole page
    took longer than the rest of the export): ``tabindex="0"`` on inputs and outputs, an ``alt`` on an image without
    one, and a character beyond ASCII written as itself rather than as a numeric reference (which has no markup meaning).

    >>> accessible('<div class="jp-OutputArea-output" data-mime-type="text/html"><img src="x.png">&#26131;&#60;</div>')
    '<div class="jp-OutputArea-output" data-mime-type="text/html" tabindex="0"><img alt="No description has been provided for this image" src="x.png">易&#60;</div>'
    """
    page = FOCUSABLE.sub(lambda m: m.group(1) + ("" if "tabindex=" in m.group(1) else ' tabindex="0"') + m.group(2), page)
    page = NO_ALT.sub('<img alt="No description has been provided for this image"', page)
    return WIDE_REFERENCE.sub(lambda m: _character(m) or m.group(0), page)


def _character(m: re.Match) -> str:
    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
    return chr(code) if 127 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else ""


def visible_text(page: str) -> str:
    """The text a reader sees on an HTML page: without tags, styles and scripts, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(style|script)[^>]*>.*?</\1>", " ", page)))


class ReportHTMLExporter(HTMLExporter):
    """The report as one self-contained HTML file."""

    export_from_notebook = "evalkit report (HTML)"
    edition = Unicode("internal", help="public (通报) or internal (报告)").tag(config=True)
    font_file = Unicode("", help="a WOFF file (a URL relative to the page) holding the CJK font for a folder of pages; "
                                 "by default a subset is embedded in the page").tag(config=True)

    def __init__(self, **kwargs: Any):
        traits = {"template_name": "evalkit_report", "extra_template_basedirs": [str(TEMPLATES)], "exclude_input": True,
                  "exclude_input_prompt": True, "exclude_output_prompt": True, "embed_images": True}
        super().__init__(**{**traits, **kwargs})
        if self.edition not in EDITIONS:
            raise EvalkitError(f"edition={self.edition!r}: expected one of {', '.join(EDITIONS)}")
        self.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={REMOVE_TAG, EDITIONS[self.edition]}, enabled=True),
                                   enabled=True)

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = resources or {}
        resources["evalkit_edition"] = self.edition
        title = nb.metadata.get("evalkit", {}).get("title")
        if title:
            resources.setdefault("metadata", {})["name"] = html.escape(title)
        output, resources = self._page(nb, resources, **kw)
        output = output.replace("<html lang=\"en\">", "<html lang=\"zh-CN\">", 1)
        font = (shared_faces(self.font_file) if self.font_file else face_rules(output, self.edition))
        output = output.replace("</head>", f"<style type=\"text/css\">{font}</style>\n</head>", 1)
        return output, resources

    def _page(self, nb, resources, **kw) -> tuple[str, dict]:
        """:meth:`HTMLExporter.from_notebook_node` without its BeautifulSoup pass (:func:`accessible` instead)."""
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                                       resources=resources))
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return accessible(page), resources


def export_page(edition: str, notebook) -> str:
    """An edition's self-contained HTML page of an executed notebook."""
    return ReportHTMLExporter(edition=edition).from_notebook_node(notebook)[0]


HEADER_FONT = "font-family:'LXGW WenKai','DejaVu Serif',serif"
"""Chromium draws the running header and footer with system fonts, not the page's: TrueType ones (霞鹜文楷 from
``fonts-lxgw-wenkai``, DejaVu Serif), which it embeds as fonts (Noto CJK's PostScript outlines would be Type 3)."""
MARGINS = {"report": {"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
           "official": {"top": "37mm", "bottom": "35mm", "left": "28mm", "right": "26mm"}}
"""Page margins: a report's, and a 公文's (GB/T 9704: 天头 37 mm, 订口 28 mm, a 156 mm × 225 mm text block)."""


def running_header(title: str, synthetic: bool, internal: bool = False, official: bool = False,
                   what_if: bool = False) -> dict[str, str]:
    """Chromium's print templates and margins for a report: the title (and 示例数据 when synthetic, 内部资料 on the internal
    edition, 测算稿 for a what-if under an adjusted applicability) at the head of every page, 第 X 页 共 Y 页 at its foot;
    a 公文 (``official``) has no running title, its page number reads ``— 1 —`` (4号, 14 pt) and its margins are
    GB/T 9704's. Pass to :func:`html_to_pdf` as ``header_footer``."""
    style = f"{HEADER_FONT};font-size:8px;width:100%;text-align:center;color:#555"
    marks = [("内部资料　注意保存", "#c00000", internal), ("测算稿　非正式结果", "#c00000", what_if), ("示例数据", "#c55a11", synthetic)]
    mark = "".join(f'　<span style="color:{colour}">{text}</span>' for text, colour, shown in marks if shown)
    if official:
        return {"header": f'<div style="{style}">{mark.removeprefix("　")}</div>',
                "footer": f'<div style="{HEADER_FONT};font-size:14pt;width:100%;text-align:center;color:#000">'
                          '— <span class="pageNumber"></span> —</div>', "margin": MARGINS["official"]}
    return {"header": f'<div style="{style}">{html.escape(title)}{mark}</div>',
            "footer": f'<div style="{style}">第 <span class="pageNumber"></span> 页 共 <span class="totalPages"></span> 页</div>',
            "margin": MARGINS["report"]}


class ReportPDFExporter(Exporter):
    """The report HTML printed on A4 by the system's Chromium."""

    export_from_notebook = "evalkit report (PDF)"
    output_mimetype = "application/pdf"
    file_extension = Unicode(".pdf").tag(config=True)

    def from_notebook_node(self, nb, resources=None, **kw):
        page, resources = ReportHTMLExporter(config=self.config).from_notebook_node(nb, resources, **kw)
        with tempfile.TemporaryDirectory(prefix="evalkit-pdf-") as tmp:
            source, target = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
            source.write_text(page, encoding="utf-8")
            html_to_pdf(source, target)
            pdf = target.read_bytes()
        resources["output_extension"] = ".pdf"
        return pdf, resources
