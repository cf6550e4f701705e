"""What an audit leaves for the auditor: ``audit.json``, a summary in plain Chinese (复核结论.txt), and a line in the
auditor's own ledger, also for a run folder from outside any outputs folder (a USB stick). The run folder itself
is never written to."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.codes import code
from ..core.errors import EvalkitError
from ..core.files import write_atomic, write_json
from ..framework.loading import load_framework
from ..framework.periods import Period
from ..store.named import run_framework
from . import ledger, provenance
from .audit import VERDICTS, AuditReport

AUDITS_VARIABLE = "EVALKIT_AUDITS"


def audits_dir() -> Path:
    """The auditor's own folder: ``$EVALKIT_AUDITS``, else ``~/.local/share/evalkit/audits``."""
    return Path(os.environ.get(AUDITS_VARIABLE) or Path.home() / ".local" / "share" / "evalkit" / "audits")


WHAT = {"source_sha256": "evalkit 的源代码", "evalkit": "evalkit 版本", "python": "Python 版本", "implementation": "Python 实现",
        "platform": "操作系统", "chromium": "Chromium 浏览器", "fonts": "嵌入字体"}


def environment_zh(then: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The software differences in Chinese, one phrase each.

    >>> environment_zh({"python": "3.10.0", "packages": {"pandas": "2.0.0"}}, {"python": "3.11.7", "packages": {}})
    ['Python 版本：原运行为 3.10.0，现为 3.11.7', '软件包 pandas：原运行为 2.0.0，现未安装']
    """
    out = []
    for what, a, b in provenance.differences(then, now):
        name = f"软件包 {what.removeprefix('package ')}" if what.startswith("package ") else WHAT.get(what, what)
        out.append(f"{name}不同" if what in ("source_sha256", "fonts") else
                   f"{name}：原运行{'未安装' if a is None else '为 ' + str(a)}，现{'未安装' if b is None else '为 ' + str(b)}")
    return out


def _zh(text: str) -> str:
    """The Chinese gloss a bilingual message ends with, in parentheses; the message itself when it has none."""
    return text[text.rindex("(") + 1:-1] if text.endswith(")") and "(" in text and any("\u4e00" <= c <= "\u9fff" for c in text[text.rindex("("):]) else text


def _names(run_dir: Path, manifest: dict[str, Any]) -> tuple[str, str]:
    """The run's city and period in Chinese: the city's name from the framework archived in the run folder (a folder
    audited away from the project's data still names its city in Chinese), else from the project's; as recorded when neither loads."""
    city, period = str(manifest.get("city")), str(manifest.get("period"))
    with contextlib.suppress(EvalkitError):
        period = Period.parse(period).label
    try:
        archived = run_framework(run_dir, manifest, {}, without="the conclusion names the city from the project's framework "
                                                               "(复核结论按项目的指标体系称呼该市)")
        return (archived or load_framework(city)).name, period
    except (EvalkitError, KeyError, TypeError, OSError):  # a name the audit refused, a manifest without its framework
        return city, period


def summary(report: AuditReport, run_dir: Path, manifest: dict[str, Any] | None) -> str:
    """The audit's conclusion in plain Chinese: what was audited, the verdict, and what each kind of finding means."""
    lines = ["evalkit 复核结论", ""]
    if manifest:
        city, period = _names(run_dir, manifest)
        lines.append(f"复核对象：{city}{period}考评结果，运行编号 {manifest['run']['id']}，核验码 {code(manifest['run']['id'])}，"
                     f"存档目录 {run_dir}。")
    lines.append(f"结论：{VERDICTS[report.verdict]}。")
    if report.verdict == "identical":
        lines.append("按存档的输入和参数，用当前安装的 evalkit 重新计算，结果、两个版本的网页和 PDF 文字、成绩表均与存档一致。")
    if report.differences is not None and len(report.differences):
        lines.append(f"重新计算的结果有 {report.differences['entity'].nunique()} 个考评对象的分值或排名与存档不同，明细见 audit.json。")
    if report.tables:
        lines.append("存档记录的以下表格与重新计算的不同：" + "；".join(_zh(t) for t in report.tables) + "。")
    if report.presentation:
        lines.append("结果相同，但以下发布文件的呈现不同（不影响分值和排名）：" + "；".join(report.presentation) + "。")
    if report.problems:
        lines.append("未能核实的原因：")
        lines += [f"  - {p}" for p in report.problems]
        lines.append("存档文件被改动、签名不符或缺少输入时，存档本身不可信；代码不同时，请检出运行记录中的提交（git checkout），"
                     "运行 make setup 后重新复核。")
    if manifest and report.environment:
        lines.append("运行环境与原运行不同：" + "；".join(environment_zh(manifest["software"], provenance.environment())) + "。"
                     "结果一致时，这些差异没有影响结果；结果不一致时，请检出运行记录中的提交（git checkout），运行 make setup 后重新复核。")
    if report.warnings:
        lines.append("提示：" + "；".join(_zh(w) for w in report.warnings) + "。")
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
