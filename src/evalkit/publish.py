"""The published files of a run: ``scores.xlsx``, the public bulletin (通报) ``report.html``/``report.pdf``,
the internal report (报告) ``report-internal.html``/``report-internal.pdf`` and the scorecards."""
from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from . import archive, paths
from .errors import RunError
from .execute import execute, failure
from .exporters import ReportHTMLExporter, html_to_pdf, running_header
from .framework import Framework
from .params import RunSpec
from .scores import write_scores

EDITION_FILES = {"public": "report", "internal": "report-internal"}
"""The file stem of each edition in a run's folder."""


def publish(spec: RunSpec, fw: Framework, nb: nbformat.NotebookNode, results: pd.DataFrame, manifest: dict[str, Any],
            folder: Path) -> dict[str, str]:
    """Write ``scores.xlsx`` and both editions (HTML and PDF) from the one executed notebook; their SHA-256."""
    options = archive.recorded(nb, "options")
    notes = pd.concat([options, pd.DataFrame({"项目": ["结果哈希 (results.csv SHA-256)", "运行编号", "evalkit 版本", "参数文件"],
                                              "内容": [manifest["results"]["sha256"], manifest["run"]["id"],
                                                     manifest["software"]["evalkit"], manifest["params_file"]]})], ignore_index=True)
    aspects = None if spec.period.is_annual else archive.recorded(nb, "aspects")
    write_scores(folder / "scores.xlsx", fw, results, aspects, notes,
                 created=dt.datetime.fromisoformat(manifest["run"]["started"]))
    nb.metadata.setdefault("evalkit", {})["title"] = dict(zip(options["项目"], options["内容"]))["标题"]
    written = ["scores.xlsx"]
    info = dict(zip(options["项目"], options["内容"]))
    for edition, stem in EDITION_FILES.items():
        page, _ = ReportHTMLExporter(edition=edition).from_notebook_node(nb)
        (folder / f"{stem}.html").write_text(page, encoding="utf-8")
        name = f"{fw.name}数字政府建设考评结果{'通报' if edition == 'public' else '报告'}（{spec.period.label}）"
        html_to_pdf(folder / f"{stem}.html", folder / f"{stem}.pdf",
                    header_footer=running_header(name, str(info.get("示例数据", "")).startswith("是")))
        written += [f"{stem}.html", f"{stem}.pdf"]
    return {name: archive.sha256(folder / name) for name in written}


SCORECARD_NOTEBOOK = paths.ROOT / "notebooks" / "40_entity_scorecard.ipynb"


def scorecard(spec: RunSpec, entity: str, folder: Path, timeout: int) -> dict[str, str]:
    """Execute the scorecard notebook for one entity and export it to HTML and PDF."""
    stem = folder / entity
    try:
        execute(SCORECARD_NOTEBOOK, stem.with_suffix(".ipynb"), {**spec.parameters, "entity": entity}, timeout=timeout, cwd=folder)
    except Exception as exc:
        raise RunError(failure(spec, exc, None).replace(spec.notebook.name, f"the scorecard of {entity}")) from None
    nb = nbformat.read(str(stem.with_suffix(".ipynb")), as_version=4)
    nb.metadata.setdefault("evalkit", {})["title"] = f"{entity} 考评成绩单({spec.period.label})"
    page, _ = ReportHTMLExporter().from_notebook_node(nb)
    stem.with_suffix(".html").write_text(page, encoding="utf-8")
    html_to_pdf(stem.with_suffix(".html"), stem.with_suffix(".pdf"))
    return {f"scorecards/{entity}{ext}": archive.sha256(stem.with_suffix(ext)) for ext in (".html", ".pdf")}


def render_scorecards(spec: RunSpec, entities: list[str], staging: Path, *, timeout: int = 600,
                      jobs: int | None = None, progress: bool = True) -> dict[str, str]:
    """One scorecard per entity in ``staging/scorecards/``, in parallel, with a progress bar; their SHA-256."""
    from tqdm import tqdm

    folder = staging / "scorecards"
    folder.mkdir()
    hashes: dict[str, str] = {}
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        futures = [pool.submit(scorecard, spec, e, folder, timeout) for e in entities]
        for f in tqdm(as_completed(futures), total=len(futures), desc=f"{spec.label} scorecards", unit="entity", disable=not progress):
            hashes |= f.result()
    return dict(sorted(hashes.items()))
