"""What a run leaves behind for auditors: the results table, input hashes and the manifest."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from ..core import keys, paths
from ..core.errors import EvalkitError
from ..core.files import results_csv, sha256, write_atomic, write_json
from ..core.paths import project_path
from ..framework.model import Framework
from ..inputs.params import RunSpec
from ..inputs.schema import inventory
from ..scoring.override import check_value

SIGNATURE = "manifest.sig"
"""The manifest's signature, beside it in the run folder."""
REQUIRED = ("city", "period", "notebook", "source_notebook", "parameters", "inputs", "results", "run", "software", "files")


def stamp(when: dt.datetime | None = None) -> str:
    """A folder-name time stamp, in UTC (now by default)."""
    return (when or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")


def shown(path: Path) -> str:
    """A path as the manifest stores it: relative to the project folder when inside it."""
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path.resolve())


def input_paths(framework_sources: list[Path], data: list[Path]) -> dict[str, Path]:
    """The framework, the entities, every file a period folder's inventory reads (not lock or system files, nor
    links out of the folder: :func:`evalkit.inputs.schema.inventory`) and every file given itself, by recorded name."""
    read = [[d] if d.is_file() else [e.path for e in inventory(d) if e.action == "read"] if d.is_dir() else [] for d in data]
    return {shown(p): p for p in [*framework_sources, *sorted({p for part in read for p in part})]}


def input_files(framework_sources: list[Path], data: list[Path]) -> dict[str, str]:
    """SHA-256 of the framework, the entities and every file in the period folders."""
    return {name: sha256(p) for name, p in input_paths(framework_sources, data).items()}


def keep(files: dict[str, Path], folder: Path, store: Path) -> dict[str, str]:
    """Copy each file into ``folder/inputs/<sha256>``, hard-linked to the write-once store ``store/sha256/<sha256>``
    (read-only) when the file system allows, so an unchanged file takes its space once across runs; a store file
    whose content no longer matches its name is never linked (the run keeps its own copy, and ``ledger verify``
    names the damage). The SHA-256 by recorded name."""
    kept: dict[str, str] = {}
    (folder / paths.KEPT).mkdir(exist_ok=True)
    for name, path in files.items():
        data = path.read_bytes()
        digest = kept[name] = hashlib.sha256(data).hexdigest()
        target = paths.kept_copy(folder, digest)
        if not target.exists() and not _linked(data, digest, store, target):
            write_atomic(target, data)
            target.chmod(0o444)
    return kept


def _linked(data: bytes, digest: str, store: Path, target: Path) -> bool:
    """Hard-link ``target`` to the store's copy of ``data`` (stored first when new); False when the store cannot be
    used: read-only, full, on another file system, or its copy modified."""
    shared = store / "sha256" / digest[:2] / digest
    try:
        if not shared.exists():
            shared.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(shared, data)
            shared.chmod(0o444)
        if sha256(shared) != digest:
            return False
        os.link(shared, target)
    except OSError:
        return False
    return True


def store_problems(outputs: Path) -> list[str]:
    """The files of the write-once store whose content no longer matches their name, each with the runs that hold
    it (their copies are the same file where they are hard-linked)."""
    damaged = [p for p in sorted((outputs / ".store" / "sha256").glob("*/*")) if p.is_file() and sha256(p) != p.name]
    found = []
    for p in damaged:
        holders = sorted(f.parent.parent.relative_to(outputs).as_posix() for f in outputs.glob(f"*/*/{paths.KEPT}/{p.name}"))
        found.append(f".store/sha256/{p.name[:2]}/{p.name}: modified after it was stored; held by "
                     f"{', '.join(holders) or 'no run'} (存储库文件被修改)")
    return found


def folder_files(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in a run folder but its manifest and the manifest's signature, by relative path."""
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() not in ("manifest.json", SIGNATURE, ".pid")}


def seal(folder: Path, manifest: dict[str, Any]) -> None:
    """Write the run's ``manifest.json`` and, when this machine holds the city's key, ``manifest.sig``: its
    signature (:mod:`evalkit.core.keys`), which nobody without the key can make for an edited manifest."""
    write_json(folder / "manifest.json", manifest)
    record = keys.sign(manifest["city"], (folder / "manifest.json").read_bytes())
    if record is not None:
        write_json(folder / SIGNATURE, record)


def manifest_signature(folder: Path, city: str) -> tuple[str, str]:
    """``(state, text)`` of a run folder's manifest signature (:func:`evalkit.core.keys.check`); an unreadable
    signature file is ``forged``."""
    path = folder / SIGNATURE
    try:
        record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        if record is not None and not isinstance(record, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        return "forged", f"{SIGNATURE} is damaged (签名文件已损坏)"
    return keys.check(city, (folder / "manifest.json").read_bytes(), record)


def signature_problem(state: str, text: str, city: str, what: str) -> str | None:
    """The problem a signature state is, or None: forged or untrusted always; unsigned when the city signs
    (has trusted keys), since removing a signature is the easiest forgery."""
    if state in ("forged", "unknown") or (state == "unsigned" and keys.public_keys(city)):
        return f"{what}: {text}" + (f"; {city} signs its records (该城市的记录应有签名)" if state == "unsigned" else "")
    return None


def load_manifest(run_dir: Path) -> dict[str, Any]:
    """A run folder's manifest, checked: an error names what is wrong (missing, not JSON, truncated, a key lacking)."""
    path = Path(run_dir) / "manifest.json"
    if not path.is_file():
        raise EvalkitError(f"{run_dir}: no manifest.json; expected an archived run folder, outputs/<city>/<period> "
                           f"(存档目录缺少 manifest.json)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalkitError(f"{path}: not valid JSON ({exc}); the manifest is damaged or truncated (运行记录已损坏)") from None
    if not isinstance(data, dict):
        raise EvalkitError(f"{path}: expected a JSON object (运行记录格式错误)")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise EvalkitError(f"{path}: lacks {', '.join(missing)}; it was not written by this evalkit or was edited "
                           f"(运行记录缺少 {'、'.join(missing)})")
    return data


def data_dirs(spec: RunSpec) -> list[Path]:
    """The period folders (and applicability files) a run reads: its own and the earlier halves it compares with, or
    its two halves and the year before's."""
    p = spec.parameters
    if spec.period.is_annual:
        halves = [p["h1"], p["h2"], *(p["previous_year"].values() if p.get("previous_year") else [])]
    else:
        halves = [p, *(p[k] for k in ("previous", "year_before") if p.get(k))]
    dirs = [project_path(h["data_dir"]) if h.get("data_dir") else paths.period_dir(spec.city, h["period"]) for h in halves]
    extra = [project_path(h["applicability"]) for h in halves if h.get("applicability")]
    return dirs + extra


def manifest(spec: RunSpec, fw: Framework, nb: nbformat.NotebookNode, results: pd.DataFrame, run_id: str,
             started: dt.datetime, ended: dt.datetime, folder: Path, store: Path, software: dict[str, Any],
             git: dict[str, Any]) -> dict[str, Any]:
    """The run's record, with the environment (:func:`evalkit.runs.provenance.environment`) and git state it ran in;
    every input read and the source notebook are kept in ``folder/inputs/`` (see :func:`keep`)."""
    pm = nb.metadata.get("papermill", {})
    csv = results_csv(results)
    source = keep({shown(spec.notebook): spec.notebook}, folder, store)
    return {
        "city": spec.city,
        "period": str(spec.period),
        "notebook": spec.notebook.name,
        "source_notebook": {"path": shown(spec.notebook), "sha256": source[shown(spec.notebook)]},
        "params_file": shown(spec.source),
        "parameters": spec.parameters,
        "inputs": keep(input_paths(list(fw.sources), data_dirs(spec)), folder, store),
        "framework": {"path": shown(fw.sources[0]), "sha256": sha256(fw.sources[0])},
        "entities": {"path": shown(fw.sources[1]), "sha256": sha256(fw.sources[1])},
        "results": {"file": "results.csv", "rows": len(results), "sha256": hashlib.sha256(csv).hexdigest()},
        "run": {"id": run_id, "started": started.isoformat(), "ended": ended.isoformat(),
                "seconds": round((ended - started).total_seconds(), 3),
                "papermill": {k: pm.get(k) for k in ("version", "start_time", "end_time", "duration")}},
        "software": software,
        "git": git,
        **({"applicability": adjusted} if (adjusted := applicability(spec)) else {}),
    }


def applicability(spec: RunSpec) -> list[dict[str, Any]]:
    """The adjusted 考评对象适用范围 files a what-if run used (its halves' ``applicability``), each with its SHA-256 and
    the run's standing: a what-if is not the official result."""
    p = spec.parameters
    halves = [p["h1"], p["h2"]] if spec.period.is_annual else [p]
    files = [h["applicability"] for h in halves if h.get("applicability")]
    digests = [sha256(project_path(f)) for f in files]
    return [{"path": shown(project_path(f)), "sha256": d, "check": check_value(d), "standing": "测算结果，非正式结果"}
            for f, d in zip(files, digests)]
