"""Auditing an archived run: check every file against its manifest, list how the environment differs,
re-execute the recorded source notebook on the archived copies of the inputs, and compare exactly.

The run folder is self-contained: the inputs, the framework, the entities and the source notebook are kept
in ``inputs/<sha256>``, so a folder copied to another machine audits without the project's data.
Nothing is written into the run folder.
"""
from __future__ import annotations

import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from ..core import paths
from ..core.errors import EvalkitError
from ..core.files import results_csv, sha256
from ..core.paths import confined, kept_copy, project_path
from ..core.recorded import recorded
from ..framework.loading import load_framework
from ..framework.periods import Period
from ..inputs.params import RunSpec
from ..publish import font_cache
from ..publish.glyphs import DrawAhead
from . import archive, ledger, provenance
from .code_check import injected_problems, installed_differences, notebook_problems
from .comparison import presentation_differences, table_differences
from .execute import execute, failure
from .outputs import pdf_signature_problems, publish

PATH_PARAMETERS = ("data_dir", "applicability")


VERDICTS = {"identical": "结果一致", "presentation differs": "结果一致，仅呈现形式不同", "results differ": "结果不一致",
            "not verified": "未能核实：存档不可信或无法复算"}


@dataclass
class AuditReport:
    """What an audit found. ``problems``: the record cannot be trusted or re-run as it stands (files, signatures,
    code, inputs); ``differences`` and ``tables``: the results differ; ``presentation``: only the published pages
    or workbook differ; ``environment``: how the software differs from the run's."""

    identical: bool
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)
    differences: pd.DataFrame | None = None  # entity, column, archived, now (ranks included)
    tables: list[str] = field(default_factory=list)
    presentation: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """identical, presentation differs, results differ, or not verified (see :data:`VERDICTS`)."""
        if self.problems:
            return "not verified"
        if (self.differences is not None and len(self.differences)) or self.tables:
            return "results differ"
        return "presentation differs" if self.presentation else "identical"


def audit(run_dir: Path, *, timeout: int = 600, inputs: Path | None = None) -> AuditReport:
    """Audit ``run_dir``; ``inputs`` (a folder laid out like the project folder, ``data/<city>/...``) audits
    against those files instead of the copies kept in the archive."""
    run_dir = Path(run_dir)
    report = AuditReport(identical=False)
    try:
        manifest = archive.load_manifest(run_dir)
    except EvalkitError as exc:
        report.problems.append(str(exc))
        return report
    _audit(run_dir, manifest, report, timeout, inputs)
    report.identical = report.verdict == "identical"
    _log(run_dir, manifest, report)
    return report


def _audit(run_dir: Path, manifest: dict[str, Any], report: AuditReport, timeout: int, inputs: Path | None) -> None:
    report.problems += ledger.file_problems(run_dir, manifest)
    report.environment = provenance.compare(manifest["software"], provenance.environment())
    git = manifest.get("git") or {}
    if git.get("dirty"):
        report.warnings.append(f"the run used uncommitted code ({', '.join(git.get('changed') or [])}) at commit "
                               f"{(git.get('commit') or '?')[:12]} (运行时代码有未提交的修改)")
    now = provenance.git_state()
    if now["dirty"]:
        report.warnings.append(f"the code installed now has uncommitted changes ({', '.join(now['changed'])}) (当前代码有未提交的修改)")
    try:
        spec = recorded_spec(run_dir, manifest)
        source = kept_copy(run_dir, manifest["source_notebook"]["sha256"])
        executed = confined(run_dir, manifest["notebook"])
    except (EvalkitError, KeyError, TypeError, ValueError) as exc:
        report.problems.append(f"the manifest cannot be trusted: {exc} (运行记录不可信)")
        return
    state, text = archive.manifest_signature(run_dir, spec.city)
    problem = archive.signature_problem(state, text, spec.city, "manifest.json")
    if problem:
        report.problems.append(problem)
    elif state != "signed":
        report.warnings.append(f"manifest.json: {text}")
    report.problems += pdf_signature_problems(spec.city, run_dir, [n for n in manifest.get("outputs", {}) if n.startswith("report")
                                                                  and n.endswith(".pdf") and (run_dir / n).is_file()])
    if source.is_file():
        report.problems += notebook_problems(executed, source)
    report.problems += injected_problems(executed, manifest["parameters"])
    if report.problems:
        return
    if source.is_file():  # the archive's code is compared, never run: the installed notebook is what runs
        report.problems += installed_differences(source, spec.notebook, git.get("commit"))
    with tempfile.TemporaryDirectory(prefix="evalkit-audit-") as tmp:
        root = Path(tmp) / "inputs"
        missing = materialise(manifest, run_dir, root, inputs)
        report.problems += missing
        report.warnings += _moved_inputs(manifest) if inputs is None else []
        if missing:
            return
        again = Path(tmp) / manifest["notebook"]
        copy = Path(tmp) / "source" / manifest["notebook"]  # papermill wants the notebook's own name
        copy.parent.mkdir()
        copy.write_bytes(spec.notebook.read_bytes())
        try:
            # every input read from the copies laid out here; every font made afresh, none read from the machine's
            # cache (a planted one shows as a difference); the pages' glyphs drawn in a second process, as a run does
            with paths.variable(paths.INPUTS_VARIABLE, str(root)), font_cache.off(), DrawAhead() as ahead:
                execute(copy, again, relocate(manifest["parameters"], root), timeout=timeout, cwd=Path(tmp),
                        on_cell=ahead.cell_executed)
                ahead.collect()
                results = recorded(again)
                published = Path(tmp) / "published"
                published.mkdir()
                if manifest.get("outputs"):
                    publish(spec, load_framework(spec.city), nbformat.read(str(again), as_version=4), results, manifest, published,
                            ahead)
        except Exception as exc:
            report.problems.append(failure(spec, exc, None))
            return
        now_csv = results_csv(results)
        report.tables = table_differences(executed, again)
        report.presentation = presentation_differences(run_dir, published, manifest.get("outputs", {}))
    archived = confined(run_dir, manifest["results"]["file"]).read_bytes()
    if now_csv != archived:
        report.differences = value_differences(pd.read_csv(io.BytesIO(archived)), pd.read_csv(io.BytesIO(now_csv)))


def _local(name: str) -> Path:
    """Where a recorded input name goes in a materialised inputs folder (absolute names under ``_abs/``)."""
    return Path("_abs", name.lstrip("/")) if Path(name).is_absolute() else Path(name)


def recorded_spec(run_dir: Path, manifest: dict[str, Any]) -> RunSpec:
    """The run a manifest records, its names checked: a city is a plain name, the period parses, and the
    executed notebook is the one evalkit runs for that period (whose installed copy the audit executes)."""
    city = str(manifest["city"])
    if not re.fullmatch(r"[A-Za-z0-9_-]+", city):
        raise EvalkitError(f"city {city!r} is not a plain name (城市名称不合法)")
    spec = RunSpec(city, Period.parse(manifest["period"]), run_dir / "manifest.json", dict(manifest["parameters"]))
    if manifest["notebook"] != spec.notebook.name:
        raise EvalkitError(f"notebook {manifest['notebook']!r}: a run of {spec.period} executes {spec.notebook.name} (笔记本名称不符)")
    return spec


def materialise(manifest: dict[str, Any], run_dir: Path, root: Path, inputs: Path | None = None) -> list[str]:
    """Lay out the run's inputs under ``root`` as the run read them: the archived copies, or the files of
    ``inputs`` (checked against the recorded hashes); the problems found."""
    problems = []
    for name, digest in manifest["inputs"].items():
        try:
            src = kept_copy(run_dir, digest) if inputs is None else (Path(name) if Path(name).is_absolute() else confined(inputs, name))
            target = confined(root, _local(name))
        except EvalkitError as exc:
            problems.append(f"input refused: {exc}")
            continue
        if not src.is_file():
            problems.append(f"input missing: {name}" + ("" if inputs is None else f" (looked for {src})") + " (输入文件缺失)")
            continue
        if inputs is not None and sha256(src) != digest:
            problems.append(f"input changed: {src} (its SHA-256 differs from the archived one) (输入文件已改变)")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(src.read_bytes())
    return problems


def relocate(parameters: dict[str, Any], root: Path) -> dict[str, Any]:
    """The run's parameters with absolute input paths pointed into the materialised folder ``root``
    (relative ones are read there through ``EVALKIT_INPUTS``).

    >>> relocate({"data_dir": "/srv/d", "previous": {"data_dir": "data/x"}, "strict": True}, Path("/t"))
    {'data_dir': '/t/_abs/srv/d', 'previous': {'data_dir': 'data/x'}, 'strict': True}
    """
    out = {}
    for key, value in parameters.items():
        if isinstance(value, dict):
            out[key] = relocate(value, root)
        elif key in PATH_PARAMETERS and isinstance(value, str) and Path(value).is_absolute():
            out[key] = str(root / _local(value))
        else:
            out[key] = value
    return out


def _moved_inputs(manifest: dict[str, Any]) -> list[str]:
    """Inputs whose original file has changed or gone since the run (the audit uses the archived copies)."""
    notes = []
    for name, digest in manifest["inputs"].items():
        path = project_path(name)
        if path.is_file() and sha256(path) != digest:
            notes.append(f"input changed at its original place since the run: {name}; the audit used the archived copy "
                         f"(原位置的输入文件已改变，复核使用存档副本)")
    return notes


def value_differences(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Each (entity, column) whose value differs, with the archived and the new value; rows only in one
    table show with the other side empty.

    >>> a = pd.DataFrame({"entity": ["甲", "乙"], "total": [90.0, 80.0], "rank": [1, 2]})
    >>> b = pd.DataFrame({"entity": ["甲", "乙"], "total": [79.0, 80.0], "rank": [2, 1]})
    >>> value_differences(a, b).to_dict("records")
    [{'entity': '甲', 'column': 'total', 'archived': 90.0, 'now': 79.0}, {'entity': '甲', 'column': 'rank', 'archived': 1, 'now': 2}, {'entity': '乙', 'column': 'rank', 'archived': 2, 'now': 1}]
    """
    both = before.merge(after, on="entity", how="outer", suffixes=("_archived", "_now"))
    order = {e: i for i, e in enumerate(list(before["entity"]) + list(after["entity"]))}
    both = both.sort_values("entity", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    found = []
    for position, c in enumerate(c for c in before.columns if c != "entity"):
        old, new = both[f"{c}_archived"], both[f"{c}_now"]
        differs = ~((old == new) | (old.isna() & new.isna()))
        found += [(i, position, {"entity": both.at[i, "entity"], "column": c, "archived": _plain(o), "now": _plain(n)})
                  for i, o, n in zip(both.index[differs], old[differs].tolist(), new[differs].tolist())]
    rows = [row for _, _, row in sorted(found, key=lambda t: t[:2])]
    return pd.DataFrame(rows, columns=["entity", "column", "archived", "now"], dtype=object)  # ranks stay integers


def _plain(value: Any) -> Any:
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _log(run_dir: Path, manifest: dict[str, Any], report: AuditReport) -> None:
    """Append the audit to the ledger of the outputs folder holding ``run_dir``, if it has one."""
    outputs = run_dir.resolve().parent.parent
    if (outputs / ledger.NAME).is_file():
        ledger.append(outputs, "audit", run_dir, manifest, result=report.verdict)
