"""One run: execute a period's notebook in a staging folder, publish its files, archive it.

A run executes in ``outputs/.partial/`` and is renamed to ``outputs/<city>/<period>/`` only when it
succeeded, so a killed or failed run leaves no half-written folder there. A run holds a lock on
``outputs/.locks/<city>-<period>.lock`` from start to archive: a second run of the same period at the
same time refuses. Every run and replacement is appended to the ledger (:mod:`evalkit.runs.ledger`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..core import paths
from ..core.errors import (
    EvalkitError,
    OutputExistsError,
    ParameterError,
    RunBusyError,
    RunError,
    StorageError,
    storage_reason,
)
from ..core.files import results_csv, sha256, write_atomic
from ..core.recorded import recorded
from ..framework.loading import load_framework
from ..inputs.params import RunSpec
from ..publish.glyphs import DrawAhead
from ..publish.printing import chromium, spooler
from ..store import history as store
from . import archive, commit, provenance, publication
from .execute import execute, failure
from .outputs import publish, render_scorecards

log = logging.getLogger("evalkit")


@contextlib.contextmanager
def period_lock(outputs: Path, spec: RunSpec) -> Iterator[None]:
    """Hold ``outputs/.locks/<city>-<period>.lock`` (flock); refuse at once when another run holds it."""
    folder = outputs / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{spec.city}-{spec.period}.lock").open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise RunBusyError(f"{spec.label}: another evalkit run of this period is under way (process {holder}); "
                               f"this one refuses rather than race it: wait for it to finish, then run again "
                               f"(同一期间的另一次运行正在进行，本次运行已拒绝)") from None
        fh.truncate(0)
        fh.write(str(os.getpid()))
        fh.flush()
        yield


@dataclass
class Changes:
    """What differs between what a spec would run and its archived run: ``data`` (inputs, framework, parameters, the
    archived files themselves), which re-runs an unpublished period, and ``drift`` (notebook, code, environment),
    which is reported and re-runs only when asked (``--force``)."""

    data: list[str]
    drift: list[str]


def changes(spec: RunSpec, outputs: Path | None = None) -> Changes | None:
    """What differs between what ``spec`` would run and its archived run (one line each); None when there is no
    usable archived run."""
    folder = (outputs or paths.OUTPUTS) / spec.city / str(spec.period)
    try:
        before = archive.load_manifest(folder)
    except Exception:  # noqa: BLE001 - no usable archived run: it runs
        return None
    fw = load_framework(spec.city)
    data = []
    now_inputs = archive.input_files(list(fw.sources), archive.data_dirs(spec))
    for name in sorted(set(now_inputs) | set(before["inputs"])):
        if now_inputs.get(name) != before["inputs"].get(name):
            data.append(f"input {name}: " + ("new" if name not in before["inputs"] else "gone" if name not in now_inputs else "changed"))
    if json.loads(json.dumps(spec.parameters)) != before["parameters"]:
        data.append("parameters changed")
    if archive.folder_files(folder) != before["files"]:
        data.append("the archived files differ from their manifest")
    drift = [f"notebook {spec.notebook.name} changed"] if sha256(spec.notebook) != before["source_notebook"]["sha256"] else []
    drift += provenance.compare(before["software"], provenance.environment())
    return Changes(data, drift)


def _storage(exc: OSError, where: Path) -> StorageError:
    return StorageError(f"cannot write under {where}: {storage_reason(exc)}; nothing was archived (未存档)")


def run(spec: RunSpec, *, outputs: Path | None = None, force: bool = False, timeout: int = 600,
        scorecards: bool = False, jobs: int | None = None, correct: str | None = None) -> Path:
    """Execute ``spec``'s notebook and archive it in ``outputs/<city>/<period>/``; return that folder.

    Refuses if the folder exists, unless ``force``, which keeps the old run beside it named by its own start
    time; refuses if another run of the same period is under way. A published period is never replaced, ``force``
    or not: ``correct`` (the reason) makes a correction, kept beside the original and published in its place
    (:mod:`evalkit.runs.publication`). ``scorecards`` also renders one scorecard
    per entity (half-years only) into ``scorecards/``. A full or read-only outputs folder is a
    :class:`~evalkit.core.errors.StorageError` with one line, and leaves nothing in ``.partial/``. The history
    store (:mod:`evalkit.store.history`) is then updated with the period's runs.
    """
    outputs = outputs or paths.OUTPUTS
    try:
        with period_lock(outputs, spec):
            return _run(spec, outputs, force, timeout, scorecards, jobs, correct)
    except OSError as exc:
        raise _storage(exc, outputs) from None


def _run(spec: RunSpec, outputs: Path, force: bool, timeout: int, scorecards: bool, jobs: int | None,
         correct: str | None) -> Path:
    final = outputs / spec.city / str(spec.period)
    commit.recover(outputs)  # a damaged ledger stops here; an interrupted archiving is finished first
    record = publication.published(outputs, spec.city, str(spec.period))
    if correct is not None:
        if record is None:
            raise EvalkitError(f"{spec.label}: nothing is published to correct; run it without --correct (没有可更正的已发布记录)")
        if not correct.strip():
            raise ParameterError(f"{spec.label}: --reason is empty; a correction states why the published record is corrected")
        force = True
    elif record is not None:
        raise publication.FrozenError(publication.frozen_message(spec.city, str(spec.period), record))
    if final.exists() and not force:
        raise OutputExistsError(f"{final} exists: an archived run is never overwritten; "
                                f"run with --force to keep it beside the new one under a dated name")
    chromium()  # fail before running anything if the PDF cannot be printed
    staging = outputs / commit.PARTIAL / f"{spec.city}-{spec.period}-{uuid.uuid4().hex[:8]}"
    commit.own_staging(staging)
    try:
        correction = {"of": record["run_id"], "reason": correct.strip(), "published": record["time"]} if correct else None
        with DrawAhead() as ahead:  # a second process for the pages: their glyphs while the notebook executes, then a page
            return _stage(spec, outputs, final, staging, timeout, scorecards, jobs, correction, record and record["run_id"], ahead)
    finally:
        commit.discard(outputs, staging)


def _stage(spec: RunSpec, outputs: Path, final: Path, staging: Path, timeout: int, scorecards: bool, jobs: int | None,
           correction: dict[str, str] | None, published: str | None, ahead: DrawAhead) -> Path:
    run_id = str(uuid.uuid4())
    notebook = staging / spec.notebook.name
    started = dt.datetime.now(dt.timezone.utc)
    git = provenance.git_state()
    spooler()  # its browsers start while the notebook executes; two only with a core to spare (DrawAhead may take it)
    side = ThreadPoolExecutor(1, thread_name_prefix="evalkit-environment")
    software = side.submit(provenance.environment)  # chromium --version and the font's hash, while the notebook executes
    side.shutdown(wait=False)
    if git["dirty"]:
        log.warning("%s: running uncommitted code (%s); the manifest and the report record it (运行的代码有未提交的修改)",
                    spec.label, ", ".join(git["changed"][:5]) + (" ..." if len(git["changed"]) > 5 else ""))
    try:
        execute(spec.notebook, notebook, spec.parameters, timeout=timeout, cwd=staging, on_cell=ahead.cell_executed)
    except Exception as exc:
        kept = _keep_failed(outputs, spec, notebook)
        raise RunError(failure(spec, exc, kept)) from None
    ahead.collect()
    ended = dt.datetime.now(dt.timezone.utc)
    executed = nbformat.read(str(notebook), as_version=4)
    fw = load_framework(spec.city)
    results = recorded(executed)
    (staging / "results.csv").write_bytes(results_csv(results))
    manifest = archive.manifest(spec, fw, executed, results, run_id, started, ended, staging, outputs / ".store",
                                software=software.result(), git=git)
    manifest["run"]["kept_as"] = f"{final.name}.{archive.stamp(started)}"  # its folder's name once a later run replaces it
    manifest["run"]["folder"] = archive.shown(final)  # where it is archived: outputs/..., or the --outputs folder
    if correction:
        manifest["correction"] = correction
    manifest["outputs"] = publish(spec, fw, executed, results, manifest, staging, ahead)
    if scorecards and not spec.period.is_annual:
        manifest["outputs"] |= render_scorecards(spec, list(results["entity"]), staging, timeout=timeout, jobs=jobs)
    manifest["files"] = archive.folder_files(staging)
    archive.seal(staging, manifest)
    final.parent.mkdir(parents=True, exist_ok=True)
    commit.commit(outputs, staging, final, manifest, expected=published)
    store.update(spec.city, str(spec.period), outputs)
    return final


def _keep_failed(outputs: Path, spec: RunSpec, notebook: Path) -> Path | None:
    """Move a failed run's executed notebook to ``outputs/failed/`` atomically (a temporary file, then a rename);
    None when there is none or it cannot be written."""
    if not notebook.exists():
        return None
    target = outputs / "failed" / f"{spec.city}-{spec.period}-{archive.stamp()}-{uuid.uuid4().hex[:4]}.ipynb"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, notebook.read_bytes())
    except OSError as exc:
        log.warning("%s: the failed notebook could not be kept: %s", spec.label, _storage(exc, target.parent))
        return None
    return target

