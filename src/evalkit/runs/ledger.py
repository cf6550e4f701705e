"""The run ledger: an append-only, hash-chained log of every run, replacement and audit (``outputs/ledger.jsonl``).

Each line is one JSON entry: ``time, event, run_id, city, period, folder, manifest_sha256, result,
previous`` (the previous entry's ``hash``), ``hash`` (SHA-256 of the entry without it and its signature) and,
when this machine holds the city's key, ``signature`` (of the hash, :mod:`evalkit.core.keys`). Editing,
reordering or deleting an entry breaks the chain; re-hashing the chain after an edit breaks the signatures,
which nobody without the key can remake. :func:`verify` also checks that every archived run is in the
ledger with its manifest, that the manifest's signature holds and that its files still match it.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..core import keys
from ..core.files import sha256
from ..store.published import LEDGER
from . import archive

NAME = LEDGER
GENESIS = "0" * 64


def _digest(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k not in ("hash", "signature")}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def append(outputs: Path, event: str, folder: Path, manifest: dict[str, Any], result: str = "") -> dict[str, Any]:
    """Append one entry under an exclusive lock of the ledger (concurrent runs append one after another)."""
    outputs.mkdir(parents=True, exist_ok=True)
    path = outputs / NAME
    with path.open("a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        lines = fh.read().splitlines()
        previous = json.loads(lines[-1])["hash"] if lines else GENESIS
        entry = {"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "event": event,
                 "run_id": manifest["run"]["id"], "city": manifest["city"], "period": manifest["period"],
                 "folder": relative(folder, outputs), "manifest_sha256": sha256(folder / "manifest.json"),
                 "result": result, "previous": previous}
        entry["hash"] = _digest(entry)
        signature = keys.sign(entry["city"], entry["hash"].encode("ascii"))
        if signature is not None:
            entry["signature"] = signature
        fh.seek(0, os.SEEK_END)
        fh.write((json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    return entry


def relative(folder: Path, outputs: Path) -> str:
    try:
        return folder.resolve().relative_to(outputs.resolve()).as_posix()
    except ValueError:
        return str(folder.resolve())


def run_folders(outputs: Path) -> list[Path]:
    """Every archived run folder: ``outputs/<city>/<period>[.<date-time>]`` holding a manifest."""
    return sorted(p.parent for p in outputs.glob("*/*/manifest.json") if not p.parent.parent.name.startswith("."))


def verify(outputs: Path) -> list[str]:
    """Every problem with the ledger and the archive it covers; an empty list when all holds."""
    path = outputs / NAME
    if not path.is_file():
        return [f"{path}: no ledger (运行台账不存在)"] if run_folders(outputs) else []
    problems, latest = [], {}
    previous = GENESIS
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            entry = json.loads(line)
            recorded = entry["hash"]
        except (ValueError, KeyError, TypeError):
            problems.append(f"{path}, line {number}: not a ledger entry (台账第 {number} 行已损坏)")
            previous = None
            continue
        if _digest(entry) != recorded:
            problems.append(f"{path}, line {number}: the entry was edited; its hash does not match (台账第 {number} 行被修改)")
        if previous is not None and entry.get("previous") != previous:
            problems.append(f"{path}, line {number}: the chain is broken; an entry before it was deleted, edited or "
                            f"moved (台账第 {number} 行之前的记录被删除、修改或调换)")
        previous = recorded
        city = str(entry.get("city", ""))
        state, text = keys.check(city, str(recorded).encode("ascii", "replace"), entry.get("signature"))
        problem = archive.signature_problem(state, text, city, f"{path}, line {number}")
        if problem:
            problems.append(problem)
        if entry.get("event") in ("run", "replace"):
            latest[entry["run_id"]] = entry
        elif entry.get("event") == "prune":
            latest.pop(entry.get("run_id"), None)
    present = set()
    for folder in run_folders(outputs):
        name = relative(folder, outputs)
        try:
            manifest = archive.load_manifest(folder)
        except Exception as exc:  # noqa: BLE001 - reported, not raised: verify lists every problem
            problems.append(str(exc))
            continue
        entry = latest.get(manifest["run"]["id"])
        present.add(manifest["run"]["id"])
        if entry is None:
            problems.append(f"{name}: the run is not in the ledger (该运行不在台账中)")
        elif entry["manifest_sha256"] != sha256(folder / "manifest.json"):
            problems.append(f"{name}/manifest.json: differs from the manifest the ledger recorded (运行记录被修改)")
        elif entry["folder"] != name:
            problems.append(f"{name}: the ledger has this run at {entry['folder']} (存档目录被移动)")
        problems += [f"{name}/{p}" for p in file_problems(folder, manifest)]
        problem = archive.signature_problem(*archive.manifest_signature(folder, manifest["city"]), manifest["city"], f"{name}/manifest.json")
        if problem:
            problems.append(problem)
    problems += [f"{e['folder']}: the ledger records run {run_id} of {e['city']} {e['period']} here, and the folder is gone "
                 f"(存档目录缺失)" for run_id, e in latest.items() if run_id not in present]
    return problems + archive.store_problems(outputs)


def file_problems(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Files of a run folder that are missing, changed or not listed in its manifest."""
    listed, found = manifest.get("files", {}), archive.folder_files(folder)
    problems = [f"{n}: missing (文件缺失)" for n in listed if n not in found]
    problems += [f"{n}: changed; its SHA-256 differs from the manifest (文件被修改)" for n in listed if n in found and found[n] != listed[n]]
    problems += [f"{n}: not listed in the manifest (文件不在运行记录中)" for n in found if n not in listed]
    return problems
