"""Publication (DESIGN.md §2): a run becomes its period's published record by a signed ``publish`` event in the
ledger; a published record is frozen; a correction (``correct``) is a new record beside the original, with its
reason, and becomes the published record in its turn. The published view is read from the ledger, and the
runs from their folders: nothing else holds the state.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..core import paths
from ..core.errors import EvalkitError
from ..core.paths import confined
from ..store import history as store
from ..store.published import ever_published, records
from . import archive, commit, ledger


class FrozenError(EvalkitError):
    """The period's published record would be replaced: it is corrected, never replaced."""


def published(outputs: Path, city: str, period: str) -> dict[str, Any] | None:
    """The entry that made the period's current published record, or None."""
    return records(outputs).get((city, str(period)))


def run_folder(outputs: Path, run_id: str) -> Path | None:
    """The folder that holds the run ``run_id`` now (a replaced run is kept under a dated name)."""
    for folder in ledger.run_folders(outputs):
        try:
            if archive.load_manifest(folder)["run"]["id"] == run_id:
                return folder
        except EvalkitError:
            continue
    return None


def frozen_message(city: str, period: str, entry: dict[str, Any]) -> str:
    return (f"{city} {period} is published (run {entry['run_id'][:8]}, {entry['event']} {entry['time'][:10]}); a published "
            f"record is never replaced: to correct it, run `evalkit run {city} {period} --correct --reason \"…\"`, which keeps "
            f"the original and states the reason in the new bulletin (该期已发布，已发布的记录不会被替换；如需更正请使用 --correct --reason)")


def publish(run_dir: Path, outputs: Path | None = None) -> dict[str, Any]:
    """Make the archived run ``run_dir`` its period's published record (a signed ``publish`` entry); refused when the
    run's files do not match its manifest, its signature does not hold, it is a what-if under an adjusted
    applicability, or the period already has a published record."""
    run_dir = Path(run_dir)
    outputs = Path(outputs) if outputs is not None else run_dir.resolve().parents[1]
    folder = confined(outputs, ledger.relative(run_dir, outputs))
    manifest = archive.load_manifest(folder)
    problems = ledger.run_problems(folder, manifest)
    if problems:
        raise EvalkitError(f"{folder}: not published: " + "; ".join(problems))
    if manifest.get("applicability"):  # signed with the manifest: removing it breaks the signature checked above
        raise EvalkitError(f"{folder}: not published: a what-if run under an adjusted applicability "
                           f"({', '.join(Path(a['path']).name for a in manifest['applicability'])}) is never the official record "
                           "(按调整后的考评对象适用范围测算的结果，非正式结果，不得发布)")
    with commit.settled(outputs):
        current = published(outputs, manifest["city"], manifest["period"])
        if current is not None:
            if current["run_id"] == manifest["run"]["id"]:
                raise FrozenError(f"{folder}: already the published record of {manifest['city']} {manifest['period']} (已发布)")
            raise FrozenError(frozen_message(manifest["city"], manifest["period"], current))
        entry = ledger.append(outputs, "publish", folder, manifest, result="published")
    store.update(manifest["city"], manifest["period"], outputs)  # the history's published view follows
    return entry


def prune(outputs: Path | None = None, *, dry_run: bool = False) -> list[Path]:
    """Remove the superseded runs (``<period>.<time>`` folders) that were never a published record; each removal is a
    ledger entry. Published records, corrected originals and current runs are never removed."""
    outputs = Path(outputs or paths.OUTPUTS)
    with commit.settled(outputs):
        return _prune(outputs, dry_run)


def _prune(outputs: Path, dry_run: bool) -> list[Path]:
    keep = ever_published(outputs)
    gone = []
    for folder in ledger.run_folders(outputs):
        if "." not in folder.name:
            continue  # the period's current run
        try:
            manifest = archive.load_manifest(folder)
        except EvalkitError:
            continue  # a damaged folder is evidence: verify reports it, prune leaves it
        if manifest["run"]["id"] in keep:
            continue
        gone.append(folder)
        if not dry_run:
            ledger.append(outputs, "prune", folder, manifest, result="superseded, never published: removed")
            shutil.rmtree(folder)
    return gone
