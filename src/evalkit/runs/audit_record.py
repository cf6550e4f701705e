"""What an audit leaves for the auditor: ``audit.json``, a summary in plain Chinese (复核结论.txt), and a line in the
auditor's own ledger, also for a run folder from outside any outputs folder (a USB stick). The run folder itself
is never written to."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.codes import code
from ..core.files import write_atomic, write_json
from . import ledger, provenance
from .audit import VERDICTS, AuditReport

AUDITS_VARIABLE = "EVALKIT_AUDITS"


def audits_dir() -> Path:
    """The auditor's own folder: ``$EVALKIT_AUDITS``, else ``~/.local/share/evalkit/audits``."""
    return Path(os.environ.get(AUDITS_VARIABLE) or Path.home() / ".local" / "share" / "evalkit" / "audits")


def summary(report: AuditReport, run_dir: Path, manifest: dict[str, Any] | None) -> str:
    """The audit's conclusion in plain Chinese: what was audited, the verdict, and what each kind of finding means."""
    lines = ["evalkit 复核结论", ""]
    if manifest:
        lines.append(f"复核对象：{manifest.get('city')} {manifest.get('period')}，运行编号 {manifest['run']['id']}，"
                     f"核验码 {code(manifest['run']['id'])}，存档目录 {run_dir}。")
    lines.append(f"结论：{VERDICTS[report.verdict]}。")
    if report.verdict == "identical":
        lines.append("按存档的输入和参数，用当前安装的 evalkit 重新计算，结果、两个版本的网页和 PDF 文字、成绩表均与存档一致。")
    if report.differences is not None and len(report.differences):
        lines.append(f"重新计算的结果有 {report.differences['entity'].nunique()} 个考评对象的分值或排名与存档不同，明细见 audit.json。")
    if report.tables:
        lines.append("存档记录的以下表格与重新计算的不同：" + "；".join(report.tables) + "。")
    if report.presentation:
        lines.append("结果相同，但以下发布文件的呈现不同（不影响分值和排名）：" + "；".join(report.presentation) + "。")
    if report.problems:
        lines.append("未能核实的原因：")
        lines += [f"  - {p}" for p in report.problems]
        lines.append("存档文件被改动、签名不符或缺少输入时，存档本身不可信；代码不同时，请检出运行记录中的提交（git checkout），"
                     "运行 make setup 后重新复核。")
    if report.environment:
        lines.append("运行环境与原运行不同（软件版本等）：" + "；".join(report.environment) + "。结果一致时，这些差异没有影响结果；"
                     "结果不一致时，请在原运行的环境中复核（检出记录的提交，make setup，或使用离线复核包）。")
    if report.warnings:
        lines.append("提示：" + "；".join(report.warnings) + "。")
    return "\n".join(lines) + "\n"


def write_record(report: AuditReport, run_dir: Path, manifest: dict[str, Any] | None, folder: Path | None = None) -> Path:
    """Write ``audit.json`` and ``复核结论.txt`` into ``folder`` (default a new folder under :func:`audits_dir`) and
    append the audit to the auditor's ledger there; the folder written."""
    now = dt.datetime.now(dt.timezone.utc)
    name = f"{manifest.get('city')}-{manifest.get('period')}" if manifest else Path(run_dir).name
    folder = Path(folder) if folder else audits_dir() / f"{name}-{now:%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True, exist_ok=True)
    git = provenance.git_state()
    write_json(folder / "audit.json", {
        "verdict": report.verdict, "verdict_zh": VERDICTS[report.verdict], "identical": report.identical,
        "run": {"folder": str(Path(run_dir).resolve()), **({"city": manifest.get("city"), "period": manifest.get("period"),
                                                            "id": manifest["run"]["id"], "code": code(manifest["run"]["id"])}
                                                           if manifest else {})},
        "problems": report.problems, "results": [] if report.differences is None else report.differences.to_dict("records"),
        "tables": report.tables, "presentation": report.presentation, "environment": report.environment,
        "warnings": report.warnings,
        "auditor": {"time": now.isoformat(timespec="seconds"), "evalkit": __version__, "commit": git["commit"], "dirty": git["dirty"]},
    })
    write_atomic(folder / "复核结论.txt", summary(report, run_dir, manifest).encode("utf-8"))
    if manifest:
        ledger.append(audits_dir(), "audit", Path(run_dir), manifest, result=report.verdict)
    return folder
