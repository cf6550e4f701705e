"""The ``evalkit`` command (DESIGN.md §4): thin wrappers that print what the package returns."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .errors import EvalkitError, InputError, ParameterError, RunError
from .applicability import load_applicability
from .framework import load_framework
from .inputs import read_period
from .scoring import AGGREGATIONS, score_period
from . import paths
from .demo import SEED, write_demo_period
from .display import framework_summary, problems_table, ranking_table
from .params import all_params, load_params
from .audit import audit
from .batch import run_all
from . import diff as run_diff, ledger
from .executor import ENGINES, start
from .runner import run
from .templates import write_templates


def _weights(text: str) -> dict[str, float]:
    """``monitoring=0.6,field=0.2,...`` -> dict."""
    try:
        return {k.strip(): float(v) for k, v in (part.split("=") for part in text.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected method=weight pairs, e.g. monitoring=0.6,field=0.2,survey=0.1,third_party=0.1") from None


def _seconds(text: str) -> int:
    """A positive whole number of seconds."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of seconds above 0, e.g. 600")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evalkit", description="数字政府建设考评: score, check and publish a city's assessment.")
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("framework", help="summarise a city's indicator framework")
    f.add_argument("city")
    for name, help_ in (("score", "score a half-year and print the rankings"), ("validate", "read and check a period's inputs only")):
        s = sub.add_parser(name, help=help_)
        s.add_argument("city")
        s.add_argument("period", help="e.g. 2022H1")
        s.add_argument("--data-dir", help="folder of the period's input tables (default data/CITY/PERIOD)")
        s.add_argument("--applicability", help="the 考评对象适用范围 workbook (.xlsx, from `evalkit applicability`) or a CSV of 考评对象,指标 pairs, replacing the framework's applicability")
        s.add_argument("--redistribute", action="store_true", help="share the weight of a method with no data among the others")
    for name, help_, default in (("templates", "write the lead units' workbooks for a period", "outputs/templates/CITY/PERIOD"),
                                 ("demo-data", "write synthetic submissions (示例数据) for a period", "data/CITY/PERIOD")):
        t = sub.add_parser(name, help=help_)
        t.add_argument("city")
        t.add_argument("period")
        t.add_argument("--out", help=f"output folder (default {default}); existing files are never overwritten")
    sub.choices["demo-data"].add_argument("--seed", type=int, default=SEED)
    ap = sub.add_parser("applicability", help="write the 考评对象适用范围 workbook for the lead units to confirm")
    ap.add_argument("city")
    ap.add_argument("--out", type=Path, help="workbook to write (default outputs/applicability/CITY_考评对象适用范围.xlsx); never overwritten")
    r = sub.add_parser("run", help="execute a period's notebooks with params/CITY/PERIOD.yaml and archive the run")
    r.add_argument("city", nargs="?")
    r.add_argument("period", nargs="?")
    r.add_argument("--all", action="store_true", help="every params file (halves before years), in parallel")
    r.add_argument("--city", dest="only_city", help="with --all: only this city")
    r.add_argument("--jobs", type=int, help="with --all: parallel runs (default: one per core)")
    r.add_argument("--force", action="store_true", help="run even if archived and unchanged; the archived run is kept beside "
                   "the new one, named by its own start time")
    r.add_argument("--quiet", action="store_true", help="with --all: no progress, no table; only problems and the last line")
    r.add_argument("--json", action="store_true", help="with --all: print a JSON summary on stdout instead of the table")
    r.add_argument("--timeout", type=_seconds, default=600, help="seconds a notebook cell may take (default 600)")
    r.add_argument("--scorecards", action="store_true", help="also render one scorecard (HTML and PDF) per entity")
    r.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    r.add_argument("--params", type=Path, help="params folder (default params/)")
    r.add_argument("--cluster", choices=list(ENGINES), default="local",
                   help="where runs and scorecards execute: local processes (default) or a Dask LocalCluster of --jobs workers")
    r.add_argument("--scheduler", metavar="tcp://HOST:8786", help="run on an existing Dask cluster (see the README)")
    a = sub.add_parser("audit", help="re-run an archived run and compare its results exactly")
    a.add_argument("run_dir", type=Path, help="an archived run folder, outputs/CITY/PERIOD")
    a.add_argument("--timeout", type=_seconds, default=600, help="seconds a notebook cell may take (default 600)")
    a.add_argument("--inputs", type=Path, help="audit against the input files of this folder (laid out like the project "
                   "folder: data/CITY/...) instead of the copies kept in the archive")
    d = sub.add_parser("diff", help="what changed between two archived runs: parameters, environment, input cells, results")
    d.add_argument("run_a", type=Path)
    d.add_argument("run_b", type=Path)
    d.add_argument("--json", action="store_true", help="print the changes as JSON")
    lg = sub.add_parser("ledger", help="the hash-chained log of every run, replacement and audit")
    lg.add_argument("action", choices=["verify"], help="verify: check the chain and every archived run against its manifest")
    lg.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    h = sub.add_parser("history", help="totals and ranks by period from the history database; 'rebuild' builds it anew from the archive")
    h.add_argument("city", help="a city, or 'rebuild'")
    h.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    h.add_argument("--annual", action="store_true", help="the years instead of the half-years")
    rc = sub.add_parser("rectification", help="write each lead unit's 整改清单 workbook from an archived period run")
    rc.add_argument("run_dir", type=Path, help="an archived half-year run, outputs/CITY/PERIOD")
    rc.add_argument("--out", type=Path, help="output folder (default outputs/rectification/CITY/PERIOD); existing files are never overwritten")
    st = sub.add_parser("site", help="build the static site of every published period from the archive")
    st.add_argument("--outputs", type=Path, help="outputs folder (default outputs/)")
    st.add_argument("--out", type=Path, help="site folder (default outputs/site); replaced as a whole")
    score = sub.choices["score"]
    score.add_argument("--lenient", action="store_true", help="list problems as warnings; missing scores count 0")
    score.add_argument("--weights", type=_weights, help="e.g. monitoring=0.6,field=0.2,survey=0.1,third_party=0.1")
    score.add_argument("--aggregation", choices=list(AGGREGATIONS), default="sum")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(format="evalkit: warning: %(message)s", level=logging.WARNING)
    try:
        return _COMMANDS[args.command](args)
    except BrokenPipeError:  # the output was piped into a program that stopped reading (head, less)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except InputError as exc:
        _print_problems(exc.problems)
        print(f"evalkit {args.command}: {len(exc.problems)} input problem(s)", file=sys.stderr)
        return 1
    except RunError as exc:
        print(f"evalkit {args.command}: {exc}", file=sys.stderr)
        return 1
    except (EvalkitError, ParameterError) as exc:
        print(f"evalkit {args.command}: {exc}", file=sys.stderr)
        return 2


def _framework(args: argparse.Namespace) -> int:
    fw = load_framework(args.city)
    print(f"{fw.title}: {len(fw.aspects)} 个方面, {len(fw.categories)} 个类别, {len(fw.indicators)} 项指标, "
          f"{len(fw.entities)} 个考评对象, {len(fw.assignments())} 项评分任务")
    print(framework_summary(fw).to_string(index=False))
    print("考评方式及权重: " + ", ".join(f"{m.name} {m.weight:.0%}" for m in fw.methods))
    return 0


def _framework_of(args: argparse.Namespace):
    """The city's framework, with ``--applicability`` applied."""
    fw = load_framework(args.city)
    return fw.with_applicability(load_applicability(fw, args.applicability)) if args.applicability else fw


def _load(args: argparse.Namespace):
    fw = _framework_of(args)
    return fw, read_period(fw, args.period, args.data_dir, strict=not args.lenient)


def _score(args: argparse.Namespace) -> int:
    fw, inputs = _load(args)
    result = score_period(fw, inputs, weights=args.weights, aggregation=args.aggregation, redistribute=args.redistribute)
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
        for group, label in fw.groups.items():
            table = ranking_table(fw, result, group)
            if len(table):
                print(f"\n{fw.name}{result.period.label} {label}排名")
                print(table.to_string(index=False, float_format="{:.2f}".format))
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    """Read every file of the period as ``score`` would, list what was read, ignored or refused, and score it
    (with ``--redistribute`` if given), so that a period that validates also scores."""
    fw = _framework_of(args)
    inputs = read_period(fw, args.period, args.data_dir, strict=False)
    actions = {"read": "读取 read", "ignored": "忽略 ignored", "refused": "拒绝 refused"}
    table = pd.DataFrame({"文件 file": [e.name for e in inputs.inventory], "处理 action": [actions[e.action] for e in inputs.inventory],
                          "说明": [e.zh for e in inputs.inventory], "reason": [e.reason for e in inputs.inventory]})
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250, "display.max_colwidth", 120, "display.max_rows", None):
        print(f"{inputs.data_dir}:")
        print(table.to_string(index=False))
    problems = list(inputs.problems)
    if not problems:
        try:
            score_period(fw, inputs, redistribute=args.redistribute)
        except InputError as exc:
            problems = exc.problems
    if problems:
        _print_problems(problems)
        print(f"\n{len(problems)} 个问题 problem(s): 请按提示修改后重新报送 fix them and submit again", file=sys.stderr)
        return 1
    print(f"{len(inputs.files)} 个文件已读取 files read, {len(inputs.monitoring)} 条评分 score rows; 没有问题 no problems")
    return 0


def _print_problems(problems) -> None:
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250, "display.max_colwidth", 120,
                           "display.max_rows", None):
        print(problems_table(problems).to_string(index=False), file=sys.stderr)


def _templates(args: argparse.Namespace) -> int:
    fw = load_framework(args.city)
    out = args.out or paths.OUTPUTS / "templates" / args.city / args.period
    files = write_templates(fw, args.period, out)
    print(f"{len(files)} 个模板 templates in {out}")
    return 0


def _applicability(args: argparse.Namespace) -> int:
    from .applicability_workbook import write_applicability_workbook

    fw = load_framework(args.city)
    path = write_applicability_workbook(fw, args.out or paths.OUTPUTS / "applicability" / f"{args.city}_考评对象适用范围.xlsx")
    print(f"考评对象适用范围表 applicability workbook: {path} ({len(fw.indicators)} 项指标 × {len(fw.entities)} 个考评对象)")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    fw = load_framework(args.city)
    out = args.out or paths.period_dir(args.city, args.period)
    files = write_demo_period(fw, args.period, out, seed=args.seed)
    print(f"{len(files)} 个示例数据文件 synthetic workbooks in {out}")
    return 0


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
        outcomes = run_all(specs, outputs=args.outputs, force=args.force, timeout=args.timeout, jobs=args.jobs,
                           scorecards=args.scorecards, progress=not (args.quiet or args.json))
        return _summary(outcomes, quiet=args.quiet, as_json=args.json)
    if not (args.city and args.period):
        raise ParameterError("give CITY and PERIOD, or --all")
    out = run(load_params(args.city, args.period, args.params), outputs=args.outputs, force=args.force, timeout=args.timeout,
              scorecards=args.scorecards, jobs=args.jobs)
    print(f"{args.city} {args.period}: {out}")
    return 0


STATUS = {"ok": "成功 ok", "failed": "失败 failed", "unchanged": "未变 unchanged", "not run": "未运行 not run"}


def _summary(outcomes, *, quiet: bool, as_json: bool) -> int:
    """Print a batch's outcomes (a table, or JSON) and the problems; exit 1 when any run failed or was not run."""
    failed = sum(not o.ok for o in outcomes)
    counts = {k: sum(o.status == k for o in outcomes) for k in STATUS}
    if as_json:
        print(json.dumps({"ok": not failed, "counts": counts, "runs": [
            {"city": o.spec.city, "period": str(o.spec.period), "status": o.status, "seconds": round(o.seconds, 1),
             "folder": o.where or None, "message": o.message or None} for o in outcomes]}, ensure_ascii=False, indent=2))
        return 1 if failed else 0
    if not quiet:
        table = pd.DataFrame({"城市 city": [o.spec.city for o in outcomes], "期间 period": [str(o.spec.period) for o in outcomes],
                              "结果 result": [STATUS[o.status] for o in outcomes],
                              "用时 s": [f"{o.seconds:.0f}" for o in outcomes], "输出 output": [o.where for o in outcomes]})
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
            print(table.to_string(index=False))
    for o in outcomes:
        if not o.ok:
            print(f"\n{o.message}", file=sys.stderr)
    print(f"\n{counts['ok']} 成功 succeeded, {counts['unchanged']} 未变 unchanged, {counts['failed']} 失败 failed, "
          f"{counts['not run']} 未运行 not run")
    return 1 if failed else 0


def _audit(args: argparse.Namespace) -> int:
    report = audit(args.run_dir, timeout=args.timeout, inputs=args.inputs)
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if report.environment:
        print("运行环境与存档时不同 the environment differs from the run's:", file=sys.stderr)
        for line in report.environment:
            print(f"  {line}", file=sys.stderr)
    if report.identical:
        print(f"{args.run_dir}: identical (结果一致)")
        return 0
    for p in report.problems:
        print(p, file=sys.stderr)
    if report.differences is not None and len(report.differences):
        shown = report.differences.rename(columns={"entity": "考评对象 entity", "column": "列 column",
                                                   "archived": "存档值 archived", "now": "复算值 now"})
        with pd.option_context("display.width", 200, "display.max_columns", None, "display.max_rows", None,
                               "display.unicode.east_asian_width", True):
            print(shown.to_string(index=False), file=sys.stderr)
    print(f"{args.run_dir}: NOT identical (结果不一致)", file=sys.stderr)
    return 1


def _history(args: argparse.Namespace) -> int:
    from .store import history, rebuild

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


def _rectification(args: argparse.Namespace) -> int:
    import nbformat

    from .archive import load_manifest, recorded, synthetic
    from .rectification import write_workbooks

    manifest = load_manifest(args.run_dir)
    if len(manifest["period"]) != 6:
        raise EvalkitError(f"{args.run_dir}: a year's run; expected an archived half-year run folder, outputs/CITY/PERIOD")
    nb = nbformat.read(str(args.run_dir / manifest["notebook"]), as_version=4)
    try:
        items = recorded(nb, "problems")
    except ValueError:
        raise EvalkitError(f"{args.run_dir}: the run recorded no problem list (问题清单); run the period again with this version") from None
    example = synthetic(recorded(nb, "options"))
    out = args.out or paths.OUTPUTS / "rectification" / manifest["city"] / manifest["period"]
    files = write_workbooks(load_framework(manifest["city"]), items.fillna({"carried": "", "required": "", "status": ""}),
                            manifest["period"], out, synthetic=example)
    print(f"{len(files)} 份整改清单 workbooks in {out}")
    return 0


def _site(args: argparse.Namespace) -> int:
    from .site import build_site

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
    problems = ledger.verify(outputs)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{outputs / ledger.NAME}: {len(problems)} 个问题 problem(s) (台账或存档被改动)", file=sys.stderr)
        return 1
    print(f"{outputs / ledger.NAME}: 台账完整，存档与运行记录一致 the ledger's chain holds and every archived run matches its manifest")
    return 0


_COMMANDS = {"applicability": _applicability, "audit": _audit, "demo-data": _demo_data, "diff": _diff, "framework": _framework,
             "history": _history, "ledger": _ledger, "rectification": _rectification, "run": _run, "score": _score, "site": _site,
             "templates": _templates, "validate": _validate}

if __name__ == "__main__":
    sys.exit(main())
