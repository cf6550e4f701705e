"""Commands on runs and their record: run, audit, history, site, diff, ledger."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..core import paths
from ..core.errors import EvalkitError, ParameterError
from ..framework.loading import load_framework
from ..inputs.params import all_params, load_params
from ..runs import archive, ledger
from ..runs import diff as run_diff
from ..runs.audit import VERDICTS, audit
from ..runs.audit_record import write_record
from ..runs.batch import run_all
from ..runs.executor import start
from ..runs.repair import Repair, repair
from ..runs.runner import run

if TYPE_CHECKING:
    from ..store.history import History

STATUS = {"ok": "成功 ok", "failed": "失败 failed", "unchanged": "未变 unchanged", "published": "已发布 published",
          "would run": "将运行 would run", "not run": "未运行 not run"}


def _run(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise ParameterError(f"--jobs {args.jobs}: expected a number of processes, 1 or more")
    with start(args.cluster, jobs=args.jobs, scheduler=args.scheduler):
        return _run_on(args)


def _run_on(args: argparse.Namespace) -> int:
    if args.all:
        specs = all_params(args.only_city, args.params)
        if not specs:
            raise ParameterError(f"no params files{' for ' + args.only_city if args.only_city else ''} under {args.params or paths.PARAMS}")
        if args.correct:
            raise ParameterError("--correct corrects one period: give CITY and PERIOD, not --all")
        outcomes = run_all(specs, outputs=args.outputs, force=args.force, timeout=args.timeout, jobs=args.jobs,
                           scorecards=args.scorecards, progress=not (args.quiet or args.json or args.dry_run), dry_run=args.dry_run)
        return _summary(outcomes, quiet=args.quiet, as_json=args.json)
    if not (args.city and args.period):
        raise ParameterError("give CITY and PERIOD, or --all")
    if args.correct != (args.reason is not None):
        raise ParameterError("--correct and --reason \"…\" go together: a correction states its reason (更正须说明原因)")
    spec = load_params(args.city, args.period, args.params)
    if args.dry_run:
        return _summary(run_all([spec], outputs=args.outputs, force=args.force, progress=False, dry_run=True),
                        quiet=args.quiet, as_json=args.json)
    for o in archive.applicability(spec):  # a what-if: said before it runs, in Chinese
        print(f"测算：本次运行按调整后的考评对象适用范围（文件 {o['path']}，校验值 {o['check']}）测算，非正式结果，"
              "不得作为考评结果公开发布；运行记录（manifest.json）已记录该文件的 SHA-256。", file=sys.stderr)
    out = run(spec, outputs=args.outputs, force=args.force, timeout=args.timeout, scorecards=args.scorecards, jobs=args.jobs,
              correct=args.reason if args.correct else None)
    print(f"{args.city} {args.period}: {out}" + ("（更正 correction, published）" if args.correct else ""))
    return 0


def _summary(outcomes, *, quiet: bool, as_json: bool) -> int:
    """Print a batch's outcomes (a table, or JSON) and the problems; exit 1 when any run failed or was not run."""
    failed = sum(not o.ok for o in outcomes)
    counts = {k: sum(o.status == k for o in outcomes) for k in STATUS}
    if as_json:
        print(json.dumps({"ok": not failed, "counts": counts, "runs": [
            {"city": o.spec.city, "period": str(o.spec.period), "status": o.status, "seconds": round(o.seconds, 1),
             "folder": o.where or None, "message": o.message or o.reason or None, "reason": o.reason or None}
            for o in outcomes]}, ensure_ascii=False, indent=2))
        return 1 if failed else 0
    if not quiet:
        table = pd.DataFrame({"城市 city": [o.spec.city for o in outcomes], "期间 period": [str(o.spec.period) for o in outcomes],
                              "结果 result": [STATUS[o.status] for o in outcomes],
                              "用时 s": [f"{o.seconds:.0f}" for o in outcomes], "输出 output": [o.where for o in outcomes],
                              "原因 reason": [o.reason for o in outcomes]})
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
            print(table.to_string(index=False))
    for o in outcomes:
        if not o.ok:
            print(f"\n{o.message}", file=sys.stderr)
    print(f"\n{counts['ok']} 成功 succeeded, {counts['unchanged']} 未变 unchanged, {counts['failed']} 失败 failed, "
          f"{counts['not run']} 未运行 not run"
          + (f", {counts['published']} 已发布 published (frozen)" if counts["published"] else "")
          + (f", {counts['would run']} 将运行 would run (dry run: nothing ran)" if counts["would run"] else ""))
    return 1 if failed else 0


def _audit(args: argparse.Namespace) -> int:
    report = audit(args.run_dir, timeout=args.timeout, inputs=args.inputs)
    try:
        manifest = archive.load_manifest(args.run_dir)
    except EvalkitError:
        manifest = None
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if report.environment:
        print("运行环境与存档时不同 the environment differs from the run's:", file=sys.stderr)
        for line in report.environment:
            print(f"  {line}", file=sys.stderr)
    for p in [*report.problems, *report.tables, *report.presentation]:
        print(p, file=sys.stderr)
    if report.differences is not None and len(report.differences):
        shown = report.differences.rename(columns={"entity": "考评对象 entity", "column": "列 column",
                                                   "archived": "存档值 archived", "now": "复算值 now"})
        with pd.option_context("display.width", 200, "display.max_columns", None, "display.max_rows", None,
                               "display.unicode.east_asian_width", True):
            print(shown.to_string(index=False), file=sys.stderr)
    folder = write_record(report, args.run_dir, manifest, args.report)
    print(f"复核记录 audit record: {folder / 'audit.json'}, {folder / '复核结论.txt'}", file=sys.stderr)
    if report.identical:
        print(f"{args.run_dir}: identical (结果一致)")
        return 0
    print(f"{args.run_dir}: NOT identical: {report.verdict} ({VERDICTS[report.verdict]})", file=sys.stderr)
    return 1


def _history(args: argparse.Namespace) -> int:
    from ..store.history import database, history, rebuild

    if args.schema:
        return _schema(history(None, args.outputs), database(args.outputs))
    if args.city is None:
        raise EvalkitError("name a city, 'rebuild' or --schema (请指定城市)")
    if args.city == "rebuild":
        path = rebuild(args.outputs)
        print(f"{path}: rebuilt from the run folders (已由存档重建)")
        return 0
    table = history(args.city, args.outputs).by_period(annual=args.annual)
    if table.empty:
        raise EvalkitError(f"no published runs of {args.city!r} in the history; run `evalkit run` first, or `evalkit history rebuild`")
    fw = load_framework(args.city)
    periods = list(dict.fromkeys(table.columns.get_level_values(1)))
    shown = pd.DataFrame({p: [f"{t:.2f}（{int(r)}）" if pd.notna(t) else "—" for t, r in zip(table[("total", p)], table[("rank", p)])]
                          for p in periods}, index=table.index)
    order = {e: i for i, e in enumerate(fw.entities["entity"])}
    shown = shown.iloc[sorted(range(len(shown)), key=lambda i: order.get(shown.index[i][1], len(order)))]
    shown.index = pd.MultiIndex.from_tuples([(fw.groups.get(g, g), e) for g, e in shown.index], names=["组别", "考评对象"])
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250, "display.max_rows", None):
        print(f"{fw.name}{'年度' if args.annual else '半年'}考评分值（组内排名）")
        print(shown.to_string())
    return 0


def _site(args: argparse.Namespace) -> int:
    from ..publish.site import build_site

    print(f"{build_site(args.outputs, args.out)}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    changes = run_diff.diff(args.run_a, args.run_b)
    if args.json:
        print(json.dumps(run_diff.as_json(changes), ensure_ascii=False, indent=2))
    elif changes:
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250, "display.max_colwidth", 80,
                               "display.max_rows", None):
            print(run_diff.table(changes).to_string(index=False))
        print(f"\n{len(changes)} 处不同 difference(s): A = {args.run_a}, B = {args.run_b}")
    else:
        print(f"{args.run_a} = {args.run_b}: 没有不同 no differences")
    return 1 if changes else 0


def _ledger(args: argparse.Namespace) -> int:
    outputs = args.outputs or paths.OUTPUTS
    if args.action == "repair":
        _print_repair(repair(outputs), outputs)
    problems = ledger.verify(outputs)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{outputs / ledger.NAME}: {len(problems)} 个问题 problem(s) (台账或存档被改动)"
              + ("" if args.action == "repair" else "; `evalkit ledger repair` rebuilds what can be trusted"), file=sys.stderr)
        return 1
    print(f"{outputs / ledger.NAME}: 台账完整，存档与运行记录一致 the ledger's chain holds and every archived run matches its manifest")
    return 0


def _print_repair(done: Repair, outputs: Path) -> None:
    if done.evidence:
        print(f"台账已损坏，原文件保留为证据 the damaged ledger is kept as evidence: {done.evidence}")
        print(f"保留完好记录 {done.kept} 条 entries kept (each with its original hash and signature); "
              f"舍弃损坏记录 {len(done.dropped)} 条 dropped:")
        for d in done.dropped:
            print(f"  {d}")
    for r in done.recorded:
        print(f"据签名运行记录补记 recorded from its signed manifest: {r}")
    for lost in done.lost:
        print(f"无法恢复 not rebuilt: {lost}", file=sys.stderr)
    if not done.changed:
        print(f"{outputs / ledger.NAME}: 无需修复 nothing to repair")


def _schema(h: History, path: Path) -> int:
    from ..store.schema import described

    print(f"历史库 {path}：各表和各列的说明（也以注释存于库中：SELECT * FROM duckdb_columns()）")
    for table, rows in described(h.con).groupby("表", sort=False):
        about = rows[rows["列"] == ""]["说明"].iloc[0]
        print(f"\n{table}：{about}")
        for _, r in rows[rows["列"] != ""].iterrows():
            print(f"  {r['列']:<14} {r['类型'] or '—':<10} {r['说明']}")
    return 0


COMMANDS = {"audit": _audit, "diff": _diff, "history": _history, "ledger": _ledger, "run": _run, "site": _site}
