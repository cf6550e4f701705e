"""nbconvert exporters for the published report (entry points ``evalkit_html`` and ``evalkit_pdf``).

``jupyter nbconvert --to evalkit_html NOTEBOOK`` gives a self-contained Chinese report: no code, no
prompts, images embedded, no script or font fetched from the network (the CJK font is embedded as a
subset holding just the characters used). ``--to evalkit_pdf`` prints that HTML on A4 with the
system's Chromium (nbconvert's own ``webpdf`` cannot point at a system browser).
"""
from __future__ import annotations

import base64
import html
import io
import re
import tempfile
from pathlib import Path
from typing import Any

from nbconvert.exporters import Exporter, HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets import Unicode

from ..core.errors import EvalkitError
from .printing import html_to_pdf

TEMPLATES = Path(__file__).parent / "nbconvert"
REMOVE_TAG = "remove_cell"
"""Cells with this tag (the one that records results) are left out of the report."""
EDITIONS = {"public": "internal", "internal": "public"}
"""Each edition leaves out the cells tagged with the other's name: the public 通报 drops ``internal`` cells
(method details, robustness, corrections, 推定事项, options, re-run instructions), the internal 报告 drops
``public`` ones (the public title block); untagged cells are in both."""


def font_subset(text: str) -> bytes:
    """The CJK font as WOFF, cut down to the characters of ``text`` (and digits and ASCII punctuation);
    the same text gives the same bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from .plots import CJK_FONT

    font = TTFont(str(CJK_FONT), lazy=True, recalcBBoxes=False, recalcTimestamp=False)  # same page, same bytes
    options = subset.Options()
    options.flavor = "woff"
    options.drop_tables += ["GSUB", "GPOS", "BASE"]  # horizontal Chinese needs no layout features; keeping them doubles the time
    options.layout_features = []
    options.hinting = False  # screens and PDFs of CJK text render the outlines unhinted
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))) + "0123456789.,:;%()—–-")
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    return buf.getvalue()


def font_face(text: str) -> str:
    """A CSS ``@font-face`` rule embedding the CJK font, cut down to the characters of ``text``."""
    data = base64.b64encode(font_subset(text)).decode("ascii")
    return f'@font-face {{ font-family: "EvalkitCJK"; src: url(data:font/woff;base64,{data}) format("woff"); }}'


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
        title = nb.metadata.get("evalkit", {}).get("title")
        if title:
            resources.setdefault("metadata", {})["name"] = html.escape(title)
        output, resources = super().from_notebook_node(nb, resources, **kw)
        output = output.replace("<html lang=\"en\">", "<html lang=\"zh-CN\">", 1)
        font = (f'@font-face {{ font-family: "EvalkitCJK"; src: url({html.escape(self.font_file)}) format("woff"); }}' if self.font_file
                else font_face(visible_text(output)))
        output = output.replace("</head>", f"<style type=\"text/css\">{font}</style>\n</head>", 1)
        return output, resources


def running_header(title: str, synthetic: bool, internal: bool = False) -> dict[str, str]:
    """Chromium's print templates for a report: the title (and 示例数据 when synthetic, 内部资料 on the internal
    edition) at the head of every page, 第 X 页 共 Y 页 at its foot; pass to :func:`html_to_pdf` as ``header_footer``."""
    style = "font-family:'Noto Sans CJK SC','Noto Serif CJK SC',sans-serif;font-size:8px;width:100%;text-align:center;color:#555"
    mark = ("　<b style=\"color:#c00000\">内部资料　注意保存</b>" if internal else "") + (
        "　<b style=\"color:#c55a11\">示例数据</b>" if synthetic else "")
    return {"header": f'<div style="{style}">{html.escape(title)}{mark}</div>',
            "footer": f'<div style="{style}">第 <span class="pageNumber"></span> 页 共 <span class="totalPages"></span> 页</div>'}


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
