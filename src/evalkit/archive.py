"""What a run leaves behind for auditors: the results table, input hashes and the manifest."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from . import __version__, paths
from .assessment import project_path
from .framework import Framework
from .params import RunSpec
from .schema import inventory

RESULTS_MIME = "application/vnd.evalkit.results+json"
"""Output type under which a notebook records its results table (read back by :func:`recorded`)."""
PACKAGES = ("pandas", "numpy", "openpyxl", "python-calamine", "pyyaml", "papermill", "nbconvert", "nbclient", "ipykernel", "matplotlib")


def record(table: pd.DataFrame, name: str = "results") -> None:
    """Record ``table`` (full precision) under ``name`` in the executing notebook's outputs, as scrapbook's glue does."""
    from IPython.display import display

    rows = [[None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row] for row in table.itertuples(index=False)]
    data = json.loads(json.dumps({"name": name, "columns": list(table.columns), "data": rows}))  # floats as shortest exact repr
    display({RESULTS_MIME: data, "text/plain": ""}, raw=True)  # nothing to read in JupyterLab; the archive reads the JSON


def recorded(notebook: str | Path | nbformat.NotebookNode, name: str = "results") -> pd.DataFrame:
    """The table an executed notebook recorded under ``name`` with :func:`record`."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            d = out.get("data", {}).get(RESULTS_MIME)
            if d is not None and d.get("name", "results") == name:
                table = pd.DataFrame(d["data"], columns=d["columns"])
                return table.astype({"rank": "Int64"}) if "rank" in table else table
    raise ValueError(f"the notebook recorded no {name!r} table (no evalkit.archive.record output)")


def results_csv(table: pd.DataFrame) -> bytes:
    """The canonical CSV of a results table: fixed column order, shortest exact floats, LF, UTF-8."""
    buf = io.StringIO()
    table.to_csv(buf, index=False, lineterminator="\n", float_format=None)
    return buf.getvalue().encode("utf-8")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def shown(path: Path) -> str:
    """A path as the manifest stores it: relative to the project folder when inside it."""
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path.resolve())


def input_files(framework_sources: list[Path], data_dirs: list[Path]) -> dict[str, str]:
    """SHA-256 of the framework, the entities, every file a period folder's inventory reads (not lock or
    system files, nor links out of the folder: :func:`evalkit.schema.inventory`) and every file given itself."""
    read = [[d] if d.is_file() else [e.path for e in inventory(d) if e.action == "read"] if d.is_dir() else [] for d in data_dirs]
    return {shown(p): sha256(p) for p in [*framework_sources, *sorted({p for part in read for p in part})]}


def git_state() -> dict[str, Any]:
    """The project's git commit and whether the work tree had uncommitted changes."""
    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", *args], cwd=paths.ROOT, capture_output=True, text=True, timeout=20, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def environment() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"evalkit": __version__, "python": platform.python_version(), "platform": platform.platform(), "packages": versions}


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def _data_dirs(spec: RunSpec) -> list[Path]:
    p = spec.parameters
    if spec.period.is_annual:
        halves = [p["h1"], p["h2"], *(p["previous_year"].values() if p.get("previous_year") else [])]
    else:
        halves = [p, *(p[k] for k in ("previous", "year_before") if p.get(k))]
    dirs = [project_path(h["data_dir"]) if h.get("data_dir") else paths.period_dir(spec.city, h["period"]) for h in halves]
    extra = [project_path(h["applicability"]) for h in halves if h.get("applicability")]
    return dirs + extra


def manifest(spec: RunSpec, fw: Framework, nb: nbformat.NotebookNode, results: pd.DataFrame, run_id: str,
              started: dt.datetime, ended: dt.datetime) -> dict[str, Any]:
    pm = nb.metadata.get("papermill", {})
    csv = results_csv(results)
    return {
        "city": spec.city,
        "period": str(spec.period),
        "notebook": spec.notebook.name,
        "source_notebook": {"path": shown(spec.notebook), "sha256": sha256(spec.notebook)},
        "params_file": shown(spec.source),
        "parameters": spec.parameters,
        "inputs": input_files(list(fw.sources), _data_dirs(spec)),
        "framework": {"path": shown(fw.sources[0]), "sha256": sha256(fw.sources[0])},
        "entities": {"path": shown(fw.sources[1]), "sha256": sha256(fw.sources[1])},
        "results": {"file": "results.csv", "rows": len(results), "sha256": hashlib.sha256(csv).hexdigest()},
        "run": {"id": run_id, "started": started.isoformat(), "ended": ended.isoformat(),
                "seconds": round((ended - started).total_seconds(), 3),
                "papermill": {k: pm.get(k) for k in ("version", "start_time", "end_time", "duration")}},
        "software": environment(),
        "git": git_state(),
    }
