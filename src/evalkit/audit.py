"""Auditing an archived run: check its inputs, re-execute its notebook with its parameters, compare exactly."""
from __future__ import annotations

import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__, archive
from .assessment import project_path
from .errors import EvalkitError
from .execute import execute, failure
from .params import RunSpec
from .periods import Period

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
            report.problems.append(failure(spec, exc, None))
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
