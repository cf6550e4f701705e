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

from .printing import CHROMIUM_FLAGS, chromium, html_to_pdf  # noqa: F401 (re-exported: the runner and tests use them from here)

TEMPLATES = Path(__file__).parent / "nbconvert"
REMOVE_TAG = "remove_cell"
"""Cells with this tag (the one that records results) are left out of the report."""


def font_face(text: str) -> str:
    """A CSS ``@font-face`` rule embedding the CJK font, cut down to the characters of ``text``."""
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
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'@font-face {{ font-family: "EvalkitCJK"; src: url(data:font/woff;base64,{data}) format("woff"); }}'


class ReportHTMLExporter(HTMLExporter):
    """The report as one self-contained HTML file."""

    export_from_notebook = "evalkit report (HTML)"

    def __init__(self, **kwargs: Any):
        traits = {"template_name": "evalkit_report", "extra_template_basedirs": [str(TEMPLATES)], "exclude_input": True,
                  "exclude_input_prompt": True, "exclude_output_prompt": True, "embed_images": True}
        super().__init__(**{**traits, **kwargs})
        self.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={REMOVE_TAG}, enabled=True), enabled=True)

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = resources or {}
        title = nb.metadata.get("evalkit", {}).get("title")
        if title:
            resources.setdefault("metadata", {})["name"] = title
        output, resources = super().from_notebook_node(nb, resources, **kw)
        visible = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(style|script)[^>]*>.*?</\1>", " ", output)))
        output = output.replace("<html lang=\"en\">", "<html lang=\"zh-CN\">", 1)
        output = output.replace("</head>", f"<style type=\"text/css\">{font_face(visible)}</style>\n</head>", 1)
        return output, resources


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
