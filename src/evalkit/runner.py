"""Running the notebooks with papermill, archiving each run, and auditing an archived run.

A run executes in ``outputs/.partial/`` and is renamed to ``outputs/<city>/<period>/`` only when it
succeeded, so a killed or failed run leaves no half-written folder there. Kernels talk over IPC
sockets at a path unique to the run, so parallel runs never race for TCP ports.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
from jupyter_client.manager import AsyncKernelManager

from . import __version__, archive, paths
from .assessment import project_path
from .errors import EvalkitError, OutputExistsError
from .exporters import ReportHTMLExporter, chromium, html_to_pdf
from .framework import Framework, load_framework
from .params import RunSpec
from .periods import Period
from .scores import write_scores

KERNEL = "evalkit"
"""The project's Jupyter kernel, registered by ``make setup``."""


class RunError(EvalkitError):
    """A notebook failed; the message says which cell and why, and where its executed copy is."""


class IPCKernelManager(AsyncKernelManager):
    """A kernel on IPC sockets under a path of its own: no TCP port to collide on."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = os.path.join(tempfile.gettempdir(), f"evalkit-kernel-{uuid.uuid4().hex}")


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _check_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL not in KernelSpecManager().find_kernel_specs():
        raise EvalkitError(f"the Jupyter kernel {KERNEL!r} is not registered: run `make setup` "
                           f"(or `python -m ipykernel install --sys-prefix --name {KERNEL}`)")


def execute(notebook: Path, output: Path, parameters: dict[str, Any], *, timeout: int, cwd: Path) -> None:
    """papermill with the project's kernel and a per-cell timeout; raises papermill's error on failure."""
    import papermill

    _check_kernel()
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name=KERNEL, progress_bar=False,
                               cwd=str(cwd), execution_timeout=timeout, kernel_manager_class=IPCKernelManager)


def _data_dirs(spec: RunSpec) -> list[Path]:
    if spec.period.is_annual:
        halves = [spec.parameters[h] for h in ("h1", "h2")]
    else:
        halves = [spec.parameters] + ([spec.parameters["previous"]] if spec.parameters.get("previous") else [])
    dirs = [project_path(h["data_dir"]) if h.get("data_dir") else paths.period_dir(spec.city, h["period"]) for h in halves]
    extra = [project_path(h["applicability"]) for h in halves if h.get("applicability")]
    return dirs + extra


def _clean_partials(root: Path) -> None:
    """Remove staging folders of runs whose process is gone (killed midway)."""
    for d in root.glob("*") if root.is_dir() else []:
        try:
            pid = int((d / ".pid").read_text())
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except (OSError, ValueError):
            continue


def run(spec: RunSpec, *, outputs: Path | None = None, force: bool = False, timeout: int = 600,
        scorecards: bool = False, jobs: int | None = None) -> Path:
    """Execute ``spec``'s notebook and archive it in ``outputs/<city>/<period>/``; return that folder.

    Refuses if the folder exists, unless ``force``, which keeps the old run beside it under a dated name.
    ``scorecards`` also renders one scorecard per entity (half-years only) into ``scorecards/``.
    """
    outputs = outputs or paths.OUTPUTS
    final = outputs / spec.city / str(spec.period)
    if final.exists() and not force:
        raise OutputExistsError(f"{final} exists: an archived run is never overwritten; "
                                f"run with --force to keep it beside the new one under a dated name")
    chromium()  # fail before running anything if the PDF cannot be printed
    _clean_partials(outputs / ".partial")
    staging = outputs / ".partial" / f"{spec.city}-{spec.period}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    (staging / ".pid").write_text(str(os.getpid()))
    run_id = str(uuid.uuid4())
    notebook = staging / spec.notebook.name
    started = dt.datetime.now(dt.timezone.utc)
    try:
        execute(spec.notebook, notebook, spec.parameters, timeout=timeout, cwd=staging)
    except Exception as exc:
        failed = outputs / "failed" / f"{spec.city}-{spec.period}-{_stamp()}.ipynb"
        if notebook.exists():
            failed.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(notebook, failed)
        shutil.rmtree(staging, ignore_errors=True)
        raise RunError(_failure(spec, exc, failed if failed.exists() else None)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    ended = dt.datetime.now(dt.timezone.utc)
    executed = nbformat.read(str(notebook), as_version=4)
    fw = load_framework(spec.city)
    results = archive.recorded(executed)
    (staging / "results.csv").write_bytes(archive.results_csv(results))
    manifest = _manifest(spec, fw, executed, results, run_id, started, ended)
    manifest["outputs"] = publish(spec, fw, executed, results, manifest, staging)
    if scorecards and not spec.period.is_annual:
        try:
            manifest["outputs"] |= render_scorecards(spec, list(results["entity"]), staging, timeout=timeout, jobs=jobs)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    archive.write_json(staging / "manifest.json", manifest)
    (staging / ".pid").unlink()
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        final.rename(final.with_name(f"{final.name}.{_stamp()}"))
    staging.rename(final)
    return final


def publish(spec: RunSpec, fw: Framework, nb: nbformat.NotebookNode, results: pd.DataFrame, manifest: dict[str, Any],
            folder: Path) -> dict[str, str]:
    """Write ``scores.xlsx``, ``report.html`` and ``report.pdf`` from the executed notebook; their SHA-256."""
    options = archive.recorded(nb, "options")
    notes = pd.concat([options, pd.DataFrame({"项目": ["结果哈希 (results.csv SHA-256)", "运行编号", "evalkit 版本", "参数文件"],
                                              "内容": [manifest["results"]["sha256"], manifest["run"]["id"],
                                                     manifest["software"]["evalkit"], manifest["params_file"]]})], ignore_index=True)
    aspects = None if spec.period.is_annual else archive.recorded(nb, "aspects")
    write_scores(folder / "scores.xlsx", fw, results, aspects, notes)
    nb.metadata.setdefault("evalkit", {})["title"] = dict(zip(options["项目"], options["内容"]))["标题"]
    page, _ = ReportHTMLExporter().from_notebook_node(nb)
    (folder / "report.html").write_text(page, encoding="utf-8")
    html_to_pdf(folder / "report.html", folder / "report.pdf")
    return {name: archive.sha256(folder / name) for name in ("scores.xlsx", "report.html", "report.pdf")}


SCORECARD_NOTEBOOK = paths.ROOT / "notebooks" / "40_entity_scorecard.ipynb"


def _scorecard(spec: RunSpec, entity: str, folder: Path, timeout: int) -> dict[str, str]:
    """Execute the scorecard notebook for one entity and export it to HTML and PDF."""
    stem = folder / entity
    try:
        execute(SCORECARD_NOTEBOOK, stem.with_suffix(".ipynb"), {**spec.parameters, "entity": entity}, timeout=timeout, cwd=folder)
    except Exception as exc:
        raise RunError(_failure(spec, exc, None).replace(spec.notebook.name, f"the scorecard of {entity}")) from None
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
        futures = [pool.submit(_scorecard, spec, e, folder, timeout) for e in entities]
        for f in tqdm(as_completed(futures), total=len(futures), desc=f"{spec.label} scorecards", unit="entity", disable=not progress):
            hashes |= f.result()
    return dict(sorted(hashes.items()))


def _failure(spec: RunSpec, exc: Exception, kept: Path | None) -> str:
    """One paragraph: which cell failed, with what error, and where the executed notebook is."""
    from papermill.exceptions import PapermillExecutionError

    where = f"; the executed notebook is kept at {kept}" if kept else ""
    if isinstance(exc, PapermillExecutionError):
        return f"{spec.label}: cell {exc.exec_count} of {spec.notebook.name} failed with {exc.ename}: {exc.evalue.strip()}{where}"
    return f"{spec.label}: {spec.notebook.name} could not run: {type(exc).__name__}: {exc}{where}"


def _manifest(spec: RunSpec, fw: Framework, nb: nbformat.NotebookNode, results: pd.DataFrame, run_id: str,
              started: dt.datetime, ended: dt.datetime) -> dict[str, Any]:
    pm = nb.metadata.get("papermill", {})
    csv = archive.results_csv(results)
    return {
        "city": spec.city,
        "period": str(spec.period),
        "notebook": spec.notebook.name,
        "source_notebook": {"path": archive.shown(spec.notebook), "sha256": archive.sha256(spec.notebook)},
        "params_file": archive.shown(spec.source),
        "parameters": spec.parameters,
        "inputs": archive.input_files(list(fw.sources), _data_dirs(spec)),
        "framework": {"path": archive.shown(fw.sources[0]), "sha256": archive.sha256(fw.sources[0])},
        "entities": {"path": archive.shown(fw.sources[1]), "sha256": archive.sha256(fw.sources[1])},
        "results": {"file": "results.csv", "rows": len(results), "sha256": hashlib.sha256(csv).hexdigest()},
        "run": {"id": run_id, "started": started.isoformat(), "ended": ended.isoformat(),
                "seconds": round((ended - started).total_seconds(), 3),
                "papermill": {k: pm.get(k) for k in ("version", "start_time", "end_time", "duration")}},
        "software": archive.environment(),
        "git": archive.git_state(),
    }


@dataclass
class Outcome:
    """How one run of a batch ended."""

    spec: RunSpec
    ok: bool
    seconds: float
    where: str
    message: str = ""


def _run_one(spec: RunSpec, outputs: Path | None, force: bool, timeout: int, scorecards: bool) -> Outcome:
    t0 = time.perf_counter()
    try:
        path = run(spec, outputs=outputs, force=force, timeout=timeout, scorecards=scorecards, jobs=1)
        return Outcome(spec, True, time.perf_counter() - t0, str(path))
    except EvalkitError as exc:
        return Outcome(spec, False, time.perf_counter() - t0, "", str(exc))


def run_all(specs: list[RunSpec], *, outputs: Path | None = None, force: bool = False, timeout: int = 600,
            jobs: int | None = None, progress: bool = True, scorecards: bool = False) -> list[Outcome]:
    """Run every spec on ``jobs`` processes (default: one per core), half-years before years; a failed
    run does not stop the batch, and a year whose half failed is not run."""
    from tqdm import tqdm

    jobs = jobs or os.cpu_count() or 1
    outcomes: list[Outcome] = []
    bar = tqdm(total=len(specs), desc="evalkit run", unit="run", disable=not progress)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for wave in ([s for s in specs if not s.period.is_annual], [s for s in specs if s.period.is_annual]):
            failed = {(o.spec.city, o.spec.period.year) for o in outcomes if not o.ok}
            todo = []
            for s in wave:
                if s.period.is_annual and (s.city, s.period.year) in failed:
                    outcomes.append(Outcome(s, False, 0.0, "", f"{s.label}: not run, a half-year of {s.period.year} failed"))
                    bar.update()
                else:
                    todo.append(s)
            futures = [pool.submit(_run_one, s, outputs, force, timeout, scorecards) for s in todo]
            for f in as_completed(futures):
                outcomes.append(f.result())
                bar.update()
    bar.close()
    order = {s.label: i for i, s in enumerate(specs)}
    return sorted(outcomes, key=lambda o: order[o.spec.label])


@dataclass
class AuditReport:
    """What an audit found: ``identical`` or not, the reasons and any differing rows."""

    identical: bool
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    differences: pd.DataFrame | None = None


def audit(run_dir: Path, *, timeout: int = 600) -> AuditReport:
    """Re-execute an archived run's notebook with its archived parameters in a temporary folder and
    compare the results table exactly. Inputs are checked first; nothing is written into ``run_dir``."""
    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise EvalkitError(f"{run_dir}: no manifest.json; expected an archived run folder, outputs/<city>/<period>")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    report = AuditReport(identical=False)
    for name, digest in manifest["inputs"].items():
        path = project_path(name)
        if not path.is_file():
            report.problems.append(f"input missing: {name}")
        elif archive.sha256(path) != digest:
            report.problems.append(f"input changed: {name} (its SHA-256 differs from the archived one)")
    archived = run_dir / manifest["results"]["file"]
    if not archived.is_file() or archive.sha256(archived) != manifest["results"]["sha256"]:
        report.problems.append(f"archived results changed or missing: {archived}")
    if report.problems:
        return report
    if manifest["software"]["evalkit"] != __version__:
        report.warnings.append(f"evalkit {__version__} is installed; the run used {manifest['software']['evalkit']}")
    if manifest["git"].get("commit") and manifest["git"]["commit"] != archive.git_state()["commit"]:
        report.warnings.append(f"the project is at another git commit than the run's ({manifest['git']['commit'][:12]})")
    with tempfile.TemporaryDirectory(prefix="evalkit-audit-") as tmp:
        again = Path(tmp) / manifest["notebook"]
        try:
            execute(run_dir / manifest["notebook"], again, manifest["parameters"], timeout=timeout, cwd=Path(tmp))
        except Exception as exc:
            spec = RunSpec(manifest["city"], Period.parse(manifest["period"]), manifest_path, manifest["parameters"])
            report.problems.append(_failure(spec, exc, None))
            return report
        now = archive.results_csv(archive.recorded(again))
    if now == archived.read_bytes():
        report.identical = True
        return report
    before = pd.read_csv(archived)
    after = pd.read_csv(io.BytesIO(now))
    both = before.merge(after, on="entity", how="outer", suffixes=("_archived", "_now"), indicator=True)
    cols = [c for c in before.columns if c != "entity"]
    differs = both["_merge"] != "both"
    for c in cols:
        differs |= ~((both[f"{c}_archived"] == both[f"{c}_now"]) | (both[f"{c}_archived"].isna() & both[f"{c}_now"].isna()))
    report.differences = both[differs].drop(columns="_merge")
    report.problems.append(f"{int(differs.sum())} row(s) of the results differ")
    return report
