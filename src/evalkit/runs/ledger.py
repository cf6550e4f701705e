"""The run ledger: an append-only, hash-chained log of every run, replacement and audit (``outputs/ledger.jsonl``).

Each line is one JSON entry: ``time, event, run_id, city, period, folder, manifest_sha256, result,
previous`` (the previous entry's ``hash``), ``hash`` (SHA-256 of the entry without it and its signature) and,
when this machine holds the city's key, ``signature`` (of the hash, :mod:`evalkit.core.keys`). Editing,
reordering or deleting an entry breaks the chain; re-hashing the chain after an edit breaks the signatures,
which nobody without the key can remake. :func:`verify` also checks that every archived run is in the
ledger with its manifest, that the manifest's signature holds and that its files still match it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core import keys
from ..core.errors import EvalkitError
from ..core.files import sha256, write_atomic
from ..store.published import LEDGER
from . import archive

NAME = LEDGER
GENESIS = "0" * 64
PENDING = ".pending"
"""Folder of the plans of archivings under way (:mod:`evalkit.runs.commit`)."""


def _digest(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k not in ("hash", "signature")}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def append(outputs: Path, event: str, folder: Path, manifest: dict[str, Any], result: str = "") -> dict[str, Any]:
    """Append one entry under an exclusive lock of the ledger (concurrent runs append one after another). A ledger
    whose last line is damaged is refused (:class:`LedgerError`); a write that fails (a full disk) is undone, so the
    ledger never keeps half a line."""
    return add(outputs, fields(outputs, event, folder, manifest, result))


def fields(outputs: Path, event: str, folder: Path, manifest: dict[str, Any], result: str) -> dict[str, Any]:
    """An entry's fields before it is chained: what happened to which run, where, now."""
    return {"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "event": event,
            "run_id": manifest["run"]["id"], "city": manifest["city"], "period": manifest["period"],
            "folder": relative(folder, outputs), "manifest_sha256": sha256(folder / "manifest.json"), "result": result}


def add(outputs: Path, entry_fields: dict[str, Any]) -> dict[str, Any]:
    """Chain ``entry_fields`` to the ledger's last entry and append it (:func:`append`)."""
    outputs.mkdir(parents=True, exist_ok=True)
    with _locked(outputs / NAME) as fh:
        data = fh.read()
        try:
            previous = json.loads(data.splitlines()[-1])["hash"] if data.strip() else GENESIS
            if data and not data.endswith(b"\n"):
                raise ValueError
        except (ValueError, KeyError, TypeError, IndexError):
            raise LedgerError(damaged(outputs, ["its last line is damaged or was cut off (台账最后一行已损坏)"])) from None
        entry = chained(entry_fields, previous)
        try:
            fh.write(line(entry))
            fh.flush()
            os.fsync(fh.fileno())
        except OSError:
            fh.truncate(len(data))
            raise
    return entry


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[Any]:
    """The ledger file open for appending, under its exclusive lock, positioned at its start; reopened when
    :func:`replace` swapped a new file in while this process waited for the lock."""
    while True:
        with path.open("a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            if path.exists() and os.fstat(fh.fileno()).st_ino == path.stat().st_ino:
                fh.seek(0)
                yield fh
                return


def chained(fields: dict[str, Any], previous: str) -> dict[str, Any]:
    """``fields`` as the entry that follows ``previous``: with its hash and, when this machine holds the city's
    key, its signature."""
    entry = {**fields, "previous": previous}
    entry["hash"] = _digest(entry)
    signature = keys.sign(str(entry.get("city", "")), entry["hash"].encode("ascii"))
    if signature is not None:
        entry["signature"] = signature
    return entry


def line(entry: dict[str, Any]) -> bytes:
    return (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def replace(outputs: Path, entries: list[dict[str, Any]]) -> None:
    """Write a new ledger of ``entries``' fields (chained anew) in place of the old one at once: a reader or an
    appender sees the old file or the new one, never a part."""
    path, previous, text = outputs / NAME, GENESIS, b""
    for f in entries:
        entry = chained(f, previous)
        previous, text = entry["hash"], text + line(entry)
    with _locked(path):
        write_atomic(path, text)


class LedgerError(EvalkitError):
    """The ledger is damaged: nothing that would write to it, or decide on it, goes ahead."""


def damaged(outputs: Path, problems: list[str]) -> str:
    return (f"{outputs / NAME}: the ledger is damaged ({problems[0]}" + (f"; {len(problems)} problems in all" if len(problems) > 1 else "")
            + "): nothing was run, moved or recorded. `evalkit ledger verify` lists every problem; `evalkit ledger repair` "
            "keeps the damaged file as evidence and rebuilds the ledger from the signed run records "
            "(台账已损坏，本次未运行、未移动、未记录任何内容；请运行 evalkit ledger repair)")


def require_sound(outputs: Path) -> None:
    """Refuse (:class:`LedgerError`) when the ledger's chain or an entry's signature does not hold."""
    problems = chain_problems(outputs / NAME)
    if problems:
        raise LedgerError(damaged(outputs, problems))


def relative(folder: Path, outputs: Path) -> str:
    try:
        return folder.resolve().relative_to(outputs.resolve()).as_posix()
    except ValueError:
        return str(folder.resolve())


def run_folders(outputs: Path) -> list[Path]:
    """Every archived run folder: ``outputs/<city>/<period>[.<date-time>]`` holding a manifest."""
    return sorted(p.parent for p in outputs.glob("*/*/manifest.json") if not p.parent.parent.name.startswith("."))


def chain_problems(path: Path) -> list[str]:
    """What is wrong with the ledger file's entries and their chain: a damaged line, an edited entry, a gap, a
    signature that does not hold, a recovered entry that does not match the original it names."""
    problems, previous = [], GENESIS
    for number, (entry, problem) in enumerate(lines(path), start=1):
        if problem:
            problems.append(problem)
            previous = entry.get("hash") if entry else None
            continue
        if previous is not None and entry.get("previous") != previous:
            problems.append(f"{path}, line {number}: the chain is broken; an entry before it was deleted, edited or "
                            f"moved (台账第 {number} 行之前的记录被删除、修改或调换)")
        previous = entry["hash"]
    return problems


def lines(path: Path) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Each line of the ledger as ``(entry, problem)``: problem (naming the file and line) is None when the entry is
    whole, its hash holds, its signature holds (or its city signs nothing) and, for a recovered entry, it matches
    the original it names."""
    data = path.read_bytes() if path.is_file() else b""
    rows = data.splitlines()
    for number, raw in enumerate(rows, start=1):
        where = f"{path}, line {number}"
        try:
            entry = json.loads(raw)
            recorded = entry["hash"]
            if not isinstance(recorded, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            entry = {}
        if number == len(rows) and not data.endswith(b"\n"):
            yield entry, f"{where}: cut off; the last append did not finish (台账第 {number} 行不完整)"
        elif not entry:
            yield entry, f"{where}: not a ledger entry (台账第 {number} 行已损坏)"
        elif _digest(entry) != entry["hash"]:
            yield entry, f"{where}: the entry was edited; its hash does not match (台账第 {number} 行被修改)"
        elif isinstance(entry.get("recovered"), dict) and _original(entry) != entry["recovered"].get("hash"):
            yield entry, f"{where}: the recovered entry does not match the original it names (台账第 {number} 行与原记录不符)"
        else:
            yield entry, _signature_problem(entry, where)


def _signature_problem(entry: dict[str, Any], where: str) -> str | None:
    """The entry's signature problem (and, for a recovered entry, its original's), or None."""
    city, original = str(entry.get("city", "")), entry.get("recovered") or {}
    checks = [(entry["hash"], entry.get("signature"), where)]
    if original.get("signature"):
        checks.append((str(original.get("hash", "")), original["signature"], f"{where}, the original entry's signature"))
    for digest, record, what in checks:
        problem = archive.signature_problem(*keys.check(city, digest.encode("ascii", "replace"), record), city, what)
        if problem:
            return problem
    return None


def _original(entry: dict[str, Any]) -> str:
    """The hash of the entry a recovered entry re-records (:mod:`evalkit.runs.repair`)."""
    body = {k: v for k, v in entry.items() if k not in ("previous", "hash", "signature", "recovered")}
    return _digest({**body, "previous": entry["recovered"].get("previous")})


def locations(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The latest ``run`` or ``replace`` entry of each run still archived (a pruned run is gone), by run id."""
    latest: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry.get("event") in ("run", "replace"):
            latest[str(entry.get("run_id"))] = entry
        elif entry.get("event") == "prune":
            latest.pop(str(entry.get("run_id")), None)
    return latest


def verify(outputs: Path) -> list[str]:
    """Every problem with the ledger and the archive it covers; an empty list when all holds."""
    path = outputs / NAME
    if not path.is_file():
        return [f"{path}: no ledger (运行台账不存在)"] if run_folders(outputs) else []
    problems = chain_problems(path)
    latest = locations([entry for entry, _ in lines(path) if entry])
    problems += [f"{p.relative_to(outputs)}: the archiving of run {p.stem} was interrupted; the next run, or `evalkit ledger "
                 f"repair`, completes it (存档过程被中断，待补完)" for p in sorted((outputs / PENDING).glob("*.json"))]
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
        elif entry.get("manifest_sha256") != sha256(folder / "manifest.json"):
            problems.append(f"{name}/manifest.json: differs from the manifest the ledger recorded (运行记录被修改)")
        elif entry.get("folder") != name:
            problems.append(f"{name}: the ledger has this run at {entry.get('folder')} (存档目录被移动)")
        problems += [f"{name}/{p}" for p in run_problems(folder, manifest)]
    problems += [f"{e.get('folder')}: the ledger records run {run_id} of {e.get('city')} {e.get('period')} here, and the folder is gone "
                 f"(存档目录缺失)" for run_id, e in latest.items() if run_id not in present]
    return problems + archive.store_problems(outputs)


def file_problems(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Files of a run folder that are missing, changed or not listed in its manifest."""
    listed, found = manifest.get("files", {}), archive.folder_files(folder)
    problems = [f"{n}: missing (文件缺失)" for n in listed if n not in found]
    problems += [f"{n}: changed; its SHA-256 differs from the manifest (文件被修改)" for n in listed if n in found and found[n] != listed[n]]
    problems += [f"{n}: not listed in the manifest (文件不在运行记录中)" for n in found if n not in listed]
    return problems


def run_problems(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """What keeps a run folder from being trusted: its files against its manifest, and the manifest's signature."""
    problem = archive.signature_problem(*archive.manifest_signature(folder, manifest["city"]), manifest["city"], "manifest.json")
    return file_problems(folder, manifest) + ([problem] if problem else [])
