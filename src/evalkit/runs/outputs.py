"""The published files of a run: ``scores.xlsx``, the public bulletin (通报) ``report.html``/``report.pdf``,
the internal report (报告) ``report-internal.html``/``report-internal.pdf`` and the scorecards."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import wait
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from ..core import keys
from ..core.codes import code
from ..core.errors import EvalkitError, RunError
from ..core.escape import md
from ..core.files import reproducible_xlsx, sha256
from ..core.recorded import recorded, synthetic
from ..framework.loading import load_framework
from ..framework.model import Framework
from ..inputs.params import RunSpec
from ..publish import scorecards
from ..publish.exporters import export_page, running_header
from ..publish.glyphs import DrawAhead
from ..publish.pdf_signing import sign_pdf, validate_pdf
from ..publish.printing import PAGE_TIMEOUT, spooler
from ..publish.workbook import write_scores
from .executor import current, result

EDITION_FILES = {"public": "report", "internal": "report-internal"}
"""The file stem of each edition in a run's folder."""


def title(fw: Framework, spec: RunSpec, edition: str) -> str:
    """An edition's title, its page's and its PDF's: ``<city>数字政府建设考评结果通报（2022年上半年）`` or ``…报告…``."""
    return f"{fw.name}数字政府建设考评结果{'通报' if edition == 'public' else '报告'}（{spec.period.label}）"


def publish(spec: RunSpec, fw: Framework, nb: nbformat.NotebookNode, results: pd.DataFrame, manifest: dict[str, Any],
            folder: Path, ahead: DrawAhead | None = None) -> dict[str, str]:
    """Write ``scores.xlsx`` and both editions (HTML and PDF) from the one executed notebook; their SHA-256. ``ahead``
    (the run's second process, which drew the glyphs) exports the public edition while this process exports the other."""
    notebooks = {edition: with_run_notes(nb, manifest) for edition in EDITION_FILES}
    for edition, notebook in notebooks.items():
        notebook.metadata.setdefault("evalkit", {})["title"] = title(fw, spec, edition)  # the page's and the PDF's title
    there = ahead.page("public", notebooks["public"]) if ahead else None  # exported there while the rest is done here
    options = recorded(nb, "options")
    public = pd.concat([options, pd.DataFrame({"项目": ["核验码"], "内容": [code(manifest["run"]["id"])]})], ignore_index=True)
    internal = pd.concat([public, pd.DataFrame({"项目": ["结果哈希（results.csv 的 SHA-256）", "运行编号", "evalkit 版本", "参数文件"],
                                                "内容": [manifest["results"]["sha256"], manifest["run"]["id"],
                                                       manifest["software"]["evalkit"], manifest["params_file"]]})], ignore_index=True)
    aspects = None if spec.period.is_annual else recorded(nb, "aspects")
    try:
        previous = recorded(nb, "previous")
    except ValueError:  # no previous period
        previous = None
    started = dt.datetime.fromisoformat(manifest["run"]["started"])
    for name, notes in (("scores.xlsx", public), ("scores-internal.xlsx", internal)):
        write_scores(folder / name, fw, results, aspects, notes, period=spec.period.label, previous=previous, created=started,
                     internal=name != "scores.xlsx")
        reproducible_xlsx(folder / name, started)
    prints = []
    try:
        for edition in ("internal", "public"):  # the longer print first
            stem = EDITION_FILES[edition]
            page = there() if there and edition == "public" else export_page(edition, notebooks[edition])
            (folder / f"{stem}.html").write_text(page, encoding="utf-8")
            prints.append(spooler().submit(folder / f"{stem}.html", folder / f"{stem}.pdf",
                                           running_header(title(fw, spec, edition), synthetic(options), internal=edition == "internal",
                                                          official=edition == "public", what_if=bool(manifest.get("applicability")))))
    finally:
        wait(prints)  # never leave a print writing into a folder the caller is about to remove
    for done in prints:
        done.result()
    sign_reports(spec.city, folder, f"{fw.name}数字政府建设考评结果（{spec.period.label}），核验码：{code(manifest['run']['id'])}")
    written = ["scores.xlsx", "scores-internal.xlsx"] + [f"{stem}{ext}" for stem in EDITION_FILES.values() for ext in (".html", ".pdf")]
    return {name: sha256(folder / name) for name in written}


def sign_reports(city: str, folder: Path, reason: str) -> None:
    """Sign both editions' PDFs (PAdES, :mod:`evalkit.publish.pdf_signing`) with the city's document key, when this
    machine holds it; a key without its certificate among the city's trusted keys is an error, not an unsigned report."""
    key = keys.document_key(city)
    if key is None:
        return
    mine = [c for c in keys.certificates(city) if c.public_key().public_numbers() == key.public_key().public_numbers()]
    if not mine:
        raise EvalkitError(f"{city}: this machine holds the PDF signing key, but its certificate is not among {city}'s trusted "
                           f"keys ({keys.trust_dir(city)}); add it, or remove the key (文档签名证书缺失)")
    for stem in EDITION_FILES.values():
        sign_pdf(folder / f"{stem}.pdf", key, mine[0], reason=reason)


def pdf_signature_problems(city: str, folder: Path, names: list[str]) -> list[str]:
    """The reports among ``names`` whose PDF signature does not hold for any of the city's certificates; none when the
    city has no certificate (it does not sign its PDFs)."""
    certs = keys.certificates(city)
    found = []
    for name in names if certs else []:
        checks = [validate_pdf(folder / name, cert) for cert in certs]
        if all(checks):
            found.append(checks[0][0])
    return found


BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def with_run_notes(nb: nbformat.NotebookNode, manifest: dict[str, Any]) -> nbformat.NotebookNode:
    """A copy of the executed notebook with what only the run knows, taken from its manifest (so an audit's
    re-publication gives the same pages): the run's date and code in the internal edition's title block, the code under the 通报's
    附注 (the 通报 is dated by its 成文日期, never by the run), and in the internal edition
    (cells tagged ``internal``) where the run is archived, how to audit it, and any uncommitted code it ran."""
    import copy

    out = copy.deepcopy(nb)
    started = dt.datetime.fromisoformat(manifest["run"]["started"]).astimezone(BEIJING)
    date = nbformat.v4.new_output("display_data", data={"text/markdown": f"运行日期：{started.year}年{started.month}月{started.day}日"})
    check = f"核验码：{code(manifest['run']['id'])}"
    for cell in out.cells:
        if cell.cell_type != "code" or not cell.outputs:
            continue
        if cell.source.startswith("bulletin.title("):  # the 报告's title block: title, issuing body, run date, code, 示例数据
            cell.outputs[1:1] = [copy.deepcopy(date), nbformat.v4.new_output("display_data", data={"text/markdown": check}),
                                 *correction_notes(manifest)]
        elif cell.source.startswith("document.head("):  # the 通报: the 更正说明 after the opening paragraph
            cell.outputs.extend(correction_notes(manifest))
        elif cell.source.startswith("document.closing("):  # the 通报's code under its 附注: a reader checks the copy with it
            cell.outputs.append(nbformat.v4.new_output("display_data", data={"text/html": f'<p class="gw-code">{check}</p>'}))
    folder = manifest["run"].get("folder") or f"outputs/{manifest['city']}/{manifest['period']}"
    kept = manifest["run"].get("kept_as")
    lines = ["## 运行记录", "", f"- 运行编号 {manifest['run']['id']}，开始于{started:%Y年%m月%d日 %H:%M}（北京时间）。",
             f"- 存档目录 `{folder}`" + (f"；被之后的运行替换时，本次运行保存为 `{Path(folder).parent / kept}`" if kept else "") + "。",
             f"- 复核：`evalkit audit {folder}`（替换后为该保存目录），重新计算并逐字节比对结果、通报和成绩表。"]
    git = manifest.get("git") or {}
    if git.get("dirty"):
        changed = "、".join(f"`{f}`" for f in git.get("changed", [])[:10]) or "若干文件"
        lines.append(f"- **注意：本次运行使用了未提交的代码**（{changed}），结果不能由版本库中已提交的代码复现。")
    last = max((i for i, c in enumerate(out.cells) if "internal" in c.metadata.get("tags", [])), default=len(out.cells) - 1)
    record = nbformat.v4.new_output("display_data", data={"text/markdown": "\n".join(lines)})
    # an output like every other section's (a markdown cell would be exported as an input area)
    out.cells.insert(last + 1, nbformat.v4.new_code_cell("", id="run-record", metadata={"tags": ["internal"]}, outputs=[record]))
    return out


def correction_notes(manifest: dict[str, Any]) -> list[nbformat.NotebookNode]:
    """The 更正说明 of a correction run (its manifest's ``correction``): which published bulletin it corrects and why."""
    fix = manifest.get("correction")
    if not fix:
        return []
    when = dt.datetime.fromisoformat(fix["published"]).astimezone(BEIJING)
    text = (f"**更正说明**：本通报更正{when.year}年{when.month}月{when.day}日发布的原通报（核验码：{code(fix['of'])}），原通报同时存档备查。"
            f"更正原因：{md(fix['reason'])}")
    return [nbformat.v4.new_output("display_data", data={"text/markdown": text})]


SCORECARD_NOTEBOOK = scorecards.NOTEBOOK


def scorecard(spec: RunSpec, entity: str, folder: Path, timeout: int) -> dict[str, str]:
    """One entity's scorecard, HTML and PDF, in ``folder``; their SHA-256."""
    return scorecards.render(spec, [entity], folder, timeout=min(timeout, PAGE_TIMEOUT))


def batches(items: list[str], workers: int, *, per_worker: int = 2, smallest: int = 8, largest: int = 200) -> list[list[str]]:
    """``items`` cut into about ``per_worker`` batches per worker, each of ``smallest`` to ``largest`` items: a
    batch assesses the period once and a worker's browser prints it whole, so batches are coarse; two per
    worker let a fast worker take over some of a slow one's work.

    >>> [len(b) for b in batches([str(i) for i in range(37)], 2)]
    [10, 10, 10, 7]
    >>> [len(b) for b in batches([str(i) for i in range(2800)], 2)]
    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]
    """
    size = min(max(smallest, -(-len(items) // (per_worker * max(workers, 1)))), largest)
    return [items[i:i + size] for i in range(0, len(items), size)]


def render_scorecards(spec: RunSpec, entities: list[str], staging: Path, *, timeout: int = 600,
                      jobs: int | None = None, progress: bool = True) -> dict[str, str]:
    """One scorecard per entity in ``staging/scorecards/`` and an index page, in batches of entities
    through the current executor (local processes or Dask), with a progress bar; their SHA-256.

    Two rounds of tasks: the batches' pages (HTML), then, once the folder's font holds every character
    they show, the batches' PDFs."""
    from tqdm import tqdm

    folder = staging / "scorecards"
    folder.mkdir()
    hashes: dict[str, str] = {}
    shown: set[str] = set()
    with current(jobs) as ex:
        workers = getattr(ex, "jobs", None) or getattr(ex, "workers", 1)
        parts = batches(list(entities), workers)
        bar = tqdm(total=2 * len(entities), desc=f"{spec.label} scorecards", unit="file", disable=not progress)

        def gather(futures: dict[Any, list[str]]) -> Iterator[Any]:
            for f in ex.as_completed(futures):
                done, exc = result(f)
                if exc is not None:
                    raise exc if isinstance(exc, EvalkitError) else RunError(
                        f"{spec.label}: the scorecards of {futures[f][0]}… failed with {type(exc).__name__}: {exc}")
                bar.update(len(futures[f]))
                yield done

        hashes |= scorecards.style(folder)
        for done, text in gather({ex.submit(scorecards.pages, spec, b, folder): b for b in parts}):
            hashes |= done
            shown.update(text)
        hashes |= scorecards.font(folder, "".join(sorted(shown)))
        for done in gather({ex.submit(scorecards.prints, spec, b, folder, min(timeout, PAGE_TIMEOUT)): b for b in parts}):
            hashes |= done
        bar.close()
    index = folder / "index.html"
    index.write_text(scorecards.index_page(spec, pd.read_csv(staging / "results.csv"), load_framework(spec.city)), encoding="utf-8")
    hashes["scorecards/index.html"] = sha256(index)
    return dict(sorted(hashes.items()))
