"""Hostile text a lead unit or an entities.csv might carry (issue 11, item 4): each must reach the
published HTML as the characters typed, never as a tag, an attribute, a link, an image or table markup."""
from __future__ import annotations

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="http://evil.example">x</a>',
    '"><svg onload=alert(1)>',
    "[x](javascript:alert(1))",
    "![x](http://evil.example/x.png)",
    "&lt;b&gt;",
    "甲|乙",
    "第一行\n第二行",
    "**粗体**_斜体_`代码`",
    "<style>body{display:none}</style>",
    "<iframe src=http://evil.example></iframe>",
]
"""The catalogue: script, event handlers, links, Markdown links and images, entities, table pipes,
line breaks, emphasis, style and frames."""

LIVE_TAGS = {"script", "svg", "iframe", "object", "embed", "form", "input", "b", "strong", "em", "code"}
"""Elements a payload above would create if it came through live (the report itself uses none of them
outside the ones nbconvert's template writes, which a test allows by position)."""
