"""Archiving a finished run so that a kill at any step loses nothing: a written plan, steps that can be done again.

A run that finished in its staging folder is archived in a few steps: the period's archived run (if any) is moved
aside under its dated name, the new run is moved into place, and each move is recorded in the ledger. Before the
first step the plan is written to ``outputs/.pending/<run id>.json``; every step checks whether it is done before
doing it, so whoever holds the archive lock next (:func:`recover`, at the start of every run, publication and
``ledger repair``) finishes an interrupted archiving exactly as it would have finished. A staging folder without a
plan was never archived: it is removed once its process is gone (only on the host that owns it).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.errors import EvalkitError, StorageError, storage_reason
from ..core.files import write_json
from ..core.paths import confined
from ..store import history
from ..store.published import entries, records
from . import archive, ledger

PARTIAL = ".partial"
"""Folder of the staging folders of runs under way."""


class PublishedMeanwhile(EvalkitError):
    """The period was published, or corrected, while the run executed: the run is not archived over it."""


@contextlib.contextmanager
def archive_lock(outputs: Path) -> Iterator[None]:
    """Hold ``outputs/.locks/archive.lock`` (waiting for it): archivings, publications and repairs of one outputs
    folder happen one at a time; each takes well under a second."""
    folder = outputs / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "archive.lock").open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def settled(outputs: Path) -> Iterator[list[str]]:
    """Hold the archive lock with the ledger checked (a damaged one is refused), every interrupted archiving finished
    and the staging folders of this host's runs that died before archiving removed; yields the run ids finished."""
    with archive_lock(outputs):
        yield _recover(outputs)


def recover(outputs: Path) -> list[str]:
    """:func:`settled`, then release the lock: what a run does before it starts."""
    with settled(outputs) as finished:
        return finished


def _recover(outputs: Path) -> list[str]:
    ledger.require_sound(outputs)
    finished = []
    for plan_file in sorted((outputs / ledger.PENDING).glob("*.json")):
        try:
            plan = json.loads(plan_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EvalkitError(f"{plan_file}: the plan of an interrupted archiving cannot be read ({exc}); it is kept as "
                               f"it is: see `evalkit ledger verify` (中断的存档计划无法读取)") from None
        _complete(outputs, plan, plan_file)
        finished.append(str(plan["run_id"]))
        history.update(plan["city"], plan["period"], outputs)
    _clean_partials(outputs / PARTIAL)
    return finished


def commit(outputs: Path, staging: Path, final: Path, manifest: dict[str, Any], expected: str | None) -> None:
    """Archive the sealed run in ``staging`` at ``final`` (moving an archived run there aside) and record it; with
    ``manifest["correction"]``, also publish it as the correction. ``expected`` is the run id of the period's
    published record when the run started: if that changed meanwhile, nothing is archived."""
    with settled(outputs):
        now = records(outputs).get((manifest["city"], manifest["period"]))
        if (now and now["run_id"]) != expected:
            raise PublishedMeanwhile(f"{manifest['city']} {manifest['period']}: published or corrected while this run executed "
                                     f"(run {now['run_id'][:8] if now else '—'}); this run is not archived: run it again "
                                     f"(运行期间该期已发布或更正，本次运行未存档)")
        old = archive.load_manifest(final)["run"]["id"] if final.exists() else None
        plan = {"run_id": manifest["run"]["id"], "city": manifest["city"], "period": manifest["period"],
                "staging": ledger.relative(staging, outputs), "final": ledger.relative(final, outputs), "old": old,
                "aside": ledger.relative(kept_name(final), outputs) if old else None,
                "correction": "correction" in manifest}
        plan_file = outputs / ledger.PENDING / f"{plan['run_id']}.json"
        plan_file.parent.mkdir(exist_ok=True)
        write_json(plan_file, plan)
        try:
            _complete(outputs, plan, plan_file)
        except OSError as exc:
            raise StorageError(f"run {plan['run_id']} of {plan['city']} {plan['period']} could not be archived to the end: "
                               f"{storage_reason(exc)}. Its plan is kept in {plan_file.parent}; the next run, or `evalkit "
                               f"ledger repair`, finishes it once the cause is removed; nothing is lost "
                               f"(存档未完成，已保留计划，下次运行时补完，无数据丢失)") from None


def discard(outputs: Path, staging: Path) -> None:
    """Remove a run's staging folder, unless a plan to archive it is pending (its archiving finishes later)."""
    named = ledger.relative(staging, outputs)
    for plan_file in (outputs / ledger.PENDING).glob("*.json"):
        with contextlib.suppress(OSError, ValueError):
            if json.loads(plan_file.read_text(encoding="utf-8")).get("staging") == named:
                return
    shutil.rmtree(staging, ignore_errors=True)


def _complete(outputs: Path, plan: dict[str, Any], plan_file: Path) -> None:
    """Do each step of ``plan`` not yet done, then remove the plan."""
    final, staging, run_id = confined(outputs, plan["final"]), confined(outputs, plan["staging"]), str(plan["run_id"])
    done = {(e.get("event"), e.get("run_id"), e.get("folder")) for e in entries(outputs)}
    if plan.get("aside"):
        aside = confined(outputs, plan["aside"])
        if _holds(final, plan["old"]) and not aside.exists():
            final.rename(aside)
        if _holds(aside, plan["old"]) and ("replace", plan["old"], plan["aside"]) not in done:
            ledger.append(outputs, "replace", aside, archive.load_manifest(aside), result=f"replaced by {run_id}")
    if staging.is_dir() and not final.exists():
        staging.rename(final)
    if not _holds(final, run_id):
        raise EvalkitError(f"{plan_file}: run {run_id} is neither in {plan['staging']} nor in {plan['final']}; the plan is "
                           f"kept: see `evalkit ledger verify` (待补完的运行不在预期位置)")
    (final / ".pid").unlink(missing_ok=True)
    manifest = archive.load_manifest(final)
    if ("run", run_id, plan["final"]) not in done:
        ledger.append(outputs, "run", final, manifest, result="archived")
    if plan.get("correction") and ("correct", run_id, plan["final"]) not in done:
        ledger.append(outputs, "correct", final, manifest, result=manifest["correction"]["reason"])
    plan_file.unlink()


def _holds(folder: Path, run_id: str | None) -> bool:
    """Whether ``folder`` is the archived run ``run_id``."""
    try:
        return run_id is not None and archive.load_manifest(folder)["run"]["id"] == run_id
    except EvalkitError:
        return False


def kept_name(folder: Path) -> Path:
    """Where an archived run goes when a new one replaces it: ``<period>.<its own start time>``, with
    ``-2``, ``-3`` ... when that name exists."""
    try:
        started = dt.datetime.fromisoformat(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["run"]["started"])
    except (OSError, ValueError, KeyError, TypeError):
        started = dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.timezone.utc)
    base = folder.with_name(f"{folder.name}.{archive.stamp(started)}")
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def own_staging(staging: Path) -> None:
    """Make ``staging`` and mark it as this process's (host and process id), so clean-up knows whose it is."""
    staging.mkdir(parents=True)
    (staging / ".pid").write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid()}))


def _clean_partials(root: Path) -> None:
    """Remove staging folders of this host's runs whose process is gone (killed midway). A folder of another host
    (an outputs folder shared by Dask workers) is never touched: its process cannot be seen from here."""
    for d in root.glob("*") if root.is_dir() else []:
        try:
            owner = json.loads((d / ".pid").read_text())
            if owner["host"] != socket.gethostname():
                continue
            os.kill(int(owner["pid"]), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except (OSError, ValueError, KeyError, TypeError):
            continue
