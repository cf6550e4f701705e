"""One run: execute a period's notebook in a staging folder, publish its files, archive it.

A run executes in ``outputs/.partial/`` and is renamed to ``outputs/<city>/<period>/`` only when it
succeeded, so a killed or failed run leaves no half-written folder there.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import nbformat

from . import archive, paths, store
from .errors import OutputExistsError, RunError
from .execute import execute, failure
from .exporters import chromium
from .framework import load_framework
from .params import RunSpec
from .publish import publish, render_scorecards


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


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
    The history store (:mod:`evalkit.store`) is updated with the period's runs.
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
        raise RunError(failure(spec, exc, failed if failed.exists() else None)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    ended = dt.datetime.now(dt.timezone.utc)
    executed = nbformat.read(str(notebook), as_version=4)
    fw = load_framework(spec.city)
    results = archive.recorded(executed)
    (staging / "results.csv").write_bytes(archive.results_csv(results))
    manifest = archive.manifest(spec, fw, executed, results, run_id, started, ended)
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
    store.update(spec.city, str(spec.period), outputs)
    return final
