"""``evalkit ledger repair``: a damaged ledger kept as evidence and a sound one rebuilt from what can be trusted.

The damaged file is kept, read-only, as ``ledger.damaged-<UTC time>.jsonl``. Each of its entries that still holds
on its own (whole, its hash matching, its signature holding where the city signs) is recorded again in a new
chain, carrying the original's line, previous hash, hash and signature (``recovered``), so the original signature
can still be checked (:func:`evalkit.runs.ledger.verify` does). Then every archived run whose folder matches its
signed manifest but that the kept entries do not place there is recorded from its manifest, and a correction's
``correct`` entry from the correction it states. What cannot be rebuilt (a publication or an audit whose line is
damaged, a run folder that does not match its manifest) is listed, never guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import EvalkitError
from ..core.files import sha256, write_atomic
from ..store import history
from . import archive, commit, ledger

RECOVERED = "recorded from its signed run record by ledger repair (据签名运行记录补记)"


@dataclass
class Repair:
    """What a repair did: the evidence file, the entries kept and dropped, the runs recorded from their manifests
    and what could not be rebuilt."""

    evidence: Path | None = None
    kept: int = 0
    dropped: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.evidence or self.recorded)


def repair(outputs: Path) -> Repair:
    """Repair the ledger of ``outputs``, then finish any interrupted archiving and rebuild the history; nothing is
    changed when the ledger holds and records every sound run folder where it is."""
    with commit.archive_lock(outputs):
        done = _rebuild(outputs)
    commit.recover(outputs)
    if done.changed:
        history.rebuild(outputs)
    return done


def _rebuild(outputs: Path) -> Repair:
    path, done = outputs / ledger.NAME, Repair()
    if not ledger.chain_problems(path):
        if not path.is_file() and ledger.run_folders(outputs):
            done.lost.append(f"{path}: there was no ledger; publications and audits cannot be rebuilt from the run folders: "
                             f"publish again what stands (台账缺失，发布记录无法恢复)")
        for fields in _unrecorded(outputs, [e for e, _ in ledger.lines(path)], done):
            ledger.add(outputs, fields)
        return done
    done.evidence = path.with_name(f"ledger.damaged-{archive.stamp()}.jsonl")
    write_atomic(done.evidence, path.read_bytes())
    done.evidence.chmod(0o444)
    kept, raw = [], path.read_bytes().splitlines()
    for number, (entry, problem) in enumerate(ledger.lines(path), start=1):
        if problem is None:
            kept.append(_again(entry, number))
            continue
        done.dropped.append(problem)
        seen = entry or _glimpse(raw[number - 1])
        if seen.get("event") not in ("run", "replace", "correct"):
            what = (f"{'' if entry else 'reads as '}{seen.get('event', '?')} of {seen.get('city', '?')} "
                    f"{seen.get('period', '?')}, run {seen.get('run_id', '?')}") if seen else "unreadable"
            done.lost.append(f"line {number} ({what}): cannot be rebuilt from the run folders: do it again if it stands "
                             f"(无法从存档恢复，如仍有效请重新执行)")
    done.kept = len(kept)
    ledger.replace(outputs, kept + _unrecorded(outputs, kept, done))
    return done


def _glimpse(raw: bytes) -> dict[str, str]:
    """What a damaged line still shows of its event, city, period and run (for the report only: never recorded)."""
    text = raw.decode("utf-8", "replace")
    found = {k: m.group(1) for k in ("event", "city", "period", "run_id") if (m := re.search(rf'"{k}": "([^"]*)"', text))}
    return found


def _again(entry: dict[str, Any], number: int) -> dict[str, Any]:
    """An intact entry's fields for the new chain, with the original it re-records."""
    fields = {k: v for k, v in entry.items() if k not in ("previous", "hash", "signature")}
    fields.setdefault("recovered", {"line": number, "previous": entry.get("previous"), "hash": entry["hash"],
                                    "signature": entry.get("signature")})
    return fields


def _unrecorded(outputs: Path, kept: list[dict[str, Any]], done: Repair) -> list[dict[str, Any]]:
    """Entries for the sound run folders the kept entries do not place where they are (and the corrections they lack),
    in the order the runs started."""
    placed = ledger.locations(kept)
    published = {e.get("run_id") for e in kept if e.get("event") in ("publish", "correct")}
    found = []
    for folder in ledger.run_folders(outputs):
        name = ledger.relative(folder, outputs)
        try:
            manifest = archive.load_manifest(folder)
        except EvalkitError as exc:
            done.lost.append(f"{name}: {exc}")
            continue
        problems = ledger.run_problems(folder, manifest)
        if problems:
            done.lost.append(f"{name}: not recorded, its folder does not match its signed record: {'; '.join(problems)} (未补记)")
            continue
        run_id, entry = manifest["run"]["id"], placed.get(manifest["run"]["id"])
        if entry is None or entry.get("folder") != name or entry.get("manifest_sha256") != sha256(folder / "manifest.json"):
            found.append((manifest["run"]["started"], "run" if entry is None else "replace", folder, manifest))
        if "correction" in manifest and run_id not in published:
            found.append((manifest["run"]["started"], "correct", folder, manifest))
    added = []
    for _, event, folder, manifest in sorted(found, key=lambda f: (f[0], f[1] == "correct")):
        result = manifest["correction"]["reason"] if event == "correct" else RECOVERED
        added.append(ledger.fields(outputs, event, folder, manifest, result))
        done.recorded.append(f"{manifest['city']} {manifest['period']} {event} {ledger.relative(folder, outputs)} "
                             f"(run {manifest['run']['id'][:8]})")
    return added

