"""Scorecards at county scale: many entities per process, one scoring, one browser, one font.

The scorecard notebook (``notebooks/40_entity_scorecard.ipynb``) stays the one place that says
what a scorecard shows. A batch runs its cells in this process on an in-process IPython shell,
once per entity, with the period assessed once and the rank-interval analysis done once (both
memoised for the batch), collects each entity's outputs into its own executed notebook and exports
that with the report's HTML exporter (:func:`pages`). The pages of a folder refer to one style sheet
(:func:`style`, written first) and to one CJK font subset holding every character they show
(:func:`font`, written once all pages are); then each process prints its batch with its long-lived
Chromium (:func:`prints`). :func:`render` does all of it in this process.
"""
from __future__ import annotations

import functools
import html
import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from ..core import paths
from ..core.errors import RunError
from ..core.files import sha256, write_atomic
from ..core.paths import confined, file_name
from ..framework.model import Framework
from ..inputs.params import RunSpec, earlier_halves
from . import fonts
from .card_style import CARD_CSS
from .exporters import ReportHTMLExporter, bold_file, visible_text
from .printing import html_to_pdf

NOTEBOOK = paths.ROOT / "notebooks" / "40_entity_scorecard.ipynb"
MEMOISED = (("evalkit.scoring.assessment", "assess"), ("evalkit.publish.scorecard", "uncertainty"),
            ("evalkit.publish.scorecard", "entity_items"))
"""Functions a scorecard calls with the same arguments for every entity of a batch."""


def _key(value: Any) -> Any:
    """A hashable stand-in: JSON for plain data, the object's identity otherwise (the memoised
    assessment is the same object for every entity of the batch)."""
    try:
        return json.dumps(value, sort_keys=True, default=str) if not hasattr(value, "__dict__") else id(value)
    except TypeError:
        return id(value)


def _memoise(fn: Callable[..., Any]) -> Callable[..., Any]:
    cache: dict[Any, Any] = {}

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (tuple(_key(a) for a in args), tuple(sorted((k, _key(v)) for k, v in kwargs.items())))
        if key not in cache:
            cache[key] = fn(*args, **kwargs)
        return cache[key]
    return wrapper


@contextmanager
def _memoised() -> Iterator[None]:
    import importlib

    with ExitStack() as stack:
        for module_name, name in MEMOISED:
            module = importlib.import_module(module_name)
            if hasattr(module, name):
                original = getattr(module, name)
                setattr(module, name, _memoise(original))
                stack.callback(setattr, module, name, original)
        yield


def _execute(shell, nb: nbformat.NotebookNode, parameters: dict[str, Any], label: str) -> nbformat.NotebookNode:
    """Run ``nb``'s code cells in ``shell`` after its parameters cell, with ``parameters`` injected as
    papermill would; a copy of ``nb`` with each cell's outputs."""
    from IPython.utils.capture import capture_output

    out = nbformat.from_dict(json.loads(json.dumps(nb)))
    shell.user_ns.update(parameters)
    for cell in out.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            cell.outputs = []
            continue
        with capture_output(display=True) as captured:
            done = shell.run_cell(cell.source, store_history=False, silent=False)
        if not done.success:
            exc = done.error_in_exec or done.error_before_exec
            raise RunError(f"{label}: a cell of {NOTEBOOK.name} failed with {type(exc).__name__}: {exc}")
        outputs = []
        if captured.stdout:
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=captured.stdout))
        for rich in captured.outputs:
            outputs.append(nbformat.v4.new_output("display_data", data=rich.data, metadata=rich.metadata or {}))
        cell.outputs = outputs
    return out


FONT = "EvalkitCJK.woff"
"""The CJK font every scorecard of a folder refers to: one subset holding the characters of all of them."""
STYLE = "scorecard.css"
"""The style sheet every scorecard of a folder refers to: the report template's styles and the font."""
_HEAD_STYLES = re.compile(r'(?s)(?:<style type="text/css">(.*?)</style>\s*)+(?=</head>)')


def _head_styles(page: str) -> tuple[re.Match, str]:
    found = _HEAD_STYLES.search(page)
    if found is None:
        raise RunError(f"{NOTEBOOK.name}: an exported scorecard has no styles closing its head")
    return found, "\n".join(re.findall(r'(?s)<style type="text/css">(.*?)</style>', found.group(0)))


def style(folder: Path) -> dict[str, str]:
    """``folder/scorecard.css``: the styles the scorecard exporter puts in every page's head (taken from an
    empty page: they depend on the template, not on the entity), then the card's own (:data:`CARD_CSS`); its SHA-256."""
    page, _ = ReportHTMLExporter(font_file=FONT).from_notebook_node(nbformat.v4.new_notebook())
    target = folder / STYLE
    write_atomic(target, (_head_styles(page)[1] + CARD_CSS).encode("utf-8"))
    return {f"scorecards/{STYLE}": sha256(target)}


def _linked(page: str, css: str) -> str:
    """``page`` with the styles closing its head replaced by a link to the folder's style sheet, which must hold them
    (and the card's own after them)."""
    found, mine = _head_styles(page)
    if mine != css.removesuffix(CARD_CSS):
        raise RunError(f"{NOTEBOOK.name}: a scorecard's styles differ from the folder's {STYLE}")
    return page[:found.start()] + f'<link rel="stylesheet" href="{STYLE}"/>\n' + page[found.end():]


def warm() -> None:
    """Ready this process for scorecards: the IPython shell, the plots' CJK font and the long-lived browser
    (a long-lived Dask worker keeps them from its first batch on; submitting ``warm`` to each worker readies them all at once)."""
    from IPython.core.interactiveshell import InteractiveShell

    from .plots import use_cjk_font
    from .printing import shared

    InteractiveShell.instance()
    use_cjk_font()
    shared().start()


def pages(spec: RunSpec, entities: list[str], folder: Path) -> tuple[dict[str, str], str]:
    """Each entity's scorecard page as ``folder/<entity>.html`` (and its executed ``.ipynb``), from one scoring in
    this process, referring to the folder's shared font (:func:`font`); their SHA-256 keyed ``scorecards/<file>``,
    and the characters the pages show."""
    from IPython.core.interactiveshell import InteractiveShell

    source = nbformat.read(str(NOTEBOOK), as_version=4)
    shell = InteractiveShell.instance()
    exporter = ReportHTMLExporter(font_file=FONT)
    css = (folder / STYLE).read_text(encoding="utf-8")
    history = earlier_halves(spec.city, spec.period, spec.source.parent.parent)
    hashes: dict[str, str] = {}
    shown: set[str] = set()
    with _memoised():
        for entity in entities:
            label = f"{spec.label} scorecard of {entity}"
            nb = _execute(shell, source, {**spec.parameters, "entity": entity, "history": history}, label)
            nb.metadata.setdefault("evalkit", {})["title"] = f"{entity}考评成绩单（{spec.period.label}）"
            page = _linked(exporter.from_notebook_node(nb)[0], css)
            nbformat.write(nb, str(entity_file(folder, entity, ".ipynb")))  # as a kernel would have left it, with the recorded row
            entity_file(folder, entity, ".html").write_text(page, encoding="utf-8")
            shown |= set(visible_text(page))
            hashes[f"scorecards/{entity_file(folder, entity, '.html').name}"] = sha256(entity_file(folder, entity, ".html"))
    return hashes, "".join(sorted(shown))


def entity_file(folder: Path, entity: str, suffix: str) -> Path:
    """An entity's scorecard file: its name made safe (:func:`evalkit.core.paths.file_name`), inside ``folder``."""
    return confined(folder, file_name(entity) + suffix)


def font(folder: Path, text: str) -> dict[str, str]:
    """``folder/EvalkitCJK.woff`` and its bold: the CJK font cut down to the characters of ``text`` (all the pages' own);
    their SHA-256."""
    chars, hashes = "".join(sorted(set(text))), {}
    for name, weight in ((FONT, 400), (bold_file(FONT), 700)):
        write_atomic(folder / name, fonts.subset("EvalkitCJK", chars, weight))
        hashes[f"scorecards/{name}"] = sha256(folder / name)
    return hashes


def prints(spec: RunSpec, entities: list[str], folder: Path, timeout: float = 60) -> dict[str, str]:
    """Each entity's page printed to ``folder/<entity>.pdf`` by this process's long-lived Chromium, every printed page
    headed with the card's title and the entity (and 示例数据 for synthetic inputs) and numbered 第 X 页 共 Y 页, so
    printed cards can be collated again; their SHA-256."""
    from ..framework.loading import load_framework
    from .exporters import running_header

    name, synthetic = load_framework(spec.city).name, _synthetic(folder, spec.notebook.name)
    hashes = {}
    for entity in entities:
        pdf = entity_file(folder, entity, ".pdf")
        header = running_header(f"{name}数字政府建设考评成绩单（{spec.period.label}）：{entity}", synthetic)
        html_to_pdf(entity_file(folder, entity, ".html"), pdf, timeout=timeout, header_footer=header)
        hashes[f"scorecards/{pdf.name}"] = sha256(pdf)
    return hashes


def _synthetic(folder: Path, notebook: str) -> bool:
    """Whether the run's inputs are synthetic (示例数据), from the run's executed notebook beside ``folder``; cards
    printed outside a run (no such notebook) ask their own pages, which carry the mark."""
    from ..core.recorded import recorded, synthetic

    executed = folder.parent / notebook
    if executed.is_file():
        return synthetic(recorded(nbformat.read(str(executed), as_version=4), "options"))
    return any("示例数据" in p.read_text(encoding="utf-8") for p in folder.glob("*.html"))


def render(spec: RunSpec, entities: list[str], folder: Path, timeout: float = 60) -> dict[str, str]:
    """The entities' scorecards in ``folder`` (made if needed) in this process: pages, their font, PDFs; the SHA-256 of each file."""
    folder.mkdir(parents=True, exist_ok=True)
    shared = style(folder)
    hashes, text = pages(spec, entities, folder)
    return shared | hashes | font(folder, text) | prints(spec, entities, folder, timeout)


def index_page(spec: RunSpec, results: pd.DataFrame, framework: Framework) -> str:
    """``scorecards/index.html``: every entity by group and rank, linking its scorecard's HTML and PDF."""
    from ..core.rounding import display_round

    rows = []
    for group, label in framework.groups.items():
        mine = results[results["group"] == group].sort_values(["rank", "entity"])
        for r in mine.itertuples(index=False):
            name = html.escape(r.entity)
            link = html.escape(urllib.parse.quote(file_name(r.entity)), quote=True)
            rows.append(f"<tr><td>{html.escape(label)}</td><td>{r.rank}</td><td>{name}</td>"
                        f"<td class=\"n\">{display_round(r.half_year):.2f}</td>"
                        f"<td><a href=\"{link}.html\">网页版</a>　<a href=\"{link}.pdf\">PDF 版</a></td></tr>")
    title = html.escape(f"{framework.name}数字政府建设考评成绩单（{spec.period.label}）")
    return (f"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\n"
            "<style>body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",sans-serif;margin:2em auto;max-width:60em;padding:0 1em}"
            "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:.3em .6em;text-align:left}"
            "td.n{text-align:right}</style></head>\n<body>\n"
            f"<h1>{title}</h1>\n<p>共 {len(results)} 个考评对象，按组别和排名排列。</p>\n"
            "<table><thead><tr><th>组别</th><th>排名</th><th>考评对象</th><th>半年考评分值</th><th>成绩单</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody></table>\n</body>\n</html>\n")
